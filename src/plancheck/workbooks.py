"""Workbooks parsed ahead, in a background thread, while the command imports pandas.

python-calamine parses a sheet in Rust without holding the GIL: a 100k-row sheet takes about
1 s, the imports of pandas/pyarrow about 0.3 s. The command starts the parse of the workbook
it was given first (:func:`prefetch`), and :func:`readers.read_excel` takes the parsed sheets
(:func:`take`) instead of parsing again — so the imports cost no time of their own.

Only a workbook that passes the same size checks :func:`readers.check_zip` makes is parsed
ahead (nothing here imports pandas, so these checks live here and readers uses them). Anything
unusual — another format, a damaged file, a renamed workbook, a file changed since — is left to
``read_excel``, which reads it the ordinary way and reports its problems in its own words.
"""

from __future__ import annotations

import os
import threading
import zipfile
from pathlib import Path
from typing import Any, Optional

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


class _Parse:
    """One workbook being parsed in a thread: its sheets by name once done, or None."""

    def __init__(self, path: Path):
        self.path = path
        self.stamp = _stamp(path)
        self.sheets: Optional[dict[str, Any]] = None
        self.names: list[str] = []
        self.thread = threading.Thread(target=self._run, name=f"parse {path.name}", daemon=True)

    def _run(self) -> None:
        try:
            with self.path.open("rb") as fh:
                if fh.read(4) != b"PK\x03\x04":
                    return
            if not zip_within_limits(*zip_sizes(self.path)):
                return
            from python_calamine import CalamineWorkbook

            wb = CalamineWorkbook.from_path(str(self.path))
            self.names = list(wb.sheet_names)
            self.sheets = {name: wb.get_sheet_by_name(name) for name in self.names}
        except BaseException:  # noqa: BLE001 — any failure (even a Rust panic) leaves the file to read_excel
            self.sheets = None


_pending: dict[str, _Parse] = {}


def _stamp(path: Path) -> Optional[tuple[int, int]]:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def prefetch(path: Optional[Path]) -> None:
    """Start parsing ``path`` in the background if it is a workbook file (.xlsx/.xlsm); else nothing."""
    if path is None or path.suffix.lower() not in PREFETCH_SUFFIXES or not path.is_file():
        return
    key = os.path.abspath(path)
    if key in _pending:
        return
    job = _Parse(path)
    _pending[key] = job
    job.thread.start()


def take(path: Path) -> Optional[tuple[list[str], dict[str, Any]]]:
    """(sheet names, parsed sheets) of a workbook parsed ahead and unchanged since, waiting for it if
    needed; None if it was not parsed ahead (or could not be). Each parse is taken once."""
    job = _pending.pop(os.path.abspath(path), None)
    if job is None:
        return None
    job.thread.join()
    if job.sheets is None or job.stamp is None or _stamp(path) != job.stamp:
        return None
    return job.names, job.sheets
