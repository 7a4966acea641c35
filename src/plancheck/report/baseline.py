"""``--baseline previous.json``: compare this run with an earlier run's JSON output.

The earlier run is read in the shape :mod:`plancheck.report.jsonfmt` writes
(``{"plancheck": ..., "targets": [{"id", "status", "actual", ...}, ...]}``).
Each target gets a :class:`Change`: which way its figure moved (``up``, ``down``,
``same``) and what that means for its verdict (``newly_passing``,
``newly_failing``, ``improved``, ...). "Up" is the raw figure; whether up is
better depends on the target's operator, which the label accounts for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional, Union

from ..engine import FAIL, NO_DATA, PASS, Result
from .common import percent

#: A run's JSON is a few hundred kB at most; anything far larger is not one.
MAX_BASELINE_BYTES = 64 * 1024 * 1024

UP, DOWN, SAME = "up", "down", "same"
NEWLY_PASSING, NEWLY_FAILING, NEWLY_NO_DATA = "newly_passing", "newly_failing", "newly_no_data"
IMPROVED, WORSENED, UNCHANGED = "improved", "worsened", "unchanged"
NEW_TARGET, REMOVED_TARGET = "new_target", "removed_target"

LABEL_TEXT = {
    "zh": {NEWLY_PASSING: "新达标", NEWLY_FAILING: "新未达标", NEWLY_NO_DATA: "新缺数据", IMPROVED: "好转",
           WORSENED: "变差", UNCHANGED: "无变化", NEW_TARGET: "新增目标", REMOVED_TARGET: "目标已删除"},
    "en": {NEWLY_PASSING: "newly passing", NEWLY_FAILING: "newly failing", NEWLY_NO_DATA: "newly without data",
           IMPROVED: "improved", WORSENED: "worsened", UNCHANGED: "unchanged", NEW_TARGET: "new target",
           REMOVED_TARGET: "target removed"},
}
ARROW = {UP: "↑", DOWN: "↓", SAME: "→"}


class BaselineError(Exception):
    """The baseline file cannot be used; the message says which file and why (zh / en)."""

    def __init__(self, path: Union[str, Path], why_zh: str, why_en: str) -> None:
        self.path, self.why_zh, self.why_en = str(path), why_zh, why_en
        super().__init__(f"{path}: {why_en} / {why_zh}")

    def message(self, lang: str = "zh") -> str:
        return f"{self.path}：{self.why_zh}" if lang == "zh" else f"{self.path}: {self.why_en}"


@dataclass(frozen=True)
class Change:
    id: str
    before_status: Optional[str]
    after_status: Optional[str]
    before_actual: Any          # as in the JSON: a float/int rate or count, a milestone status, or None
    after_actual: Any
    direction: str              # up | down | same
    label: str                  # newly_passing | newly_failing | newly_no_data | improved | worsened | ...
    unit: str = "percent"
    title_zh: str = ""
    title_en: str = ""
    status_labels: dict = field(default_factory=dict, compare=False)   # milestones: the plan's statuses, in order


# ------------------------------------------------------------------ loading
def load_baseline(path: Union[str, Path]) -> dict[str, dict[str, Any]]:
    """Target id -> that target's dict from an earlier ``plancheck run --format json``.

    Raises :class:`BaselineError` for a missing, unreadable or non-plancheck file.
    """
    doc = _read_json(Path(path))
    if not isinstance(doc, dict) or "plancheck" not in doc:
        raise BaselineError(path, "不是 plancheck 的 JSON 输出（缺少“plancheck”字段）",
                            "not a plancheck JSON output (no “plancheck” key)")
    targets = doc.get("targets")
    if targets is None:
        raise BaselineError(path, "这是报送校验结果（validate，或未通过校验的 run），不含目标核查结果；"
                                  "请用通过校验的 plancheck run --format json 的输出",
                            "this is a submission check (validate, or a rejected run) without target results; "
                            "use the output of a successful plancheck run --format json")
    if not isinstance(targets, list):
        raise BaselineError(path, "“targets”应为列表", "“targets” must be a list")
    return _by_id(path, targets)


def _read_json(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_BASELINE_BYTES:
            raise BaselineError(path, "文件过大，不是 plancheck 的 JSON 输出", "file too large to be a plancheck JSON output")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BaselineError(path, "找不到文件", "no such file") from None
    except UnicodeDecodeError as exc:
        raise BaselineError(path, f"不是 UTF-8 文本（第 {exc.start} 字节）",
                            f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise BaselineError(path, f"无法读取：{exc.strerror}", f"cannot be read: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(path, f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）",
                            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None


def _by_id(path: Union[str, Path], targets: list) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for n, entry in enumerate(targets, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) \
                or entry.get("status") not in (PASS, FAIL, NO_DATA):
            raise BaselineError(path, f"“targets”第 {n} 项缺少 id 或 status", f"target #{n} has no valid id or status")
        if entry["id"] in out:
            raise BaselineError(path, f"目标编号重复：{entry['id']}", f"duplicate target id: {entry['id']}")
        out[entry["id"]] = entry
    return out


# ------------------------------------------------------------------ comparing
def after_actual(r: Result) -> Any:
    """This run's figure in the JSON's terms (what the baseline file holds for it)."""
    if r.kind == "milestone":
        return r.reported_status
    if r.actual is None:
        return None
    return int(r.actual) if r.actual.denominator == 1 else float(r.actual)


def direction(before: Any, after: Any, unit: str, order: tuple = ()) -> str:
    """Which way the raw figure moved; ``same`` when either side is missing. ``order``: a milestone's
    statuses, first to last."""
    if before is None or after is None:
        return SAME
    if unit == "status":
        if after not in order or before not in order:
            return SAME
        a, b = order.index(after), order.index(before)
    else:
        if isinstance(before, bool) or not isinstance(before, (int, float)):
            return SAME
        a, b = Fraction(after), Fraction(before)
    return UP if a > b else DOWN if a < b else SAME


def _better(moved: str, op: str, unit: str, toward_goal: Optional[bool]) -> Optional[bool]:
    """Whether the move is for the better; ``toward_goal`` decides for "==" goals."""
    if moved == SAME:
        return None
    if op == "==" and unit != "status":
        return toward_goal
    rises_good = unit == "status" or op in (">=", ">")
    return (moved == UP) == rises_good


def _toward_goal(before: Any, after: Any, goal: Any) -> Optional[bool]:
    if not all(isinstance(v, (int, float, Fraction)) and not isinstance(v, bool) for v in (before, after, goal)):
        return None
    return abs(Fraction(after) - Fraction(goal)) < abs(Fraction(before) - Fraction(goal))


def label(before_status: Optional[str], after_status: Optional[str], moved: str, op: str, unit: str,
          toward_goal: Optional[bool] = None) -> str:
    if before_status is None:
        return NEW_TARGET
    if after_status is None:
        return REMOVED_TARGET
    if after_status != before_status:
        if after_status == PASS:
            return NEWLY_PASSING
        if after_status == FAIL:
            return NEWLY_FAILING
        return NEWLY_NO_DATA
    better = _better(moved, op, unit, toward_goal)
    return UNCHANGED if better is None else IMPROVED if better else WORSENED


def change_of(r: Result, before: Optional[dict[str, Any]]) -> Change:
    after = after_actual(r)
    prior = None if before is None else before.get("actual")
    prior_status = None if before is None else before.get("status")
    moved = direction(prior, after, r.unit, tuple(r.status_labels))
    toward = _toward_goal(prior, after, r.goal) if r.kind == "metric" and moved != SAME else None
    return Change(id=r.target_id, before_status=prior_status, after_status=r.status, before_actual=prior,
                  after_actual=after, direction=moved,
                  label=label(prior_status, r.status, moved, r.op, r.unit, toward),
                  unit=r.unit, title_zh=r.title_zh, title_en=r.title_en, status_labels=r.status_labels)


def changes(results: list[Result], baseline: dict[str, dict[str, Any]]) -> list[Change]:
    """One change per target of this run (in its order), then targets only the baseline has."""
    out = [change_of(r, baseline.get(r.target_id)) for r in results]
    seen = {r.target_id for r in results}
    # a removed milestone's status is named as the plan names the statuses of the milestones still there
    statuses = next((r.status_labels for r in results if r.kind == "milestone" and r.status_labels), {})
    for tid, before in baseline.items():
        if tid in seen or before.get("group"):
            continue
        unit = str(before.get("unit") or "percent")
        out.append(Change(id=tid, before_status=before.get("status"), after_status=None,
                          before_actual=before.get("actual"), after_actual=None, direction=SAME,
                          label=REMOVED_TARGET, unit=unit,
                          title_zh=str(before.get("title_zh") or tid), title_en=str(before.get("title_en") or tid),
                          status_labels=statuses if unit == "status" else {}))
    return out


# ------------------------------------------------------------------ display
def value_text(value: Any, unit: str, lang: str = "zh", labels: Optional[dict] = None) -> str:
    """A baseline or current figure for display, as the other tables show figures (``labels``: a milestone's
    statuses, value -> (zh, en))."""
    if value is None:
        return "—"
    if unit == "status":
        found = (labels or {}).get(value)
        return found[0 if lang == "zh" else 1] if found else str(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if unit == "percent":
        return percent(Fraction(value).limit_denominator(10**9))
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def title_of(c: Change, lang: str) -> str:
    return c.title_zh if lang == "zh" else c.title_en
