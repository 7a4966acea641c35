"""CSV / Excel / folder -> raw tables of text cells, with source locations kept.

A :class:`RawTable` holds the cells as strings exactly as the sheet shows them
(numbers from Excel written without a spurious ``.0``), the header as written,
and the spreadsheet row number of every data row, so every later problem can be
located as the user sees it. Title rows above the header, blank rows, 合计/小计
rows and footer rows are found here; totals and footers are reported as skipped.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from . import ahead, workbooks
from .. import errors as E
from ..check.columns import arrow_cells, one_array, string_series
from ..errors import Problem
from .headers import HEADER_SCAN_ROWS, HeaderIndex, index_for
from ..check.schema import CODE_SEPARATORS, TableSpec, normalize_header, normalize_headers, written_as_codes
from .textfile import (CSV_SUFFIXES, MAX_FILE_BYTES, MAX_LINE_BYTES, ArrowText, arrow_text, sniff_delimiter,
                       use_jemalloc, utf8_layout)


TOTAL_WORDS = ("合计", "小计", "总计", "总数", "共计", "全县合计", "total", "subtotal")
FOOTER_WORDS = ("填表人", "审核人", "填报日期", "制表人", "负责人", "联系电话", "填报人", "校长签字", "单位盖章",
                "审核", "制表", "日期：", "备注：", "说明：")
#: Words that start a footer only in a row without a key value (school code, town, milestone id) or a school type.
SOFT_FOOTER_WORDS = ("注", "单位负责人", "校长", "填报单位", "主管", "分管", "签字", "盖章", "统计人", "备注", "说明",
                     "附注", "批准人", "复核人")
#: A label ending with one of these (甲镇小计, 一组小计, 全县合计) is a total in a row without a key or type.
TOTAL_ENDINGS = ("小计", "合计", "总计")

#: Sheets that hold instructions, never data (the template's 说明 sheet).
INSTRUCTION_SHEETS = frozenset({"说明", "填表说明", "填报说明", "instructions", "readme", "notes"})

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}



class ReadError(Exception):
    """A file (or sheet) that cannot be read at all; carries located problems."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message("en") for p in problems))
        self.problems = problems


@dataclass
class RawTable:
    file: str
    sheet: Optional[str]
    table: Optional[str]            # the name of one of the plan's tables | None (not recognised)
    headers: list[str]              # as written
    header_row: int                 # spreadsheet row of the header (1-based)
    data: pd.DataFrame              # positional columns 0..n-1, every cell a string ("" = blank); the number,
                                    # yes/no and choice columns of a CSV read by pyarrow: Categoricals of strings
    rows: Sequence[int]             # spreadsheet row number of each data row (an int64 array when read here)
    problems: list[Problem] = field(default_factory=list)   # skipped rows, totals, ragged rows...
    encoding: Optional[str] = None
    rows_read: int = 0              # non-blank rows under the header, skipped ones included
    total_rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (row, cells) of 合计 rows
    unreported: int = 0             # pre-filled rows left blank (template milestones), taken out of the data
    index: Optional[HeaderIndex] = field(default=None, repr=False)   # the plan's headers it was read with

    @property
    def spec(self) -> Optional[TableSpec]:
        return self.index.tables[self.table] if self.index is not None and self.table is not None else None

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


# ------------------------------------------------------------------ row classes
def _words_re(words: tuple[str, ...]) -> str:
    return "^(?:" + "|".join(re.escape(normalize_header(w)) for w in words) + ")"


_TOTAL_RE = _words_re(TOTAL_WORDS)
_FOOTER_RE = _words_re(FOOTER_WORDS)
_SOFT_FOOTER_RE = _words_re(SOFT_FOOTER_WORDS)
_TOTAL_END_RE = "(?:" + "|".join(TOTAL_ENDINGS) + ")$"
#: a key matching any of the four (a cell that may be a total or a footer)
_ANY_WORD_RE = "|".join((_TOTAL_RE, _FOOTER_RE, _SOFT_FOOTER_RE, _TOTAL_END_RE))


def _first_filled(df: pd.DataFrame) -> pd.Series:
    """The first non-blank cell of every row (stripped), "" for a blank row (Arrow-backed strings)."""
    first = None
    for c in df.columns:
        cell = df[c].astype(str).str.strip()
        first = cell if first is None else first.where(first != "", cell)
        if not (first == "").any():
            break           # every row has its first cell: the other columns cannot change it
    return first if first is not None else pd.Series("", index=df.index, dtype=str)


def _first_cells(first: pd.Series, header_keys: frozenset = frozenset()) -> tuple[np.ndarray, np.ndarray, Any]:
    """The rows whose first cell is not a code (a school code, a row counter: the usual first cell, never a
    total, a footer or a header), the index of each such row's first cell among the distinct ones, and those
    distinct cells as Arrow text. Every check on them is done once per value.

    A code is ASCII digits (``5203240001``), or digits joined by ``- _ . /`` (``5203240002-7``, ``9-001``)
    that are not one of the table's header spellings (``header_keys``): every total, footer and label
    holds a letter, a Chinese character or a colon."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pc.fill_null(one_array(arrow_cells(first)), "")  # first cells are text (_first_filled)
    decimal = pc.ascii_is_decimal(cells)                       # non-empty, ASCII digits only
    if not pc.all(decimal).as_py():
        coded = _code_like(cells, decimal)
        digit_headers = [k for k in header_keys if k[:1].isdigit() and k.isascii()]
        if digit_headers:
            coded = pc.and_(coded, pc.invert(pc.is_in(cells, value_set=pa.array(digit_headers))))
        decimal = pc.or_(decimal, coded)
    number = decimal.to_numpy(zero_copy_only=False)
    other = np.flatnonzero(~number)
    encoded = pc.dictionary_encode(cells.take(pa.array(other)))
    return other, encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp, copy=False), encoded.dictionary


#: A code: ASCII digits, or digits joined by these separators (5203240002-7, 9_001, 17/002), a digit first.
_CODE_RE = "^[0-9][0-9._/-]*$"


def _first_not_digits(cells: Any, decimal: Any, count: int = 64) -> list[str]:
    """The first ``count`` of ``cells`` (Arrow text) that are not ``decimal`` (written in digits only)."""
    at = np.flatnonzero(~decimal.to_numpy(zero_copy_only=False))[:count]
    return [cells[int(i)].as_py() for i in at]   # (one by one: a take would join a chunked column's chunks first)


def _where_ascii(cells: Any, test: Callable[[Any], Any]) -> Any:
    """``test`` (an Arrow kernel giving a mask) on the cells written in ASCII only; false on the others."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ascii_ = pc.string_is_ascii(cells)
    if pc.all(ascii_).as_py():
        return test(cells)
    at = np.flatnonzero(ascii_.to_numpy(zero_copy_only=False))
    out = np.zeros(len(cells), dtype=bool)
    if len(at):
        out[at] = test(cells.take(pa.array(at))).to_numpy(zero_copy_only=False)
    return pa.array(out)


def _code_like(cells: Any, decimal: Any) -> Any:
    """Which of ``cells`` (Arrow text, no nulls) are codes (:data:`_CODE_RE`), ``decimal`` those written in
    digits only. The separators the first cells that are not digits use are taken out in Arrow and what is left
    must be digits (one plain pass each, instead of a regular expression on every cell); only the cells still
    undecided then go through the regular expression."""
    import pyarrow as pa
    import pyarrow.compute as pc

    sample = _first_not_digits(cells, decimal)
    used = [sep for sep in CODE_SEPARATORS if any(sep in text for text in sample)]
    if not used:   # (towns, titles: the regular expression only on the cells written in ASCII)
        return pc.or_(decimal, _where_ascii(cells, lambda some: pc.match_substring_regex(some, _CODE_RE)))
    joined = cells
    for sep in used:
        joined = pc.replace_substring(joined, sep, "")
    coded = pc.ascii_is_decimal(joined)          # only digits and the separators used, a digit among them…
    for sep in used:
        coded = pc.and_not(coded, pc.starts_with(cells, sep))   # … and the first
    undecided = np.flatnonzero(~coded.to_numpy(zero_copy_only=False))
    if len(undecided):
        found = pc.match_substring_regex(cells.take(pa.array(undecided)), _CODE_RE).to_numpy(zero_copy_only=False)
        if found.any():
            mask = coded.to_numpy(zero_copy_only=False).copy()
            mask[undecided[found]] = True
            coded = pa.array(mask)
    return coded


def _all_codes(df: pd.DataFrame, header_keys: frozenset) -> bool:
    """Whether every row's first cell is a code as written (no blank row, no white space around it, and no
    header of the table is written like a code): then no row is a total, a footer or a header."""
    if not len(df.columns) or any(k[:1].isdigit() and k.isascii() for k in header_keys):
        return False
    column = df[df.columns[0]]
    if not isinstance(column.array, pd.arrays.ArrowStringArray):
        return False
    cells = arrow_cells(column)
    return not cells.null_count and written_as_codes(cells)   # (one pass over the bytes)


def classify_rows(table: RawTable) -> RawTable:
    """Drop blank rows; take 合计/小计 rows, footers and repeated headers out of the data, reporting each.

    A row is a total or a footer when its *first non-blank cell* starts with one of the words (so a
    school or a note that merely contains 合计 is data). The words are looked for in the header key
    (:func:`normalize_header`) of each distinct first cell, and the verdicts taken back to the rows.
    """
    df = table.data
    if df.empty:
        return table
    lookup = table.index.lookups.get(table.table, {}) if table.index is not None and table.table else {}
    if _all_codes(df, frozenset(lookup)):   # the usual file: a code on every row, nothing to take out
        table.rows_read = len(df)
        return table
    first = _first_filled(df)
    other, codes, distinct = _first_cells(first, frozenset(lookup))
    import pyarrow.compute as pc

    key_cells = normalize_headers(distinct)
    keys = string_series(key_cells)
    texts = string_series(distinct)

    def rows_where(per_value: Any) -> np.ndarray:
        out = np.zeros(len(df), dtype=bool)
        out[other] = np.asarray(per_value, dtype=bool)[codes]
        return out

    def matching(pattern: str) -> np.ndarray:
        return pc.match_substring_regex(key_cells, pattern).to_numpy(zero_copy_only=False)

    def words(pattern: str) -> np.ndarray:
        """Which distinct first cells' keys match ``pattern`` (none unless one of the words is there at all)."""
        return matching(pattern) if any_word else none

    none = np.zeros(len(keys), dtype=bool)
    any_word = bool(matching(_ANY_WORD_RE).any())   # (one pass for the four below)
    blank = rows_where(texts == "")
    total = rows_where(words(_TOTAL_RE))
    footer = rows_where(words(_FOOTER_RE))
    # place-named 小计 (甲镇小计) and soft footers (注：, 校长签字) only in a row holding nothing but the label
    total_end = rows_where(words(_TOTAL_END_RE)) & ~total
    soft = rows_where(words(_SOFT_FOOTER_RE) | texts.str.endswith(("：", ":"))) & ~footer
    label_only = _label_only(table, first, np.flatnonzero(total_end | soft))
    total = (total | (total_end & label_only)) & ~blank
    footer = (footer | (soft & label_only)) & ~blank & ~total
    keep = ~blank & ~total & ~footer
    rows = np.asarray(table.rows, dtype=np.int64)
    for i in np.flatnonzero(total | footer):
        label = str(first.iat[i])
        code = "total_row_skipped" if total[i] else "footer_row_skipped"
        table.problems.append(E.make(code, file=table.file, sheet=table.sheet, row=int(rows[i]), label=label[:40],
                                     cell=table.cell_address(int(rows[i]), _first_index(df, i))))
        if total[i]:
            table.total_rows.append((int(rows[i]), list(df.iloc[i].astype(str))))
    if table.table is not None:
        maybe_header = rows_where(keys.isin(set(table.index.lookups[table.table])))
        for i in np.flatnonzero(keep & _repeated_header(df, maybe_header, table.index.lookups[table.table])):
            keep[i] = False
            table.problems.append(E.make("header_row_skipped", file=table.file, sheet=table.sheet, row=int(rows[i]),
                                         label=str(first.iat[i])[:40]))
    table.rows_read = int((~blank).sum())
    if not keep.all():
        table.data = df[keep].reset_index(drop=True)
        table.rows = rows[keep]
    return table


def _label_only(table: RawTable, first: pd.Series, positions: np.ndarray) -> np.ndarray:
    """Of the rows at ``positions``: those holding no key value (school code, town, milestone id) and no
    type (the table's type column), apart from the label (the first filled cell) itself — only such rows may be a place-named
    小计 or a footer like “校长（签字）：”. A school row always has its code and its type, so it is never one
    of them. Returns a mask over all rows (False outside ``positions``)."""
    df = table.data
    out = np.zeros(len(df), dtype=bool)
    out[positions] = True
    if table.table is None or not len(positions):
        return out
    lookup = table.index.lookups[table.table]
    spec = table.spec
    guard = {*spec.key, spec.type_column} - {None}
    labels = first.iloc[positions].astype(str).to_numpy(dtype=object)
    for j, h in enumerate(table.headers):
        if lookup.get(normalize_header(h)) in guard and j in df.columns:
            cells = df[j].iloc[positions].astype(str).str.strip().to_numpy(dtype=object)
            out[positions] &= (cells == "") | (cells == labels)
    return out


def _first_index(df: pd.DataFrame, i: int) -> int:
    for j, v in enumerate(df.iloc[i]):
        if str(v).strip():
            return j
    return 0


def _repeated_header(df: pd.DataFrame, maybe: np.ndarray, lookup: dict[str, str]) -> np.ndarray:
    """Rows that repeat the header (an English second header row, a header repeated on a printed page);
    ``maybe``: the rows whose first cell is a header of the table (``lookup``: its header spellings)."""
    out = np.zeros(len(df), dtype=bool)
    for i in np.flatnonzero(maybe):
        cells = [str(v) for v in df.iloc[i]]
        found = [normalize_header(c) in lookup for c in cells if str(c).strip()]
        out[i] = len(found) >= 2 and all(found)
    return out


# ------------------------------------------------------------------ CSV
ENCODINGS_TRIED = ("utf-8", "gb18030")


def decode_bytes(raw: bytes, file: str) -> tuple[str, str]:
    """Detect the encoding (BOMs, UTF-8, GB18030, UTF-16) and decode."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return _decode(raw[3:], "utf-8", file, ("utf-8-sig",)), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(raw, "utf-16", file, ("utf-16",)), "utf-16"
    # UTF-16 without BOM: many NULs in alternate positions
    enc = _utf16_kind(raw[:4096])
    if enc is not None:
        return _decode(raw, enc, file, (enc,)), enc
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as first:
        try:
            return raw.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as second:
            # the encoding that read further is the file's (a GBK file with UTF-8 lines pasted in from line 16
            # fails as UTF-8 at its first Chinese character, as GB18030 at line 16): its failure is the place
            enc, at = ("gb18030", second.start) if second.start > first.start else ("utf-8", first.start)
            raise ReadError([_encoding_error(raw, enc, at, file, ENCODINGS_TRIED)]) from None


def _decode(raw: bytes, enc: str, file: str, tried: tuple[str, ...]) -> str:
    try:
        return raw.decode(enc)
    except UnicodeDecodeError as exc:
        raise ReadError([_encoding_error(raw, enc, exc.start, file, tried)]) from None


def _encoding_error(raw: bytes, enc: str, at: int, file: str, tried: tuple[str, ...]) -> Problem:
    """The byte that cannot be decoded, located by its row and column too (the text before it, as ``enc``)."""
    row, column = _text_place(raw[:at].decode(enc, "replace"))
    return E.make("encoding_error", file=file, row=row, column=f"#{column}", offset=at, tried=", ".join(tried))


#: The kinds sniff_magic() names, in Chinese.
MAGIC_ZH = {"PNG image": " PNG 图片", "JPEG image": " JPEG 图片", "PDF document": " PDF 文档", "GIF image": " GIF 图片",
            "gzip archive": " gzip 压缩包", "RAR archive": " RAR 压缩包", "7z archive": " 7z 压缩包"}


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


def read_csv(path: Path, tables: Mapping[str, TableSpec], expect: Optional[str] = None,
             label: Optional[str] = None) -> RawTable:
    file = label or str(path)
    size = path.stat().st_size
    if size == 0:
        raise ReadError([E.make("empty_file", file=file)])
    if size > MAX_FILE_BYTES:
        raise ReadError([E.make("too_large", file=file, detail_zh=f"文件过大（{size} 字节），不是报送表", detail_en=f"{size} bytes > {MAX_FILE_BYTES}: not a submission table")])
    with path.open("rb") as fh:
        _check_head(fh.read(MAX_LINE_BYTES + 1), file)
        read_ahead = ahead.take(path, expect)
        if read_ahead is not None:  # read in the background while the command was importing (ahead.py)
            return classify_rows(_raw_table(*read_ahead, file, tables))
        fh.seek(0)
        raw = fh.read()
    return csv_from_bytes(raw, file, tables, expect)


def csv_from_bytes(raw: bytes, file: str, tables: Mapping[str, TableSpec], expect: Optional[str] = None) -> RawTable:
    """A CSV's table from its bytes (the file's checks of size and first bytes made)."""
    fast, tried = _utf8_arrow_table(raw, file, expect, tables)
    if fast is not None:
        del raw         # the columns hold their own buffers: let the file's bytes go before classifying
        return classify_rows(fast)
    text, encoding = decode_bytes(raw, file)
    del raw
    if "\x00" in text:
        at = text.index("\x00")
        row, column = _text_place(text, at)
        raise ReadError([E.make("unknown_format", file=file, row=row, column=f"#{column}",
                                detail_zh=f"第 {row} 行第 {column} 列有空字符，不是文本文件",
                                detail_en=f"NUL character in row {row}, column {column}: not a text file")])
    if not text.strip():
        raise ReadError([E.make("empty_file", file=file)])
    return parse_csv_text(text, file, tables, expect, encoding,
                          try_arrow=not (tried and encoding.startswith("utf-8")))


def _utf8_arrow_table(raw: bytes, file: str, expect: Optional[str], tables) -> tuple[Optional[RawTable], bool]:
    """The pyarrow.csv fast path straight on the bytes of a UTF-8 file (BOM or not): nothing is decoded
    but the first lines. Returns (table, whether the fast path was tried on a file that decodes as UTF-8);
    (None, False) for anything :func:`decode_bytes` and :func:`parse_csv_text` must see (another encoding,
    NUL bytes, an over-long first line), so their checks and messages stay the same."""
    layout = utf8_layout(raw)
    if layout is None:
        return None, False
    delimiter, start, encoding = layout
    import pyarrow as pa

    try:
        return _arrow_table(raw, delimiter, file, expect, tables, encoding, start), True
    except (UnicodeDecodeError, pa.ArrowInvalid):  # not UTF-8 after all (or Arrow refuses): the exact path decides
        return None, False


def _arrow_table(text: str | bytes, delimiter: str, file: str, expect: Optional[str], tables,
                 encoding: Optional[str], start: int = 0) -> Optional[RawTable]:
    """:func:`textfile.arrow_text` as a RawTable (None where it steps aside for the exact reader)."""
    found = arrow_text(text, delimiter, expect, tables, start)
    return _raw_table(found, encoding, file, tables) if found is not None else None


def _raw_table(found: ArrowText, encoding: Optional[str], file: str, tables) -> RawTable:
    frame = pd.DataFrame({i: _text_column(c) for i, c in enumerate(found.columns)}, copy=False)
    start_row = found.header_index + 2
    return RawTable(file=file, sheet=None, table=found.table, headers=found.headers,
                    header_row=found.header_index + 1, data=frame,
                    rows=np.arange(start_row, start_row + len(frame), dtype=np.int64), encoding=encoding,
                    index=index_for(tables))


def _text_column(cells: Any) -> pd.Series:
    """An Arrow text column as pandas text: a dictionary-encoded one as a Categorical of its texts (its
    codes shared, not copied), any other as Arrow-backed strings."""
    import pyarrow as pa

    if isinstance(cells, pa.DictionaryArray):
        categories = pd.Index(cells.dictionary.to_pylist(), dtype="str")
        codes = cells.indices.to_numpy(zero_copy_only=False)
        # (the reader's indices are valid codes by construction: not checked again, ~0.3 ms a column at 1M rows)
        return pd.Series(pd.Categorical.from_codes(codes, categories=categories, validate=False), copy=False)
    return cells.to_pandas()


def _check_head(head: bytes, file: str) -> None:
    """Refuse, from the first bytes only, what is not a text table: other formats, an endless first line."""
    magic = sniff_magic(head[:16])
    if magic in ("zip", "ole"):
        raise ReadError([E.make("unknown_format", file=file,
                                detail_zh="内容是 Excel 工作簿，请把扩展名改为 .xlsx 或 .xls", detail_en="the content is an Excel workbook; rename it to .xlsx / .xls")])
    if magic:
        raise ReadError([E.make("unknown_format", file=file, detail_zh=f"内容实际是{MAGIC_ZH.get(magic, magic)}", detail_en=f"the content is a {magic}")])
    if len(head) > MAX_LINE_BYTES and b"\n" not in head and b"\r" not in head:
        raise ReadError([E.make("too_large", file=file,
                                detail_zh=f"第一行超过 {MAX_LINE_BYTES} 字节，不是报送表", detail_en=f"the first line is longer than {MAX_LINE_BYTES} bytes: not a submission table")])
    if b"\x00" in head and not _looks_utf16(head):
        at = head.index(b"\x00")
        row, column = _text_place(head[:at].decode("utf-8", "replace"))
        raise ReadError([E.make("unknown_format", file=file, row=row, column=f"#{column}",
                                detail_zh=f"第 {row} 行第 {column} 列（第 {at} 字节）是空字节，不是文本文件",
                                detail_en=f"NUL byte in row {row}, column {column} (byte {at}): not a text file")])


def _text_place(text: str, at: Optional[int] = None) -> tuple[int, int]:
    """(row, column number) of position ``at`` of a CSV's text (its end when None) as a spreadsheet shows
    them: the line number (lines end in LF, CRLF or a lone CR) and the column counted by the delimiters
    before it on its line (quoting aside: a place to look at, for a file that cannot be parsed)."""
    at = len(text) if at is None else at
    newline = "\n" if "\n" in text[:at] else "\r"
    row = text.count(newline, 0, at) + 1
    before = text[text.rfind(newline, 0, at) + 1:at]
    delimiter = sniff_delimiter(text[:65536].splitlines()[:HEADER_SCAN_ROWS + 5] or [before])
    return row, before.count(delimiter) + 1


def _looks_utf16(head: bytes) -> bool:
    return _utf16_kind(head) is not None


def _utf16_kind(head: bytes) -> Optional[str]:
    """UTF-16 without a BOM: NUL bytes mostly on one side of their pair (ASCII digits, commas, tabs)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[:4096]
    sample = sample[: len(sample) // 2 * 2]
    if b"\x00" not in sample:
        return None
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if min(odd, even) * 4 > max(odd, even):  # e.g. 一 (U+4E00) gives a NUL on the other side now and then
        return None
    enc = "utf-16-le" if odd > even else "utf-16-be"
    try:
        text = sample.decode(enc)
    except UnicodeDecodeError:
        return None
    return enc if "\x00" not in text and ("\n" in text or "\t" in text or "," in text) else None


def parse_csv_text(text: str, file: str, tables: Mapping[str, TableSpec], expect: Optional[str] = None,
                   encoding: Optional[str] = None, try_arrow: bool = True) -> RawTable:
    """Cells of a decoded CSV text. ``try_arrow=False``: the pyarrow fast path already declined these bytes."""
    head_lines = text[:65536].splitlines()[:HEADER_SCAN_ROWS + 5]
    if any(len(line) > MAX_LINE_BYTES for line in head_lines[:-1]) or (
            len(head_lines) <= 1 and len(text) > MAX_LINE_BYTES):
        raise ReadError([E.make("too_large", file=file,
                                detail_zh=f"有一行超过 {MAX_LINE_BYTES} 个字符，不是报送表", detail_en=f"a line longer than {MAX_LINE_BYTES} characters: not a submission table")])
    delimiter = sniff_delimiter(head_lines)
    fast = _arrow_table(text, delimiter, file, expect, tables, encoding) if try_arrow else None
    if fast is not None:
        return classify_rows(fast)
    # the header is looked for in the parsed records, so a quoted line break or a form feed in a
    # title cell cannot shift the header's row number
    records, problems = _csv_records(text, delimiter, file)
    index = index_for(tables)
    idx, table = index.find_header(records[:HEADER_SCAN_ROWS], expect)
    if idx < 0:
        raise ReadError(problems + [no_header(file, None, min(len(records), HEADER_SCAN_ROWS), index)])
    headers = [h.strip() for h in records[idx]]
    width = len(headers)
    # a column named by its number while the header was unknown is named by its header now
    problems = [dataclasses.replace(p, column=headers[int(p.column[1:]) - 1])
                if p.column and p.column[1:].isdigit() and 0 < int(p.column[1:]) <= width and headers[int(p.column[1:]) - 1]
                and p.row is not None and p.row > idx + 1 else p for p in problems]
    body = records[idx + 1:]
    data_rows, data = [], []
    for offset, rec in enumerate(body):
        rownum = idx + 2 + offset
        if len(rec) > width and any(c.strip() for c in rec[width:]):
            problems.append(E.make("bad_csv", file=file, row=rownum,
                                   detail_zh=f"此行有 {len(rec)} 格，表头只有 {width} 列，此行未计入", detail_en=f"row has {len(rec)} cells but the header has {width}; row not counted"))
            continue
        # a short row (trailing empty cells left out) is padded: blanks are then checked like any blank
        data.append((rec + [""] * width)[:width] if len(rec) < width else rec[:width])
        data_rows.append(rownum)
    frame = pd.DataFrame(data, columns=range(width), dtype=object) if data else pd.DataFrame(
        {i: pd.Series([], dtype=object) for i in range(width)})
    raw_table = RawTable(file=file, sheet=None, table=table, headers=headers, header_row=idx + 1,
                         data=frame.astype(str) if data else frame, rows=data_rows, problems=problems,
                         encoding=encoding, index=index)
    bad_rows = sum(1 for p in problems if p.code == "bad_csv" and p.row is not None)
    classify_rows(raw_table)
    raw_table.rows_read += bad_rows
    return raw_table


def _csv_records(text: str, delimiter: str, file: str) -> tuple[list[list[str]], list[Problem]]:
    """All records (a blank line is an empty record, so numbering follows the spreadsheet)."""
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    lines_done = 0   # physical lines of the records read (a quoted line break makes a record span lines)
    try:
        for rec in reader:
            records.append(rec)
            lines_done = reader.line_num
    except csv.Error as exc:
        field = _bad_field(text, lines_done, delimiter)
        problems.append(E.make("bad_csv", file=file, row=len(records) + 1, column=f"#{field}",
                               detail_zh=f"从此行第 {field} 列起无法解析（{exc}），其余部分未读取（多为引号未闭合）",
                               detail_en=f"cannot parse from column {field} of this row on ({exc}); the rest of the "
                                         "file is not read"))
    return records, problems


def _bad_field(text: str, lines_before: int, delimiter: str) -> int:
    """The column (1-based) of the record starting after ``lines_before`` physical lines where the CSV goes
    wrong: the field whose opening quote is never closed, or whose closing quote is followed by more text."""
    at = 0
    for _ in range(lines_before):
        nl = text.find("\n", at)
        cr = text.find("\r", at)
        ends = [i for i in (nl, cr) if i >= 0]
        if not ends:
            return 1
        at = min(ends) + (2 if text.startswith("\r\n", min(ends)) else 1)
    field, opened, i, n = 1, 1, at, len(text)
    quoted = False
    while i < n:
        ch = text[i]
        if quoted:
            if ch == '"':
                if text.startswith('""', i):
                    i += 2
                    continue
                quoted = False
                if i + 1 < n and text[i + 1] not in (delimiter, "\n", "\r"):
                    return field  # text after the closing quote
        elif ch == '"' and (i == at or text[i - 1] == delimiter):
            quoted, opened = True, field
        elif ch == delimiter:
            field += 1
        elif ch in "\r\n":
            return opened if quoted else field
        i += 1
    return opened if quoted else field


# ------------------------------------------------------------------ Excel
def _sheet_cells(sheet: Any) -> tuple[Any, list[int]]:
    """(the sheet's cells as an Arrow record batch of text columns, nulls for blanks, from row 1 on; the
    column index in the sheet of each of its columns — a sheet whose first used column is C starts at 2)."""
    batch = sheet.to_arrow()
    positions = [c.absolute_index for c in sheet.available_columns()]
    return batch, positions


def _head_rows(batch: Any, positions: list[int], n: int) -> list[list[str]]:
    """The first ``n`` rows as lists of text, one entry per sheet column from A on ("" for a blank)."""
    width = max(positions, default=-1) + 1
    head = batch.slice(0, n)
    rows = [[""] * width for _ in range(head.num_rows)]
    for j, column in zip(positions, head.columns):
        for i, v in enumerate(column.to_pylist()):
            if v is not None:
                rows[i][j] = v
    return rows


def _any_text(batch: Any) -> bool:
    """Whether any cell holds more than white space."""
    import pyarrow.compute as pc

    return any(pc.any(pc.not_equal(pc.utf8_trim_whitespace(c), "")).as_py() for c in batch.columns)


def _text_frame(batch: Any, positions: list[int], start: int, width: int) -> pd.DataFrame:
    """Columns 0..width-1 of the sheet from row index ``start`` on, as text ("" for a blank cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = batch.num_rows - start
    if n <= 0:
        return pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    by_position = dict(zip(positions, batch.columns))
    frame = {}
    for j in range(width):
        cells = by_position.get(j)
        if cells is None:  # a column left blank throughout (e.g. column A before a table starting in B)
            cells = pa.nulls(n, pa.large_string())
        else:
            cells = cells.slice(start).cast(pa.large_string())
        frame[j] = pa.chunked_array([pc.fill_null(cells, "") if cells.null_count else cells]).to_pandas()
    return pd.DataFrame(frame)


def check_zip(path: Path, file: str) -> None:
    """Refuse truncated workbooks and zip bombs before a reader unpacks them (by the zip's directory)."""
    try:
        total, packed = workbooks.zip_sizes(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError([E.make("file_unreadable", file=file, detail_zh="工作簿已损坏或不完整", detail_en=f"damaged or truncated workbook ({exc})")]) from None
    if not workbooks.zip_within_limits(total, packed):
        raise ReadError([E.make("too_large", file=file,
                                detail_zh=f"工作簿解压后达 {total} 字节（压缩比 {total // packed}:1），拒绝读取", detail_en=f"the workbook unpacks to {total} bytes (ratio {total // packed}:1); refused")])


def scan_zip(path: Path, file: str) -> Callable[[], Any]:
    """The workbook inflated for real before calamine unpacks it (a directory that lies about its sizes is
    caught here); the function returned gives each worksheet's hidden rows and columns and formulas never
    computed (:func:`workbooks.scan`)."""
    from . import xlsxscan

    try:
        return workbooks.scan(path)
    except xlsxscan.TooLarge:
        limit = workbooks.MAX_XLSX_UNCOMPRESSED
        raise ReadError([E.make("too_large", file=file,
                                detail_zh=f"工作簿解压后超过 {limit} 字节（压缩包目录所记大小不实），拒绝读取",
                                detail_en=f"the workbook unpacks to more than {limit} bytes (its zip directory "
                                          "understates the sizes); refused")]) from None
    except xlsxscan.Unsupported as exc:
        raise ReadError([E.make("file_unreadable", file=file, detail_zh=f"工作簿使用了 Excel 不用的压缩方式（{exc}）",
                                detail_en=f"the workbook uses a compression Excel never writes (method {exc})")]) from None
    except (zipfile.BadZipFile, OSError, ValueError, zlib_error()) as exc:
        raise ReadError([E.make("file_unreadable", file=file, detail_zh="工作簿已损坏或不完整",
                                detail_en=f"damaged or truncated workbook ({exc})")]) from None


def zlib_error() -> type:
    import zlib

    return zlib.error


def is_encrypted(path: Path) -> bool:
    """An encrypted Office document: an OLE2 (compound file) container holding an “EncryptedPackage” stream
    (a password-protected .xlsx as Excel and WPS save it). Its directory entry: the name in UTF-16, padded
    to 64 bytes, then the name's length (34) — on a 128-byte boundary of the file."""
    needle = "EncryptedPackage".encode("utf-16-le") + b"\x00\x00"
    with path.open("rb") as fh:
        data = fh.read(MAX_FILE_BYTES // 4)
    at = data.find(needle)
    while at >= 0:
        if at % 128 == 0 and data[at + 64:at + 66] == b"\x22\x00":
            return True
        at = data.find(needle, at + 1)
    return False


def read_excel(path: Path, tables: Mapping[str, TableSpec], expect: Optional[str] = None,
               sheet: Optional[str] = None, label: Optional[str] = None) -> list[RawTable]:
    """Every sheet of a workbook that holds a submission table."""
    file = label or str(path)
    size = path.stat().st_size
    if size == 0:
        raise ReadError([E.make("empty_file", file=file)])
    with path.open("rb") as fh:
        head = fh.read(MAX_LINE_BYTES + 1)
    magic = sniff_magic(head[:16])
    if magic == "zip":
        check_zip(path, file)
    elif magic == "ole" and size > MAX_FILE_BYTES // 4:
        raise ReadError([E.make("too_large", file=file, detail_zh=f"文件过大（{size} 字节），不是报送表", detail_en=f"{size} bytes: not a submission workbook")])
    elif magic != "ole":
        _not_a_workbook(head, file)
    if magic == "ole" and is_encrypted(path):
        raise ReadError([E.make("encrypted_workbook", file=file)])
    renamed = _renamed_workbook(path, magic, file)
    parsed = ahead.take(path) if renamed is None and magic == "zip" else None
    # (a workbook parsed ahead was inflated and scanned there, before calamine unpacked it)
    scanned = (lambda: parsed[2]) if parsed is not None else scan_zip(path, file) if magic == "zip" else None
    try:
        if parsed is not None:  # parsed in the background while the command was importing (ahead.py)
            reader, names = None, parsed[0]
        else:  # a renamed workbook is opened from its bytes: the content decides, not the name
            reader = workbooks.open_workbook(path.read_bytes() if renamed is not None else str(path))
            names = list(reader.sheet_names)
    except BaseException as exc:  # the reader raises several error types (and, rarely, a Rust panic)
        _reraise_interrupts(exc)
        if "password" in str(exc).lower():  # a legacy .xls saved with a password (calamine: “password protected”)
            raise ReadError([E.make("encrypted_workbook", file=file)]) from None
        raise ReadError([E.make("file_unreadable", file=file, detail_zh="工作簿无法打开：" + _reader_error(exc),
                                detail_en="the workbook cannot be opened: " + _reader_error(exc))]) from None
    if sheet is not None:
        if sheet not in names:
            raise ReadError([E.make("sheet_missing", file=file,
                                    detail_zh=f"没有工作表“{sheet}”；现有：{'、'.join(names)}",
                                    detail_en=f"no sheet “{sheet}”; sheets: {', '.join(names)}")])
        names = [sheet]
    index = index_for(tables)
    found: list[RawTable] = []
    hidden: list[Problem] = []     # hidden sheets holding a table: not read, each a warning
    for name in names:
        if normalize_header(name) in INSTRUCTION_SHEETS and sheet is None:
            continue
        try:
            # (a sheet parsed ahead is taken out of its dict, so its cells are freed once converted)
            sheet_data = parsed[1].pop(name) if parsed is not None else workbooks.load_text(reader, name)
            batch, positions = _sheet_cells(sheet_data)
            state = str(getattr(sheet_data, "visible", "visible")).lower()
            del sheet_data
        except BaseException as exc:
            _reraise_interrupts(exc)
            raise ReadError([E.make("file_unreadable", file=file, sheet=name, detail_zh="工作表无法读取：" + _reader_error(exc),
                                    detail_en="the sheet cannot be read: " + _reader_error(exc))]) from None
        if not batch.num_rows or not positions:
            continue
        by_name = index.table_from_sheet_name(name)
        text_rows = _head_rows(batch, positions, HEADER_SCAN_ROWS)
        idx, table = index.find_header(text_rows, by_name or expect)
        if state != "visible" and sheet is None and idx >= 0:
            # a hidden sheet is never merged silently (an old copy, a helper table): not read, a warning
            hidden.append(_hidden_sheet(batch, idx, name, file, state))
            continue
        if idx < 0:
            if by_name:
                raise ReadError([no_header(file, name, min(batch.num_rows, HEADER_SCAN_ROWS), index)])
            if _any_text(batch):
                # not a table we know: validate reports it (skipped sheet, or a file that is no submission)
                found.append(RawTable(file=file, sheet=name, table=None, headers=[], header_row=0,
                                      data=pd.DataFrame(), rows=[], index=index))
            continue
        headers = [h.strip() for h in text_rows[idx]]
        while headers and not headers[-1]:
            headers.pop()
        frame = _text_frame(batch, positions, idx + 1, len(headers))
        raw = RawTable(file=file, sheet=name, table=table, headers=headers, header_row=idx + 1,
                       data=frame, rows=np.arange(idx + 2, idx + 2 + len(frame), dtype=np.int64), index=index)
        beyond = _cells_beyond(batch, positions, idx + 1, len(headers))
        del batch
        found.append(classify_rows(raw))
        raw.problems.extend(_beyond_header(raw, beyond))
        if scanned is not None and (marks := scanned()) is not None:
            raw.problems.extend(_marked(raw, marks.sheets.get(name)))
    if renamed is not None and found:
        target = next((t for t in found if t.table is not None), found[0])
        target.problems.insert(0, renamed)
    if hidden:
        target = next((t for t in found if t.table is not None), None)
        if target is None:  # the only table is on a hidden sheet: nothing is read, and the file says why
            raise ReadError([E.make("not_submission", **_not_submission_params(file, index)), *hidden])
        target.problems[:0] = hidden
    return found


def no_header(file: str, sheet: Optional[str], scanned: int, index: HeaderIndex) -> Problem:
    """No header of any declared table in the first rows; the message names a header to look for."""
    zh, en = index.example()
    return E.make("no_header", file=file, sheet=sheet, scanned=scanned, example_zh=zh, example_en=en)


def _not_submission_params(file: str, index: HeaderIndex) -> dict:
    specs = list(index.tables.values())
    return dict(file=file, tables_zh="、".join(t.zh for t in specs), tables_en=", ".join(t.en or t.name for t in specs))


# ------------------------------------------------------------------ what a workbook holds beyond its values
def _ranges(numbers: list[int], show: int = 12) -> str:
    """``[5, 9, 10, 11, 12]`` -> ``5, 9–12`` (at most ``show`` ranges, then “…”)."""
    nums = sorted(set(numbers))
    out: list[str] = []
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else f"{nums[i]}–{nums[j]}")
        i = j + 1
    return ", ".join(out[:show]) + (", …" if len(out) > show else "")


def _filled(cells: Any) -> np.ndarray:
    """Which cells of an Arrow text column hold more than white space."""
    import pyarrow.compute as pc

    return pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(cells), ""), False).to_numpy(zero_copy_only=False)


def _hidden_sheet(batch: Any, header_index: int, name: str, file: str, state: str) -> Problem:
    """The warning for a hidden (or very hidden) sheet that holds a table: it is not read."""
    rows = np.zeros(max(batch.num_rows - header_index - 1, 0), dtype=bool)
    for column in batch.columns:
        rows |= _filled(column.slice(header_index + 1))
    very = state.replace("_", "") == "veryhidden"
    return E.make("hidden_sheet", file=file, sheet=name, rows=int(rows.sum()),
                  how_zh="（“深度隐藏”，只能在 VBA 编辑器中取消隐藏）" if very else "",
                  how_en=" (very hidden: only the VBA editor unhides it)" if very else "")


def _cells_beyond(batch: Any, positions: list[int], start: int, width: int) -> list[tuple[int, list[int], Any]]:
    """The sheet's columns right of the last header cell that hold something under the header row:
    (column index, spreadsheet rows of its filled cells, its cells from ``start`` on)."""
    out = []
    for j, column in zip(positions, batch.columns):
        if j < width:
            continue
        cells = column.slice(start)
        filled = np.flatnonzero(_filled(cells))
        if len(filled):
            out.append((j, [int(i) + start + 1 for i in filled], cells))
    return out


def _beyond_header(raw: RawTable, beyond: list[tuple[int, list[int], Any]]) -> list[Problem]:
    """A note in a cell right of the last header (“补报：实际在校生多 40 人” in T3) of a data row: the
    unknown-column warning a CSV gives for a cell under no header, at the column's first such cell."""
    if not beyond:
        return []
    kept = set(np.asarray(raw.rows, dtype=np.int64).tolist())
    start = raw.header_row
    out = []
    for j, rows, cells in beyond:
        rows = [r for r in rows if r in kept]
        if not rows:
            continue
        more_zh = f"，此列共 {len(rows)} 格有内容" if len(rows) > 1 else ""
        more_en = f"; {len(rows)} cells of this column hold something" if len(rows) > 1 else ""
        out.append(E.make("unknown_column", file=raw.file, sheet=raw.sheet, row=rows[0], column=f"#{j + 1}",
                          cell=raw.cell_address(rows[0], j), value=cells[rows[0] - start - 1].as_py(),
                          hint_zh=f"（表头右侧的列，没有表头{more_zh}）",
                          hint_en=f" (right of the header, no header{more_en})"))
    return out


def _marked(raw: RawTable, marks: Any) -> list[Problem]:
    """From the worksheet's XML (:mod:`xlsxscan`): hidden rows and columns holding data (read and counted, a
    warning naming them) and formula cells never computed (an error at each cell of a data row)."""
    if marks is None or raw.table is None:
        return []
    out: list[Problem] = []
    loc = dict(file=raw.file, sheet=raw.sheet)
    rows = np.asarray(raw.rows, dtype=np.int64)
    if marks.hidden_rows:
        hidden = rows[np.isin(rows, np.asarray(marks.hidden_rows, dtype=np.int64))].tolist()
        if hidden:
            out.append(E.make("hidden_rows", row=hidden[0], rows=_ranges(hidden), count=len(hidden), **loc))
    if marks.hidden_cols:
        cols = [f"{column_letter(j + 1)} ({h})" if h else column_letter(j + 1)
                for j, h in enumerate(raw.headers)
                if marks.col_hidden(j + 1) and j in raw.data.columns and len(raw.data)
                and (raw.data[j].astype(str).str.strip() != "").any()]
        if cols:
            out.append(E.make("hidden_columns", row=raw.header_row, columns=", ".join(cols), **loc))
    if marks.formulas:
        kept = set(rows.tolist())
        for r, c in sorted(marks.formulas):
            if r in kept and c <= len(raw.headers):
                out.append(E.make("formula_not_computed", row=r, column=raw.headers[c - 1] or f"#{c}",
                                  cell=raw.cell_address(r, c - 1), **loc))
    if marks.formulas_unplaced:
        out.append(E.make("formula_not_computed", row=raw.header_row, **loc))
    return out


#: The real format of a workbook's content (zip = Office Open XML, ole = legacy Excel) and its usual suffix.
_CONTENT_SUFFIX = {"zip": (".xlsx", ".xlsm", ".xlsb", ".ods"), "ole": (".xls",)}


def _renamed_workbook(path: Path, magic: Optional[str], file: str) -> Optional[Problem]:
    """An info note when the content is a workbook of another kind than the name says (.xlsx saved as .xls)."""
    if magic not in _CONTENT_SUFFIX or path.suffix.lower() in _CONTENT_SUFFIX[magic]:
        return None
    real = ".xlsx" if magic == "zip" else ".xls"
    return E.make("workbook_renamed", file=file, suffix=path.suffix, real=real)


def _not_a_workbook(head: bytes, file: str) -> None:
    """Refuse a file named as a workbook whose content is not one, saying what it is (text: rename to .csv)."""
    _check_head(head, file)  # an image, a PDF, binary bytes: says what it is
    raise ReadError([E.make("unknown_format", file=file,
                            detail_zh="内容是文本（CSV），请把扩展名改为 .csv", detail_en="the content is text (CSV); rename it to .csv")])


def _reader_error(exc: BaseException) -> str:
    """The Excel reader's own account of a failure, its first line only: the lines after it repeat the
    file's path and the reader's call chain (“Context: 0: Error while loading sheet …”)."""
    lines = str(exc).strip().splitlines()
    return (lines[0].strip() if lines else type(exc).__name__)[:200]


def _reraise_interrupts(exc: BaseException) -> None:
    """A damaged file may make the Rust reader panic (pyo3 PanicException is a BaseException): that is
    a ReadError like any other, but Ctrl-C and exit are not."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


# ------------------------------------------------------------------ dispatch
def read_file(path: Path, tables: Mapping[str, TableSpec], expect: Optional[str] = None) -> list[RawTable]:
    """Read one CSV or Excel file into the tables it holds, finding each by the headers of the plan's
    declared ``tables`` (``expect``: the table the user said it is, which wins a tie)."""
    use_jemalloc()
    file = str(path)
    if file == STDIN:
        return [read_stdin(tables, expect)]
    if not path.exists():
        raise ReadError([E.make("file_not_found", file=file)])
    if path.is_dir():
        raise ReadError([E.make("unknown_format", file=file, detail_zh="这是文件夹", detail_en="a folder, not a file")])
    suffix = path.suffix.lower()
    try:
        if suffix in EXCEL_SUFFIXES:
            return read_excel(path, tables, expect)
        if suffix in CSV_SUFFIXES or suffix == "":
            return [read_csv(path, tables, expect)]
    except OSError as exc:
        reason = exc.strerror or str(exc)   # the system's own words, the same in both languages
        raise ReadError([E.make("file_unreadable", file=file, detail_zh=reason, detail_en=reason)]) from None
    raise ReadError([E.make("unknown_format", file=file, detail_zh=f"不读取“{path.suffix}”文件，请用 .csv 或 .xlsx", detail_en=f"“{path.suffix}” files are not read; use .csv or .xlsx")])


#: The path that means standard input (``cat 学校.csv | plancheck validate -``), and how problems name it.
STDIN, STDIN_LABEL = "-", "<stdin>"


def read_stdin(tables: Mapping[str, TableSpec], expect: Optional[str] = None, stream: Any = None) -> RawTable:
    """A CSV piped to standard input (path ``-``), read like a CSV file. A terminal (nothing piped in), a
    closed standard input or a workbook's bytes are refused, saying how to give the file instead."""
    import sys

    stream = sys.stdin if stream is None else stream
    how_zh = "请用管道传入 CSV（plancheck validate - < 学校.csv），或直接给出文件名"
    how_en = "pipe a CSV in (plancheck validate - < schools.csv), or give the file's name"
    if stream is None or getattr(stream, "closed", False):
        raise ReadError([E.make("stdin_unusable", file=STDIN_LABEL, detail_zh="“-”表示从标准输入读取，但标准输入已关闭；" + how_zh,
                                detail_en="“-” reads standard input, which is closed: " + how_en)])
    if stream.isatty():
        raise ReadError([E.make("stdin_unusable", file=STDIN_LABEL, detail_zh="“-”表示从标准输入读取 CSV，但没有传入任何内容；" + how_zh,
                                detail_en="“-” reads a CSV from standard input, but nothing is piped in: " + how_en)])
    raw = getattr(stream, "buffer", stream).read(MAX_FILE_BYTES + 1)
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if not raw:
        raise ReadError([E.make("empty_file", file=STDIN_LABEL)])
    if len(raw) > MAX_FILE_BYTES:
        raise ReadError([E.make("too_large", file=STDIN_LABEL, detail_zh=f"标准输入超过 {MAX_FILE_BYTES} 字节，不是报送表",
                                detail_en=f"more than {MAX_FILE_BYTES} bytes on standard input: not a submission table")])
    if sniff_magic(raw[:16]) in ("zip", "ole"):
        raise ReadError([E.make("stdin_unusable", file=STDIN_LABEL, detail_zh="标准输入只读取 CSV；工作簿请直接给出文件名",
                                detail_en="standard input is read as CSV only; give a workbook by its file name")])
    _check_head(raw[:MAX_LINE_BYTES + 1], STDIN_LABEL)
    return csv_from_bytes(raw, STDIN_LABEL, tables, expect)


def list_folder(folder: Path) -> list[Path]:
    """Submission files in a folder (not recursive), Excel lock files (~$x.xlsx) and hidden files left out."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(("~$", ".")) and
                  p.suffix.lower() in CSV_SUFFIXES | EXCEL_SUFFIXES)


def skipped_in_folder(folder: Path) -> list[Path]:
    """Files of a folder that are not read (README.md, a script…): reported, not silently left out.
    Hidden files and Excel lock files (~$x.xlsx) stay silent."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(("~$", ".")) and
                  p.suffix.lower() not in CSV_SUFFIXES | EXCEL_SUFFIXES)
