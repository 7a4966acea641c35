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

import pandas as pd

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
def _mask(df: pd.DataFrame, where: dict[str, list]) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for column, allowed in where.items():
        mask &= df[column].isin(allowed).fillna(False).astype(bool)
    return mask


def aggregate(agg: Aggregate, tables: dict[str, pd.DataFrame]) -> tuple[Optional[int], pd.Series]:
    """The aggregate's integer value (None: no rows to aggregate) and the row mask it used."""
    df = tables.get(agg.table)
    if df is None or len(df) == 0:
        return None, pd.Series(dtype=bool)
    mask = _mask(df, agg.where)
    if not mask.any():
        return None, mask
    if agg.agg == "count":
        return int(mask.sum()), mask
    values = df.loc[mask, agg.column]
    if agg.agg == "count_true":
        return int(values.fillna(False).astype(bool).sum()), mask
    return int(values.fillna(0).astype("int64").sum()), mask


def missing_in_sum(agg: Aggregate, tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Placeholder rows (``_missing``: on the roster, sent nothing) that a sum figure would need."""
    df = tables.get(agg.table)
    if agg.agg != "sum" or df is None or "_missing" not in df or len(df) == 0:
        return pd.Series(dtype=bool)
    # a placeholder's unknown cells (a roster without 学校类型) may match: it could be applicable
    possible = pd.Series(True, index=df.index)
    for column, allowed in agg.where.items():
        possible &= (df[column].isin(allowed) | df[column].isna()).fillna(True).astype(bool)
    return possible & df["_missing"].fillna(False).astype(bool)


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
    goal = t.goal_fraction
    res = Result(target_id=t.id, kind="metric", section=t.section, item=t.item, title_zh=t.title_zh,
                 title_en=t.title_en, status=NO_DATA, goal=goal, op=t.op, unit=t.unit,
                 gap_unit_zh=t.gap_unit_zh, gap_unit_en=t.gap_unit_en)
    num, num_mask = aggregate(t.numerator, tables)
    if t.denominator is None:
        if num is None:
            return res
        res.numerator, res.actual = num, Fraction(num)
    else:
        den, den_mask = aggregate(t.denominator, tables)
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
    num_missing = missing_in_sum(t.numerator, tables)
    den_missing = missing_in_sum(t.denominator, tables) if t.denominator is not None else pd.Series(dtype=bool)
    missing = [m for m in (num_missing, den_missing) if len(m) and m.any()]
    absent: list[Offender] = []
    n_absent = 0
    if missing:
        # the counts of schools that sent nothing are unknown: only a figure that must fall and
        # already fails on the numerator alone stays a certain fail; anything else is no data
        df = tables[t.numerator.table]
        rows = missing[0]
        for m in missing[1:]:
            rows = rows | m.reindex(rows.index, fill_value=False)
        n_absent = int(rows.sum())
        absent = _schools(df, df.index[rows], None)
        res.missing_schools = n_absent
        must_fall = t.op in ("<=", "<") or (t.op == "==" and res.actual > goal)
        certain_fail = res.status == FAIL and must_fall and not (len(den_missing) and den_missing.any())
        if not certain_fail:
            res.status, res.gap, res.actual = NO_DATA, None, None
    if res.status == FAIL or absent:
        n_found, found = holders_back(t, tables, upward=res.actual < goal) if res.status == FAIL else (0, [])
        # a placeholder's counts are empty, so it is never among the found holders-back too
        res.offender_count = n_absent + n_found
        res.offenders = (absent + [_cap(o, res.gap) for o in found])[:MAX_OFFENDERS]
    return res


def _cap(o: Offender, gap: Optional[int]) -> Offender:
    """A school alone never needs to change more than the county's gap (a town's need is its own)."""
    if o.needed is None or gap is None or isinstance(o.value, Fraction) or o.needed <= gap:
        return o
    return replace(o, needed=gap)


def _schools(df: pd.DataFrame, index, values=None, needed=None, limit: int = MAX_OFFENDERS) -> list[Offender]:
    """Offenders for the first ``limit`` rows of ``index`` (a big county builds only what is shown).

    ``values``: one value per row, or a constant; ``needed``: "value" (the row's own value), a
    constant, or None.
    """
    index = list(index[:limit])
    if not index:
        return []
    cols = [c for c in ("school_name", "town", "school_id", "_file", "_row") if c in df]
    rows = df.loc[index, cols]
    out = []
    for k, r in enumerate(rows.itertuples(index=False)):
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


def holders_back(t: MetricTarget, tables: dict[str, pd.DataFrame], upward: bool,
                 limit: int = MAX_OFFENDERS) -> tuple[int, list[Offender]]:
    """Who holds a failing target back, most first, each with what it alone would need:
    (how many there are, the first ``limit`` of them).

    ``upward``: the figure must rise (too few enrolled / reported); otherwise it must fall.
    """
    num, den = t.numerator, t.denominator
    if den is not None and den.table != num.table:
        towns = _towns_behind(t, tables)
        return len(towns), towns[:limit]
    df = tables.get(num.table)
    if df is None or len(df) == 0:
        return 0, []
    if not upward:
        # the numerator itself is what must come down: the rows that contribute to it
        mask = _mask(df, num.where)
        if num.agg == "count_true":
            hit = df.index[mask & df[num.column].fillna(False).astype(bool)]
            return len(hit), _schools(df, hit, True, limit=limit)
        if num.agg != "sum":
            return 0, []
        values = df.loc[mask, num.column].fillna(0).astype("int64")
        values = values[values > 0].sort_values(ascending=False, kind="stable")
        top = values.iloc[:limit]
        return len(values), _schools(df, top.index, [int(v) for v in top], needed="value", limit=limit)
    # upward: rows in the denominator that are not (fully) in the numerator
    dmask = _mask(df, den.where)
    if num.agg == "count_true":
        missing = df.index[dmask & ~df[num.column].fillna(False).astype(bool)]
        return len(missing), _schools(df, missing, False, needed=1, limit=limit)
    out_rows = dmask & ~_mask(df, num.where)
    if den.agg == "sum":
        values = df.loc[out_rows, den.column].fillna(0).astype("int64")
        values = values[values > 0].sort_values(ascending=False, kind="stable")
        top = values.iloc[:limit]
        return len(values), _schools(df, top.index, [int(v) for v in top], limit=limit)
    rows = df.index[out_rows]
    return len(rows), _schools(df, rows, None, limit=limit)


def _towns_behind(t: MetricTarget, tables: dict[str, pd.DataFrame]) -> list[Offender]:
    """For a figure over two tables joined by town (gross enrolment): towns below the goal."""
    num, den = t.numerator, t.denominator
    a, b = tables.get(num.table), tables.get(den.table)
    if a is None or b is None or "town" not in a or "town" not in b:
        return []
    na = a.loc[_mask(a, num.where)].groupby("town")[num.column].sum() if num.agg == "sum" else \
        a.loc[_mask(a, num.where)].groupby("town").size()
    nb = b.loc[_mask(b, den.where)].groupby("town")[den.column].sum() if den.agg == "sum" else \
        b.loc[_mask(b, den.where)].groupby("town").size()
    goal = t.goal_fraction
    out = []
    for town, d in nb.items():
        d = int(d)
        n = int(na.get(town, 0))
        if d <= 0:
            continue
        rate = Fraction(n, d)
        if not compare(rate, t.op, goal):
            out.append(Offender(name=str(town), town=str(town), value=rate, needed=gap_to_goal(n, d, t.op, goal)))
    out.sort(key=lambda o: (-(o.needed or 0), o.name))
    return out


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
    out = []
    for t in targets.targets:
        out.append(evaluate_metric(t, tables) if t.kind == "metric" else evaluate_milestone(t, tables))
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
    # a group with no row matching a numerator the county has (a town without a kindergarten) is a zero
    known = {t.id: aggregate(t.numerator, tables)[0] is not None for t in targets.metrics}
    groups: dict[str, list[Result]] = {}
    for value in sorted(values):
        cut = {name: df[df[column].eq(value).fillna(False).astype(bool)]
               for name, df in tables.items() if column in df}
        results = [evaluate_metric(t, cut, known[t.id] and t.numerator.table in cut) for t in targets.metrics]
        for r in results:
            r.group = (column, value)
        groups[value] = results
    return groups


def summary(results: list[Result]) -> dict[str, int]:
    out = {PASS: 0, FAIL: 0, NO_DATA: 0}
    for r in results:
        out[r.status] += 1
    return out
