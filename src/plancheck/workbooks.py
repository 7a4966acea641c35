"""Opening workbooks, and parsing them ahead in a background thread while the command imports pandas.

fastexcel (calamine, in Rust) parses a sheet without holding the GIL and hands its cells over as
Arrow text, never as one Python object per cell: a 100k-row sheet takes about 0.7 s, the imports of
pandas/pyarrow about 0.3 s. A run parses the workbooks it was given as files in the background
(:func:`parsing_ahead`), and :func:`readers.read_excel` takes the parsed sheets (:func:`take`)
instead of parsing again — so the imports cost no time of their own.

Only a workbook that passes the same size checks :func:`readers.check_zip` makes is parsed
ahead (nothing here imports pandas, so these checks live here and readers uses them). Anything
unusual — another format, a damaged file, a renamed workbook, a file changed since — is left to
``read_excel``, which reads it the ordinary way and reports its problems in its own words.
"""

from __future__ import annotations

import os
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

#: Limits for a zipped workbook (.xlsx): bounded time and memory, and no zip bombs.
MAX_XLSX_UNCOMPRESSED = 256 * 1024**2
MAX_ZIP_RATIO = 200
#: Workbooks parsed ahead: the suffixes whose content is a zip (Office Open XML).
PREFETCH_SUFFIXES = (".xlsx", ".xlsm")


def zip_sizes(path: Path) -> tuple[int, int]:
    """(unpacked, packed) bytes of a zip's members, from its central directory.

    Raises zipfile.BadZipFile or OSError for a damaged or truncated file."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        return sum(i.file_size for i in infos), sum(i.compress_size for i in infos) or 1


def zip_within_limits(total: int, packed: int) -> bool:
    return total <= MAX_XLSX_UNCOMPRESSED and total / packed <= MAX_ZIP_RATIO


def open_workbook(source: str | bytes) -> Any:
    """A fastexcel reader of a workbook file (its kind chosen by the file's suffix) or of a workbook's
    bytes (its kind chosen by the content). Raises fastexcel's errors for what it cannot open."""
    import fastexcel

    return fastexcel.read_excel(source)


def load_text(reader: Any, name: str) -> Any:
    """One sheet parsed, every cell as text (a blank cell: null), from row 1 on — leading blank rows kept,
    so positions are the sheet's rows; the columns start at the first used one (``absolute_index``).

    Numbers are written as fastexcel writes them: whole numbers exactly ("2152000123", "593"),
    others to at most 9 decimals ("12.5", "0.333333333"); yes/no cells "true"/"false"; dates
    "2021-09-01 00:00:00"; error cells (#DIV/0!) blank."""
    return reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")


def _parse(path: Path) -> Optional[tuple[list[str], dict[str, Any]]]:
    """(sheet names, parsed sheets by name) of a zipped workbook within the size limits; None otherwise."""
    try:
        with path.open("rb") as fh:
            if fh.read(4) != b"PK\x03\x04":
                return None
        if not zip_within_limits(*zip_sizes(path)):
            return None
        reader = open_workbook(str(path))
        names = list(reader.sheet_names)
        return names, {name: load_text(reader, name) for name in names}
    except BaseException:  # noqa: BLE001 — any failure (even a Rust panic) leaves the file to read_excel
        return None


#: absolute path -> (size and modification time when the parse started, the parse)
_pending: dict[str, tuple[Optional[tuple[int, int]], Future]] = {}


def _stamp(path: Path) -> Optional[tuple[int, int]]:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def prefetch(path: Optional[Path]) -> Optional[str]:
    """Start parsing ``path`` in the background if it is a workbook file (.xlsx/.xlsm); returns its key
    in the pending parses, None if nothing was started."""
    if path is None or path.suffix.lower() not in PREFETCH_SUFFIXES or not path.is_file():
        return None
    key = os.path.abspath(path)
    if key in _pending:
        return None
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plancheck-parse")
    _pending[key] = (_stamp(path), pool.submit(_parse, path))
    pool.shutdown(wait=False)  # the parse still runs; its future gives the result
    return key


@contextmanager
def parsing_ahead(paths: Iterable[Optional[Path]]) -> Iterator[None]:
    """The workbooks among ``paths`` parsed in the background for the time of the block; a parse that
    was not taken by its end (the run stopped early) is dropped rather than holding a whole sheet."""
    started = [key for key in map(prefetch, paths) if key is not None]
    try:
        yield
    finally:
        for key in started:
            _pending.pop(key, None)


def take(path: Path) -> Optional[tuple[list[str], dict[str, Any]]]:
    """(sheet names, parsed sheets) of a workbook parsed ahead and unchanged since, waiting for it if
    needed; None if it was not parsed ahead (or could not be). Each parse is taken once."""
    stamp, parse = _pending.pop(os.path.abspath(path), (None, None))
    if parse is None:
        return None
    parsed = parse.result()
    if parsed is None or stamp is None or _stamp(path) != stamp:
        return None
    return parsed
