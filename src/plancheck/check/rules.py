"""The plan's declared checks over typed tables: row rules, defaults, references between tables,
and the columns a table takes from its parent (a teacher's school's town).

Everything here is driven by the :class:`~plancheck.plan.tables.Contract`; the masks are computed
over whole columns (a membership test per distinct value, expressions with numpy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional

import numpy as np
import pandas as pd

from ..plan import expr as X
from .columns import Distinct, one_array, rows_holding

if TYPE_CHECKING:  # pragma: no cover
    from ..plan.tables import Contract, RowRule
    from .schema import TableSpec


def values_of(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A typed column as an expression reads it: numbers and yes/no as float (NaN: missing), text as
    objects (None: missing); a whole-number column with no cell missing as its int64 values (not copied)."""
    if column not in frame:
        return np.full(len(frame), np.nan)
    s = frame[column]
    if str(s.dtype) == "Int64" and not s.hasnans:   # whole numbers, none missing: the column's own array
        return s.to_numpy(dtype=np.int64)
    if s.dtype.kind in "iufb" or str(s.dtype) in ("Int64", "boolean", "Float64"):
        return s.to_numpy(dtype=float, na_value=np.nan)
    return s.astype(object).where(s.notna(), None).to_numpy(dtype=object)


def where_mask(frame: pd.DataFrame, where: Iterable[tuple[str, tuple]],
               distinct: Optional[dict] = None) -> np.ndarray:
    """Rows whose every ``where`` column holds one of its values (a missing value never does). ``distinct``:
    a memo of the text columns numbered by their distinct values (column -> Distinct), shared by the checks
    of one table while its columns stay as they are."""
    out = np.ones(len(frame), dtype=bool)
    for column, allowed in where:
        if column not in frame:
            return np.zeros(len(frame), dtype=bool)
        s = frame[column]
        if (held := rows_holding(s, allowed)) is not None:   # yes/no, whole numbers
            out &= held
        elif distinct is None and (held := _arrow_isin(s, allowed)) is not None:
            out &= held
        elif str(s.dtype) in ("string", "str") or s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            numbered = distinct.get(column) if distinct is not None else None
            if numbered is None:
                numbered = Distinct(s)
                if distinct is not None:
                    distinct[column] = numbered
            out &= numbered.isin(list(allowed))
        else:
            out &= s.isin(list(allowed)).fillna(False).to_numpy(dtype=bool) & s.notna().to_numpy(dtype=bool)
    return out


def _arrow_isin(s: pd.Series, allowed: Iterable) -> Optional[np.ndarray]:
    """Rows of an Arrow-backed text column holding one of ``allowed`` (texts), by Arrow's hash of the few
    allowed values (a missing cell: never); None for any other column or values."""
    allowed = list(allowed)
    if not isinstance(s.array, pd.arrays.ArrowStringArray) or not all(isinstance(v, str) for v in allowed):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = s.array.__arrow_array__()
    held = pc.is_in(cells, value_set=pa.array(allowed, type=cells.type))   # (a missing cell is not in it)
    return one_array(held).to_numpy(zero_copy_only=False)


def expression_mask(frame: pd.DataFrame, expr: X.Expr, memo: Optional[dict] = None,
                    rows: Optional[np.ndarray] = None) -> np.ndarray:
    """Rows an expression holds on. ``memo``: the columns as expressions read them (column -> array), shared
    by the rules of one table while its columns stay as they are; ``rows``: only these positions are
    evaluated (the rest are false)."""
    def column(name: str) -> np.ndarray:
        if memo is None:
            return values_of(frame, name)
        key = ("values", name)
        if key not in memo:
            memo[key] = values_of(frame, name)
        return memo[key]

    if rows is not None:
        out = np.zeros(len(frame), dtype=bool)
        out[rows] = _as_mask(X.evaluate(expr, lambda name: column(name)[rows], len(rows)))
        return out
    result = X.evaluate(expr, column, len(frame))
    return _as_mask(result)


def _as_mask(result: np.ndarray) -> np.ndarray:
    if result.dtype != bool:
        result = np.nan_to_num(result.astype(float), nan=0.0) != 0
    return result


def expression_values(frame: pd.DataFrame, expr: X.Expr, positions: np.ndarray) -> list:
    """An expression's value on the rows at ``positions``, as a message shows it (one decimal)."""
    sub = frame.iloc[positions]
    values = X.evaluate(expr, lambda name: values_of(sub, name), len(sub))
    return [None if isinstance(v, float) and v != v else (round(float(v), 1) if not isinstance(v, (bool, np.bool_))
                                                            else bool(v)) for v in values]


def rule_hits(frame: pd.DataFrame, rule: "RowRule", candidates: Optional[np.ndarray] = None,
              distinct: Optional[dict] = None) -> np.ndarray:
    """Positions of the rows a rule fires on (among ``candidates``, a mask)."""
    mask = where_mask(frame, rule.where, distinct)
    if candidates is not None:
        mask &= candidates
    picked = np.flatnonzero(mask)
    if len(picked) * 4 < len(mask):     # a few rows match the where: the expression reads only those
        mask = expression_mask(frame, rule.when, distinct, picked)
    elif len(picked):
        mask &= expression_mask(frame, rule.when, distinct)
    return np.flatnonzero(mask)


def check_rules(frame: pd.DataFrame, rules: Iterable["RowRule"], candidates: Optional[np.ndarray] = None,
                distinct: Optional[dict] = None):
    """(rule, positions, message params per position) for every declared rule that fires."""
    for rule in rules:
        hits = rule_hits(frame, rule, candidates, distinct)
        if not len(hits):
            continue
        params = {name: expression_values(frame, e, hits) for name, e in rule.params}
        yield rule, hits, [{k: v[i] for k, v in params.items()} for i in range(len(hits))]


def default_covers(frame: pd.DataFrame, col, distinct: Optional[dict] = None) -> np.ndarray:
    """Rows on which a blank in ``col`` takes its default (all False when it has none)."""
    if col.default is None:
        return np.zeros(len(frame), dtype=bool)
    return where_mask(frame, col.default_where or (), distinct)


def join_parents(tables: dict[str, pd.DataFrame], contract: "Contract") -> list[tuple[str, np.ndarray]]:
    """Give each table with a declared parent the parent's columns it lacks (a teacher row gets its
    school's town and type), matched on the parent's key. Returns (table, rows whose parent is missing)."""
    orphans = []
    for name, spec in contract.tables.items():
        if spec.parent is None or name not in tables:
            continue
        ptable, column = spec.parent
        parent = tables.get(ptable)
        child = tables[name]
        if parent is None:
            continue
        key = contract.tables[ptable].key[0]
        wanted = [c for c in parent.columns if c not in child.columns and not c.startswith("_")]
        lookup = parent.drop_duplicates(subset=[key])[[key, *wanted]].set_index(key)
        codes = lookup.index.get_indexer(child[column].astype(object).where(child[column].notna(), None))
        for c in wanted:
            values = lookup[c].take(np.where(codes >= 0, codes, 0)).reset_index(drop=True)
            values = values.where(pd.Series(codes >= 0), pd.NA) if (codes < 0).any() else values
            child[c] = values.set_axis(child.index).astype(parent[c].dtype)
        orphans.append((name, (codes < 0) & child[column].notna().to_numpy(dtype=bool)))
    return orphans


def check_references(tables: dict[str, pd.DataFrame], contract: "Contract", given: set[str]):
    """(reference, value) for every value of a reference's ``from`` that its ``to`` lacks; a reference whose
    ``to`` table was not given (one school's own file) is not checked."""
    for ref in contract.references:
        if ref.to_table not in given or ref.table not in tables or ref.to_table not in tables:
            continue
        src, dst = tables[ref.table], tables[ref.to_table]
        if not len(src):
            continue
        values = _present(src, ref.column, ref.where)
        have = _present(dst, ref.to_column, ref.to_where)
        if isinstance(values, list) or isinstance(have, list):
            lacking = set(_as_list(values)) - set(_as_list(have))
        else:
            import pyarrow.compute as pc

            lacking = pc.filter(values, pc.invert(pc.is_in(values, value_set=have.cast(values.type)))).to_pylist()
        for value in sorted(lacking):
            yield ref, value


def _present(frame: pd.DataFrame, column: str, where) -> "list | object":
    """The distinct values of ``column`` on the rows ``where`` selects: an Arrow array for an Arrow-backed text
    column (hashed in Arrow, never made Python strings), else a list."""
    mask = where_mask(frame, where)
    s = frame[column]
    if not isinstance(s.array, pd.arrays.ArrowStringArray):
        return s.loc[mask].dropna().unique().tolist()
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = s.array.__arrow_array__()
    if not mask.all():
        cells = pc.filter(cells, pa.array(mask))
    return one_array(pc.drop_null(pc.unique(cells)))


def _as_list(values) -> list:
    return values if isinstance(values, list) else values.to_pylist()


def row_violations(row: dict, spec: "TableSpec", rules: Iterable["RowRule"] = ()) -> list[tuple[str, str]]:
    """The table's rules on one typed row: [(column, code), ...]. The vectorized validator applies the same
    rules to whole columns; a property test holds the two equal."""
    out: list[tuple[str, str]] = []
    row = dict(row)
    rtype = row.get(spec.type_column) if spec.type_column else None

    def applies(col) -> bool:
        return col.applies_to is None or rtype is None or rtype in col.applies_to

    def covered(col) -> bool:
        return col.default is not None and all(row.get(k) in vals for k, vals in (col.default_where or ()))

    stray = set()                          # a value where a column does not apply is a warning, not counted
    for col in spec.columns:
        if not applies(col):
            if row.get(col.name) is not None:
                stray.add(col.name)
            row[col.name] = None
    for col in spec.columns:
        value = row.get(col.name)
        if value is None:
            # as validate's applicability(): a blank in a column that applies to the row's type takes the
            # column's default where it covers the row (required or not), and is then checked like a value
            applicable = col.applies_to is not None and rtype is not None and applies(col)
            if applicable and covered(col):
                value = row[col.name] = col.default
            else:
                # a cell that held a value (let go as not applicable) is not also missing (column_rules)
                if (col.required and col.name not in stray) or applicable:
                    out.append((col.name, "required"))
                continue
        if col.kind in ("int", "decimal") and col.ge is not None and value < col.ge:
            out.append((col.name, "below_minimum"))
        if col.kind in ("int", "decimal") and col.le is not None and value > col.le:
            out.append((col.name, "above_maximum"))
        if col.le_column:
            other = row.get(col.le_column)
            floor = spec.column(col.le_column).ge
            if other is not None and value > other and (floor is None or other >= floor):
                out.append((col.name, "exceeds_column"))
    frame = pd.DataFrame({c.name: pd.Series([row.get(c.name)], dtype=_DTYPES.get(c.kind, "string"))
                          for c in spec.columns})
    for rule in rules:
        if rule.severity == "error" and len(rule_hits(frame, rule)):
            out.append((rule.column, rule.code))
    return out


_DTYPES = {"int": "Int64", "bool": "boolean", "decimal": "Float64"}
