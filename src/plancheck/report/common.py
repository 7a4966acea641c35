"""Formatting shared by every output format: figures, goals, gaps, statuses, in zh or en."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Optional

from ..engine import FAIL, NO_DATA, PASS, Result

STATUS_TEXT = {
    "zh": {PASS: "达标", FAIL: "未达标", NO_DATA: "无数据"},
    "en": {PASS: "pass", FAIL: "fail", NO_DATA: "no data"},
}
NOT_REPORTED = {"zh": "未报送", "en": "not reported"}


def status_label(r: Result, value: Optional[str], lang: str, missing: Optional[str] = None) -> str:
    """A milestone status as the plan names it (``missing``: what a status never reported shows)."""
    if value is None:
        return NOT_REPORTED[lang] if missing is None else missing
    found = r.status_labels.get(value)
    return found[0 if lang == "zh" else 1] if found else value
OP_TEXT = {"zh": {">=": "≥", "<=": "≤", "==": "=", ">": ">", "<": "<"},
           "en": {">=": "≥", "<=": "≤", "==": "=", ">": ">", "<": "<"}}


def percent(value: Optional[Fraction], digits: int = 2, goal: Optional[Fraction] = None) -> str:
    """A rate for display (0.9597 -> "95.97%").

    Rounding never puts a figure on the goal or on the other side of it: 95.996%
    against a 96% goal shows "95.996%", not "96.00%"; digits are added until the
    shown figure lies on the same side of the goal as the exact one.
    """
    if value is None:
        return "—"
    exact = value * 100
    while True:
        shown = round(exact, digits)
        if goal is None or digits >= 8 or _same_side(shown, exact, goal * 100):
            return f"{float(shown):.{digits}f}%"
        digits += 1


def _same_side(shown: Fraction, exact: Fraction, goal: Fraction) -> bool:
    """Does the rounded figure compare with the goal as the exact figure does (<, == or >)?"""
    def side(x: Fraction) -> int:
        return (x > goal) - (x < goal)
    return side(shown) == side(exact)


def figure(r: Result) -> str:
    if r.kind == "milestone":
        return status_label(r, r.reported_status, "en")
    if r.actual is None:
        return "—"
    if r.unit == "percent":
        return percent(r.actual, goal=r.goal)
    if r.unit in ("ratio", "per_thousand"):
        shown = _decimal(r.actual, 2, r.goal)
        return f"{shown}:1" if r.unit == "ratio" else f"{shown}‰"
    return str(int(r.actual)) if r.actual.denominator == 1 else _decimal(r.actual, 2, r.goal)


def _decimal(value: Fraction, digits: int, goal: Optional[Fraction]) -> str:
    """A figure with ``digits`` decimals, more where rounding would put it on the other side of the goal."""
    while True:
        shown = round(value, digits)
        if goal is None or digits >= 8 or _same_side(shown, value, goal):
            return f"{float(shown):.{digits}f}"
        digits += 1


def figure_lang(r: Result, lang: str) -> str:
    if r.kind == "milestone":
        return status_label(r, r.reported_status, lang)
    return figure(r)


def goal_text(r: Result, lang: str = "zh") -> str:
    if r.kind == "milestone":
        text = status_label(r, r.goal, lang)
        if r.due:
            text += f"（{r.due} 前）" if lang == "zh" else f" (by {r.due})"
        return text
    op = OP_TEXT[lang][r.op]
    if r.goal is None:
        return (f"{op} 上年数值 {_change_text(r, lang)}（缺少上年数据）" if lang == "zh"
                else f"{op} previous figure {_change_text(r, lang)} (no previous figure)")
    text = f"{op} {number_text(r.goal, r.unit)}"
    if r.change is not None:
        prev = number_text(r.previous, r.unit) if r.previous is not None else "—"
        text += (f"（上年 {prev} {_change_text(r, lang)}）" if lang == "zh"
                 else f" (previous {prev} {_change_text(r, lang)})")
    return text


def number_text(value: Fraction, unit: str) -> str:
    """A goal or a previous figure in its unit: 96%, 19:1, 5‰, 0."""
    if unit == "percent":
        g = value * 100
        return (f"{int(g)}" if g.denominator == 1 else f"{float(g):g}") + "%"
    shown = f"{int(value)}" if value.denominator == 1 else f"{float(value):g}"
    return {"ratio": f"{shown}:1", "per_thousand": f"{shown}‰"}.get(unit, shown)


def _change_text(r: Result, lang: str) -> str:
    """The change a relative goal asks for: −1 个百分点 / -1 percentage point."""
    if r.change is None:
        return ""
    step = r.change * 100 if r.unit == "percent" else r.change
    shown = f"{int(step):+d}" if step.denominator == 1 else f"{float(step):+g}"
    if r.unit == "percent":
        return f"{shown} 个百分点" if lang == "zh" else f"{shown} percentage points"
    return shown


def ratio_text(r: Result) -> str:
    if r.numerator is None:
        return ""
    if r.denominator is None:
        return str(r.numerator)
    return f"{r.numerator:,} / {r.denominator:,}"


def gap_text(r: Result, lang: str = "zh") -> str:
    """What it would take to close the gap, in the user's terms; and a figure outside its plausible range."""
    text = _gap_text(r, lang)
    if r.implausible is None:
        return text
    bound = number_text(r.plausible_bound, r.unit)
    note = (f"⚠ 数值{'高于' if r.implausible == '>' else '低于'} {bound}，不合常理，请核对数据（如人口表）" if lang == "zh"
            else f"⚠ above {bound}, implausible: check the inputs (e.g. the population table)" if r.implausible == ">"
            else f"⚠ below {bound}, implausible: check the inputs")
    return f"{text}；{note}" if text and lang == "zh" else f"{text}; {note}" if text else note


def _gap_text(r: Result, lang: str = "zh") -> str:
    if r.status == NO_DATA and r.missing_schools:
        return (f"{r.missing_schools} 所学校未报送，无法判断" if lang == "zh"
                else f"{r.missing_schools} schools sent nothing: cannot be judged")
    if r.status == NO_DATA:
        if r.kind == "milestone":
            return "未报送进展" if lang == "zh" else "progress not reported"
        if r.goal is None and r.actual is not None:
            return ("目标以上年数值为基准，但没有上年数值（用 --baseline 指定上年结果）" if lang == "zh"
                    else "the goal is relative to the previous figure, which is missing (give --baseline)")
        return "缺少数据" if lang == "zh" else "inputs missing"
    if r.status == PASS:
        return ""
    if r.kind == "milestone":
        need = status_label(r, r.goal, lang)
        if r.overdue:
            return (f"已逾期（应于 {r.due} 前{need}）" if lang == "zh" else f"overdue: “{need}” was due by {r.due}")
        return f"需达到“{need}”" if lang == "zh" else f"must reach “{need}”"
    unit = r.gap_unit_zh if lang == "zh" else r.gap_unit_en
    n = r.gap or 0
    if r.gap is None:
        return ""
    fewer = r.op in ("<=", "<") or (r.op == "==" and r.actual is not None and r.actual > r.goal)
    if r.gap_side == "denominator":
        fewer = not fewer     # a ratio that must fall needs more of its denominator (teachers)
        return (f"需减少 {n:,} {unit}" if fewer else f"还需增加 {n:,} {unit}") if lang == "zh" else \
            (f"{n:,} fewer {unit}" if fewer else f"{n:,} more {unit}")
    if fewer:
        return f"需减少 {n:,} {unit}" if lang == "zh" else f"{n:,} fewer {unit}"
    if r.gap_if_added is not None and r.gap_if_added != n:
        # a share: moving units in keeps the total; new units add to the total as well, so more are needed
        return (f"还需增加 {n:,} {unit}（总数不变时；若为新增，需 {r.gap_if_added:,} {unit}）" if lang == "zh"
                else f"{n:,} more {unit} with the total unchanged ({r.gap_if_added:,} if they are new)")
    if r.unit == "percent" and r.denominator is not None:
        return f"还需增加 {n:,} {unit}" if lang == "zh" else f"{n:,} more {unit}"
    return f"还需 {n:,} {unit}" if lang == "zh" else f"{n:,} more {unit}"


def offender_text(r: Result, lang: str = "zh", limit: int = 10) -> str:
    """A short list of who holds the target back (a town's rate never rounded onto the goal)."""
    if not r.offenders:
        return ""
    parts = []
    for o in r.offenders[:limit]:
        if isinstance(o.value, Fraction):
            goal = r.goal if isinstance(r.goal, Fraction) else None
            parts.append(f"{o.name} {percent(o.value, 1, goal)}" + (f" (+{o.needed})" if o.needed else ""))
        elif isinstance(o.value, bool) or o.value is None:
            parts.append(o.name)
        else:
            parts.append(f"{o.name} ({o.value})")
    more = r.offender_count - min(limit, len(r.offenders))
    sep = "、" if lang == "zh" else ", "
    text = sep.join(parts)
    if more > 0:
        text += f" 等共 {r.offender_count} 个" if lang == "zh" else f" and {more} more"
    return text


def title(r: Result, lang: str) -> str:
    return r.title_zh if lang == "zh" else r.title_en


def _column_of(plan, column: str):
    """The first declared column of that name in any of the plan's tables."""
    if plan is None:
        return None
    for spec in plan.contract.tables.values():
        if column in spec.columns_by_name:
            return spec.column(column)
    return None


#: a header's trailing qualifier in brackets: 乡镇（街道） is 乡镇 in a sentence (按乡镇统计), 在校生数（人） is 在校生数
_QUALIFIER = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


def group_name(plan, column: str, lang: str) -> str:
    """A breakdown's column as the reader knows it: its Chinese header (without a bracketed qualifier: the
    name stands in sentences such as 按乡镇统计) in a Chinese report."""
    col = _column_of(plan, column)
    if col is None:
        return column
    return (_QUALIFIER.sub("", col.zh) or col.zh) if lang == "zh" else (col.en or column.replace("_", " "))


def group_label(plan, column: str, value: str, lang: str) -> str:
    """A group as the reader knows it: a choice's label (幼儿园 rather than ``kindergarten``) in a Chinese report."""
    col = _column_of(plan, column)
    if col is not None and col.choices is not None and lang == "zh":
        return col.choices.label(value, "zh")
    return value
