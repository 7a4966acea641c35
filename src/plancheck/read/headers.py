"""Which row of a sheet is the header, and of which table (schools, population, milestones).

Used on the first rows of every CSV and sheet. Nothing here imports pandas, so a CSV can be read
ahead while pandas is being imported (textfile.py, ahead.py).
"""

from __future__ import annotations

from typing import Optional

from ..check.schema import TABLES, header_lookup, normalize_header

#: Rows scanned for the header (title rows above it are common, 30 is generous).
HEADER_SCAN_ROWS = 30

LOOKUPS = {name: header_lookup(spec) for name, spec in TABLES.items()}
_TABLE_NAMES = {normalize_header(n): name for name, spec in TABLES.items() for n in (name, spec.zh, *spec.aliases)}


def score_header(cells: list[str]) -> tuple[Optional[str], int]:
    """Which table a row of cells is the header of, and how many cells matched."""
    best, best_n = None, 0
    keys = [normalize_header(c) for c in cells]
    for name, lookup in LOOKUPS.items():
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
        if expect and name != expect and _is_header_of(cells, expect) and _score(cells, expect) >= n:
            # the role the user gave wins a tie; a header that fits another table better is that table
            return i, expect
        if _is_header_of(cells, name):
            return i, name
    return -1, None


def _score(cells: list[str], table: str) -> int:
    lookup = LOOKUPS[table]
    return len({lookup[k] for k in (normalize_header(c) for c in cells) if k in lookup})


def _is_header_of(cells: list[str], table: str) -> bool:
    """Two recognised columns, or one required column in a row of two or more cells.

    A lone title or note cell (e.g. “说明”) is never taken for a header.
    """
    lookup = LOOKUPS[table]
    found = {lookup[k] for k in (normalize_header(c) for c in cells) if k in lookup}
    if len(found) >= 2:
        return True
    filled = sum(1 for c in cells if str(c).strip())
    spec = TABLES[table]
    return filled >= 2 and any(spec.column(f).required for f in found)


def table_from_sheet_name(sheet: str) -> Optional[str]:
    return _TABLE_NAMES.get(normalize_header(sheet))


def field_columns(headers: list[str], table: Optional[str]) -> dict[str, int]:
    """field name -> position of its column among ``headers`` (the first, if a header is repeated)."""
    if table is None:
        return {}
    lookup = LOOKUPS[table]
    out: dict[str, int] = {}
    for i, h in enumerate(headers):
        name = lookup.get(normalize_header(h))
        if name is not None and name not in out:
            out[name] = i
    return out


def coded_columns(headers: list[str], table: Optional[str]) -> set[int]:
    """Positions of the number, yes/no and choice columns of ``table`` among ``headers`` (each field's first
    column): few distinct values each, so a reader may hand them over dictionary-encoded."""
    return {i for name, i in field_columns(headers, table).items() if TABLES[table].column(name).kind != "text"}
