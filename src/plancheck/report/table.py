"""Terminal output with rich: pass/fail tables grouped by the plan's sections, and problem lists."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from typing import Optional, Union

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..engine import FAIL, NO_DATA, PASS, Result, summary
from ..errors import ERROR, INFO, WARNING, Problem
from ..plan.targets import TargetsFile
from ..check.validate import Submission
from .common import STATUS_TEXT, group_label, group_name, figure_lang, gap_text, goal_text, offender_text, ratio_text, title

STYLE = {PASS: "bold green", FAIL: "bold red", NO_DATA: "bold yellow"}
SEVERITY_STYLE = {ERROR: "red", WARNING: "yellow", INFO: "dim"}
SEVERITY_TEXT = {"zh": {ERROR: "错误", WARNING: "警告", INFO: "提示"}, "en": {ERROR: "error", WARNING: "warning", INFO: "info"}}


def verdict_line(results: list[Result], lang: str = "zh") -> Text:
    s = summary(results)
    total = len(results)
    if lang == "zh":
        text = f"共 {total} 项目标：{s[PASS]} 项达标，{s[FAIL]} 项未达标，{s[NO_DATA]} 项无数据。"
    else:
        text = f"{total} targets: {s[PASS]} pass, {s[FAIL]} fail, {s[NO_DATA]} without data."
    style = "bold green" if s[FAIL] == 0 and s[NO_DATA] == 0 else ("bold red" if s[FAIL] else "bold yellow")
    return Text(text, style=style)


def render_results(console: Console, results: list[Result], targets: TargetsFile, lang: str = "zh",
                   show_holders: bool = True) -> None:
    """Metric targets in one table per plan section, then the milestones, then the verdict."""
    plan_title = targets.plan.title_zh if lang == "zh" else targets.plan.title_en
    console.print(Text(plan_title, style="bold"))
    metrics = [r for r in results if r.kind == "metric"]
    for section_no, group in groupby(sorted(metrics, key=lambda r: (r.section, r.item)), key=lambda r: r.section):
        section = targets.section(section_no)
        heading = section.title_zh if lang == "zh" else section.title_en
        table = Table(title=f"{_roman(section_no)}、{heading}" if lang == "zh" else f"{section_no}. {heading}",
                      title_justify="left", title_style="bold cyan")
        cols = ("条目", "目标", "目标值", "实际", "分子/分母", "结果", "差距与责任单位") if lang == "zh" else (
            "item", "target", "goal", "actual", "num/den", "status", "gap and who holds it back")
        for c in cols:
            table.add_column(c, overflow="fold")
        for r in group:
            gap = gap_text(r, lang)
            if show_holders and r.status == FAIL and r.offenders:
                gap = f"{gap}：{offender_text(r, lang, 3)}" if lang == "zh" else f"{gap}: {offender_text(r, lang, 3)}"
            _add(table, str(r.item), title(r, lang), goal_text(r, lang), figure_lang(r, lang), ratio_text(r),
                          Text(STATUS_TEXT[lang][r.status], style=STYLE[r.status]), gap)
        console.print(table)
    render_milestones(console, [r for r in results if r.kind == "milestone"], lang)
    console.print(verdict_line(results, lang))


def render_milestones(console: Console, milestones: list[Result], lang: str = "zh") -> None:
    if not milestones:
        return
    table = Table(title="重点项目" if lang == "zh" else "Milestones", title_justify="left", title_style="bold cyan")
    cols = ("条目", "项目", "应达到", "报送进展", "结果") if lang == "zh" else (
        "item", "project", "required", "reported", "status")
    for c in cols:
        table.add_column(c, overflow="fold")
    for r in sorted(milestones, key=lambda r: (r.section, r.item)):
        _add(table, str(r.item), title(r, lang), goal_text(r, lang), figure_lang(r, lang),
                      Text(STATUS_TEXT[lang][r.status], style=STYLE[r.status]))
    console.print(table)


def render_changes(console: Console, results: list[Result], baseline: dict, lang: str = "zh") -> None:
    """Each target's change since an earlier run (``--baseline``)."""
    from .baseline import LABEL_TEXT, changes, title_of, value_text

    table = Table(title="与上次比较" if lang == "zh" else "Changes since the baseline", title_justify="left",
                  title_style="bold cyan")
    for c in (("目标", "上次", "本次", "变化") if lang == "zh" else ("target", "before", "now", "change")):
        table.add_column(c, overflow="fold")
    for ch in changes(results, baseline):
        before = f"{STATUS_TEXT[lang].get(ch.before_status, '—')} {value_text(ch.before_actual, ch.unit, lang, ch.status_labels)}"
        after = f"{STATUS_TEXT[lang].get(ch.after_status, '—')} {value_text(ch.after_actual, ch.unit, lang, ch.status_labels)}"
        _add(table, title_of(ch, lang), before, after, LABEL_TEXT[lang][ch.label])
    console.print(table)


def render_groups(console: Console, groups: dict[str, list[Result]], column: str, lang: str = "zh",
                  plan=None) -> None:
    """One line per group (e.g. town): how many targets pass, and which fail (with figures).

    A town-by-target grid is too wide for a terminal; the HTML report draws that grid.
    """
    if not groups:
        return
    label = group_name(plan, column, lang)
    table = Table(title=f"按{label}统计" if lang == "zh" else f"By {column}", title_justify="left",
                  title_style="bold cyan")
    for c in ((label, "达标", "未达标", "无数据") if lang == "zh" else (label, "pass", "fail", "no data")):
        table.add_column(c, overflow="fold")
    sep = "；" if lang == "zh" else "; "
    for value, results in groups.items():
        s = summary(results)
        failing = sep.join(f"{title(r, lang)} {figure_lang(r, lang)}" for r in results if r.status == FAIL)
        _add(table, group_label(plan, column, value, lang), Text(str(s[PASS]), style=STYLE[PASS]), Text(failing, style="red"), str(s[NO_DATA]))
    console.print(table)


#: this many problems of one code in one column of one sheet are shown as one line (with the count)
GROUP_AT = 4
#: how many of a grouped line's rows (and distinct values) are named
GROUP_ROWS = 5


@dataclass
class ProblemGroup:
    """Problems of one code in one column of one file's sheet, shown as one table row."""
    problems: list[Problem]

    @property
    def first(self) -> Problem:
        return self.problems[0]

    @property
    def file(self) -> str:
        return self.first.file

    @property
    def count(self) -> int:
        return len(self.problems)

    def rows(self, n: int = GROUP_ROWS) -> list[int]:
        return [p.row for p in self.problems[:n] if p.row is not None]

    def values(self, n: int = 3) -> list[str]:
        seen: dict[str, None] = {}
        for p in self.problems:
            if p.value is not None and p.value not in seen:
                seen[p.value] = None
                if len(seen) > n:
                    break
        return list(seen)


def group_problems(problems: list[Problem], at: int = GROUP_AT) -> list[Union[Problem, ProblemGroup]]:
    """Problems in their order, those repeated ``at`` times or more in one (file, sheet, code, column)
    folded into one :class:`ProblemGroup` where the first of them stood (45,022 "此列不适用于幼儿园"
    warnings of a 1M-row file are one line)."""
    def key(p: Problem) -> tuple:
        return (p.file, p.sheet or "", p.code, p.column or "")

    counts = Counter(key(p) for p in problems)
    out: list[Union[Problem, ProblemGroup]] = []
    groups: dict[tuple, ProblemGroup] = {}
    for p in problems:
        k = key(p)
        if counts[k] < at:
            out.append(p)
            continue
        g = groups.get(k)
        if g is None:
            g = groups[k] = ProblemGroup([])
            out.append(g)
        g.problems.append(p)
    return out


def render_problems(console: Console, sub: Submission, lang: str = "zh", limit: Optional[int] = 50) -> None:
    """Every problem, grouped by file, a repeated one (:func:`group_problems`) as one line with its count
    and first rows; the list is cut at ``limit`` lines on screen with a count of the rest."""
    problems = sub.problems
    if not problems and not sub.problems_dropped:
        return
    entries = group_problems(problems)
    shown = entries if limit is None else entries[:limit]
    for file, group in groupby(shown, key=lambda p: p.file):
        table = Table(title=Text(file or "-"), title_justify="left", title_style="bold")
        hdr = ("级别", "工作表", "行", "列", "单元格", "值", "问题") if lang == "zh" else (
            "severity", "sheet", "row", "column", "cell", "value", "problem")
        for h in hdr:
            table.add_column(h, overflow="fold")
        for p in group:
            if isinstance(p, ProblemGroup):
                _add_group(table, p, lang)
                continue
            _add(table, Text(SEVERITY_TEXT[lang][p.severity], style=SEVERITY_STYLE[p.severity]), p.sheet or "",
                          "" if p.row is None else str(p.row), p.column or "", (p.cell or "").split("!")[-1],
                          _short(p.value), f"{p.title(lang)}：{p.message(lang)}" if lang == "zh" else
                          f"{p.title(lang)}: {p.message(lang)}")
        console.print(table)
    hidden = len(problems) - sum(e.count if isinstance(e, ProblemGroup) else 1 for e in shown) + sub.problems_dropped
    if hidden > 0:
        console.print(Text(f"…… 另有 {hidden} 个问题未显示（用 --errors-out 导出全部）" if lang == "zh" else
                           f"… {hidden} more problems not shown (write them all with --errors-out)", style="yellow"))


def _add_group(table: Table, g: ProblemGroup, lang: str) -> None:
    p = g.first
    rows = g.rows()
    more = g.count > len(rows)
    sep = "、" if lang == "zh" else ", "
    row_text = sep.join(map(str, rows)) + (" …" if more else "")
    values = g.values()
    value_text = sep.join(_short(v, 12) for v in values[:3]) + (" …" if len(values) > 3 else "")
    messages = {q.message(lang) for q in g.problems[:1000]}
    what = f"{p.title(lang)}：{p.message(lang)}" if lang == "zh" else f"{p.title(lang)}: {p.message(lang)}"
    if len(messages) > 1:
        what = p.title(lang)
    what += f"（共 {g.count:,} 行）" if lang == "zh" else f" ({g.count:,} rows)"
    _add(table, Text(SEVERITY_TEXT[lang][p.severity], style=SEVERITY_STYLE[p.severity]), p.sheet or "",
         row_text, p.column or "", "", value_text, what)


def count_lines(sub: Submission, lang: str = "zh") -> list[tuple[str, str]]:
    """(text, style) of the row accounting of each source, then the rejection line if any."""
    out = []
    for s in sub.sources:
        c = s.counts
        where = s.file + (f" [{s.sheet}]" if s.sheet else "")
        if lang == "zh":
            line = f"{where}（{s.table}）：读取 {c.read} 行 = 接受 {c.accepted} + 拒绝 {c.rejected} + 跳过 {c.skipped}"
        else:
            line = f"{where} ({s.table}): {c.read} rows read = {c.accepted} accepted + {c.rejected} rejected + {c.skipped} skipped"
        out.append((line, "dim"))
    errors = len(sub.errors)
    if errors:
        out.append((f"发现 {errors} 个错误，报送数据未通过校验。" if lang == "zh" else
                    f"{errors} errors: the submission is rejected.", "bold red"))
    return out


def render_counts(console: Console, sub: Submission, lang: str = "zh") -> None:
    for text, style in count_lines(sub, lang):
        console.print(Text(text, style=style))


def _add(table: Table, *cells) -> None:
    """Add a row; plain strings are user text (school names, values), never rich markup."""
    table.add_row(*(c if isinstance(c, Text) else Text(str(c)) for c in cells))


def _short(v: Optional[str], n: int = 30) -> str:
    if v is None:
        return ""
    return v if len(v) <= n else v[: n - 1] + "…"


def _roman(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)
