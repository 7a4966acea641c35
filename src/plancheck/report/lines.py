"""Problems one a line, for CI logs, pre-commit and pipes: ``where: severity code title: message``.

The form of ruff, mypy and check-jsonschema, so log viewers, editors and ``grep`` find the place::

    schools.csv:7:在校生数: 错误 not_integer 不是整数：应为整数（值“二百”）
    county.xlsx[学校]:7:在校生数: error not_integer Not a whole number: must be a whole number (value “abc”; 学校!G7)
    schools.csv::学校代码: error missing_column Missing column: required column “学校代码” (school_id) is missing
    roster.xlsx: info sheet_skipped Sheet skipped: …

``where`` is ``file[sheet]:row:column``: the sheet in brackets for a workbook (none for a CSV), the row
as the spreadsheet shows it (a CSV's row is its line), the column as its header is written in the file.
An absent row is left empty (``file::column``); an absent column, or both, is left out (``file:7``,
``file``). A workbook problem also names its cell (``学校!G7``) at the end of the message.

Used instead of the rich table (report/table.py) when the problems do not go to a terminal, or when
asked (``--problems lines``, ``PLANCHECK_PROBLEMS=lines``): rich wraps a table at 80 columns without
one, which leaves a CI log of 16-character fragments. Each line is printed whole, never wrapped.
"""

from __future__ import annotations

from typing import Optional

from rich.console import Console
from rich.text import Text

from ..errors import ERROR, INFO, WARNING, Problem
from ..check.validate import Submission

SEVERITY_TEXT = {"zh": {ERROR: "错误", WARNING: "警告", INFO: "提示"},
                 "en": {ERROR: "error", WARNING: "warning", INFO: "info"}}


def where(p: Problem) -> str:
    """``file[sheet]:row:column`` (see the module docstring for absent parts)."""
    text = (p.file or "-") + (f"[{p.sheet}]" if p.sheet else "")
    row = "" if p.row is None else str(p.row)
    if p.column:
        return f"{text}:{row}:{p.column}"
    return f"{text}:{row}" if row else text


def problem_line(p: Problem, lang: str = "zh") -> str:
    """One problem as one line (no line breaks: a value's own CR/LF are shown as ``\\n``)."""
    extra = []
    if p.value is not None and p.value != "":
        extra.append(f"值“{p.value}”" if lang == "zh" else f"value “{p.value}”")
    if p.sheet and p.cell:
        extra.append(p.cell)
    tail = ("（" + "；".join(extra) + "）") if lang == "zh" else (" (" + "; ".join(extra) + ")")
    sep = "：" if lang == "zh" else ": "
    line = (f"{where(p)}: {SEVERITY_TEXT[lang][p.severity]} {p.code} {p.title(lang)}{sep}{p.message(lang)}"
            + (tail if extra else ""))
    return line.replace("\r", "\\r").replace("\n", "\\n")


def render_problems(console: Console, sub: Submission, lang: str = "zh", limit: Optional[int] = 50) -> None:
    """Every problem one a line, cut at ``limit`` with a count of the rest (as the table is)."""
    shown = sub.found.head(limit)    # (only those shown are made)
    for p in shown:
        _print(console, problem_line(p, lang))
    hidden = len(sub.found) - len(shown) + sub.problems_dropped
    if hidden > 0:
        _print(console, f"…… 另有 {hidden} 个问题未显示（用 --errors-out 导出全部）" if lang == "zh" else
               f"… {hidden} more problems not shown (write them all with --errors-out)")


def render_counts(console: Console, sub: Submission, lang: str = "zh") -> None:
    from .table import count_lines

    for text, _style in count_lines(sub, lang):
        _print(console, text)


def _print(console: Console, text: str) -> None:
    # soft_wrap: the line is never broken at the console's width; Text: never read as rich markup
    console.print(Text(text), soft_wrap=True, highlight=False)
