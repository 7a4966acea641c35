"""Typed tables + targets -> results. Pure: no I/O, no printing.

Every county figure is a sum over a sum (or a count over a count) exactly as the
targets file declares it; never a mean of school rates. Verdicts compare exact
fractions with the goal, so 95.97% fails a 96% goal however it is rounded for
display, and 80.00% passes ">= 80%". A figure whose inputs are absent is
``no_data``, never a pass.
"""

from __future__ import annotations

import gc
import math
import operator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import Any, Optional

import numpy as np
import pandas as pd
from pandas.arrays import NumpyExtensionArray

from .check.columns import Distinct, rows_holding
from .check.rules import expression_mask
from .plan.targets import Aggregate, MetricTarget, MilestoneTarget, TargetsFile

PASS, FAIL, NO_DATA = "pass", "fail", "no_data"
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
    #: milestones: the plan's labels of the required and reported statuses, their ranks, the due date
    goal_label: tuple[str, str] = ("", "")
    reported_label: tuple[str, str] = ("", "")
    reported_rank: Optional[int] = None
    goal_rank: Optional[int] = None
    due: Optional[str] = None
    overdue: bool = False
    status_labels: dict[str, tuple[str, str]] = field(default_factory=dict)   # the plan's statuses, in order
    #: metrics with a relative goal: the previous figure it is measured from (None: not known) and the change
    previous: Optional[Fraction] = None
    change: Optional[Fraction] = None
    gap_side: str = "numerator"    # the gap counts the numerator's units, or the denominator's (teachers to hire)
    #: a share (numerator rows within the denominator's) that must rise: ``gap`` moves units in with the total
    #: unchanged; ``gap_if_added`` is how many new ones it would take, each adding to the total as well
    gap_if_added: Optional[int] = None
    #: the holders-back are the denominator's rows outside the numerator (private kindergartens for a public share)
    holders_outside: bool = False
    #: the figure lies outside the plan's plausible range: ">" above its maximum, "<" below its minimum
    implausible: Optional[str] = None
    plausible_bound: Optional[Fraction] = None

    @property
    def actual_float(self) -> Optional[float]:
        return None if self.actual is None else float(self.actual)


# ------------------------------------------------------------------ aggregates
class _Table:
    """One table with its columns as numpy arrays, each computed once and shared by every
    target (and every group of a breakdown) that reads it: the same ``where`` is met again and again."""

    def __init__(self, df: pd.DataFrame, roles: Optional[dict[str, str]] = None):
        self.df = df
        self._memo: dict[tuple, Any] = {}
        #: which columns name a row (name), place it (town) and key it (school_id) in lists
        self.roles = {k: v for k, v in (roles or {}).items() if v and v in df.columns}

    def _cached(self, key: tuple, make) -> Any:
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = make()
        return found

    def distinct(self, column: str) -> Distinct:
        """The column numbered by its distinct values, once for every ``where`` that reads it."""
        return self._cached(("distinct", column), lambda: Distinct(self.df[column]))

    def isin(self, column: str, allowed: list) -> np.ndarray:
        """Rows whose ``column`` holds one of ``allowed`` (missing: never). A text column compared with a few
        texts is compared cell by cell (ten times faster than numbering a million cells by their values)."""
        def make():
            held = rows_holding(self.df[column], allowed)   # yes/no, whole numbers: from their values
            if held is not None:
                return held
            arrow = _arrow_text(self.df[column])
            if (arrow is None or ("distinct", column) in self._memo or len(allowed) > _FEW_VALUES
                    or any(type(v) is not str for v in allowed)):
                return self.distinct(column).isin(allowed)
            return _equal_any(arrow, allowed)
        return self._cached(("isin", column, tuple(allowed)), make)

    def isna(self, column: str) -> np.ndarray:
        return self._cached(("isna", column), lambda: self.df[column].isna().to_numpy(dtype=bool))

    def truthy(self, column: str) -> np.ndarray:
        """yes/no (or count) as True/False, missing as False."""
        return self._cached(("truthy", column), lambda: np.asarray(
            self.df[column].fillna(False).astype(bool).to_numpy(dtype=bool)))

    def cells(self, column: str, positions: np.ndarray) -> list:
        """The cells at ``positions`` as iterating the column gives them (missing: the column's NA). A text
        column's chunks are joined once for many cells; a few (a county's holders-back) are read from them."""
        key = ("arrow", column)
        if key not in self._memo:
            arrow = _arrow_text(self.df[column])
            if arrow is not None and len(positions) <= _FEW:
                return _no_none(_picked(arrow, positions), self.df[column].dtype.na_value)
            self._memo[key] = None if arrow is None else arrow.combine_chunks()
        arrow = self._memo[key]
        if arrow is None:
            return _cells(self.df[column].array, positions)
        return _no_none(arrow.take(positions).to_pylist(), self.df[column].dtype.na_value)

    def town_codes(self) -> tuple[np.ndarray, Any]:
        """Each row's place (town) as a code into the place names (-1: none)."""
        towns = self.distinct(self.roles["town"])
        return towns.codes, towns.values

    def ints(self, column: str) -> np.ndarray:
        """a number column as int64 (a decimal one as float64), missing as 0."""
        def make():   # (a column with no cell missing: its own array, not a copy)
            s = self.df[column]
            if str(s.dtype) in ("Float64", "float64"):
                return np.asarray(s.to_numpy(dtype="float64", na_value=0.0))
            return np.asarray(s.to_numpy(dtype="int64", na_value=0))
        return self._cached(("ints", column), make)

    def when(self, expr) -> np.ndarray:
        """Rows a row expression holds on (missing cells: false)."""
        return self._cached(("when", expr.text), lambda: expression_mask(self.df, expr))


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

    def matching(self, agg: Aggregate) -> np.ndarray:
        """Rows an aggregate reads: its ``where`` values and its ``when`` expression."""
        out = self.mask(agg.where)
        if agg.when:
            out &= self._cut(self.table.when(_expr(agg)))
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


#: up to this many cells of a text column are read from its chunks; more join the chunks once (taking rows
#: from a chunked column joins every chunk first: 2 ms a call at 1M rows)
_FEW = 64


def _arrow_text(series: pd.Series):
    """A pyarrow-backed text column as its arrow (chunked) array, else None."""
    dtype = series.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    return series.array.__arrow_array__()


#: up to this many allowed texts are compared cell by cell; more are looked up among the column's distinct values
_FEW_VALUES = 4


def _equal_any(arrow, allowed: list) -> np.ndarray:
    """Cells of an arrow text array equal to one of ``allowed`` (a missing cell: never)."""
    import pyarrow.compute as pc

    out = np.zeros(len(arrow), dtype=bool)
    for value in allowed:
        out |= pc.equal(arrow, value).fill_null(False).to_numpy(zero_copy_only=False)
    return out


def _picked(arrow, positions: np.ndarray) -> list:
    """The values at ``positions`` of an arrow array, each read from its chunk (no chunk joined)."""
    import pyarrow as pa

    if isinstance(arrow, pa.Array):
        return arrow.take(positions).to_pylist()
    offsets = np.cumsum([0] + [len(c) for c in arrow.chunks])
    which = (np.searchsorted(offsets, positions, side="right") - 1).tolist()
    at = offsets.tolist()
    return [arrow.chunk(c)[p - at[c]].as_py() for c, p in zip(which, np.asarray(positions).tolist())]


def _no_none(values: list, na) -> list:
    return [na if v is None else v for v in values]


Views = dict[str, _View]

_EXPRS: dict[tuple[str, str], Any] = {}


def _expr(agg: Aggregate):
    """The aggregate's ``when`` parsed once (the plan's check has already accepted it)."""
    from .plan import expr as X

    key = (agg.table, agg.when)
    if key not in _EXPRS:
        _EXPRS[key] = X.parse(agg.when)
    return _EXPRS[key]


def _roles(contract, name: str) -> dict[str, str]:
    if contract is None or name not in contract.tables:
        return {}
    spec = contract.tables[name]
    return {"name": spec.label or spec.key[0], "town": spec.place, "school_id": spec.key[0]}


def _views(tables: dict[str, pd.DataFrame], contract=None) -> Views:
    return {name: _View(_Table(df, _roles(contract, name))) for name, df in tables.items()}


def total(values: np.ndarray) -> Any:
    """A sum as an exact number: an int, or (decimal columns) the fraction of its decimal text."""
    if values.dtype.kind == "f":
        return Fraction(repr(round(float(values.sum()), 9)))
    return int(values.sum())


def _aggregate(agg: Aggregate, views: Views) -> tuple[Optional[int], np.ndarray]:
    view = views.get(agg.table)
    if view is None or len(view) == 0:
        return None, np.zeros(0, dtype=bool)
    mask = view.matching(agg)
    if not mask.any():
        return None, mask
    if agg.agg == "count":
        return int(mask.sum()), mask
    if agg.agg == "count_true":
        return int(view.truthy(agg.column)[mask].sum()), mask
    return total(view.ints(agg.column)[mask]), mask


def _has_rows(agg: Aggregate, views: Views) -> bool:
    """Whether the aggregate reads any row (its value is not None), without computing it."""
    view = views.get(agg.table)
    return view is not None and len(view) > 0 and bool(view.matching(agg).any())


def aggregate(agg: Aggregate, tables: dict[str, pd.DataFrame], contract=None) -> tuple[Optional[int], np.ndarray]:
    """The aggregate's value (None: no rows to aggregate) and the row mask it used."""
    return _aggregate(agg, _views(tables, contract))


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


_COMPARE = {">=": operator.ge, "<=": operator.le, "==": operator.eq, ">": operator.gt, "<": operator.lt}


def compare(actual: Fraction, op: str, goal: Fraction) -> bool:
    return _COMPARE[op](actual, goal)


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


def gap_on_denominator(num, den: int, op: str, goal: Fraction) -> Optional[int]:
    """Smallest change of the denominator (numerator held) that meets the goal (生师比 ≤ 19:1: how many more
    teachers); 0 if met, None if no denominator can (a goal of 0)."""
    if compare(Fraction(num) / den, op, goal) if den else False:
        return 0
    if goal == 0:
        return None
    bound = Fraction(num) / goal          # the denominator at which the figure equals the goal
    if op == "<=":
        need = math.ceil(bound) - den
    elif op == "<":
        need = math.floor(bound) + 1 - den
    elif op == ">=":
        need = den - math.floor(bound)
    elif op == ">":
        need = den - (math.ceil(bound) - 1)
    else:
        need = abs(den - bound)
        need = math.ceil(need)
    return max(int(need), 0)


# ------------------------------------------------------------------ metrics
def evaluate_metric(t: MetricTarget, tables: dict[str, pd.DataFrame], numerator_known: bool = False,
                    contract=None, previous: Optional[Fraction] = None) -> Result:
    """One metric. ``numerator_known``: the numerator's rows exist elsewhere (a breakdown of a
    county that has them), so no matching row in this cut is a true zero, not missing data."""
    return _evaluate_metric(t, _views(tables, contract), numerator_known, previous)


def _evaluate_metric(t: MetricTarget, views: Views, numerator_known: bool = False,
                     previous: Optional[Fraction] = None) -> Result:
    res = _blank(t, previous=previous)
    num, _ = _aggregate(t.numerator, views)
    den = _aggregate(t.denominator, views)[0] if t.denominator is not None else None
    if not _settle(t, res, num, den, numerator_known):
        return res
    absent, n_absent = _absent(t, views, res)
    if res.status == FAIL or absent:
        n_found, found = (holders_back(t, views, upward=res.actual < res.goal, goal=res.goal)
                          if res.status == FAIL else (0, []))
        _list_offenders(res, absent, n_absent, n_found, found)
    return res


def _blank(t: MetricTarget, goal: Optional[Fraction] = None, previous: Optional[Fraction] = None) -> Result:
    """The target's result before its figure is known (no data); ``goal``: the target's, computed once
    (a relative goal: from ``previous``, the figure of an earlier run, when the plan gives none)."""
    if goal is None:
        goal = t.goal_from(previous)
    rel = t.relative
    res = Result(target_id=t.id, kind="metric", section=t.section, item=t.item, title_zh=t.title_zh,
                 title_en=t.title_en, status=NO_DATA, goal=goal, op=t.op,
                 unit=t.unit, gap_unit_zh=t.gap_unit_zh, gap_unit_en=t.gap_unit_en, gap_side=t.gap_side)
    if rel is not None:
        res.previous = Fraction(rel.previous) if rel.previous is not None else previous
        res.change = Fraction(rel.change) / (100 if t.unit == "percent" else 1)
    return res


def _settle(t: MetricTarget, res: Result, num: Optional[int], den: Optional[int], numerator_known: bool) -> bool:
    """Fill the figure, verdict and gap from the aggregates (None: no rows); False: no data."""
    if t.denominator is None:
        if num is None:
            return False
        res.numerator, res.actual = num, Fraction(num)
    else:
        if den is None or den == 0:
            return False
        if num is None:
            # the filter matched no row although the denominator has rows: a true zero
            # only when both sides read the same table (e.g. no public kindergarten at all)
            if t.numerator.table != t.denominator.table and not numerator_known:
                return False
            num = 0
        res.numerator, res.denominator, res.actual = num, den, Fraction(num) / den * t.scale
    _plausibility(t, res)
    if res.goal is None:
        return False   # a relative goal without its previous figure: the figure is shown, the verdict is no data
    res.status = PASS if compare(res.actual, t.op, res.goal) else FAIL
    if res.status == PASS:
        res.gap = 0
    elif t.gap_side == "denominator":
        res.gap = gap_on_denominator(res.numerator, res.denominator, t.op, res.goal / t.scale)
    else:
        res.gap = gap_to_goal(res.numerator, res.denominator, t.op, res.goal / t.scale)
        if is_share(t) and t.op in (">=", ">") and t.numerator.agg == "sum":
            res.gap_if_added = gap_if_added(res.numerator, res.denominator, t.op, res.goal / t.scale)
            res.holders_outside = True
    return True


def _plausibility(t: MetricTarget, res: Result) -> None:
    """Flag a figure outside the plan's plausible range (the verdict stands; the report asks to check the inputs)."""
    if t.plausible_max is not None and res.actual > Fraction(t.plausible_max):
        res.implausible, res.plausible_bound = ">", Fraction(t.plausible_max)
    elif t.plausible_min is not None and res.actual < Fraction(t.plausible_min):
        res.implausible, res.plausible_bound = "<", Fraction(t.plausible_min)


def is_share(t: MetricTarget) -> bool:
    """A share: the numerator counts a part of the denominator's own rows (公办园幼儿 of all 幼儿), so a unit
    added to the numerator adds to the denominator too."""
    num, den = t.numerator, t.denominator
    if den is None or num.table != den.table or num.column != den.column or num.when != den.when:
        return False
    if (num.agg, den.agg) not in (("sum", "sum"), ("count", "count"), ("count_true", "count")):
        return False
    return all(k in num.where and set(num.where[k]) <= set(v) for k, v in den.where.items())


def gap_if_added(num, den: int, op: str, goal: Fraction) -> Optional[int]:
    """How many new units a share needs when each one adds to both sides: (num + x) / (den + x) meets the goal;
    None when no number does (a goal of 100% with units outside)."""
    if goal >= 1:
        return None
    bound = (goal * den - num) / (1 - goal)
    need = math.ceil(bound) if op == ">=" else math.floor(bound) + 1
    return max(int(need), 0)


def _list_offenders(res: Result, absent: list[Offender], n_absent: int, n_found: int, found: list[Offender]) -> None:
    # a placeholder's counts are empty, so it is never among the found holders-back too
    res.offender_count = n_absent + n_found
    res.offenders = (absent + [_cap(o, res.gap) for o in found])[:MAX_OFFENDERS]


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
    _judge_absent(t, res, len(positions), bool(len(den_missing) and den_missing.any()))
    return _schools(views[table], positions, None), len(positions)


def _judge_absent(t: MetricTarget, res: Result, n_absent: int, den_absent: bool) -> None:
    """``n_absent`` (> 0) needed schools sent nothing: the verdict stands only if it is a certain fail."""
    res.missing_schools = n_absent
    must_fall = t.op in ("<=", "<") or (t.op == "==" and res.goal is not None and res.actual > res.goal)
    certain_fail = res.status == FAIL and must_fall and not den_absent
    if not certain_fail:
        res.status, res.gap, res.actual = NO_DATA, None, None


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
    cols = _offender_columns(view)
    return _offenders([role for role, _ in cols], view.rows(positions, [c for _, c in cols]), values, needed)


def _offender_columns(view: _View) -> list[tuple[str, str]]:
    """(role, column) of the cells an offender is described by: its name, place, key, file and row."""
    roles = view.table.roles
    found = [(role, roles[role]) for role in ("name", "town", "school_id") if role in roles]
    return found + [(c, c) for c in ("_file", "_row") if c in view]


def _offenders(cols: list[str], rows, values=None, needed=None) -> list[Offender]:
    """One Offender per row of cells (in ``cols`` order); ``values``/``needed`` as for :func:`_schools`."""
    rows = list(rows)
    if not rows:
        return []
    return [Offender(*fields) for fields in zip(*_offender_fields(dict(zip(cols, zip(*rows))), len(rows), values, needed))]


def _offender_fields(by: dict[str, Any], n: int, values=None, needed=None) -> list[list]:
    """The fields of ``n`` offenders in Offender's order, column by column, from their cells by role
    (a text cell is kept as it is, anything else converted)."""
    def texts(role: str) -> list:
        cells = by.get(role)
        return [None] * n if cells is None else [v if type(v) is str else _s(v) for v in cells]

    rows_at = by.get("_row")
    places = [None] * n if rows_at is None else [v if type(v) is int else _i(v) for v in rows_at]
    each = values if isinstance(values, list) else [values] * n
    needs = each if needed == "value" else [needed] * n
    return [[v or "" for v in texts("name")], texts("town"), texts("school_id"), each, needs, texts("_file"), places]


def _s(v) -> Optional[str]:
    return None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v)


def _i(v) -> Optional[int]:
    return None if v is None or v is pd.NA else int(v)


def holders_back(t: MetricTarget, views: Views, upward: bool, limit: int = MAX_OFFENDERS,
                 goal: Optional[Fraction] = None) -> tuple[int, list[Offender]]:
    """Who holds a failing target back, most first, each with what it alone would need:
    (how many there are, the first ``limit`` of them).

    ``upward``: the figure must rise (too few enrolled / reported); otherwise it must fall.
    """
    num, den = t.numerator, t.denominator
    if den is not None and den.table != num.table:
        towns = _towns_behind(t, views, t.goal_from(None) if goal is None else goal)
        return len(towns), towns[:limit]
    view = views.get(num.table)
    if view is None or len(view) == 0:
        return 0, []
    if not upward:
        # the numerator itself is what must come down: the rows that contribute to it
        mask = view.matching(num)
        if num.agg == "count_true":
            hit = np.flatnonzero(mask & view.truthy(num.column))
            return len(hit), _schools(view, hit, True, limit=limit)
        if num.agg != "sum":
            return 0, []
        return _largest(view, mask, num.column, "value", limit)
    # upward: rows in the denominator (for a count without one: the rows it counts among) that are not
    # (fully) in the numerator; a total or plain count without a denominator has no such rows
    if den is None and num.agg != "count_true":
        return 0, []
    dmask = view.matching(den or num)
    if num.agg == "count_true":
        missing = np.flatnonzero(dmask & ~view.truthy(num.column))
        return len(missing), _schools(view, missing, False, needed=1, limit=limit)
    out_rows = dmask & ~view.matching(num)
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


def _towns_behind(t: MetricTarget, views: Views, goal: Optional[Fraction]) -> list[Offender]:
    """For a figure over two tables joined by town (gross enrolment): towns below the goal."""
    num, den = t.numerator, t.denominator
    a, b = views.get(num.table), views.get(den.table)
    if a is None or b is None or "town" not in a.table.roles or "town" not in b.table.roles:
        return []
    return _towns_below(t, _town_totals(a, num), _town_totals(b, den), goal)


def _towns_below(t: MetricTarget, na: dict[str, int], nb: dict[str, int],
                 goal: Optional[Fraction]) -> list[Offender]:
    """The towns of ``nb`` (denominators) whose rate with ``na`` (numerators) misses the goal, most needed first."""
    out = []
    if goal is None:
        return out
    goal = goal / t.scale
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
    mask = view.matching(agg) & (codes >= 0)
    keys, inverse = np.unique(codes[mask], return_inverse=True)
    totals = np.zeros(len(keys), dtype="int64")
    np.add.at(totals, inverse, view.ints(agg.column)[mask] if agg.agg == "sum" else 1)
    return {str(names[k]): int(v) for k, v in zip(keys, totals)}


# ------------------------------------------------------------------ milestones
def evaluate_milestone(t: MilestoneTarget, tables: dict[str, pd.DataFrame], contract,
                       as_of: Optional[date] = None) -> Result:
    """A milestone against the status the plan requires. With a due date: before it, a milestone that has
    started is on track (pass); from the due date on it must have reached its status, else it fails as
    overdue. ``as_of``: the day the check is for (default: today)."""
    ms = contract.milestones
    statuses = ms.statuses
    res = Result(target_id=t.id, kind="milestone", section=t.section, item=t.item, title_zh=t.title_zh,
                 title_en=t.title_en, status=NO_DATA, goal=t.required_status, op=">=", unit="status",
                 goal_label=(statuses.label(t.required_status, "zh"), statuses.label(t.required_status, "en")),
                 goal_rank=statuses.rank(t.required_status), due=t.due.isoformat() if t.due else None,
                 status_labels={v: (statuses.label(v, "zh"), statuses.label(v, "en")) for v in statuses.values})
    df = tables.get(ms.table)
    if df is None or len(df) == 0:
        return res
    rows = df[(df[ms.id_column] == t.id).fillna(False)]
    if rows.empty:
        return res
    row = rows.iloc[0]
    res.reported_status = str(row[ms.status_column])
    res.reported_rank = statuses.rank(res.reported_status)
    res.reported_label = (statuses.label(res.reported_status, "zh"), statuses.label(res.reported_status, "en"))
    note = row.get("note") if "note" in row.index else None
    note_columns = [c.name for c in contract.tables[ms.table].columns
                    if c.kind == "text" and c.name not in (ms.id_column, ms.status_column)]
    if note_columns:
        note = row.get(note_columns[0])
    res.note = None if note is None or note is pd.NA else str(note)
    reached = res.reported_rank >= res.goal_rank
    today = as_of or date.today()
    if t.due is not None and today < t.due and not reached:
        reached = res.reported_rank >= min(1, res.goal_rank)   # before the due date: started is on track
    else:
        res.overdue = t.due is not None and not reached
    res.status = PASS if reached else FAIL
    res.gap = 0 if reached else res.goal_rank - res.reported_rank
    return res


# ------------------------------------------------------------------ the whole plan
def evaluate(targets: TargetsFile, tables: dict[str, pd.DataFrame],
             previous: Optional[dict[str, Fraction]] = None, as_of: Optional[date] = None) -> list[Result]:
    """Every target of the plan, county-wide, in the order of the targets file. ``previous``: each target's
    figure in an earlier run (``--baseline``), for goals relative to it; ``as_of``: the day milestones'
    due dates are judged against."""
    contract = targets.contract
    views = _views(tables, contract)
    previous = previous or {}
    out = []
    for t in targets.targets:
        if t.kind == "metric":
            out.append(_evaluate_metric(t, views, previous=previous.get(t.id)))
        else:
            out.append(evaluate_milestone(t, tables, contract, as_of))
    return out


def evaluate_by(targets: TargetsFile, tables: dict[str, pd.DataFrame], column: str,
                previous: Optional[dict[str, Fraction]] = None) -> dict[str, list[Result]]:
    """Every metric target per group of ``column`` (e.g. town, school_type).

    Each table that has the column is cut to the group (a town's gross enrolment
    uses that town's population); a table without it is left out of the group,
    so figures that need it are ``no_data`` there. The results are those of
    evaluating each cut alone, but every aggregate is computed for all groups in
    one pass over the table; per group only the results and the listed holders-back are built.
    """
    views = _views(tables, targets.contract)
    groups = _Groups(views, tables, column)
    previous = previous or {}
    # a group with no row matching a numerator the county has (a town without a kindergarten) is a zero
    per_target = [_metric_by(t, groups, _has_rows(t.numerator, views), previous.get(t.id))
                  for t in targets.metrics]
    out: dict[str, list[Result]] = {}
    for k, value in enumerate(groups.names):
        key = (column, value)
        results = [by_group[k] for by_group in per_target]
        for r in results:
            r.group = key
        out[value] = results
    return out


#: what :attr:`Figures.status` holds: an index into these
STATUSES = (NO_DATA, FAIL, PASS)


@dataclass
class Figures:
    """One metric in every group of a breakdown, column by column: what :func:`evaluate_by` gives per group,
    without a Result per group. Arrays and lists are in the order of the groups."""
    target: MetricTarget
    goal: Fraction
    status: np.ndarray       # an index into STATUSES
    numerator: np.ndarray    # int64 (meaningful where the status is not no data)
    denominator: Optional[np.ndarray]   # int64 likewise; None: the target has none
    figure: tuple[np.ndarray, np.ndarray]   # the exact figure as (a, b): a / b (b is 1 where there is no data)
    gap: np.ndarray          # int64; -1: none (no data, or no change of the denominator meets the goal)
    holders: dict[int, tuple[int, list[dict]]]   # failing groups: (how many, the first few as dicts of Offender's fields)
    implausible: dict[int, tuple[str, Fraction]]           # groups whose figure lies outside the plausible range


@dataclass
class Breakdown:
    """Every metric per group of ``column``: per target, :class:`Figures`, or (a target the columns do not
    serve: a relative goal, roster placeholders, decimal sums, very large numbers) its Results, group by group."""
    column: str
    names: list[str]
    targets: list[Any]


def evaluate_by_columns(targets: TargetsFile, tables: dict[str, pd.DataFrame], column: str,
                        previous: Optional[dict[str, Fraction]] = None) -> Breakdown:
    """:func:`evaluate_by` as columns: the same figures, verdicts, gaps and holders-back (tests hold them equal),
    computed as arrays over the groups; only the failing groups' gaps and holders-back are built one by one."""
    views = _views(tables, targets.contract)
    groups = _Groups(views, tables, column)
    previous = previous or {}
    out: list[Any] = []
    with _collector_paused():
        for t in targets.metrics:
            known = _has_rows(t.numerator, views)
            figures = _figures_by(t, groups, known, previous.get(t.id))
            if figures is None:
                figures = _metric_by(t, groups, known, previous.get(t.id))
                for value, r in zip(groups.names, figures):
                    r.group = (column, value)
            out.append(figures)
    return Breakdown(column, groups.names, out)


@contextmanager
def _collector_paused():
    """The cyclic garbage collector paused, then as it was: the holders-back of a country's failing groups
    (~270,000 records, none in a cycle) would otherwise set off full collections over every list built
    so far (4% of a --by town run)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


_NP_COMPARE = {">=": np.greater_equal, "<=": np.less_equal, "==": np.equal, ">": np.greater, "<": np.less}
_EXACT = 1 << 53     # integers below this are exact as float64 (and their products below 2**62 fit int64)


def _figures_by(t: MetricTarget, groups: _Groups, county_has_numerator: bool,
                previous: Optional[Fraction]) -> Optional[Figures]:
    """As :func:`_metric_by` (without placeholders), as arrays; None when the target needs the Result path."""
    if t.relative is not None or _placeholder_sides(t, groups):
        return None
    goal = t.goal_from(previous)
    sides = _sides_by(t, groups, county_has_numerator)
    if goal is None or sides is None:
        return None
    settled, num, den = sides
    scale = 1 if t.denominator is None else t.scale
    bounds = [Fraction(b) for b in (t.plausible_max, t.plausible_min) if b is not None]
    big = max([goal.numerator, goal.denominator] + [x for b in bounds for x in (b.numerator, b.denominator)])
    top = max(int(np.abs(num).max(initial=0)) * scale, int(den.max(initial=1)))
    if (den < 0).any() or top >= _EXACT or top * abs(big) >= 1 << 62:
        return None
    a = num * scale      # the figure is a / den
    passed = settled & _NP_COMPARE[t.op](a * goal.denominator, goal.numerator * den)
    status = np.where(settled, np.where(passed, 2, 1), 0).astype("int8")
    failing = np.flatnonzero(settled & ~passed)
    gap = _gaps_by(t, goal, num, den, settled, failing)
    rising = (a[failing] * goal.denominator < goal.numerator * den[failing]).tolist()
    # a school alone never needs more than its group's gap (a town's need is its own: never capped)
    holders = _holders_of(t, groups, goal, failing.tolist(), rising, records=True, caps=gap) if len(failing) else {}
    return Figures(t, goal, status, num, None if t.denominator is None else den, (a, den), gap, holders,
                   _implausible_by(t, settled, a, den))


def _sides_by(t: MetricTarget, groups: _Groups, county_has_numerator: bool
              ) -> Optional[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(the groups with a figure, each group's numerator, its denominator) as int64 arrays, 0 and 1 where there
    is no figure (1 for every group without a denominator); None: a decimal sum (the Result path)."""
    n = len(groups)
    nums = _aggregate_arrays(t.numerator, groups)
    if nums is not None and nums[1].dtype.kind == "f":
        return None
    has_num = nums[0] > 0 if nums is not None else np.zeros(n, dtype=bool)
    num = nums[1].astype("int64") if nums is not None else np.zeros(n, dtype="int64")
    if t.denominator is None:
        return has_num, np.where(has_num, num, 0), np.ones(n, dtype="int64")
    dens = _aggregate_arrays(t.denominator, groups)
    if dens is None:
        settled, den = np.zeros(n, dtype=bool), np.ones(n, dtype="int64")
    elif dens[1].dtype.kind == "f":
        return None
    else:
        den = dens[1].astype("int64")
        settled = (dens[0] > 0) & (den != 0)
    if t.numerator.table != t.denominator.table and not (county_has_numerator and t.numerator.table in groups.codes):
        settled = settled & has_num
    return settled, np.where(settled, num, 0), np.where(settled, den, 1)


def _gaps_by(t: MetricTarget, goal: Fraction, num: np.ndarray, den: np.ndarray, settled: np.ndarray,
             failing: np.ndarray) -> np.ndarray:
    """Each group's gap (0 when passing, -1: none), as :func:`_settle` gives it."""
    gap = np.where(settled, 0, -1).astype("int64")
    if not len(failing):
        return gap
    g = goal / t.scale
    if t.gap_side != "denominator":
        gap[failing] = _gaps(num[failing], den[failing], t.op, g)   # den 1 without a denominator: the goal itself
        return gap
    for k in failing.tolist():
        need = gap_on_denominator(int(num[k]), None if t.denominator is None else int(den[k]), t.op, g)
        gap[k] = -1 if need is None else need
    return gap


def _implausible_by(t: MetricTarget, settled: np.ndarray, a: np.ndarray, den: np.ndarray) -> dict[int, tuple[str, Fraction]]:
    """The groups whose figure a / den lies outside the plausible range -> (side, bound), as :func:`_plausibility`."""
    out: dict[int, tuple[str, Fraction]] = {}
    for side, bound, beyond in ((">", t.plausible_max, np.greater), ("<", t.plausible_min, np.less)):
        if bound is None:
            continue
        b = Fraction(bound)
        for k in np.flatnonzero(settled & beyond(a * b.denominator, b.numerator * den)).tolist():
            out.setdefault(k, (side, b))
    return out


def _plain(v: Any) -> Any:
    """A Fraction as JSON writes it: an int when whole, else the nearest float."""
    if isinstance(v, Fraction):
        return int(v) if v.denominator == 1 else float(v)
    return v


def _gaps(num: np.ndarray, den: np.ndarray, op: str, goal: Fraction) -> np.ndarray:
    """:func:`gap_to_goal` of every group at once, in integers (the caller keeps them below 2**62)."""
    p, q = goal.numerator, goal.denominator
    diff = p * den - q * num       # (target - num) * q
    if op == ">=":
        need = -(-diff // q)
    elif op == ">":
        need = diff // q + 1
    elif op == "<=":
        need = num - (p * den) // q
    elif op == "<":
        need = num + (-(p * den)) // q + 1
    else:
        need = -(-np.abs(diff) // q)
    return np.maximum(need, 0)


# ------------------------------------------------------------------ breakdowns
@dataclass
class _Firsts:
    """Rows of one table per group: how many each group has, and the first few of each (to list)."""
    table: str
    counts: np.ndarray         # per group
    pos: np.ndarray            # table positions, group by group
    starts: np.ndarray         # group k's listed rows: pos[starts[k]:starts[k + 1]]
    value: Any = None          # every row's Offender value, or a column whose count is each row's value
    needed: Any = None         # "value" (the row's own value), a constant, or None
    per_row: bool = False      # ``value`` names a column


class _Groups:
    """The groups of a breakdown (the column's values, sorted) and every row's group in each table that
    has the column, as a code into them (-1: none): one pass over a table serves every group."""

    def __init__(self, views: Views, tables: dict[str, pd.DataFrame], column: str):
        self.views = views
        self.names, self.codes = _group_codes(views, tables, column)
        self._grouped = {name: codes >= 0 for name, codes in self.codes.items()}   # rows in a group

    def __len__(self) -> int:
        return len(self.names)

    def table(self, name: str) -> _Table:
        return self.views[name].table

    def count(self, table: str, rows: np.ndarray) -> np.ndarray:
        """How many of ``rows`` (a mask over the whole table) each group has."""
        return np.bincount(self.codes[table][rows & self._grouped[table]], minlength=len(self))

    def total(self, table: str, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Each group's int64 sum of ``values`` over ``rows`` (wrapping as numpy's own sum does)."""
        codes = self.codes[table]
        keep = rows & self._grouped[table]
        out = np.zeros(len(self), dtype=values.dtype)
        np.add.at(out, codes[keep], values[keep])
        return out

    def firsts(self, table: str, rows: np.ndarray, key: Optional[np.ndarray] = None,
               limit: int = MAX_OFFENDERS) -> _Firsts:
        """Each group's ``rows`` in row order (or by ``key``, largest first, ties in row order): the first ``limit``."""
        codes = self.codes[table]
        pos = np.flatnonzero(rows & (codes >= 0))
        group = codes[pos]
        order = np.argsort(group, kind="stable") if key is None else np.lexsort((pos, -key[pos], group))
        pos, group = pos[order], group[order]
        counts = np.bincount(group, minlength=len(self))
        rank = np.arange(len(pos)) - _starts(counts)[group]
        kept = rank < limit
        return _Firsts(table, counts, pos[kept], _starts(np.minimum(counts, limit)))


def _starts(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts) + 1, dtype="int64")
    np.cumsum(counts, out=out[1:])
    return out


def _group_codes(views: Views, tables: dict[str, pd.DataFrame], column: str
                 ) -> tuple[list[str], dict[str, np.ndarray]]:
    """The groups (the column's values as text, sorted) and each table's rows as codes into them (-1: no value,
    or one of no group): a text column is numbered by its values once (shared with the ``where`` and the towns
    that read it); any other column compares each value as text (as ``group_positions`` does)."""
    series = {name: df[column] for name, df in tables.items() if column in df}
    text = {name: views[name].table.distinct(column) for name, s in series.items()
            if isinstance(s.dtype, pd.StringDtype)}
    text = {name: (d.codes, _texts(d.values)) for name, d in text.items()}
    values = set().union(*(found for _, found in text.values()))
    values.update(str(v) for name, s in series.items() if name not in text for v in s.dropna().unique())
    names = sorted(values)
    at = {v: k for k, v in enumerate(names)}
    codes = {}
    for name, s in series.items():
        if name in text:
            found, uniques = text[name]
            codes[name] = np.array([at[v] for v in uniques] + [-1], dtype="int64")[found]   # -1 reads the last
        else:
            codes[name] = out = np.full(len(s), -1, dtype="int64")
            for value, positions in group_positions(tables[name], column, set(names)).items():
                out[positions] = at[value]
    return names, codes


def _metric_by(t: MetricTarget, groups: _Groups, county_has_numerator: bool,
               previous: Optional[Fraction] = None) -> list[Result]:
    """One metric for every group, in the order of ``groups.names``."""
    nums = _aggregate_by(t.numerator, groups)
    dens = _aggregate_by(t.denominator, groups) if t.denominator is not None else [None] * len(groups)
    known = county_has_numerator and t.numerator.table in groups.codes
    results, settled = [], []
    goal = t.goal_from(previous)
    for k, (num, den) in enumerate(zip(nums, dens)):
        res = _blank(t, goal, previous)
        if _settle(t, res, num, den, known):
            settled.append(k)
        results.append(res)
    absent = _absent_by(t, groups, results, settled)
    failing = [k for k in settled if results[k].status == FAIL]
    found = _holders_by(t, groups, results, failing)
    for k in sorted(set(absent) | set(failing)):
        listed, n_absent = absent.get(k, ([], 0))
        n_found, holders = found.get(k, (0, []))
        _list_offenders(results[k], listed, n_absent, n_found, holders)
    return results


def _aggregate_arrays(agg: Aggregate, groups: _Groups) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """(how many rows each group aggregates, each group's value); None: the table lacks the column."""
    if agg.table not in groups.codes:
        return None
    table = groups.table(agg.table)
    mask = groups.views[agg.table].matching(agg)
    found = groups.count(agg.table, mask)
    if agg.agg == "count":
        values = found
    elif agg.agg == "count_true":
        values = groups.count(agg.table, mask & table.truthy(agg.column))
    else:
        values = groups.total(agg.table, mask, table.ints(agg.column))
    return found, values


def _aggregate_by(agg: Aggregate, groups: _Groups) -> list[Optional[int]]:
    """The aggregate in every group (None: the group has no row to aggregate), as :func:`_aggregate`."""
    arrays = _aggregate_arrays(agg, groups)
    if arrays is None:
        return [None] * len(groups)
    found, values = arrays
    if values.dtype.kind == "f":
        return [total(np.array([v])) if n else None for v, n in zip(values.tolist(), found.tolist())]
    return [v if n else None for v, n in zip(values.tolist(), found.tolist())]


def _absent_by(t: MetricTarget, groups: _Groups, results: list[Result],
               settled: list[int]) -> dict[int, tuple[list[Offender], int]]:
    """As :func:`_absent` for every settled group: the groups with needed placeholders -> (first few, how many)."""
    sides = _placeholder_sides(t, groups)
    if not sides:
        return {}
    den_counts = next((groups.count(table, rows) for is_den, table, rows in sides if is_den), None)
    firsts = [groups.firsts(table, rows) for _, table, rows in _merged(sides)]
    wanted: list[list[int]] = [[] for _ in firsts]
    for k in settled:
        side = next((i for i, f in enumerate(firsts) if f.counts[k]), None)
        if side is None:
            continue
        wanted[side].append(k)
        _judge_absent(t, results[k], int(firsts[side].counts[k]), bool(den_counts is not None and den_counts[k]))
    out = {}
    for f, ks in zip(firsts, wanted):
        for k, listed in _listed(groups, f, ks).items():
            out[k] = listed, int(f.counts[k])
    return out


def _placeholder_sides(t: MetricTarget, groups: _Groups) -> list[tuple[bool, str, np.ndarray]]:
    """(is the denominator, table, placeholder rows it needs) for each side of the figure that may need some."""
    out = []
    for is_den, agg in ((False, t.numerator), (True, t.denominator)):
        if agg is None or agg.table not in groups.codes:
            continue
        rows = _missing_in_sum(agg, groups.views)
        if len(rows):
            out.append((is_den, agg.table, rows))
    return out


def _merged(sides: list[tuple[bool, str, np.ndarray]]) -> list[tuple[bool, str, np.ndarray]]:
    """Sides on the same table as the first are listed together (as :func:`_absent` joins them)."""
    first = sides[0]
    rows = first[2]
    for _, table, more in sides[1:]:
        if table == first[1]:
            rows = rows | more
    return [(first[0], first[1], rows)] + [s for s in sides[1:] if s[1] != first[1]]


def _holders_by(t: MetricTarget, groups: _Groups, results: list[Result],
                failing: list[int]) -> dict[int, tuple[int, list[Offender]]]:
    """As :func:`holders_back` for every failing group: group -> (how many, the first few)."""
    if not failing:
        return {}
    return _holders_of(t, groups, results[failing[0]].goal, failing,
                       [results[k].actual < results[k].goal for k in failing])


def _holders_of(t: MetricTarget, groups: _Groups, goal: Fraction, failing: list[int],
                rising: list[bool], records: bool = False, caps: Optional[np.ndarray] = None
                ) -> dict[int, tuple[int, list]]:
    """As :func:`_holders_by`, given the goal and whether each failing group's figure must rise
    (``records``: the schools listed as dicts of their fields, not Offenders; ``caps``: see :func:`_listed`)."""
    num, den = t.numerator, t.denominator
    if den is not None and den.table != num.table:
        return _towns_behind_by(t, groups, failing, goal, records)
    out = {}
    for upward in (True, False):
        ks = [k for k, up in zip(failing, rising) if up == upward]
        f = _holder_rows(t, groups, upward) if ks else None
        if f is None:
            continue
        listed = _listed(groups, f, ks, records, caps)
        counts = f.counts[ks].tolist()
        out.update({k: (n, listed.get(k, [])) for k, n in zip(ks, counts)})
    return out


def _holder_rows(t: MetricTarget, groups: _Groups, upward: bool) -> Optional[_Firsts]:
    """The rows that hold the figure back in each group (None: nobody is listed), as :func:`holders_back`."""
    num, den = t.numerator, t.denominator
    if num.table not in groups.codes:
        return None
    view, table = groups.views[num.table], groups.table(num.table)
    if not upward:
        mask = view.matching(num)
        if num.agg == "count_true":
            return replace(groups.firsts(num.table, mask & table.truthy(num.column)), value=True)
        return _largest_by(groups, num.table, mask, num.column, "value") if num.agg == "sum" else None
    if den is None and num.agg != "count_true":
        return None
    dmask = view.matching(den or num)
    if num.agg == "count_true":
        return replace(groups.firsts(num.table, dmask & ~table.truthy(num.column)), value=False, needed=1)
    out_rows = dmask & ~view.matching(num)
    if den.agg == "sum":
        return _largest_by(groups, num.table, out_rows, den.column, None)
    return groups.firsts(num.table, out_rows)


def _largest_by(groups: _Groups, table: str, mask: np.ndarray, column: str, needed) -> _Firsts:
    values = groups.table(table).ints(column)
    f = groups.firsts(table, mask & (values > 0), key=values)
    return replace(f, value=column, needed=needed, per_row=True)


def _listed(groups: _Groups, f: _Firsts, wanted: list[int], records: bool = False,
            caps: Optional[np.ndarray] = None) -> dict[int, list]:
    """The listed rows of the ``wanted`` groups as Offenders (``records``: as dicts of their fields), read from
    the table in one take per column. ``caps``: per group, the most a row may need (-1: no bound)."""
    if not wanted:
        return {}
    ks = np.asarray(wanted, dtype="int64")
    lengths = f.starts[ks + 1] - f.starts[ks]
    take = np.repeat(f.starts[ks] - _starts(lengths)[:-1], lengths) + np.arange(int(lengths.sum()))
    positions = f.pos[take]
    table = groups.table(f.table)
    cols = _offender_columns(_View(table))
    by = {role: table.cells(c, positions) for role, c in cols}
    values = table.ints(f.value)[positions] if f.per_row else f.value
    fields = _offender_fields(by, len(positions), values.tolist() if f.per_row else values, f.needed)
    if caps is not None and f.needed is not None:
        _cap_needs(fields, values if f.needed == "value" else np.full(len(positions), f.needed),
                   np.repeat(caps[ks], lengths))
    rows = zip(*fields)
    items = ([{"name": a, "town": b, "school_id": c, "value": d, "needed": e, "file": g, "row": h}
              for a, b, c, d, e, g, h in rows] if records else [Offender(*x) for x in rows])
    out, at = {}, 0
    for k, n in zip(wanted, lengths.tolist()):
        out[k] = items[at:at + n]
        at += n
    return out


def _cap_needs(fields: list[list], needs: np.ndarray, caps: np.ndarray) -> None:
    """A row alone never needs more than its group's gap (``caps``, -1: none), as :func:`_cap`."""
    over = np.flatnonzero((caps >= 0) & (needs > caps))
    if len(over):
        fields[4] = capped = list(fields[4])
        for i, cap in zip(over.tolist(), caps[over].tolist()):
            capped[i] = cap


def _towns_behind_by(t: MetricTarget, groups: _Groups, failing: list[int], goal: Fraction,
                     records: bool = False) -> dict[int, tuple[int, list]]:
    """For a figure over two tables joined by town: each failing group's towns below the goal (``records``:
    as dicts of Offender's fields, the rate as JSON writes it)."""
    num, den = t.numerator, t.denominator
    tables = (num.table, den.table)
    if any(name not in groups.codes or "town" not in groups.table(name).roles for name in tables):
        return {k: (0, []) for k in failing}
    if goal is None:
        return {k: (0, []) for k in failing}
    fast = _towns_behind_columns(t, groups, failing, goal)
    if fast is not None:
        return _town_lists(fast, failing, records)
    na, nb = _town_totals_by(groups, num), _town_totals_by(groups, den)
    out = {}
    for k in failing:
        towns = _towns_below(t, na(k), nb(k), goal)[:MAX_OFFENDERS]
        out[k] = len(towns), [_town_record(o) for o in towns] if records else towns
    return out


def _town_record(o: Offender) -> dict[str, Any]:
    return {"name": o.name, "town": o.town, "school_id": None, "value": _plain(o.value), "needed": o.needed,
            "file": None, "row": None}


@dataclass
class _TownsBelow:
    """Towns below the goal, group by group: group k has ``counts[k]``, the first few of them listed (most needed
    first, then by name) at ``starts[k]:starts[k + 1]``, each with its rate ``n / d`` and what it needs."""
    labels: list[str]
    counts: list[int]
    starts: list[int]
    town: list[int]
    n: list[int]
    d: list[int]
    needed: list[int]


def _town_lists(below: _TownsBelow, failing: list[int], records: bool) -> dict[int, tuple[int, list]]:
    """Each failing group's (how many towns, the first few) as Offenders or records."""
    labels, starts, counts = below.labels, below.starts, below.counts
    rows = zip(below.town, below.n, below.d, below.needed)
    if records:
        items = [{"name": labels[w], "town": labels[w], "school_id": None, "value": a // b if a % b == 0 else a / b,
                  "needed": need, "file": None, "row": None} for w, a, b, need in rows]
    else:
        items = [Offender(name=labels[w], town=labels[w], value=Fraction(a, b), needed=need) for w, a, b, need in rows]
    return {k: (counts[k], items[starts[k]:starts[k + 1]]) for k in failing}


def _towns_behind_columns(t: MetricTarget, groups: _Groups, failing: list[int],
                          goal: Fraction) -> Optional[_TownsBelow]:
    """:func:`_towns_below` of every failing group at once, as arrays over (group, town) (a country's towns
    are one each); None (decimal sums, numbers too large for exact int64 products): the loop does it."""
    num, den = t.numerator, t.denominator
    if any(agg.agg == "sum" and groups.table(agg.table).ints(agg.column).dtype.kind == "f" for agg in (num, den)):
        return None
    names = [_texts(groups.table(agg.table).town_codes()[1]) for agg in (num, den)]
    labels = sorted(set(names[0]) | set(names[1]))      # the towns of both tables, by name
    at = {name: i for i, name in enumerate(labels)}
    width = max(len(labels), 1)
    (ka, va), (kb, d) = (_group_town_totals(groups, agg, np.array([at[n] for n in ns] + [-1], dtype="int64"), width)
                         for agg, ns in zip((num, den), names))
    where = np.minimum(np.searchsorted(ka, kb), max(len(ka) - 1, 0))
    n = np.where(ka[where] == kb, va[where], 0) if len(ka) else np.zeros(len(kb), dtype="int64")
    g = goal / t.scale
    p, q = g.numerator, g.denominator
    top = max(int(np.abs(n).max(initial=0)), int(np.abs(d).max(initial=0)))
    if top * max(abs(p), q) >= 1 << 62:
        return None
    group = kb // width
    wanted = np.zeros(len(groups), dtype=bool)
    wanted[np.asarray(failing, dtype="int64")] = True
    below = (d > 0) & wanted[group] & ~_NP_COMPARE[t.op](n * q, p * d)
    n, d, group, town = n[below], d[below], group[below], (kb % width)[below]
    needed = _gaps(n, d, t.op, g)
    order = np.lexsort((town, -needed, group))        # labels are sorted: town order is name order
    counts = np.bincount(group, minlength=len(groups))
    kept = order[np.arange(len(order)) - _starts(counts)[group[order]] < MAX_OFFENDERS]
    return _TownsBelow(labels, counts.tolist(), _starts(np.minimum(counts, MAX_OFFENDERS)).tolist(),
                       town[kept].tolist(), n[kept].tolist(), d[kept].tolist(), needed[kept].tolist())


def _group_town_totals(groups: _Groups, agg: Aggregate, common: np.ndarray, width: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """The aggregate per (group, town), as sorted keys ``group * width + town`` (towns numbered by ``common``,
    indexed by the table's own town codes, -1 last) and their totals."""
    table = groups.table(agg.table)
    towns = common[table.town_codes()[0]]     # -1 (no town) stays -1
    codes = groups.codes[agg.table]
    mask = groups.views[agg.table].matching(agg) & (towns >= 0) & (codes >= 0)
    keys = codes[mask] * width + towns[mask]
    inverse, found = pd.factorize(keys)
    if agg.agg == "sum":
        sums = np.zeros(len(found), dtype="int64")
        np.add.at(sums, inverse, table.ints(agg.column)[mask])
    else:
        sums = np.bincount(inverse, minlength=len(found)).astype("int64")
    order = np.argsort(found, kind="stable")
    return found[order].astype("int64"), sums[order]


def _texts(values) -> list[str]:
    """Distinct values (numpy or arrow-backed) as Python strings, converted at once, not one by one."""
    if isinstance(values, (pd.api.extensions.ExtensionArray, pd.Index, pd.Series)):
        values = values.to_numpy(dtype=object, na_value=None)
    return [v if type(v) is str else str(v) for v in np.asarray(values, dtype=object).tolist()]


def _town_totals_by(groups: _Groups, agg: Aggregate):
    """As :func:`_town_totals` for every group at once: a function from a group to its towns' totals."""
    table = groups.table(agg.table)
    towns, names = table.town_codes()
    codes = groups.codes[agg.table]
    mask = groups.views[agg.table].matching(agg) & (towns >= 0) & (codes >= 0)
    keys, inverse = np.unique(codes[mask] * len(names) + towns[mask], return_inverse=True)
    totals = np.zeros(len(keys), dtype="int64")
    np.add.at(totals, inverse, table.ints(agg.column)[mask] if agg.agg == "sum" else 1)
    bounds = np.searchsorted(keys // max(len(names), 1), np.arange(len(groups) + 1)).tolist()
    labels = [str(n) for n in names]
    towns_of_keys, totals = (keys % max(len(names), 1)).tolist(), totals.tolist()

    def of_group(k: int) -> dict[str, int]:
        lo, hi = bounds[k], bounds[k + 1]
        return {labels[town]: v for town, v in zip(towns_of_keys[lo:hi], totals[lo:hi])}
    return of_group


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
