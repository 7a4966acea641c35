"""The meeting summary (``--format markdown``) and the document model the HTML report shares.

:func:`build` turns a :class:`ReportContext` into a list of blocks (headings,
paragraphs, tables, lists) holding *raw* text; :func:`render` writes them as
GitHub-flavoured Markdown, escaping every piece of text, so a school called
``<script>`` or ``a|b`` can neither break a table nor inject HTML. ``html.py``
renders the same blocks, so both documents always say the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Optional, Union

from ..engine import FAIL, NO_DATA, PASS, Offender, Result, summary
from ..errors import ERROR, INFO, WARNING, Problem
from . import baseline as bl
from .common import STATUS_TEXT, group_label, group_name, status_label, figure_lang, gap_text, goal_text, percent, title
from .context import ReportContext

#: Rows shown per holders-back table and in the warnings table (the counts are always complete).
HOLDERS_SHOWN = 10
PROBLEMS_SHOWN = 50
SKIPPED_CODES = ("total_row_skipped", "footer_row_skipped")
MARK = {PASS: "✔", FAIL: "✘", NO_DATA: "—"}


# ------------------------------------------------------------------ the document model
@dataclass
class Cell:
    text: str
    status: Optional[str] = None   # pass | fail | no_data: coloured in HTML, bold when failing in Markdown
    code: bool = False             # a hash or id shown as code (never user text)


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str
    status: Optional[str] = None


@dataclass
class Table:
    header: list[str]
    rows: list[list[Cell]]
    css: str = ""


@dataclass
class Bullets:
    items: list[str] = field(default_factory=list)


@dataclass
class Slot:
    """Where the HTML report puts a chart; Markdown skips it."""
    name: str
    arg: Optional[str] = None


Block = Union[Heading, Para, Table, Bullets, Slot]


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _cells(*texts: str) -> list[Cell]:
    return [Cell(t) for t in texts]


# ------------------------------------------------------------------ building
def build(ctx: ReportContext) -> list[Block]:
    """Every block of the summary, in reading order (a rejected submission: why, and no figures)."""
    if ctx.submission is not None and not ctx.submission.ok:
        return rejected_blocks(ctx)
    blocks: list[Block] = []
    blocks += header_blocks(ctx)
    blocks += verdict_blocks(ctx)
    blocks += section_blocks(ctx)
    blocks += holders_blocks(ctx)
    blocks += milestone_blocks(ctx)
    if ctx.baseline is not None:
        blocks += baseline_blocks(ctx)
    for column, by in ctx.groups.items():
        blocks += group_blocks(column, by, ctx.lang, ctx.targets)
    blocks += quality_blocks(ctx)
    return blocks


def rejected_blocks(ctx: ReportContext) -> list[Block]:
    """The report of a rejected submission: it says so, computes nothing, and lists the problems."""
    lang, sub = ctx.lang, ctx.submission
    errors = len(sub.errors) + sub.problems_dropped
    blocks = header_blocks(ctx)
    blocks.append(Heading(2, _t(lang, "报送数据未通过校验", "Submission rejected")))
    blocks.append(Para(_t(lang, f"发现 {errors} 个错误，未计算任何目标。请按下表修改后重新报送。",
                          f"{errors} errors: no target was computed. Correct them and submit again.")))
    return blocks + quality_blocks(ctx)


def report_title(ctx: ReportContext) -> str:
    plan = ctx.targets.plan.title_zh if ctx.lang == "zh" else ctx.targets.plan.title_en
    head = _t(ctx.lang, f"{plan} 目标核查报告", f"{plan}: compliance summary")
    if ctx.term:
        head += _t(ctx.lang, f"（{ctx.term}）", f" ({ctx.term})")
    return head


def header_blocks(ctx: ReportContext) -> list[Block]:
    lang = ctx.lang
    facts = []
    if ctx.term:
        facts.append(_t(lang, f"报告学期：{ctx.term}", f"Reporting term: {ctx.term}"))
    facts.append(_t(lang, f"核查日期：{ctx.today.isoformat()}", f"Date: {ctx.today.isoformat()}"))
    facts.append(_t(lang, f"目标文件：{ctx.targets.plan.id}", f"Targets: {ctx.targets.plan.id}"))
    blocks: list[Block] = [Heading(1, report_title(ctx)), Bullets(facts)]
    if ctx.inputs:
        blocks.append(Para(_t(lang, "数据来源：", "Data sources:")))
        rows = [[Cell(f.path), Cell(f"{f.rows:,}"), Cell(f.sha256 or "—", code=bool(f.sha256))] for f in ctx.inputs]
        blocks.append(Table(_t(lang, "文件|行数|SHA-256", "file|rows|SHA-256").split("|"), rows, "sources"))
    return blocks


def verdict_text(results: list[Result], lang: str) -> str:
    s = summary(results)
    metrics = [r for r in results if r.kind == "metric"]
    text = _t(lang, f"共 {len(results)} 项目标（{len(metrics)} 项量化指标、{len(results) - len(metrics)} 个重点项目）："
                    f"{s[PASS]} 项达标，{s[FAIL]} 项未达标，{s[NO_DATA]} 项无数据。",
              f"{len(results)} targets ({len(metrics)} metrics, {len(results) - len(metrics)} milestones): "
              f"{s[PASS]} pass, {s[FAIL]} fail, {s[NO_DATA]} without data.")
    failing = [f"{title(r, lang)}（{figure_lang(r, lang)}，{_t(lang, '目标', 'goal')} {goal_text(r, lang)}）"
               if lang == "zh" else f"{title(r, lang)} ({figure_lang(r, lang)}, goal {goal_text(r, lang)})"
               for r in metrics if r.status == FAIL]
    if failing:
        text += _t(lang, "未达标的量化指标：" + "、".join(failing) + "。",
                   " Metrics that fail: " + "; ".join(failing) + ".")
    late = sum(1 for r in results if r.kind == "milestone" and r.status == FAIL)
    if late:
        text += _t(lang, f"{late} 个重点项目未达到要求的进度。", f" Milestones behind the required stage: {late}.")
    missing = [title(r, lang) for r in results if r.status == NO_DATA and r.kind == "metric"]
    if missing:
        text += _t(lang, "缺少数据、无法核查：" + "、".join(missing) + "。",
                   " Not checked for lack of data: " + "; ".join(missing) + ".")
    if s[FAIL] == 0 and s[NO_DATA] == 0:
        text += _t(lang, "全部目标达标。", " Every target is met.")
    return text


def overall(results: list[Result]) -> str:
    s = summary(results)
    return FAIL if s[FAIL] else NO_DATA if s[NO_DATA] else PASS


def verdict_blocks(ctx: ReportContext) -> list[Block]:
    return [Heading(2, _t(ctx.lang, "结论", "Verdict")), Para(verdict_text(ctx.results, ctx.lang), overall(ctx.results)),
            Slot("metrics_chart")]


def section_heading(number: int, text: str, lang: str) -> str:
    numeral = "一二三四五六七八九十"[number - 1] if 1 <= number <= 10 else str(number)
    return f"{numeral}、{text}" if lang == "zh" else f"{number}. {text}"


def status_cell(r: Result, lang: str) -> Cell:
    return Cell(STATUS_TEXT[lang][r.status], status=r.status)


def section_blocks(ctx: ReportContext) -> list[Block]:
    """One table per section of the plan (metrics); milestones are counted here and listed below."""
    lang = ctx.lang
    blocks: list[Block] = [Heading(2, _t(lang, "各部分目标", "Targets by section of the plan"))]
    header = _t(lang, "条目|目标|目标值|实际|结果|差距", "item|target|goal|actual|status|gap to close").split("|")
    for section in ctx.targets.sections:
        blocks.append(Heading(3, section_heading(section.number, section.title_zh if lang == "zh" else section.title_en,
                                                 lang)))
        mine = [r for r in ctx.results if r.section == section.number]
        metrics = sorted((r for r in mine if r.kind == "metric"), key=lambda r: r.item)
        if metrics:
            rows = [[Cell(str(r.item)), Cell(title(r, lang)), Cell(goal_text(r, lang)), Cell(figure_lang(r, lang)),
                     status_cell(r, lang), Cell(gap_text(r, lang))] for r in metrics]
            blocks.append(Table(header, rows, "targets"))
        milestones = [r for r in mine if r.kind == "milestone"]
        if milestones:
            s = summary(milestones)
            blocks.append(Para(_t(lang, f"本部分有 {len(milestones)} 个重点项目：{s[PASS]} 个达标，{s[FAIL]} 个未达标，"
                                        f"{s[NO_DATA]} 个未报送（见“重点项目进展”）。",
                                  f"{len(milestones)} milestones in this section: {s[PASS]} pass, {s[FAIL]} fail, "
                                  f"{s[NO_DATA]} not reported (see “Milestones”).")))
        if not mine:
            blocks.append(Para(_t(lang, "本部分没有可量化核查的目标。", "No quantitative target in this section.")))
    return blocks


# ------------------------------------------------------------------ who holds it back
def holders_blocks(ctx: ReportContext) -> list[Block]:
    lang = ctx.lang
    failing = [r for r in ctx.results if r.status == FAIL]
    if not failing:
        return []
    blocks: list[Block] = [Heading(2, _t(lang, "未达标目标的责任单位", "Who holds the failing targets back"))]
    for r in (r for r in failing if r.kind == "metric"):
        blocks.append(Heading(3, f"{title(r, lang)}：{figure_lang(r, lang)}，{_t(lang, '目标', 'goal')} "
                                 f"{goal_text(r, lang)}，{gap_text(r, lang)}" if lang == "zh" else
                                 f"{title(r, lang)}: {figure_lang(r, lang)}, goal {goal_text(r, lang)}, "
                                 f"{gap_text(r, lang)}"))
        blocks += offender_blocks(r, lang)
    late = [r for r in failing if r.kind == "milestone"]
    if late:
        blocks.append(Heading(3, _t(lang, "未达到要求进度的重点项目", "Milestones behind the required stage")))
        blocks.append(Bullets([_t(lang, f"{title(r, lang)}：要求“{status_label(r, r.goal, lang)}”，报送"
                                        f"“{status_label(r, r.reported_status, lang, '—')}”",
                                  f"{title(r, lang)}: must be “{status_label(r, r.goal, lang)}”, reported "
                                  f"“{status_label(r, r.reported_status, lang, '—')}”") for r in late]))
    return blocks


def offender_blocks(r: Result, lang: str) -> list[Block]:
    if not r.offenders:
        return [Para(_t(lang, "未能定位到具体的学校或乡镇。", "No single school or town could be singled out."))]
    shown = r.offenders[:HOLDERS_SHOWN]
    if isinstance(shown[0].value, Fraction):
        header = _t(lang, "乡镇|本乡镇数值|还需", "town|its figure|needs").split("|")
        rows = [[Cell(o.name), Cell(percent(o.value, 1)), Cell(_needed(r, o, lang, None))] for o in shown]
    else:
        header = _t(lang, "学校|乡镇|本单位数值|需要变化|位置", "school|town|its figure|change needed|where").split("|")
        rows, running = [], 0
        for o in shown:
            running += o.value if isinstance(o.value, int) and not isinstance(o.value, bool) else 0
            rows.append([Cell(o.name), Cell(o.town or ""), Cell(_value(o.value, lang)),
                         Cell(_needed(r, o, lang, running)), Cell(_where(o, lang))])
    blocks: list[Block] = [Table(header, rows, "holders")]
    if r.holders_outside:
        blocks.insert(0, Para(_t(lang, "以下是计入分母、但不计入分子的单位（按规模从大到小）：它们转入分子（如民办园转为公办或普惠）"
                                       "即可缩小差距；它们本身并无过错。",
                                 "Listed: the units counted in the denominator but not in the numerator, largest "
                                 "first; moving them into the numerator (a private kindergarten becoming public) "
                                 "closes the gap. They are listed as the lever, not as at fault.")))
    hidden = r.offender_count - len(shown)
    if hidden > 0:
        blocks.append(Para(_t(lang, f"另有 {hidden} 个未列出（共 {r.offender_count} 个）。",
                              f"{hidden} more not listed ({r.offender_count} in all).")))
    return blocks


def _value(value: object, lang: str) -> str:
    if value is True:
        return _t(lang, "填报为“是”", "reported “yes”")
    if value is False:
        return _t(lang, "填报为“否”", "reported “no”")
    if value is None:
        return "—"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _needed(r: Result, o: Offender, lang: str, running: Optional[int]) -> str:
    unit = r.gap_unit_zh if lang == "zh" else r.gap_unit_en
    down = r.actual is not None and isinstance(r.goal, Fraction) and r.actual > r.goal
    if o.needed is not None:
        sign = "−" if down else "+"
        return f"{sign}{o.needed:,} {unit}".strip()
    if running is not None and isinstance(o.value, int) and not isinstance(o.value, bool):
        return _t(lang, f"可计入 {o.value:,} {unit}（累计 {running:,} / {r.gap or 0:,}）",
                  f"would add {o.value:,} {unit} (cumulative {running:,} / {r.gap or 0:,})")
    return "—"


def _where(o: Offender, lang: str) -> str:
    if not o.file:
        return ""
    if o.row is None:
        return o.file
    return _t(lang, f"{o.file} 第 {o.row} 行", f"{o.file} row {o.row}")


# ------------------------------------------------------------------ milestones, baseline, groups
def milestone_blocks(ctx: ReportContext) -> list[Block]:
    lang = ctx.lang
    milestones = [r for r in ctx.results if r.kind == "milestone"]
    if not milestones:
        return []
    header = _t(lang, "部分|条目|项目|要求进度|报送进度|结果|备注",
                "section|item|project|required|reported|status|note").split("|")
    rows = [[Cell(str(r.section)), Cell(str(r.item)), Cell(title(r, lang)), Cell(status_label(r, r.goal, lang)),
             Cell(status_label(r, r.reported_status, lang)), status_cell(r, lang), Cell(r.note or "")]
            for r in milestones]
    return [Heading(2, _t(lang, "重点项目进展", "Milestones")), Table(header, rows, "milestones")]


def baseline_blocks(ctx: ReportContext) -> list[Block]:
    lang = ctx.lang
    found = bl.changes(ctx.results, ctx.baseline or {})
    counts: dict[str, int] = {}
    for c in found:
        counts[c.label] = counts.get(c.label, 0) + 1
    order = (bl.NEWLY_PASSING, bl.NEWLY_FAILING, bl.NEWLY_NO_DATA, bl.IMPROVED, bl.WORSENED, bl.UNCHANGED,
             bl.NEW_TARGET, bl.REMOVED_TARGET)
    sep = "，" if lang == "zh" else ", "
    tally = sep.join(f"{bl.LABEL_TEXT[lang][k]} {counts[k]}" for k in order if counts.get(k))
    shown = [c for c in found if c.unit != "status" or c.label not in (bl.UNCHANGED, bl.NEW_TARGET)]
    header = _t(lang, "目标|上次|本次|变化|结果变化", "target|before|now|moved|change").split("|")
    rows = [[Cell(bl.title_of(c, lang)),
             _baseline_cell(c.before_actual, c.before_status, c.unit, lang, False, c.status_labels),
             _baseline_cell(c.after_actual, c.after_status, c.unit, lang, labels=c.status_labels),
             Cell(bl.ARROW[c.direction]),
             Cell(bl.LABEL_TEXT[lang][c.label], status=_label_status(c.label))] for c in shown]
    note = _t(lang, f"与上次核查结果相比：{tally}。表中列出全部量化指标和有变化的重点项目。",
              f"Compared with the earlier run: {tally}. The table lists every metric and each milestone that changed.")
    return [Heading(2, _t(lang, "与上次核查对比", "Changes since the baseline")), Para(note), Table(header, rows, "baseline")]


def _baseline_cell(value: object, status: Optional[str], unit: str, lang: str, marked: bool = True,
                   labels: Optional[dict] = None) -> Cell:
    """``labels``: a milestone's statuses as the plan names them (未启动 rather than ``not_started``)."""
    if status is None:
        return Cell("—")
    shown = bl.value_text(value, unit, lang, labels)
    return Cell(f"{shown}（{STATUS_TEXT[lang][status]}）" if lang == "zh" else
                f"{shown} ({STATUS_TEXT[lang][status]})", status=status if marked else None)


def _label_status(label: str) -> Optional[str]:
    return {bl.NEWLY_PASSING: PASS, bl.IMPROVED: PASS, bl.NEWLY_FAILING: FAIL, bl.WORSENED: FAIL,
            bl.NEWLY_NO_DATA: NO_DATA}.get(label)


def group_blocks(column: str, by: dict[str, list[Result]], lang: str, plan=None) -> list[Block]:
    if not by:
        return []
    first = next(iter(by.values()))
    name = group_name(plan, column, lang)
    header = [name] + [title(r, lang) for r in first]
    rows = [[Cell(group_label(plan, column, value, lang))] + [Cell(f"{MARK[r.status]} {figure_lang(r, lang)}" if r.status != NO_DATA else "—",
                                  status=r.status) for r in results] for value, results in by.items()]
    legend = _t(lang, f"每个{name}单独计算各项量化指标（✔ 达标，✘ 未达标，— 无数据）。",
                f"Every metric computed for each {name} on its own (✔ pass, ✘ fail, — no data).")
    return [Heading(2, _t(lang, f"按{name}统计", f"By {name}")), Para(legend), Slot("group_grid", column),
            Table(header, rows, "groups")]


# ------------------------------------------------------------------ data quality
def quality_blocks(ctx: ReportContext) -> list[Block]:
    lang = ctx.lang
    blocks: list[Block] = [Heading(2, _t(lang, "数据质量说明", "Data quality notes"))]
    sub = ctx.submission
    if sub is None:
        return blocks + [Para(_t(lang, "未提供报送数据的读取记录。", "No record of how the data was read."))]
    blocks.append(Bullets([_source_line(s, lang) for s in sub.sources]))
    skipped = [p for p in sub.problems if p.code in SKIPPED_CODES]
    if skipped:
        blocks.append(Para(_t(lang, f"已跳过 {len(skipped)} 个合计行或表尾行（不计入统计）：",
                              f"{len(skipped)} total or footer rows skipped (not counted):")))
        blocks.append(Bullets([f"{_place(p, lang)}{_t(lang, '：', ': ')}{p.message(lang)}" for p in skipped[:PROBLEMS_SHOWN]]))
    notes = [p for p in sub.problems if p.code not in SKIPPED_CODES]
    blocks += _problem_table(notes, sub.problems_dropped, lang)
    return blocks


def _place(p: Problem, lang: str) -> str:
    where = p.file + (f" [{p.sheet}]" if p.sheet else "")
    if p.row is None:
        return where
    return _t(lang, f"{where} 第 {p.row} 行", f"{where} row {p.row}")


def _source_line(s, lang: str) -> str:
    where = s.file + (f" [{s.sheet}]" if s.sheet else "")
    c = s.counts
    return _t(lang, f"{where}（{s.table}）：读取 {c.read} 行 = 接受 {c.accepted} + 拒绝 {c.rejected} + 跳过 {c.skipped}",
              f"{where} ({s.table}): {c.read} rows read = {c.accepted} accepted + {c.rejected} rejected "
              f"+ {c.skipped} skipped")


SEVERITY = {"zh": {ERROR: "错误", WARNING: "警告", INFO: "提示"}, "en": {ERROR: "error", WARNING: "warning", INFO: "info"}}


def _problem_table(problems: list[Problem], dropped: int, lang: str) -> list[Block]:
    if not problems and not dropped:
        return [Para(_t(lang, "没有警告。", "No warnings."))]
    header = _t(lang, "级别|文件|工作表|行|列|值|问题", "severity|file|sheet|row|column|value|problem").split("|")
    rows = [[Cell(SEVERITY[lang][p.severity]), Cell(p.file), Cell(p.sheet or ""), Cell("" if p.row is None else str(p.row)),
             Cell(p.column or ""), Cell(p.value or ""), Cell(f"{p.title(lang)}{_t(lang, '：', ': ')}{p.message(lang)}")]
            for p in problems[:PROBLEMS_SHOWN]]
    blocks: list[Block] = [Table(header, rows, "problems")]
    hidden = len(problems) - len(rows) + dropped
    if hidden > 0:
        blocks.append(Para(_t(lang, f"另有 {hidden} 个问题未列出（用 --errors-out 导出全部）。",
                              f"{hidden} more problems not listed (write them all with --errors-out).")))
    return blocks


# ------------------------------------------------------------------ Markdown
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
_BACKSLASHED = set("\\`*_[]|~#")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def md_escape(text: str, line_start: bool = False) -> str:
    """Text that renders as itself: no table break, no HTML, no emphasis or links, one line.

    ``line_start``: the text begins a line (a paragraph or list item), where a leading
    ``-``, ``+`` or ``1.`` would start a list.
    """
    text = _CONTROL.sub(" ", str(text))
    out = "".join(_ENTITIES.get(ch) or ("\\" + ch if ch in _BACKSLASHED else ch) for ch in text)
    if not line_start:
        return out
    if out[:1] in ("-", "+", "="):
        out = "\\" + out
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", out)


def _md_cell(c: Cell) -> str:
    if c.code and c.text:
        return f"`{c.text}`" if re.fullmatch(r"[0-9A-Za-z]+", c.text) else md_escape(c.text)
    text = md_escape(c.text)
    return f"**{text}**" if c.status == FAIL and text else text


def md_table(t: Table) -> str:
    lines = ["| " + " | ".join(md_escape(h) for h in t.header) + " |",
             "|" + "|".join("---" for _ in t.header) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in t.rows]
    return "\n".join(lines)


def md_block(b: Block) -> Optional[str]:
    if isinstance(b, Heading):
        return "#" * b.level + " " + md_escape(b.text)
    if isinstance(b, Para):
        return md_escape(b.text, line_start=True)
    if isinstance(b, Table):
        return md_table(b)
    if isinstance(b, Bullets):
        return "\n".join("- " + md_escape(item, line_start=True) for item in b.items) if b.items else None
    return None


def render(ctx: ReportContext) -> str:
    parts = [md_block(b) for b in build(ctx)]
    return "\n\n".join(p for p in parts if p) + "\n"


__all__ = ["Block", "Bullets", "Cell", "Heading", "Para", "Slot", "Table", "build", "md_escape", "render",
           "report_title", "section_heading", "group_name", "group_label", "overall"]
