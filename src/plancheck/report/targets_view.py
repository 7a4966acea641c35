"""`plancheck targets`: the plan's targets with their clauses. Imports no pandas (fast start)."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..plan.targets import MetricTarget, TargetsFile

OPS = {">=": "≥", "<=": "≤", "==": "=", ">": ">", "<": "<"}


def goal_of(t, targets: TargetsFile, lang: str = "zh") -> str:
    """A target's goal as the plan writes it: ≥ 96%, ≤ 19:1, ≤ 2‰, ≤ 52.3% -1; a milestone's required status
    (and its due date)."""
    if isinstance(t, MetricTarget):
        op, _, rest = t.goal_text().partition(" ")
        return f"{OPS[op]} {rest}"
    ms = targets.contract.milestones
    text = ms.statuses.label(t.required_status, lang) if ms is not None else t.required_status
    if t.due is not None:
        text += f"（{t.due.isoformat()} 前）" if lang == "zh" else f" (by {t.due.isoformat()})"
    return text


def render_table(console: Console, targets: TargetsFile, lang: str = "zh") -> None:
    for section in targets.sections:
        items = [t for t in targets.targets if t.section == section.number]
        if not items:
            continue
        table = Table(title=f"{section.number}. {section.title_zh if lang == 'zh' else section.title_en}",
                      title_justify="left", title_style="bold cyan")
        for c in (("条目", "编号", "目标", "目标值", "原文") if lang == "zh" else ("item", "id", "target", "goal", "source text")):
            table.add_column(c, overflow="fold")
        for t in sorted(items, key=lambda t: (t.item is None, t.item or 0)):
            table.add_row(*(Text(c) for c in (str(t.item or ""), t.id, t.title_zh if lang == "zh" else t.title_en,
                                              goal_of(t, targets, lang), t.source)))
        console.print(table)
    console.print(f"{len(targets.metrics)} metric targets, {len(targets.milestones)} milestones")


def render_json(targets: TargetsFile) -> str:
    return json.dumps(targets.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
