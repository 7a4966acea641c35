"""`plancheck targets`: the plan's targets with their clauses. Imports no pandas (fast start)."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..plan.targets import MetricTarget, TargetsFile

OPS = {">=": "≥", "<=": "≤", "==": "=", ">": ">", "<": "<"}
STATUS = {"zh": {"started": "已启动", "completed": "已完成"}, "en": {"started": "started", "completed": "completed"}}


def goal_of(t, lang: str = "zh") -> str:
    if isinstance(t, MetricTarget):
        if t.unit == "percent":
            g = t.goal * 100
            return f"{OPS[t.op]} {g.normalize():f}%"
        return f"{OPS[t.op]} {t.goal.normalize():f}"
    return STATUS[lang][t.required_status]


def render_table(console: Console, targets: TargetsFile, lang: str = "zh") -> None:
    for section in targets.sections:
        items = [t for t in targets.targets if t.section == section.number]
        if not items:
            continue
        table = Table(title=f"{section.number}. {section.title_zh if lang == 'zh' else section.title_en}",
                      title_justify="left", title_style="bold cyan")
        for c in (("条目", "编号", "目标", "目标值", "原文") if lang == "zh" else ("item", "id", "target", "goal", "source text")):
            table.add_column(c, overflow="fold")
        for t in sorted(items, key=lambda t: t.item):
            table.add_row(*(Text(c) for c in (str(t.item), t.id, t.title_zh if lang == "zh" else t.title_en, goal_of(t, lang), t.source)))
        console.print(table)
    console.print(f"{len(targets.metrics)} metric targets, {len(targets.milestones)} milestones")


def render_json(targets: TargetsFile) -> str:
    return json.dumps(targets.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
