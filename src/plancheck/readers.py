"""CSV / Excel / folder -> raw tables of text cells, with source locations kept.

A :class:`RawTable` holds the cells as strings exactly as the sheet shows them
(numbers from Excel written without a spurious ``.0``), the header as written,
and the spreadsheet row number of every data row, so every later problem can be
located as the user sees it. Title rows above the header, blank rows, 合计/小计
rows and footer rows are found here; totals and footers are reported as skipped.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Iterable, Optional

import pandas as pd

from . import errors as E
from .errors import Problem
from .schema import TABLES, header_lookup, normalize_header

#: Sizes beyond which a file is refused (bounded time and memory).
MAX_FILE_BYTES = 2 * 1024**3
MAX_XLSX_UNCOMPRESSED = 1024**3
MAX_LINE_BYTES = 1024**2
HEADER_SCAN_ROWS = 30

TOTAL_WORDS = ("合计", "小计", "总计", "总数", "共计", "全县合计", "total", "subtotal")
FOOTER_WORDS = ("填表人", "审核人", "填报日期", "制表人", "负责人", "联系电话", "填报人", "校长签字", "单位盖章",
                "审核", "制表", "日期：", "备注：", "说明：")

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}

_LOOKUPS = {name: header_lookup(spec) for name, spec in TABLES.items()}
_TABLE_NAMES = {normalize_header(n): name for name, spec in TABLES.items() for n in (name, spec.zh, *spec.aliases)}


class ReadError(Exception):
    """A file (or sheet) that cannot be read at all; carries located problems."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message("en") for p in problems))
        self.problems = problems


@dataclass
class RawTable:
    file: str
    sheet: Optional[str]
    table: Optional[str]            # schools | population | milestones | None (not recognised)
    headers: list[str]              # as written
    header_row: int                 # spreadsheet row of the header (1-based)
    data: pd.DataFrame              # positional columns 0..n-1, every cell a string ("" = blank)
    rows: list[int]                 # spreadsheet row number of each data row
    problems: list[Problem] = field(default_factory=list)   # skipped rows, totals, ragged rows...
    encoding: Optional[str] = None
    rows_read: int = 0              # non-blank rows under the header, skipped ones included
    total_rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (row, cells) of 合计 rows

    def cell_address(self, row: int, col_index: int) -> Optional[str]:
        if self.sheet is None:
            return None
        return f"{self.sheet}!{column_letter(col_index + 1)}{row}"


def column_letter(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


# ------------------------------------------------------------------ header finding
def score_header(cells: list[str]) -> tuple[Optional[str], int]:
    """Which table a row of cells is the header of, and how many cells matched."""
    best, best_n = None, 0
    keys = [normalize_header(c) for c in cells]
    for name, lookup in _LOOKUPS.items():
        n = len({lookup[k] for k in keys if k in lookup})
        if n > best_n:
            best, best_n = name, n
    return best, best_n


def find_header(rows: list[list[str]], expect: Optional[str] = None) -> tuple[int, Optional[str]]:
    """Index of the header row within ``rows`` and the table it belongs to (-1 if none)."""
    for i, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        name, n = score_header(cells)
        if name is None:
            continue
        need = 1 if name == "population" or name == "milestones" else 2
        if expect and name != expect:
            n_expect = len({_LOOKUPS[expect][normalize_header(c)] for c in cells
                            if normalize_header(c) in _LOOKUPS[expect]})
            if n_expect >= need:
                return i, expect
        if n >= need:
            return i, name
    return -1, None


def table_from_sheet_name(sheet: str) -> Optional[str]:
    return _TABLE_NAMES.get(normalize_header(sheet))


# ------------------------------------------------------------------ row classes
def _row_label(cells: Iterable[str], words: tuple[str, ...]) -> Optional[str]:
    for c in list(cells)[:6]:
        t = normalize_header(c)
        if not t:
            continue
        for w in words:
            if t.startswith(normalize_header(w)) or (w in TOTAL_WORDS and t == normalize_header(w)):
                return str(c).strip()
    return None


def classify_rows(table: RawTable) -> RawTable:
    """Drop blank rows; take 合计/小计 rows and footers out of the data, reporting each one."""
    df = table.data
    if df.empty:
        return table
    stripped = df.apply(lambda s: s.str.strip())
    blank = (stripped == "").all(axis=1).to_numpy()
    # only rows whose first cells hold text are candidates for totals/footers (cheap filter)
    first = stripped.iloc[:, : min(6, df.shape[1])]
    candidate = first.apply(lambda s: s.str.contains(r"[^\d.,\s+-]", regex=True)).any(axis=1).to_numpy()
    keep = ~blank
    rows = table.rows
    for i in candidate.nonzero()[0]:
        if blank[i]:
            continue
        cells = list(df.iloc[i].astype(str))
        label = _row_label(cells, TOTAL_WORDS)
        if label is not None and _is_total(cells, label):
            keep[i] = False
            table.problems.append(E.make("total_row_skipped", file=table.file, sheet=table.sheet,
                                         row=rows[i], label=label))
            table.total_rows.append((rows[i], cells))
            continue
        label = _row_label(cells, FOOTER_WORDS)
        if label is not None:
            keep[i] = False
            table.problems.append(E.make("footer_row_skipped", file=table.file, sheet=table.sheet,
                                         row=rows[i], label=label[:40]))
    table.rows_read = int((~blank).sum())
    if not keep.all():
        table.data = df[keep].reset_index(drop=True)
        table.rows = [r for r, k in zip(rows, keep) if k]
    return table


def _is_total(cells: list[str], label: str) -> bool:
    # "合计" as a school name would be odd; a total row has the word alone in its cell.
    norm = normalize_header(label)
    return any(norm == normalize_header(w) or norm.startswith(normalize_header(w)) for w in TOTAL_WORDS)


# ------------------------------------------------------------------ CSV
ENCODINGS_TRIED = ("utf-8", "gb18030")


def decode_bytes(raw: bytes, file: str) -> tuple[str, str]:
    """Detect the encoding (BOMs, UTF-8, GB18030, UTF-16) and decode."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return _decode(raw[3:], "utf-8", file, ("utf-8-sig",)), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(raw, "utf-16", file, ("utf-16",)), "utf-16"
    # UTF-16 without BOM: many NULs in alternate positions
    head = raw[:4096]
    if head and head.count(b"\x00") > len(head) // 4:
        enc = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        return _decode(raw, enc, file, (enc,)), enc
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as first:
        try:
            return raw.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            raise ReadError([E.make("encoding_error", file=file, offset=first.start,
                                    tried=", ".join(ENCODINGS_TRIED))]) from None


def _decode(raw: bytes, enc: str, file: str, tried: tuple[str, ...]) -> str:
    try:
        return raw.decode(enc)
    except UnicodeDecodeError as exc:
        raise ReadError([E.make("encoding_error", file=file, offset=exc.start, tried=", ".join(tried))]) from None


def sniff_magic(raw: bytes) -> Optional[str]:
    """What a file really is, from its first bytes."""
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"PK\x05\x06"):
        return "zip"
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"  # legacy .xls (or another OLE document)
    for magic, name in ((b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"%PDF", "PDF document"),
                        (b"GIF8", "GIF image"), (b"\x1f\x8b", "gzip archive"), (b"Rar!", "RAR archive"),
                        (b"7z\xbc\xaf", "7z archive")):
        if raw.startswith(magic):
            return name
    return None


def read_csv(path: Path, expect: Optional[str] = None, label: Optional[str] = None) -> RawTable:
    file = label or str(path)
    size = path.stat().st_size
    if size == 0:
        raise ReadError([E.make("empty_file", file=file)])
    if size > MAX_FILE_BYTES:
        raise ReadError([E.make("too_large", file=file, detail=f"{size} bytes > {MAX_FILE_BYTES}")])
    raw = path.read_bytes()
    magic = sniff_magic(raw[:16])
    if magic in ("zip", "ole"):
        raise ReadError([E.make("unknown_format", file=file,
                                detail="the content is an Excel workbook; rename it to .xlsx / .xls")])
    if magic:
        raise ReadError([E.make("unknown_format", file=file, detail=f"the content is a {magic}")])
    text, encoding = decode_bytes(raw, file)
    del raw
    if "\x00" in text:
        at = text.index("\x00")
        raise ReadError([E.make("unknown_format", file=file, detail=f"NUL character at position {at}: not a text file")])
    if not text.strip():
        raise ReadError([E.make("empty_file", file=file)])
    return parse_csv_text(text, file, expect, encoding)


def _sniff_delimiter(sample_lines: list[str]) -> str:
    best, best_score = ",", -1
    for d in (",", "\t", ";", "|"):
        score = sum(line.count(d) for line in sample_lines)
        if score > best_score:
            best, best_score = d, score
    return best


def parse_csv_text(text: str, file: str, expect: Optional[str] = None, encoding: Optional[str] = None) -> RawTable:
    head_lines = text[:65536].splitlines()[:HEADER_SCAN_ROWS + 5]
    if any(len(line) > MAX_LINE_BYTES for line in head_lines[:-1]) or (
            len(head_lines) <= 1 and len(text) > MAX_LINE_BYTES):
        raise ReadError([E.make("too_large", file=file,
                                detail=f"a line longer than {MAX_LINE_BYTES} characters: not a submission table")])
    delimiter = _sniff_delimiter(head_lines)
    try:
        head_rows = list(csv.reader(io.StringIO("\n".join(head_lines)), delimiter=delimiter))
    except csv.Error as exc:
        raise ReadError([E.make("bad_csv", file=file, detail=str(exc))]) from None
    idx, table = find_header(head_rows, expect)
    if idx < 0:
        raise ReadError([E.make("no_header", file=file, scanned=min(len(head_rows), HEADER_SCAN_ROWS))])
    records, problems = _csv_records(text, delimiter, file)
    headers = [h.strip() for h in records[idx]]
    width = len(headers)
    body = records[idx + 1:]
    data_rows, data = [], []
    for offset, rec in enumerate(body):
        rownum = idx + 2 + offset
        if len(rec) > width and any(c.strip() for c in rec[width:]):
            problems.append(E.make("bad_csv", file=file, row=rownum,
                                   detail=f"row has {len(rec)} cells but the header has {width}; row not counted"))
            continue
        # a short row (trailing empty cells left out) is padded: blanks are then checked like any blank
        data.append((rec + [""] * width)[:width] if len(rec) < width else rec[:width])
        data_rows.append(rownum)
    frame = pd.DataFrame(data, columns=range(width), dtype=object) if data else pd.DataFrame(
        {i: pd.Series([], dtype=object) for i in range(width)})
    raw_table = RawTable(file=file, sheet=None, table=table, headers=headers, header_row=idx + 1,
                         data=frame.astype(str) if data else frame, rows=data_rows, problems=problems,
                         encoding=encoding)
    bad_rows = sum(1 for p in problems if p.code == "bad_csv" and p.row is not None)
    classify_rows(raw_table)
    raw_table.rows_read += bad_rows
    return raw_table


def _csv_records(text: str, delimiter: str, file: str) -> tuple[list[list[str]], list[Problem]]:
    """All records (a blank line is an empty record, so numbering follows the spreadsheet)."""
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    try:
        for rec in reader:
            records.append(rec)
    except csv.Error as exc:
        problems.append(E.make("bad_csv", file=file, row=len(records) + 1,
                               detail=f"cannot parse from this row on ({exc}); the rest of the file is not read"))
    return records, problems


# ------------------------------------------------------------------ Excel
def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v != v:
            return ""
        if v.is_integer() and abs(v) < 1e16:
            return str(int(v))
        return repr(v)
    if isinstance(v, (datetime, date, time, timedelta)):
        return v.isoformat() if hasattr(v, "isoformat") else str(v)
    return str(v)


def check_zip(path: Path, file: str) -> None:
    """Refuse truncated workbooks and zip bombs before a reader unpacks them."""
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(i.file_size for i in zf.infolist())
            packed = sum(i.compress_size for i in zf.infolist()) or 1
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError([E.make("file_unreadable", file=file, detail=f"damaged or truncated workbook ({exc})")]) from None
    if total > MAX_XLSX_UNCOMPRESSED or total / packed > 200:
        raise ReadError([E.make("too_large", file=file,
                                detail=f"the workbook unpacks to {total} bytes (ratio {total // packed}:1); refused")])


def read_excel(path: Path, expect: Optional[str] = None, sheet: Optional[str] = None,
               label: Optional[str] = None) -> list[RawTable]:
    """Every sheet of a workbook that holds a submission table."""
    from python_calamine import CalamineWorkbook

    file = label or str(path)
    size = path.stat().st_size
    if size == 0:
        raise ReadError([E.make("empty_file", file=file)])
    with path.open("rb") as fh:
        magic = sniff_magic(fh.read(16))
    if magic == "zip":
        check_zip(path, file)
    elif magic != "ole":
        raise ReadError([E.make("unknown_format", file=file,
                                detail=f"the content is {'a ' + magic if magic else 'not a workbook'}")])
    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
    except Exception as exc:  # calamine raises several error types for damaged files
        raise ReadError([E.make("file_unreadable", file=file, detail=str(exc)[:200])]) from None
    if sheet is not None:
        if sheet not in names:
            raise ReadError([E.make("sheet_missing", file=file,
                                    detail=f"no sheet “{sheet}”; sheets: {', '.join(names)}")])
        names = [sheet]
    tables: list[RawTable] = []
    for name in names:
        try:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise ReadError([E.make("file_unreadable", file=file, sheet=name, detail=str(exc)[:200])]) from None
        if not rows:
            continue
        by_name = table_from_sheet_name(name)
        text_rows = [[_cell_text(v) for v in r] for r in rows]
        idx, table = find_header(text_rows, by_name or expect)
        if idx < 0:
            if by_name:
                raise ReadError([E.make("no_header", file=file, sheet=name,
                                        scanned=min(len(text_rows), HEADER_SCAN_ROWS))])
            continue
        headers = [h.strip() for h in text_rows[idx]]
        while headers and not headers[-1]:
            headers.pop()
        width = len(headers)
        body = [(r + [""] * width)[:width] for r in text_rows[idx + 1:]]
        frame = pd.DataFrame(body, columns=range(width), dtype=object) if body else pd.DataFrame(
            {i: pd.Series([], dtype=object) for i in range(width)})
        raw = RawTable(file=file, sheet=name, table=table, headers=headers, header_row=idx + 1,
                       data=frame.astype(str) if body else frame, rows=list(range(idx + 2, idx + 2 + len(body))))
        tables.append(classify_rows(raw))
    return tables


# ------------------------------------------------------------------ dispatch
def read_file(path: Path, expect: Optional[str] = None) -> list[RawTable]:
    """Read one CSV or Excel file into the tables it holds."""
    file = str(path)
    if not path.exists():
        raise ReadError([E.make("file_not_found", file=file)])
    if path.is_dir():
        raise ReadError([E.make("unknown_format", file=file, detail="a folder, not a file")])
    suffix = path.suffix.lower()
    try:
        if suffix in EXCEL_SUFFIXES:
            return read_excel(path, expect)
        if suffix in CSV_SUFFIXES or suffix == "":
            return [read_csv(path, expect)]
    except OSError as exc:
        raise ReadError([E.make("file_unreadable", file=file, detail=exc.strerror or str(exc))]) from None
    raise ReadError([E.make("unknown_format", file=file, detail=f"“{path.suffix}” files are not read; use .csv or .xlsx")])


def list_folder(folder: Path) -> list[Path]:
    """Submission files in a folder (not recursive), Excel lock files (~$x.xlsx) and hidden files left out."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(("~$", ".")) and
                  p.suffix.lower() in CSV_SUFFIXES | EXCEL_SUFFIXES)

