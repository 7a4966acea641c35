"""Typed tables + targets -> results. Pure: no I/O, no printing.

Every county figure is a sum over a sum (or a count over a count) exactly as the
targets file declares it; never a mean of school rates. Verdicts compare exact
fractions with the goal, so 95.97% fails a 96% goal however it is rounded for
display, and 80.00% passes ">= 80%". A figure whose inputs are absent is
``no_data``, never a pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Optional

import numpy as np
import pandas as pd
from pandas.arrays import NumpyExtensionArray

from .targets import Aggregate, MetricTarget, MilestoneTarget, TargetsFile

PASS, FAIL, NO_DATA = "pass", "fail", "no_data"
STATUS_RANK = {"not_started": 0, "started": 1, "completed": 2}
#: How many holders-back are listed per target (the count is always complete).
MAX_OFFENDERS = 50


@dataclass(frozen=True)
class Offender:
    """A school (or town) that holds a target back, and by how much."""
    name: str
    town: Optional[str] = None
    school_id: Optional[str] = None
    value: Any = None          # its own figure (a count, False for a missing item, a rate for a town)
    needed: Optional[int] = None   # how much it alone would need to change
    file: Optional[str] = None
    row: Optional[int] = None


@dataclass
class Result:
    target_id: str
    kind: str                      # metric | milestone
    section: int
    item: int
    title_zh: str
    title_en: str
    status: str                    # pass | fail | no_data
    goal: Any                      # Fraction for metrics; the required status for milestones
    op: str = ">="
    unit: str = "percent"          # percent | count | status
    actual: Optional[Fraction] = None
    numerator: Optional[int] = None
    denominator: Optional[int] = None
    gap: Optional[int] = None      # units of gap_unit to change to pass (0 when passing)
    gap_unit_zh: str = ""
    gap_unit_en: str = ""
    offenders: list[Offender] = field(default_factory=list)
    offender_count: int = 0
    missing_schools: int = 0       # roster schools that sent nothing and whose counts this figure needs
    reported_status: Optional[str] = None   # milestones
    note: Optional[str] = None              # milestones
    group: Optional[tuple[str, str]] = None  # (column, value) for breakdowns

    @property
    def actual_float(self) -> Optional[float]:
        return None if self.actual is None else float(self.actual)


# ------------------------------------------------------------------ aggregates
class _Table:
    """One table with its columns as numpy arrays, each computed once and shared by every
    target (and every group of a breakdown) that reads it: the same ``where`` is met again and again."""

    def __init__(self, df: pd.DataFrame):
        self.df = df
        self._memo: dict[tuple, np.ndarray] = {}

    def _cached(self, key: tuple, make) -> np.ndarray:
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = make()
        return found

    def isin(self, column: str, allowed: list) -> np.ndarray:
        return self._cached(("isin", column, tuple(allowed)), lambda: np.asarray(
            self.df[column].isin(allowed).fillna(False).astype(bool).to_numpy(dtype=bool)))

    def isna(self, column: str) -> np.ndarray:
        return self._cached(("isna", column), lambda: self.df[column].isna().to_numpy(dtype=bool))

    def truthy(self, column: str) -> np.ndarray:
        """yes/no (or count) as True/False, missing as False."""
        return self._cached(("truthy", column), lambda: np.asarray(
            self.df[column].fillna(False).astype(bool).to_numpy(dtype=bool)))

    def cells(self, column: str, positions: np.ndarray) -> list:
        """The cells at ``positions`` as iterating the column gives them (missing: the column's NA)."""
        key = ("arrow", column)
        if key not in self._memo:
            self._memo[key] = _arrow_text(self.df[column])
        arrow = self._memo[key]
        if arrow is None:
            return _cells(self.df[column].array, positions)
        na = self.df[column].dtype.na_value
        return [na if v is None else v for v in arrow.take(positions).to_pylist()]

    def town_codes(self) -> tuple[np.ndarray, Any]:
        """Each row's town as a code into the town names (-1: no town)."""
        found = self._memo.get(("town",))
        if found is None:
            found = self._memo[("town",)] = pd.factorize(self.df["town"])
        return found

    def ints(self, column: str) -> np.ndarray:
        """a count column as int64, missing as 0."""
        return self._cached(("ints", column), lambda: np.asarray(
            self.df[column].fillna(0).astype("int64").to_numpy(dtype="int64")))


class _View:
    """A table, or the rows ``pos`` (positions, in order) of it: a group of a breakdown."""

    def __init__(self, table: _Table, pos: Optional[np.ndarray] = None):
        self.table, self.pos = table, pos
        self.columns = table.df.columns

    def __len__(self) -> int:
        return len(self.table.df) if self.pos is None else len(self.pos)

    def __contains__(self, column: str) -> bool:
        return column in self.columns

    def _cut(self, full: np.ndarray) -> np.ndarray:
        return full if self.pos is None else full[self.pos]

    def mask(self, where: dict[str, list]) -> np.ndarray:
        """Rows whose every ``where`` column holds an allowed value (a missing value never does)."""
        out = np.ones(len(self), dtype=bool)
        for column, allowed in where.items():
            out &= self._cut(self.table.isin(column, allowed))
        return out

    def isna(self, column: str) -> np.ndarray:
        return self._cut(self.table.isna(column))

    def truthy(self, column: str) -> np.ndarray:
        return self._cut(self.table.truthy(column))

    def ints(self, column: str) -> np.ndarray:
        return self._cut(self.table.ints(column))

    def rows(self, local: np.ndarray, cols: list[str]):
        """The cells of ``cols`` on the rows at ``local``, row by row, as iterating a Series gives them."""
        full = local if self.pos is None else self.pos[local]
        return zip(*(self.table.cells(c, full) for c in cols))


def _cells(values, positions: np.ndarray) -> list:
    picked = values[positions]
    return picked.to_numpy().tolist() if isinstance(picked, NumpyExtensionArray) else list(picked)


def _arrow_text(series: pd.Series):
    """A pyarrow-backed text column as one contiguous arrow array (taking rows from a chunked
    column joins every chunk first: 2 ms a call at 1M rows), else None."""
    dtype = series.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    return series.array.__arrow_array__().combine_chunks()


Views = dict[str, _View]


def _views(tables: dict[str, pd.DataFrame]) -> Views:
    return {name: _View(_Table(df)) for name, df in tables.items()}


def _aggregate(agg: Aggregate, views: Views) -> tuple[Optional[int], np.ndarray]:
    view = views.get(agg.table)
    if view is None or len(view) == 0:
        return None, np.zeros(0, dtype=bool)
    mask = view.mask(agg.where)
    if not mask.any():
        return None, mask
    if agg.agg == "count":
        return int(mask.sum()), mask
    if agg.agg == "count_true":
        return int(view.truthy(agg.column)[mask].sum()), mask
    return int(view.ints(agg.column)[mask].sum()), mask


def aggregate(agg: Aggregate, tables: dict[str, pd.DataFrame]) -> tuple[Optional[int], np.ndarray]:
    """The aggregate's integer value (None: no rows to aggregate) and the row mask it used."""
    return _aggregate(agg, _views(tables))


def _missing_in_sum(agg: Aggregate, views: Views) -> np.ndarray:
    """Placeholder rows (``_missing``: on the roster, sent nothing) that a sum figure would need."""
    view = views.get(agg.table)
    if agg.agg != "sum" or view is None or "_missing" not in view or len(view) == 0:
        return np.zeros(0, dtype=bool)
    # a placeholder's unknown cells (a roster without 学校类型) may match: it could be applicable
    possible = np.ones(len(view), dtype=bool)
    for column, allowed in agg.where.items():
        possible &= view._cut(view.table.isin(column, allowed)) | view.isna(column)
    return possible & view.truthy("_missing")


def missing_in_sum(agg: Aggregate, tables: dict[str, pd.DataFrame]) -> np.ndarray:
    return _missing_in_sum(agg, _views(tables))


def compare(actual: Fraction, op: str, goal: Fraction) -> bool:
    return {">=": actual >= goal, "<=": actual <= goal, "==": actual == goal,
            ">": actual > goal, "<": actual < goal}[op]


def gap_to_goal(num: int, den: Optional[int], op: str, goal: Fraction) -> int:
    """Smallest change of the numerator (denominator held) that meets the goal; 0 if met."""
    target = goal * den if den is not None else goal
    if op == ">=":
        need = math.ceil(target - num)
    elif op == ">":
        need = math.floor(target - num) + 1
    elif op == "<=":
        need = num - math.floor(target)
    elif op == "<":
        need = num - math.ceil(target) + 1
    else:
        need = abs(num - target)
        need = math.ceil(need)
    return max(int(need), 0)


# ------------------------------------------------------------------ metrics
def evaluate_metric(t: MetricTarget, tables: dict[str, pd.DataFrame], numerator_known: bool = False) -> Result:
    """One metric. ``numerator_known``: the numerator's rows exist elsewhere (a breakdown of a
    county that has them), so no matching row in this cut is a true zero, not missing data."""
    return _evaluate_metric(t, _views(tables), numerator_known)


def _evaluate_metric(t: MetricTarget, views: Views, numerator_known: bool = False) -> Result:
    goal = t.goal_fraction
    res = Result(target_id=t.id, kind="metric", section=t.section, item=t.item, title_zh=t.title_zh,
                 title_en=t.title_en, status=NO_DATA, goal=goal, op=t.op, unit=t.unit,
                 gap_unit_zh=t.gap_unit_zh, gap_unit_en=t.gap_unit_en)
    num, _ = _aggregate(t.numerator, views)
    if t.denominator is None:
        if num is None:
            return res
        res.numerator, res.actual = num, Fraction(num)
    else:
        den, _ = _aggregate(t.denominator, views)
        if den is None or den == 0:
            return res
        if num is None:
            # the filter matched no row although the denominator has rows: a true zero
            # only when both sides read the same table (e.g. no public kindergarten at all)
            if t.numerator.table != t.denominator.table and not numerator_known:
                return res
            num = 0
        res.numerator, res.denominator, res.actual = num, den, Fraction(num, den)
    res.status = PASS if compare(res.actual, t.op, goal) else FAIL
    res.gap = 0 if res.status == PASS else gap_to_goal(res.numerator, res.denominator, t.op, goal)
    absent, n_absent = _absent(t, views, res)
    if res.status == FAIL or absent:
        n_found, found = holders_back(t, views, upward=res.actual < goal) if res.status == FAIL else (0, [])
        # a placeholder's counts are empty, so it is never among the found holders-back too
        res.offender_count = n_absent + n_found
        res.offenders = (absent + [_cap(o, res.gap) for o in found])[:MAX_OFFENDERS]
    return res


def _absent(t: MetricTarget, views: Views, res: Result) -> tuple[list[Offender], int]:
    """Roster schools that sent nothing and whose counts the figure needs: (the first few, how many).

    Their counts are unknown, so only a figure that must fall and already fails on the numerator
    alone stays a certain fail; anything else becomes no data (``res`` is updated).
    """
    num_missing = _missing_in_sum(t.numerator, views)
    den_missing = _missing_in_sum(t.denominator, views) if t.denominator is not None else np.zeros(0, dtype=bool)
    missing = [(a.table, m) for a, m in ((t.numerator, num_missing), (t.denominator, den_missing))
               if len(m) and m.any()]
    if not missing:
        return [], 0
    table, rows = missing[0]
    for other_table, m in missing[1:]:
        if other_table == table:
            rows = rows | m
    positions = np.flatnonzero(rows)
    res.missing_schools = n_absent = len(positions)
    must_fall = t.op in ("<=", "<") or (t.op == "==" and res.actual > res.goal)
    certain_fail = res.status == FAIL and must_fall and not (len(den_missing) and den_missing.any())
    if not certain_fail:
        res.status, res.gap, res.actual = NO_DATA, None, None
    return _schools(views[table], positions, None), n_absent


def _cap(o: Offender, gap: Optional[int]) -> Offender:
    """A school alone never needs to change more than the county's gap (a town's need is its own)."""
    if o.needed is None or gap is None or isinstance(o.value, Fraction) or o.needed <= gap:
        return o
    return replace(o, needed=gap)


def _schools(view: _View, positions: np.ndarray, values=None, needed=None, limit: int = MAX_OFFENDERS) -> list[Offender]:
    """Offenders for the first ``limit`` of the rows at ``positions`` (a big county builds only what is shown).

    ``values``: one value per row, or a constant; ``needed``: "value" (the row's own value), a
    constant, or None.
    """
    positions = positions[:limit]
    if not len(positions):
        return []
    cols = [c for c in ("school_name", "town", "school_id", "_file", "_row") if c in view]
    out = []
    for k, r in enumerate(view.rows(positions, cols)):
        rec = dict(zip(cols, r))
        value = values[k] if isinstance(values, list) else values
        need = value if needed == "value" else needed
        out.append(Offender(name=str(rec.get("school_name", "")), town=_s(rec.get("town")),
                            school_id=_s(rec.get("school_id")), value=value, needed=need,
                            file=_s(rec.get("_file")), row=_i(rec.get("_row"))))
    return out


def _s(v) -> Optional[str]:
    return None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v)


def _i(v) -> Optional[int]:
    return None if v is None or v is pd.NA else int(v)


def holders_back(t: MetricTarget, views: Views, upward: bool,
                 limit: int = MAX_OFFENDERS) -> tuple[int, list[Offender]]:
    """Who holds a failing target back, most first, each with what it alone would need:
    (how many there are, the first ``limit`` of them).

    ``upward``: the figure must rise (too few enrolled / reported); otherwise it must fall.
    """
    num, den = t.numerator, t.denominator
    if den is not None and den.table != num.table:
        towns = _towns_behind(t, views)
        return len(towns), towns[:limit]
    view = views.get(num.table)
    if view is None or len(view) == 0:
        return 0, []
    if not upward:
        # the numerator itself is what must come down: the rows that contribute to it
        mask = view.mask(num.where)
        if num.agg == "count_true":
            hit = np.flatnonzero(mask & view.truthy(num.column))
            return len(hit), _schools(view, hit, True, limit=limit)
        if num.agg != "sum":
            return 0, []
        return _largest(view, mask, num.column, "value", limit)
    # upward: rows in the denominator that are not (fully) in the numerator
    dmask = view.mask(den.where)
    if num.agg == "count_true":
        missing = np.flatnonzero(dmask & ~view.truthy(num.column))
        return len(missing), _schools(view, missing, False, needed=1, limit=limit)
    out_rows = dmask & ~view.mask(num.where)
    if den.agg == "sum":
        return _largest(view, out_rows, den.column, None, limit)
    rows = np.flatnonzero(out_rows)
    return len(rows), _schools(view, rows, None, limit=limit)


def _largest(view: _View, mask: np.ndarray, column: str, needed, limit: int) -> tuple[int, list[Offender]]:
    """The rows of ``mask`` with a positive ``column``, largest first (ties in row order)."""
    values = view.ints(column)
    rows = np.flatnonzero(mask & (values > 0))
    top = rows[np.argsort(-values[rows], kind="stable")[:limit]]
    return len(rows), _schools(view, top, [int(v) for v in values[top]], needed=needed, limit=limit)


def _towns_behind(t: MetricTarget, views: Views) -> list[Offender]:
    """For a figure over two tables joined by town (gross enrolment): towns below the goal."""
    num, den = t.numerator, t.denominator
    a, b = views.get(num.table), views.get(den.table)
    if a is None or b is None or "town" not in a or "town" not in b:
        return []
    na, nb = _town_totals(a, num), _town_totals(b, den)
    goal = t.goal_fraction
    out = []
    for town, d in nb.items():
        n = na.get(town, 0)
        if d <= 0:
            continue
        rate = Fraction(n, d)
        if not compare(rate, t.op, goal):
            out.append(Offender(name=town, town=town, value=rate, needed=gap_to_goal(n, d, t.op, goal)))
    out.sort(key=lambda o: (-(o.needed or 0), o.name))
    return out


def _town_totals(view: _View, agg: Aggregate) -> dict[str, int]:
    """The aggregate per town (a sum, else a count of rows); rows without a town are left out."""
    codes, names = view.table.town_codes()
    codes = view._cut(codes)
    mask = view.mask(agg.where) & (codes >= 0)
    keys, inverse = np.unique(codes[mask], return_inverse=True)
    totals = np.zeros(len(keys), dtype="int64")
    np.add.at(totals, inverse, view.ints(agg.column)[mask] if agg.agg == "sum" else 1)
    return {str(names[k]): int(v) for k, v in zip(keys, totals)}


# ------------------------------------------------------------------ milestones
def evaluate_milestone(t: MilestoneTarget, tables: dict[str, pd.DataFrame]) -> Result:
    res = Result(target_id=t.id, kind="milestone", section=t.section, item=t.item, title_zh=t.title_zh,
                 title_en=t.title_en, status=NO_DATA, goal=t.required_status, op=">=", unit="status")
    df = tables.get("milestones")
    if df is None or len(df) == 0:
        return res
    rows = df[df["milestone_id"] == t.id]
    if rows.empty:
        return res
    row = rows.iloc[0]
    res.reported_status = str(row["status"])
    note = row.get("note")
    res.note = None if note is None or note is pd.NA else str(note)
    res.status = PASS if STATUS_RANK[res.reported_status] >= STATUS_RANK[t.required_status] else FAIL
    res.gap = 0 if res.status == PASS else STATUS_RANK[t.required_status] - STATUS_RANK[res.reported_status]
    return res


# ------------------------------------------------------------------ the whole plan
def evaluate(targets: TargetsFile, tables: dict[str, pd.DataFrame]) -> list[Result]:
    """Every target of the plan, county-wide, in the order of the targets file."""
    views = _views(tables)
    out = []
    for t in targets.targets:
        out.append(_evaluate_metric(t, views) if t.kind == "metric" else evaluate_milestone(t, tables))
    return out


def evaluate_by(targets: TargetsFile, tables: dict[str, pd.DataFrame], column: str) -> dict[str, list[Result]]:
    """Every metric target per group of ``column`` (e.g. town, school_type).

    Each table that has the column is cut to the group (a town's gross enrolment
    uses that town's population); a table without it is left out of the group,
    so figures that need it are ``no_data`` there.
    """
    values: set[str] = set()
    for df in tables.values():
        if column in df:
            values.update(str(v) for v in df[column].dropna().unique())
    views = _views(tables)
    # a group with no row matching a numerator the county has (a town without a kindergarten) is a zero
    known = {t.id: _aggregate(t.numerator, views)[0] is not None for t in targets.metrics}
    positions = {name: group_positions(df, column, values) for name, df in tables.items() if column in df}
    empty = np.zeros(0, dtype="int64")
    groups: dict[str, list[Result]] = {}
    for value in sorted(values):
        cut = {name: _View(views[name].table, pos.get(value, empty)) for name, pos in positions.items()}
        results = [_evaluate_metric(t, cut, known[t.id] and t.numerator.table in cut) for t in targets.metrics]
        for r in results:
            r.group = (column, value)
        groups[value] = results
    return groups


def group_positions(df: pd.DataFrame, column: str, values: set[str]) -> dict[str, np.ndarray]:
    """For each value, the positions (in order) of the rows whose ``column`` equals it.

    One pass over a text column; any other column compares each value as text (as ``eq`` does).
    """
    series = df[column]
    if not isinstance(series.dtype, pd.StringDtype):
        return {v: np.flatnonzero(series.eq(v).fillna(False).astype(bool).to_numpy(dtype=bool)) for v in values}
    codes, uniques = pd.factorize(series)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    return {str(u): order[starts[k]:starts[k + 1]] for k, u in enumerate(uniques)}


def summary(results: list[Result]) -> dict[str, int]:
    out = {PASS: 0, FAIL: 0, NO_DATA: 0}
    for r in results:
        out[r.status] += 1
    return out
