"""A CSV file's bytes -> its header and its cells as Arrow text columns, without pandas.

The common CSV — UTF-8 (BOM or not), no quote character, one record per line, every row as wide
as the header — is read by pyarrow.csv straight from the file's bytes. Nothing here imports pandas,
so a run reads its CSV inputs this way in a thread while pandas is being imported (ahead.py);
readers.py turns the result into a RawTable, and reads every other file (another encoding, quoting,
ragged rows, blank lines...) the exact way, with its own checks and messages.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from ..startup import take_early
from .headers import HEADER_SCAN_ROWS, index_for

#: Sizes beyond which a file is refused (bounded time and memory).
MAX_FILE_BYTES = 256 * 1024**2
MAX_LINE_BYTES = 1024**2
UTF8_BOM = b"\xef\xbb\xbf"
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}


@dataclass
class ArrowText:
    """A text table found by :func:`arrow_text`: its header row and its data rows' cells."""
    headers: list[str]      # as written, stripped
    header_index: int       # 0-based line of the header (its spreadsheet row is header_index + 1)
    table: Optional[str]    # schools | population | milestones
    columns: list           # one Arrow array per header cell, a cell per line under the header: text
                            # (large_string), dictionary-encoded for number, yes/no and choice columns


def utf8_layout(raw: bytes) -> Optional[tuple[str, int, str]]:
    """(delimiter, offset past a BOM, encoding) of bytes that start as UTF-8 text with lines of a sane
    length; None for anything the exact reader must see (another encoding, NUL bytes, an over-long
    first line, a blank file), so its checks and messages stay the same."""
    start = len(UTF8_BOM) if raw.startswith(UTF8_BOM) else 0
    if b"\x00" in raw:
        return None
    try:  # the first 64k characters, as parse_csv_text sees them (an incomplete last character is left out)
        head = codecs.utf_8_decode(raw[start:start + 4 * 65536 + 4], "strict", False)[0][:65536]
    except UnicodeDecodeError:
        return None
    head_lines = head.splitlines()[:HEADER_SCAN_ROWS + 5]
    if (any(len(line) > MAX_LINE_BYTES for line in head_lines[:-1]) or not head.strip()
            or (len(head_lines) <= 1 and len(raw) - start > MAX_LINE_BYTES)):
        return None
    return sniff_delimiter(head_lines), start, "utf-8-sig" if start else "utf-8"


def sniff_delimiter(sample_lines: list[str]) -> str:
    best, best_score = ",", -1
    for d in (",", "\t", ";", "|"):
        score = sum(line.count(d) for line in sample_lines)
        if score > best_score:
            best, best_score = d, score
    return best


def arrow_text(text: str | bytes, delimiter: str, expect: Optional[str], tables, start: int = 0,
               parsing: Optional[Callable[[], None]] = None) -> Optional[ArrowText]:
    """The common case read by pyarrow.csv: no quote character, one record per line, every row as wide
    as the header. Anything else (blank lines, ragged rows, quoting, a lone CR, no header) returns None.

    ``text`` is the decoded text, or the raw UTF-8 bytes from ``start`` on (past a BOM): pyarrow then
    reads the buffer in place and only the lines above the body are decoded; bytes that are not UTF-8
    raise (UnicodeDecodeError, pyarrow.ArrowInvalid) instead of returning None. ``parsing``: called when
    pyarrow starts parsing the body (see :func:`arrow_columns`).
    """
    raw = isinstance(text, bytes)
    if text.find(b'"' if raw else '"', start) >= 0:
        return None
    head_end = line_end(text, HEADER_SCAN_ROWS, start)
    prefix = text[start:head_end].decode("utf-8") if raw else text[start:head_end]
    try:
        records = list(csv.reader(io.StringIO(prefix, newline=""), delimiter=delimiter))
    except csv.Error:  # e.g. a cell longer than the csv module's field limit: the exact reader reports it
        return None
    if len(records) != prefix.count("\n") + (0 if prefix.endswith("\n") else 1):
        return None  # a lone CR in the first lines
    index = index_for(tables)
    idx, table = index.find_header(records, expect)
    if idx < 0:
        return None
    body_start = line_end(text, idx + 1, start)
    body = memoryview(text)[body_start:] if raw else text[body_start:].encode("utf-8")
    whole = text if raw else body
    lines = count_lines(whole, body_start if raw else 0)
    headers = [h.strip() for h in records[idx]]
    columns = arrow_columns(body, lines, delimiter, len(headers), strict=raw, coded=index.coded_columns(headers, table),
                            parsing=parsing)
    del body, whole
    if columns is None:
        return None
    return ArrowText(headers=headers, header_index=idx, table=table, columns=columns)


def count_lines(data: bytes, start: int = 0) -> Callable[[], int]:
    """The number of lines of ``data`` from ``start`` (a last line without a newline counted), counted in a
    thread while the caller goes on (pyarrow parses the same bytes, holding no GIL meanwhile): call the
    result to get it. A 120 MB file takes ~35 ms to count, off the read's way."""
    found: list[int] = []

    def count() -> None:
        found.append(data.count(b"\n", start) + (0 if data.endswith(b"\n") else 1))

    counter = threading.Thread(target=count, name="plancheck-lines", daemon=True)
    counter.start()

    def result() -> int:
        counter.join()
        return found[0] if found else -1   # (the count failed: never equal to a row count)

    return result


def line_end(text: str | bytes, lines: int, start: int = 0) -> int:
    """Offset just after the ``lines``-th newline from ``start`` (the end of the text if there are fewer)."""
    newline = b"\n" if isinstance(text, bytes) else "\n"
    pos = start
    for _ in range(lines):
        nl = text.find(newline, pos)
        if nl < 0:
            return len(text)
        pos = nl + 1
    return pos


def arrow_columns(body, lines: Callable[[], int], delimiter: str, width: int, strict: bool = False,
                  coded: Optional[set[int]] = None, parsing: Optional[Callable[[], None]] = None) -> Optional[list]:
    """String columns of ``body`` (a bytes-like buffer of ``lines()`` lines, each ``width`` cells), or None.
    ``strict``: let pyarrow.ArrowInvalid (e.g. bytes that are not UTF-8) through instead of returning None.
    ``coded``: columns read dictionary-encoded (the same text; each distinct value found by the reader's
    threads as it reads, instead of hashing the column again to parse it). ``parsing``: called just before
    the parse, which holds no GIL: from then on another thread's Python work no longer slows this read."""
    if not len(body):
        return None
    import pyarrow as pa
    import pyarrow.csv as pacsv

    invalid: list[int] = []

    def on_invalid(row: Any) -> str:
        invalid.append(row.actual_columns)
        return "skip"

    if parsing is not None:
        parsing()
    try:
        arrow = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=False, newlines_in_values=False,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.dictionary(pa.int32(), pa.large_binary()) if i in (coded or ())
                              else pa.large_string() for i in range(width)},
                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid:
        if strict:
            raise
        return None
    # blank lines (skipped by Arrow) or a lone CR would shift every row number after them
    if invalid or arrow.num_columns != width or lines() != arrow.num_rows:
        return None
    columns = list(arrow.columns)
    try:
        for i in coded or ():
            columns[i] = _as_text(columns[i])
    except pa.ArrowInvalid:   # (a distinct value that is not UTF-8)
        if strict:
            raise
        return None
    return columns


def _as_text(cells):
    """A dictionary-encoded column read as bytes -> one dictionary array of text. Each block of the file was
    encoded apart (one dictionary, one array after); the bytes are checked as UTF-8 once per distinct value
    here, not once per cell by the reader (~10 % of the parse at 1M rows)."""
    import pyarrow as pa

    joined = cells.unify_dictionaries().combine_chunks()
    return pa.DictionaryArray.from_arrays(joined.indices, joined.dictionary.cast(pa.large_string()))


def use_jemalloc() -> None:
    """Arrow's jemalloc pool instead of its default (mimalloc), unless ARROW_DEFAULT_MEMORY_POOL chooses one.
    Measured on a 1M-row run (bench/README.md): peak memory 857 -> ~700 MB and 3.5 -> 2.7 s, as jemalloc
    gives freed column buffers back to the system sooner. Builds without jemalloc keep their pool."""
    import pyarrow as pa

    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL") or pa.default_memory_pool().backend_name == "jemalloc":
        return
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except (NotImplementedError, pa.ArrowNotImplementedError):
        pass


def read_ahead(path: Path, expect: Optional[str], tables,
               parsing: Optional[Callable[[], None]] = None) -> Optional[tuple[ArrowText, str]]:
    """(the table, its encoding) of a plain UTF-8 CSV file, read the way readers.read_csv reads it; None
    for anything else — an empty or oversized file, another encoding, quoting, no header... — which
    read_csv then reads (and reports) itself. ``parsing``: called when pyarrow starts parsing the body."""
    try:
        size = path.stat().st_size
        if not 0 < size <= MAX_FILE_BYTES:
            return None
        raw = take_early(path)   # (read while the command line was parsed: startup.read_early)
        if raw is None:
            raw = path.read_bytes()
    except OSError:
        return None
    try:
        layout = utf8_layout(raw)
        if layout is None:
            return None
        delimiter, start, encoding = layout
        use_jemalloc()
        found = arrow_text(raw, delimiter, expect, tables, start, parsing)
    except Exception:  # noqa: BLE001 — whatever fails here, the ordinary read meets again and reports
        return None
    return (found, encoding) if found is not None else None
