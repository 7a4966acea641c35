"""Which row of a sheet is the header, and of which of the plan's declared tables.

Used on the first rows of every CSV and sheet. Nothing here imports pandas, so a CSV can be read
ahead while pandas is being imported (textfile.py, ahead.py).
"""

from __future__ import annotations

from typing import Mapping, Optional

from ..check.schema import TableSpec, header_lookup, normalize_header

#: Rows scanned for the header (title rows above it are common, 30 is generous).
HEADER_SCAN_ROWS = 30


class HeaderIndex:
    """The headers of a plan's tables: which table a row of cells heads, which column each header names."""

    def __init__(self, tables: Mapping[str, TableSpec]):
        self.tables = dict(tables)
        self.lookups = {name: header_lookup(spec) for name, spec in self.tables.items()}
        self.names = {normalize_header(n): name for name, spec in self.tables.items()
                      for n in (name, spec.zh, spec.en, *spec.aliases) if n}
        self.info = {name: frozenset(normalize_header(h) for h in spec.info_headers)
                     for name, spec in self.tables.items()}

    def score_header(self, cells: list[str]) -> tuple[Optional[str], int]:
        """Which table a row of cells is the header of, and how many cells matched."""
        best, best_n = None, 0
        keys = [normalize_header(c) for c in cells]
        for name, lookup in self.lookups.items():
            n = len({lookup[k] for k in keys if k in lookup})
            if n > best_n:
                best, best_n = name, n
        return best, best_n

    def find_header(self, rows: list[list[str]], expect: Optional[str] = None) -> tuple[int, Optional[str]]:
        """Index of the header row within ``rows`` and the table it belongs to (-1 if none)."""
        for i, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
            name, n = self.score_header(cells)
            if name is None:
                continue
            if expect in self.tables and name != expect and self._is_header_of(cells, expect) \
                    and self._score(cells, expect) >= n:
                # the role the user gave wins a tie; a header that fits another table better is that table
                return i, expect
            if self._is_header_of(cells, name):
                return i, name
        return -1, None

    def _score(self, cells: list[str], table: str) -> int:
        lookup = self.lookups[table]
        return len({lookup[k] for k in (normalize_header(c) for c in cells) if k in lookup})

    def _is_header_of(self, cells: list[str], table: str) -> bool:
        """Two recognised columns, or one required column in a row of two or more cells.

        A lone title or note cell (e.g. “说明”) is never taken for a header.
        """
        lookup = self.lookups[table]
        found = {lookup[k] for k in (normalize_header(c) for c in cells) if k in lookup}
        if len(found) >= 2:
            return True
        filled = sum(1 for c in cells if str(c).strip())
        spec = self.tables[table]
        return filled >= 2 and any(spec.column(f).required for f in found)

    def table_from_sheet_name(self, sheet: str) -> Optional[str]:
        return self.names.get(normalize_header(sheet))

    def field_columns(self, headers: list[str], table: Optional[str]) -> dict[str, int]:
        """field name -> position of its column among ``headers`` (the first, if a header is repeated)."""
        if table is None:
            return {}
        lookup = self.lookups[table]
        out: dict[str, int] = {}
        for i, h in enumerate(headers):
            name = lookup.get(normalize_header(h))
            if name is not None and name not in out:
                out[name] = i
        return out

    def coded_columns(self, headers: list[str], table: Optional[str]) -> set[int]:
        """Positions of the number, yes/no and choice columns of ``table`` among ``headers`` (each field's first
        column): few distinct values each, so a reader may hand them over dictionary-encoded."""
        if table is None:
            return set()
        spec = self.tables[table]
        return {i for name, i in self.field_columns(headers, table).items() if spec.column(name).kind != "text"}

    def example(self) -> tuple[str, str]:
        """A header to name in a message (the first table's first column), in Chinese and English."""
        spec = next(iter(self.tables.values()))
        return spec.columns[0].zh, spec.columns[0].en or spec.columns[0].name


_INDEXES: dict[int, tuple[Mapping[str, TableSpec], HeaderIndex]] = {}


def index_for(tables: Mapping[str, TableSpec]) -> HeaderIndex:
    """The header index of ``tables``, built once per declaration (the mapping is kept, so its id stays its own)."""
    found = _INDEXES.get(id(tables))
    if found is None or found[0] is not tables:
        found = _INDEXES[id(tables)] = (tables, HeaderIndex(tables))
    return found[1]
