"""Every file plancheck writes is written whole or not at all.

The content goes to a temporary file in the same folder (``.NAME.<pid>.<random>.tmp``), which is
flushed to disk and then moved over NAME with :func:`os.replace` (atomic on POSIX and Windows).
A reader — Excel, a CI job, a second plancheck — therefore sees the old file or the new one, never
half of one; two writers at once leave one of the two whole. A write that fails (a full disk, a
folder without write permission, a file Excel holds open) removes the temporary file, leaves the
old file as it was, and raises :class:`OSError` whose ``filename`` is the file asked for (a bare
``write()`` error names no file). A process killed mid-write leaves at most its temporary file.

A path that exists and is not a regular file (``/dev/null``, ``/dev/stdout``, a named pipe) is
written in place: it cannot be replaced and is not a file a reader could see half-written.

Only the standard library: ``plancheck targets`` uses this without importing pandas.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import IO, Iterable, Iterator, Optional, Union

PathLike = Union[str, "os.PathLike[str]"]


@contextlib.contextmanager
def atomic_open(path: PathLike, mode: str = "w", encoding: Optional[str] = None,
                newline: Optional[str] = None) -> Iterator[IO]:
    """``with atomic_open(path, "w", encoding="utf-8") as fh: fh.write(...)`` — ``path`` appears whole
    when the block ends normally; an exception in the block leaves ``path`` as it was."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open: mode {mode!r} (only 'w' and 'wb')")
    target = Path(path)
    try:
        info = os.stat(target)
    except OSError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(21, "it is a folder", str(target))
        with _named(target), open(target, mode, encoding=encoding, newline=newline) as fh:
            yield fh
        return
    real = Path(os.path.realpath(target))  # a symlink keeps pointing at the (new) file it named
    tmp = real.with_name(f".{real.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    with _named(target):
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    fh = None
    done = False
    try:
        with _named(target):
            # the new file keeps the old one's permissions; a new one gets 0o666 less the umask (os.open)
            if info is not None:
                with contextlib.suppress(OSError):
                    os.chmod(tmp, stat.S_IMODE(info.st_mode))
            fh = os.fdopen(fd, mode, encoding=encoding, newline=newline)
            with fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, real)
        done = True
    finally:
        if not done:
            if fh is None:  # (once fdopen has it, the file object closes it; the number may be reused since)
                with contextlib.suppress(OSError):
                    os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def write_pieces(fh: IO, pieces: Iterable[bytes]) -> None:
    """Each of ``pieces`` into ``fh`` in order, written by a helper thread while the caller makes the next ones:
    a write into the page cache holds no GIL, so a country's 200 MB report is written while it is formatted
    instead of after each block. An error in a write (a full disk) is raised here, as ``fh.write`` raises it,
    and no more pieces are made; an error in making them is raised once what was made is written."""
    import queue
    import threading

    ready: queue.Queue = queue.Queue(maxsize=4)   # (a few pieces in flight: memory stays bounded)
    failed: list[BaseException] = []

    syncing = _Syncing(fh)

    def drain() -> None:
        while True:
            piece = ready.get()
            if piece is None:
                syncing.join()
                return
            if not failed:
                try:
                    fh.write(piece)
                    syncing.wrote(len(piece))
                except BaseException as exc:  # noqa: BLE001 — raised in the caller's thread below
                    failed.append(exc)

    writer = threading.Thread(target=drain, name="plancheck-write", daemon=True)
    writer.start()
    try:
        for piece in pieces:
            if failed:
                break
            ready.put(piece)
    finally:
        ready.put(None)
        writer.join()
    if failed:
        raise failed[0]


class _Syncing:
    """Starts the disk's writing of what was written so far (fdatasync in a thread) every :data:`SYNC_EVERY` bytes,
    so that the fsync before a large report's rename (atomic_open) has little left to wait for."""

    SYNC_EVERY = 32 * 1024**2

    def __init__(self, fh: IO):
        self.fh, self.pending, self.thread = fh, 0, None

    def wrote(self, size: int) -> None:
        self.pending += size
        sync = getattr(os, "fdatasync", None)
        if sync is None or self.pending < self.SYNC_EVERY or (self.thread is not None and self.thread.is_alive()):
            return
        import threading

        self.pending = 0
        try:
            fd = self.fh.fileno()
        except (OSError, ValueError, AttributeError):
            return
        self.thread = threading.Thread(target=_sync_quietly, args=(sync, fd), name="plancheck-sync", daemon=True)
        self.thread.start()

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()


def _sync_quietly(sync, fd: int) -> None:
    with contextlib.suppress(OSError):   # (a failure shows in the fsync that follows the writing)
        sync(fd)


def write_text(path: PathLike, text: str, encoding: str = "utf-8", newline: Optional[str] = None) -> None:
    """``Path.write_text``, atomically (see the module docstring)."""
    with atomic_open(path, "w", encoding=encoding, newline=newline) as fh:
        fh.write(text)


def write_bytes(path: PathLike, data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


@contextlib.contextmanager
def _named(path: Path) -> Iterator[None]:
    """An OSError raised inside names ``path`` (the file the user asked for, not the temporary one)."""
    try:
        yield
    except OSError as exc:
        if exc.filename == str(path):
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
