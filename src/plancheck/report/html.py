"""``--format html``: one self-contained page (inline CSS and SVG, no script, no network).

The text is the Markdown summary's (the same blocks from :func:`markdown.build`),
plus two charts drawn here as inline SVG: each metric's actual against its goal
(a bar and a goal line), and a group-by-target grid (town × target) coloured
pass/fail. Every piece of text goes through :func:`html.escape`; the output is
also well-formed XML, so tests can parse it with :mod:`xml.etree`.
"""

from __future__ import annotations

import html
import re
from fractions import Fraction
from typing import Optional

from ..engine import NO_DATA, Result
from .common import STATUS_TEXT, figure_lang, goal_text, title
from .context import ReportContext
from .common import group_label, group_name
from .markdown import Block, Bullets, Cell, Heading, Para, Slot, Table, build, report_title

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",system-ui,sans-serif;margin:2em auto;
max-width:1100px;padding:0 1em;color:#212121;line-height:1.5}
h1{font-size:1.6em;border-bottom:2px solid #1565c0;padding-bottom:.3em}
h2{font-size:1.3em;margin-top:1.8em;color:#0d47a1}h3{font-size:1.08em;margin-top:1.3em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #cfd8dc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#eceff1}td.pass{color:#1b5e20}td.fail{color:#b71c1c;font-weight:bold}td.no_data{color:#757575}
table.groups td.pass{background:#e8f5e9}table.groups td.fail{background:#ffebee}
p.verdict{padding:.6em 1em;border-left:6px solid #9e9e9e;background:#fafafa}
p.verdict.pass{border-color:#2e7d32}p.verdict.fail{border-color:#c62828}p.verdict.no_data{border-color:#f9a825}
code{font-size:.85em;word-break:break-all}
svg{display:block;margin:.8em 0;max-width:100%;height:auto}
svg text{font-size:12px;fill:#212121}svg .bar.pass,svg .cell.pass{fill:#43a047}
svg .bar.fail,svg .cell.fail{fill:#e53935}svg .bar.no_data,svg .cell.no_data{fill:#bdbdbd}
svg .track{fill:#f5f5f5}svg .goal{stroke:#0d47a1;stroke-width:2}svg .cell{stroke:#fff;stroke-width:1}
@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}table{page-break-inside:auto}}
"""

#: Nothing may be fetched: no script, no remote style, font or image (the page works offline).
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
LABEL_W, BAR_W, VALUE_W, ROW_H = 300, 380, 200, 26
CELL_W, CELL_H, GRID_LABEL_W, GRID_HEAD_H = 30, 22, 150, 170


def esc(text: object) -> str:
    """HTML-escaped text with XML-invalid control characters replaced (well-formed output)."""
    return html.escape(_CONTROL.sub("\ufffd", str(text)), quote=True)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------ blocks
def _cell(c: Cell, tag: str = "td") -> str:
    css = f' class="{c.status}"' if c.status else ""
    body = f"<code>{esc(c.text)}</code>" if c.code and c.text else esc(c.text)
    return f"<{tag}{css}>{body}</{tag}>"


def html_table(t: Table) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in t.header)
    rows = "\n".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in t.rows)
    css = f' class="{esc(t.css)}"' if t.css else ""
    return f"<table{css}><thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody></table>"


def html_block(b: Block, ctx: ReportContext) -> str:
    if isinstance(b, Heading):
        return f"<h{b.level}>{esc(b.text)}</h{b.level}>"
    if isinstance(b, Para):
        return f'<p class="verdict {b.status}">{esc(b.text)}</p>' if b.status else f"<p>{esc(b.text)}</p>"
    if isinstance(b, Table):
        return html_table(b)
    if isinstance(b, Bullets):
        return "<ul>" + "".join(f"<li>{esc(item)}</li>" for item in b.items) + "</ul>" if b.items else ""
    if isinstance(b, Slot):
        return slot(b, ctx)
    return ""


def slot(b: Slot, ctx: ReportContext) -> str:
    if b.name == "metrics_chart":
        return metrics_chart(ctx.results, ctx.lang)
    if b.name == "group_grid" and b.arg in ctx.groups:
        return group_grid(ctx.groups[b.arg], b.arg, ctx.lang, ctx.targets)
    return ""


# ------------------------------------------------------------------ chart: actual against goal
def _scale(results: list[Result]) -> dict[str, Fraction]:
    """The bar length that fills the track, per unit (percent rows share one, counts another)."""
    top: dict[str, Fraction] = {"percent": Fraction(1), "count": Fraction(1)}
    for r in results:
        for v in (r.actual, r.goal):
            if isinstance(v, Fraction) and r.unit in top:
                top[r.unit] = max(top[r.unit], v)
    return top


def _x(value: Optional[Fraction], top: Fraction) -> float:
    if value is None or top <= 0:
        return 0.0
    return round(float(min(value, top) / top) * BAR_W, 1)


def metric_row(r: Result, y: int, top: Fraction, lang: str) -> str:
    name = title(r, lang)
    bar = _x(r.actual, top)
    goal = LABEL_W + _x(r.goal, top)
    shown = figure_lang(r, lang) if r.status != NO_DATA else STATUS_TEXT[lang][NO_DATA]
    value = f"{shown}（{goal_text(r, lang)}）" if lang == "zh" else f"{shown} (goal {goal_text(r, lang)})"
    tip = f"{name}: {value} — {STATUS_TEXT[lang][r.status]}"
    return (f'<g class="metric" data-target="{esc(r.target_id)}" data-status="{r.status}">'
            f"<title>{esc(tip)}</title>"
            f'<text x="{LABEL_W - 8}" y="{y + 17}" text-anchor="end">{esc(_short(name, 26 if lang == "zh" else 44))}</text>'
            f'<rect class="track" x="{LABEL_W}" y="{y + 4}" width="{BAR_W}" height="{ROW_H - 8}"/>'
            f'<rect class="bar {r.status}" x="{LABEL_W}" y="{y + 4}" width="{bar}" height="{ROW_H - 8}"/>'
            f'<line class="goal" x1="{goal}" y1="{y + 1}" x2="{goal}" y2="{y + ROW_H - 1}"/>'
            f'<text x="{LABEL_W + BAR_W + 8}" y="{y + 17}">{esc(value)}</text></g>')


def metrics_chart(results: list[Result], lang: str = "zh") -> str:
    metrics = [r for r in results if r.kind == "metric"]
    if not metrics:
        return ""
    top = _scale(metrics)
    width, height = LABEL_W + BAR_W + VALUE_W, ROW_H * len(metrics) + 30
    caption = ("各项量化指标：实际值（条）与目标（竖线）；绿色达标，红色未达标，灰色无数据" if lang == "zh" else
               "Each metric: actual (bar) against goal (line); green pass, red fail, grey no data")
    rows = "\n".join(metric_row(r, 24 + i * ROW_H, top.get(r.unit, Fraction(1)), lang) for i, r in enumerate(metrics))
    return (f'<figure><svg class="chart metrics" role="img" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><title>{esc(caption)}</title>'
            f'<text x="0" y="14">{esc(caption)}</text>\n{rows}\n</svg></figure>')


# ------------------------------------------------------------------ chart: group × target grid
def group_grid(by: dict[str, list[Result]], column: str, lang: str = "zh", plan=None) -> str:
    if not by:
        return ""
    first = next(iter(by.values()))
    width = GRID_LABEL_W + CELL_W * len(first) + 120
    height = GRID_HEAD_H + CELL_H * len(by) + 10
    heads = "".join(
        f'<text transform="translate({GRID_LABEL_W + i * CELL_W + CELL_W // 2 + 4},{GRID_HEAD_H - 6}) rotate(-55)">'
        f"{esc(_short(title(r, lang), 14 if lang == 'zh' else 28))}</text>" for i, r in enumerate(first))
    rows = []
    for j, (value, results) in enumerate(by.items()):
        y = GRID_HEAD_H + j * CELL_H
        cells = "".join(
            f'<rect class="cell {r.status}" x="{GRID_LABEL_W + i * CELL_W}" y="{y}" width="{CELL_W}" height="{CELL_H}">'
            f"<title>{esc(group_label(plan, column, value, lang))} · {esc(title(r, lang))}: {esc(figure_lang(r, lang))} "
            f"({esc(STATUS_TEXT[lang][r.status])})</title></rect>" for i, r in enumerate(results))
        label = group_label(plan, column, value, lang)
        rows.append(f'<g class="group-row" data-group="{esc(value)}"><text x="{GRID_LABEL_W - 6}" y="{y + 15}" '
                    f'text-anchor="end">{esc(_short(label, 12))}</text>{cells}</g>')
    caption = (f"按{group_name(plan, column, lang)}的达标情况（绿色达标，红色未达标，灰色无数据）" if lang == "zh" else
               f"Targets by {group_name(plan, column, lang)} (green pass, red fail, grey no data)")
    return (f'<figure><svg class="chart grid" data-column="{esc(column)}" role="img" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}"><title>{esc(caption)}</title>{heads}\n'
            + "\n".join(rows) + "\n</svg></figure>")


# ------------------------------------------------------------------ the page
def render(ctx: ReportContext) -> str:
    lang_attr = "zh-CN" if ctx.lang == "zh" else "en"
    body = "\n".join(part for part in (html_block(b, ctx) for b in build(ctx)) if part)
    return ("<!DOCTYPE html>\n"
            f'<html lang="{lang_attr}"><head><meta charset="utf-8"/>'
            '<meta name="viewport" content="width=device-width, initial-scale=1"/>'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}"/>'
            f"<title>{esc(report_title(ctx))}</title><style>{CSS}</style></head>\n"
            f"<body>\n{body}\n</body></html>\n")


__all__ = ["render", "metrics_chart", "group_grid", "esc"]
