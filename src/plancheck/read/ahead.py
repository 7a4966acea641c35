"""Input files read ahead, in background threads, while the command imports pandas.

Importing pandas and pyarrow takes about 0.3 s of every run. Reading a CSV with pyarrow.csv and
parsing a workbook with fastexcel both let go of the GIL and need no pandas, so a run starts them
for the files it was given (:func:`parsing_ahead`) and :mod:`readers` takes the result (:func:`take`)
instead of reading again: the imports then cost no time of their own.

What is read ahead is exactly what readers would compute first (textfile.read_ahead for a plain
UTF-8 CSV, workbooks.parse for a zipped workbook within the size limits). Anything unusual — an
empty, oversized, damaged or renamed file, another encoding, quoting, a file changed since — gives
no result and is read by readers the ordinary way, which reports its problems in its own words.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from ..startup import drop_early, file_version
from . import textfile, workbooks

#: (absolute path, the table expected of it; None for a workbook) -> (the file's version (startup.file_version)
#: when the read started, the read, set once the read holds no GIL any more: its parse started, or it ended)
_pending: dict[tuple[str, Optional[str]], tuple[Optional[tuple[str, int, int]], Future, threading.Event]] = {}


#: how long a run waits at most, in all, for its reads ahead to reach their parse (seconds)
PARSE_WAIT = 2.0


def _reader(path: Path, expect: Optional[str], tables=None,
            parsing: Optional[Callable[[], None]] = None) -> tuple[Optional[str], Optional[Callable[[], Any]]]:
    """(the key's role part, the read to run ahead) for a file read the same way by readers.read_file.
    ``parsing``: called once a CSV's read reaches pyarrow's parse (a workbook's: at once)."""
    suffix = path.suffix.lower()
    if suffix in workbooks.PREFETCH_SUFFIXES:
        return None, lambda: workbooks.parse(path)
    if suffix in textfile.CSV_SUFFIXES or suffix == "":
        return expect, lambda: textfile.read_ahead(path, expect, tables, parsing)
    return None, None


def prefetch(path: Optional[Path], expect: Optional[str], tables) -> Optional[tuple[str, Optional[str]]]:
    """Start reading ``path`` in the background if it is a CSV or zipped-workbook file; returns its key in
    the pending reads, None if nothing was started."""
    if path is None or not path.is_file():
        return None
    parsing = threading.Event()
    role, read = _reader(path, expect, tables, parsing.set)
    key = (os.path.abspath(path), role)
    if read is None or key in _pending:
        return None
    if path.suffix.lower() in workbooks.PREFETCH_SUFFIXES:   # nothing to wait for
        parsing.set()

    def run() -> Any:
        try:
            return read()
        finally:
            parsing.set()

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plancheck-ahead")
    _pending[key] = (file_version(path), pool.submit(run), parsing)
    pool.shutdown(wait=False)  # the read still runs; its future gives the result
    return key


def wait_parsing(keys: list[tuple[str, Optional[str]]], timeout: float = PARSE_WAIT) -> None:
    """Wait until the reads of ``keys`` hold no GIL any more (each CSV's parse started, or its read ended),
    importing pyarrow meanwhile (as the read's first bytes come from the disk). A read's own Python steps
    (import, header, checks of the bytes) are then not slowed by what the caller imports next (pandas): the
    parse, on every core, starts as early as it can."""
    events = [_pending[key][2] for key in keys if key in _pending]
    if all(event.is_set() for event in events):
        return
    textfile.use_jemalloc()
    deadline = time.monotonic() + timeout
    for event in events:
        event.wait(max(0.0, deadline - time.monotonic()))


#: called with a file's path when its read ahead is taken (e.g. to hash the file on an idle core meanwhile)
_when_read: Optional[Callable[[Path], None]] = None


@contextmanager
def parsing_ahead(paths: list[tuple[Optional[str], Path]], tables,
                  when_read: Optional[Callable[[Path], None]] = None) -> Iterator[None]:
    """The files among ``paths`` ((table expected or None, file) pairs) read in the background, with the
    plan's declared ``tables``, for the time of the block; a read that was not taken by its end (the run
    stopped early) is dropped rather than kept. ``when_read``: called with each file's path as its read
    ahead is taken."""
    global _when_read
    pairs = [(r, p) for r, p in paths.items() if p is not None] if isinstance(paths, dict) else paths
    started = [key for key in (prefetch(path, role, tables) for role, path in pairs) if key is not None]
    _when_read = when_read
    try:
        wait_parsing(started)
        drop_early()    # the reads ahead took their bytes read early; what is left was no input
        yield
    finally:
        _when_read = None
        drop_early()
        for key in started:
            _pending.pop(key, None)


def take(path: Path, expect: Optional[str] = None) -> Any:
    """What was read ahead for ``path`` (as ``expect``; a workbook: without), unchanged since, waiting for
    it if needed; None if it was not read ahead (or gave nothing). Each read is taken once."""
    role, _ = _reader(path, expect)
    stamp, read, _ = _pending.pop((os.path.abspath(path), role), (None, None, None))
    if read is None:
        return None
    result = read.result()
    if result is None or stamp is None or file_version(path) != stamp:
        return None
    if _when_read is not None:
        _when_read(path)
    return result
