"""How the ``plancheck`` command starts and ends without spending its time on the interpreter.

Two costs that a county-size run pays and that are not work (measured in bench/README.md):

* the cyclic garbage collector runs again and again while pandas, pyarrow, pydantic and typer
  are imported, scanning objects that live until the process ends (~40 ms);
* interpreter teardown frees every module and object one by one at exit (~100 ms after pandas).

So the console command pauses the collector until its imports are done (then freezes what was
imported, so later collections do not scan it, and resumes it), and ends with ``os._exit`` once
standard output and standard error are flushed. Output files are written and closed by the
commands before they return, so nothing is lost. The library API never does either: only
``cli.main`` calls :func:`pause_gc` and :func:`exit_now`.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from typing import Optional

_paused = False


def pause_gc() -> None:
    """Stop the cyclic collector until :func:`imports_done` (no-op if it is already disabled)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def imports_done() -> None:
    """Resume the collector paused by :func:`pause_gc`, freezing the imported objects first."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def exit_code_of(exc: SystemExit) -> int:
    """The process exit status ``SystemExit`` would give (``None`` → 0, a message → printed, 1)."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def exit_now(code: int) -> None:
    """Flush standard streams and leave without interpreter teardown."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with the stream closed
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said on it
            pass
    os._exit(code)


#: the commands whose file arguments are inputs, read from the disk while the command line is parsed
READING_COMMANDS = ("run", "validate")
#: suffixes of the text files read that early (what read/textfile reads ahead; workbooks are parsed there)
EARLY_SUFFIXES = (".csv", ".txt", ".tsv")
#: largest file read early (read/textfile refuses larger ones anyway)
EARLY_MAX_BYTES = 256 * 1024**2

#: (absolute path, size, modification time) -> [an event set once read, its bytes once read]
_early: dict[tuple[str, int, int], list] = {}
#: the same key -> [the thread reading and hashing it, the SHA-256 of its bytes once hashed]
_digests: dict[tuple[str, int, int], list] = {}


def file_version(path) -> Optional[tuple[str, int, int]]:
    """(absolute path, size, modification time) of a file, to tell whether it changed since; None if it cannot be
    read (the one test of "unchanged since" of the reads and digests started ahead)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return os.path.abspath(path), st.st_size, st.st_mtime_ns


def read_early(argv: list[str]) -> None:
    """Start reading the bytes of the text files among the arguments of a reading command (``PATH`` or
    ``NAME=PATH``), each in a thread, while typer parses the options: file reads hold no GIL, and the read
    ahead (read/textfile.read_ahead) takes them instead of reading the file again. The thread then computes
    the SHA-256 of the bytes it read (hashlib holds no GIL either: the core is idle while the command imports
    its modules), which a report naming its inputs takes (:func:`early_digest`) instead of reading the file
    once more later, beside the checks. Nothing here parses the command line: any argument that names an
    existing text file is read; one that is not an input is dropped unread by :func:`drop_early`."""
    if not argv or argv[0] not in READING_COMMANDS:
        return
    for arg in argv[1:]:
        path = arg.rpartition("=")[2]
        if not path.lower().endswith(EARLY_SUFFIXES):
            continue
        version = file_version(path)
        if version is None or not 0 < version[1] <= EARLY_MAX_BYTES or version in _early:
            continue
        slot: list = []
        digest: list = []
        read = threading.Event()
        thread = threading.Thread(target=_read_into, args=(path, slot, read, digest), name="plancheck-early",
                                  daemon=True)
        _early[version] = [read, slot]
        _digests[version] = [thread, digest]
        thread.start()


def _read_into(path: str, slot: list, read: threading.Event, digest: list) -> None:
    try:
        with open(path, "rb") as fh:
            slot.append(fh.read())
    except OSError:
        return
    finally:
        read.set()   # (the bytes are there, or will never be: no one waits in vain)
    import hashlib

    digest.append(hashlib.sha256(slot[0]).hexdigest())


def take_early(path) -> Optional[bytes]:
    """The bytes of ``path`` read by :func:`read_early`, if it has not changed since; None otherwise."""
    version = file_version(str(path))
    entry = _early.pop(version, None) if version is not None else None
    if entry is None:
        return None
    read, slot = entry
    read.wait()
    return slot[0] if slot and len(slot[0]) == version[1] and file_version(str(path)) == version else None


def hashed_early(path) -> bool:
    """Whether the SHA-256 of ``path`` as it is now is computed, or being computed, by :func:`read_early`."""
    version = file_version(str(path))
    return version is not None and version in _digests


def early_digest(path) -> Optional[str]:
    """The SHA-256 (hex) of the bytes of ``path`` read by :func:`read_early`, if the file has not changed since
    (waiting for the hash if it is still being computed); None otherwise."""
    version = file_version(str(path))
    entry = _digests.get(version) if version is not None else None
    if entry is None:
        return None
    thread, digest = entry
    thread.join()
    return digest[0] if digest and file_version(str(path)) == version else None


def drop_early() -> None:
    """Let go of the bytes read early and not taken."""
    _early.clear()
