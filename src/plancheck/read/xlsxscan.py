"""One streaming pass over a zipped workbook's (.xlsx) parts before it is parsed: the real unpacked size,
and what the cell reader does not tell.

* **Size.** A zip's directory can lie about how large its members unpack; the size pre-check
  (:func:`workbooks.zip_sizes`) trusts it. Here every member is inflated for real, in bounded steps,
  counting the bytes, and the scan stops at :data:`workbooks.MAX_XLSX_UNCOMPRESSED` with
  :class:`TooLarge` — before calamine unpacks anything.
* **Hidden rows and columns.** ``<row r="7" hidden="1">`` and ``<col min="3" max="4" hidden="1">``.
* **Formulas never computed.** A cell ``<c r="C2"><f>A2+B2</f><v/></c>`` (or with no ``<v>``): a
  workbook written by a script and never opened in Excel/WPS holds the formula but no result, and
  calamine reads it as blank. A formula whose result is the empty string is ``t="str"`` with an
  empty ``<v>``: that is a result, not this.

Only attribute and tag patterns are looked for (bytes searches, a regular expression only on a chunk
that holds one): no XML tree is built, so a 100k-row sheet costs about its inflation time (~0.1 s).
Standard library only (it runs in the background thread of ahead.py, before pandas is imported).
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import BinaryIO, Iterator

#: Bytes inflated per step (memory stays bounded whatever a member claims).
STEP = 1 << 20
#: How much of a chunk's end is kept for the next one when no cell or row ends in it.
MAX_CARRY = 1 << 20


class TooLarge(Exception):
    """The workbook unpacks to more than the limit (``size`` bytes were counted before stopping)."""

    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


class Unsupported(Exception):
    """A member compressed in a way Excel never writes (its real size cannot be bounded here)."""


@dataclass
class SheetMarks:
    """What one worksheet part holds beyond its cells' values (row and column numbers 1-based)."""

    hidden_rows: list[int] = field(default_factory=list)
    hidden_cols: list[tuple[int, int]] = field(default_factory=list)   # (first, last) ranges
    formulas: list[tuple[int, int]] = field(default_factory=list)      # (row, column) without a result
    formulas_unplaced: int = 0        # the same, in a cell without an address (never written by Excel)

    def col_hidden(self, col: int) -> bool:
        return any(a <= col <= b for a, b in self.hidden_cols)


@dataclass
class Scan:
    size: int                         # bytes unpacked, every member
    sheets: dict[str, SheetMarks]     # by sheet name (as the workbook lists them)


# ------------------------------------------------------------------ inflating, bounded
def _members(fh: BinaryIO) -> list[tuple[str, int, int, int]]:
    """(name, compression method, local header offset, directory compressed size) of every member."""
    import zipfile

    with zipfile.ZipFile(fh) as zf:
        return [(i.filename, i.compress_type, i.header_offset, i.compress_size) for i in zf.infolist()]


def _inflate(fh: BinaryIO, method: int, offset: int, csize: int, budget: int) -> Iterator[bytes]:
    """The member's unpacked bytes in steps of at most STEP; raises TooLarge past ``budget`` bytes."""
    fh.seek(offset)
    head = fh.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        return  # (zipfile and calamine report a damaged member in their own words)
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    fh.seek(offset + 30 + name_len + extra_len)
    if method == 0:  # stored: what is there is what unpacks (bounded by the file)
        left = csize
        while left > 0:
            chunk = fh.read(min(left, STEP))
            if not chunk:
                return
            left -= len(chunk)
            budget -= len(chunk)
            if budget < 0:
                raise TooLarge(-budget)
            yield chunk
        return
    if method != 8:
        raise Unsupported(method)
    d = zlib.decompressobj(-15)
    while not d.eof:
        data = d.unconsumed_tail or fh.read(STEP)
        if not data:
            return  # truncated: the reader says so
        out = d.decompress(data, STEP)
        budget -= len(out)
        if budget < 0:
            raise TooLarge(-budget)
        if out:
            yield out


# ------------------------------------------------------------------ the workbook's sheet list
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def _attrs(tag: bytes) -> dict[str, str]:
    return {m.group(1).decode("ascii", "replace"): unescape((m.group(2) if m.group(2) is not None else m.group(3))
                                                            .decode("utf-8", "replace")) for m in _ATTR.finditer(tag)}


def _part(base: str, target: str) -> str:
    """A relationship's target as a member name (``/xl/worksheets/sheet1.xml`` or ``worksheets/sheet1.xml``
    relative to ``xl/``)."""
    if target.startswith("/"):
        return target[1:]
    parts = [p for p in (base.rsplit("/", 1)[0] + "/" + target).split("/") if p and p != "."]
    out: list[str] = []
    for p in parts:
        if p == "..":
            if out:
                out.pop()
        else:
            out.append(p)
    return "/".join(out)


def _sheet_parts(workbook: bytes, rels: bytes, base: str = "xl/workbook.xml") -> dict[str, str]:
    """Member name -> sheet name."""
    targets = {}
    for tag in _REL_TAG.findall(rels):
        a = _attrs(tag)
        if "Id" in a and "Target" in a:
            targets[a["Id"]] = _part(base, a["Target"])
    out = {}
    for tag in _SHEET_TAG.findall(workbook):
        a = _attrs(tag)
        rid = next((v for k, v in a.items() if k.endswith(":id") or k == "id"), None)
        if "name" in a and rid in targets:
            out[targets[rid]] = a["name"]
    return out


# ------------------------------------------------------------------ one worksheet's marks
_ROW_HIDDEN = re.compile(rb'<(?:\w+:)?row\b[^>]*?\bhidden\s*=\s*["\'](?:1|true)["\'][^>]*>')
_COL_HIDDEN = re.compile(rb'<(?:\w+:)?col\b[^>]*?\bhidden\s*=\s*["\'](?:1|true)["\'][^>]*>')
#: a formula (with or without text) followed by an empty or missing value, closing its cell
_NO_RESULT = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?(?:/>|>[^<]*</(?:\w+:)?f>)"
                        rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?</(?:\w+:)?c>")
_CELL_START = re.compile(rb"<(?:\w+:)?c\s[^>]*>|<(?:\w+:)?c>")
_REF = re.compile(rb"^([A-Z]{1,3})([0-9]+)$")


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _cell_attrs(text: bytes, end: int) -> dict[str, str]:
    """The attributes of the cell whose content ends before ``end`` (the last ``<c …>`` tag before it)."""
    start = max(text.rfind(b"<c ", 0, end), text.rfind(b"<c>", 0, end))
    prefixed = text.rfind(b":c ", 0, end)
    if prefixed > start:
        start = text.rfind(b"<", 0, prefixed)
    cell = _CELL_START.match(text, start) if start >= 0 else None
    return _attrs(cell.group(0)) if cell else {}


def _scan_chunk(text: bytes, end: int, marks: SheetMarks, formula: bytes) -> None:
    """``text[:end]`` (not copied); ``formula``: how a formula tag starts in this part (``<f``, or ``<x:f``
    in a prefixed one)."""
    if text.find(b"hidden", 0, end) >= 0:
        for tag in _ROW_HIDDEN.findall(text, 0, end):
            r = _attrs(tag).get("r", "")
            if r.isdigit():
                marks.hidden_rows.append(int(r))
        for tag in _COL_HIDDEN.findall(text, 0, end):
            a = _attrs(tag)
            if a.get("min", "").isdigit() and a.get("max", "").isdigit():
                marks.hidden_cols.append((int(a["min"]), int(a["max"])))
    if text.find(formula, 0, end) >= 0:
        for m in _NO_RESULT.finditer(text, 0, end):
            a = _cell_attrs(text, m.start())
            if a.get("t") in ("str", "inlineStr", "s"):  # a text result (the empty string) is a result
                continue
            ref = _REF.match(a.get("r", "").encode())
            if ref:
                marks.formulas.append((int(ref.group(2)), _col_number(ref.group(1))))
            else:
                marks.formulas_unplaced += 1


_ROOT = re.compile(rb"<(\w+:)?worksheet\b")


def _marks(chunks: Iterator[bytes]) -> SheetMarks:
    """The marks of a worksheet's XML given in chunks. Each chunk is scanned up to its last ``</c>`` or
    ``</row>`` (the rest is carried into the next), so no cell or row tag is ever cut in two."""
    marks = SheetMarks()
    carry = b""
    formula = b""
    for chunk in chunks:
        if not formula:
            root = _ROOT.search(chunk)
            formula = b"<" + (root.group(1) or b"" if root else b"") + b"f"
        buffer = carry + chunk if carry else chunk
        c, r = buffer.rfind(b"</c>"), buffer.rfind(b"</row>")
        cut = max(c + 4 if c >= 0 else 0, r + 6 if r >= 0 else 0)
        if not cut and len(buffer) > MAX_CARRY:
            cut = len(buffer)
        _scan_chunk(buffer, cut, marks, formula)
        carry = buffer[cut:]
    if carry:
        _scan_chunk(carry, len(carry), marks, formula or b"<f")
    return marks


# ------------------------------------------------------------------ the whole workbook
def scan(path: Path, limit: int, marks: bool = True) -> Scan:
    """Inflate every member of the zipped workbook at ``path``, counting (TooLarge past ``limit``), and
    collect each worksheet's marks (``marks=False``: only count). Raises zipfile.BadZipFile / OSError for
    a damaged file, Unsupported for a member compressed in a way Excel never writes."""
    with open(path, "rb") as fh:
        members = _members(fh)
        by_name = {m[0]: m for m in members}
        total = 0

        def whole(name: str) -> bytes:
            nonlocal total
            if name not in by_name:
                return b""
            _, method, offset, csize = by_name[name]
            data = b"".join(_inflate(fh, method, offset, csize, limit - total))
            total += len(data)
            return data

        small = {name: whole(name) for name in ("_rels/.rels",)}
        book = "xl/workbook.xml"
        for tag in _REL_TAG.findall(small["_rels/.rels"]):
            a = _attrs(tag)
            if a.get("Type", "").endswith("/officeDocument") and "Target" in a:
                book = _part("", a["Target"])
        rels_name = book.rsplit("/", 1)[0] + "/_rels/" + book.rsplit("/", 1)[-1] + ".rels"
        small[book] = whole(book)
        small[rels_name] = whole(rels_name)
        parts = _sheet_parts(small[book], small[rels_name], book)
        sheets: dict[str, SheetMarks] = {}
        for name, method, offset, csize in members:
            if name in small:
                continue
            counted = _counting(_inflate(fh, method, offset, csize, limit - total))
            if marks and name in parts:
                sheets[parts[name]] = _marks(counted)
            else:
                for _ in counted:
                    pass
            total += counted.size  # type: ignore[attr-defined]
        return Scan(size=total, sheets=sheets)


class _counting:
    """An iterator of chunks that counts their bytes."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks, self.size = chunks, 0

    def __iter__(self) -> "_counting":
        return self

    def __next__(self) -> bytes:
        chunk = next(self.chunks)
        self.size += len(chunk)
        return chunk
