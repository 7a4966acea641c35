"""Formatting shared by every output format: figures, goals, gaps, statuses, in zh or en."""

from __future__ import annotations

from fractions import Fraction
from typing import Optional

from ..engine import FAIL, NO_DATA, PASS, Result

STATUS_TEXT = {
    "zh": {PASS: "达标", FAIL: "未达标", NO_DATA: "无数据"},
    "en": {PASS: "pass", FAIL: "fail", NO_DATA: "no data"},
}
MILESTONE_TEXT = {
    "zh": {"not_started": "未启动", "started": "已启动", "completed": "已完成", None: "未报送"},
    "en": {"not_started": "not started", "started": "started", "completed": "completed", None: "not reported"},
}
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
        return MILESTONE_TEXT["en"].get(r.reported_status, "—")
    if r.actual is None:
        return "—"
    if r.unit == "percent":
        return percent(r.actual, goal=r.goal)
    return str(int(r.actual))


def figure_lang(r: Result, lang: str) -> str:
    if r.kind == "milestone":
        return MILESTONE_TEXT[lang].get(r.reported_status, "—")
    return figure(r)


def goal_text(r: Result, lang: str = "zh") -> str:
    if r.kind == "milestone":
        return MILESTONE_TEXT[lang][r.goal]
    op = OP_TEXT[lang][r.op]
    if r.unit == "percent":
        g = r.goal * 100
        shown = f"{int(g)}" if g.denominator == 1 else f"{float(g):g}"
        return f"{op} {shown}%"
    return f"{op} {int(r.goal)}"


def ratio_text(r: Result) -> str:
    if r.numerator is None:
        return ""
    if r.denominator is None:
        return str(r.numerator)
    return f"{r.numerator:,} / {r.denominator:,}"


def gap_text(r: Result, lang: str = "zh") -> str:
    """What it would take to close the gap, in the user's terms."""
    if r.status == NO_DATA and r.missing_schools:
        return (f"{r.missing_schools} 所学校未报送，无法判断" if lang == "zh"
                else f"{r.missing_schools} schools sent nothing: cannot be judged")
    if r.status == NO_DATA:
        if r.kind == "milestone":
            return "未报送进展" if lang == "zh" else "progress not reported"
        return "缺少数据" if lang == "zh" else "inputs missing"
    if r.status == PASS:
        return ""
    if r.kind == "milestone":
        need = MILESTONE_TEXT[lang][r.goal]
        return f"需达到“{need}”" if lang == "zh" else f"must reach “{need}”"
    unit = r.gap_unit_zh if lang == "zh" else r.gap_unit_en
    n = r.gap or 0
    if r.op in ("<=", "<") or (r.op == "==" and r.actual is not None and r.actual > r.goal):
        return f"需减少 {n:,} {unit}" if lang == "zh" else f"{n:,} fewer {unit}"
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
