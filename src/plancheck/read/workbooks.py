"""Opening and parsing workbooks (fastexcel), and the size checks made before a workbook is unpacked.

fastexcel (calamine, in Rust) parses a sheet without holding the GIL and hands its cells over as
Arrow text, never as one Python object per cell: a 100k-row sheet takes about 0.7 s, the imports of
pandas/pyarrow about 0.3 s. So a run parses the workbooks it was given as files in the background
(:func:`parse`, started by ahead.py) while it imports pandas, and :func:`readers.read_excel` takes
the parsed sheets instead of parsing again.

Only a workbook that passes the same size checks :func:`readers.check_zip` makes is parsed
ahead (nothing here imports pandas, so these checks live here and readers uses them). Anything
unusual — another format, a damaged file, a renamed workbook, a file changed since — is left to
``read_excel``, which reads it the ordinary way and reports its problems in its own words.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any, Callable, Optional

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
    bytes (its kind chosen by the content). Raises fastexcel's errors for what it cannot open.

    calamine's warnings (e.g. “'chartsheet' not a valid worksheet” for a chart sheet, which reads as
    empty and is skipped) go to Python's ``logging``; with no handler anywhere, Python would print them
    bare on standard error, so the ``calamine`` logger gets a handler that drops them. A program that
    configures logging still receives them."""
    import logging

    import fastexcel

    calamine = logging.getLogger("calamine")
    if not calamine.handlers:
        calamine.addHandler(logging.NullHandler())

    return fastexcel.read_excel(source)


def load_text(reader: Any, name: str) -> Any:
    """One sheet parsed, every cell as text (a blank cell: null), from row 1 on — leading blank rows kept,
    so positions are the sheet's rows; the columns start at the first used one (``absolute_index``).

    Numbers are written as fastexcel writes them: whole numbers exactly ("2152000123", "593"),
    others to at most 9 decimals ("12.5", "0.333333333"); yes/no cells "true"/"false"; dates
    "2022-09-01 00:00:00"; error cells (#DIV/0!) blank."""
    return reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")


def scan(path: Path) -> Callable[[], Any]:
    """Inflate the workbook's parts for real and refuse it past the size limit (its directory's sizes may lie):
    raises xlsxscan.TooLarge before calamine unpacks anything. Then what each worksheet holds beyond its values
    (:func:`xlsxscan.scan`: hidden rows and columns, formulas never computed) is looked for in a background
    thread while calamine parses; the function returned gives it (None if that failed)."""
    from concurrent.futures import ThreadPoolExecutor

    from . import xlsxscan

    xlsxscan.scan(path, MAX_XLSX_UNCOMPRESSED, marks=False)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plancheck-scan")
    future = pool.submit(xlsxscan.scan, path, MAX_XLSX_UNCOMPRESSED)
    pool.shutdown(wait=False)

    def result() -> Any:
        try:
            return future.result()
        except Exception:  # noqa: BLE001 — the bounded pass above read the same bytes; nothing to add
            return None

    return result


def parse(path: Path) -> Optional[tuple[list[str], dict[str, Any], Any]]:
    """(sheet names, parsed sheets by name, :func:`scan`) of a zipped workbook within the size limits;
    None otherwise."""
    try:
        with path.open("rb") as fh:
            if fh.read(4) != b"PK\x03\x04":
                return None
        if not zip_within_limits(*zip_sizes(path)):
            return None
        marks = scan(path)  # (before calamine unpacks anything: the real sizes are bounded here)
        reader = open_workbook(str(path))
        names = list(reader.sheet_names)
        return names, {name: load_text(reader, name) for name in names}, marks()
    except BaseException:  # noqa: BLE001 — any failure (even a Rust panic) leaves the file to read_excel
        return None
