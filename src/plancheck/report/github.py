"""GitHub Actions annotations (when ``GITHUB_ACTIONS=true``): one workflow command per finding.

* each problem of the submission: ``::error`` / ``::warning`` / ``::notice`` at its file.
  For a CSV the spreadsheet row is the file's line (``line=``); a workbook is binary, so
  its annotation is at the file alone and the message names the sheet and cell
  (``学校!G7``), the row and the column;
* each failing target: ``::error`` naming the figure, the goal and the gap, and a
  ``::warning`` at the file and row of each school that holds it back (the first
  :data:`MAX_HOLDERS` of them);
* each target without data: ``::warning``.

Values are escaped as the runner expects (``%``, CR, LF in the message; also
``:`` and ``,`` in properties), so a school name cannot forge a command.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Iterable, Optional

from ..engine import FAIL, NO_DATA, Result
from ..errors import ERROR, INFO, WARNING, Problem, record_of
from ..check.validate import Submission
from .common import figure_lang, gap_text, goal_text, offender_text, title

LEVEL = {ERROR: "error", WARNING: "warning", INFO: "notice"}
MAX_HOLDERS = 10


def escape_data(text: object) -> str:
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: object) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, file: Optional[str] = None, line: Optional[int] = None,
            title_text: Optional[str] = None) -> str:
    props = []
    if file:
        props.append(f"file={escape_property(file)}")
        if line is not None:
            props.append(f"line={int(line)}")
    if title_text:
        props.append(f"title={escape_property(title_text)}")
    head = f"::{level} " + ",".join(props) if props else f"::{level}"
    return f"{head}::{escape_data(message)}"


def relative(path: Optional[str], workspace: Optional[str]) -> Optional[str]:
    """A path as GitHub wants it (relative to the checkout) when it lies inside ``workspace``."""
    if not path or not workspace:
        return path
    p, root = PurePath(path), PurePath(workspace)
    try:
        return p.relative_to(root).as_posix() if p.is_absolute() else p.as_posix()
    except ValueError:
        return path


#: files whose rows are not lines: annotations name the file only (the message gives sheet and cell)
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def is_workbook(file: Optional[str], sheet: Optional[str] = None) -> bool:
    return sheet is not None or (file or "").lower().endswith(WORKBOOK_SUFFIXES)


def problem_command(p: Problem, lang: str, workspace: Optional[str]) -> str:
    return record_command(record_of(p, lang), lang, workspace)


def record_command(record: tuple, lang: str, workspace: Optional[str]) -> str:
    """A problem's annotation from its record (severity, code, file, sheet, row, column, cell, value, message,
    title: :meth:`errors.ProblemSet.records`)."""
    severity, code, file, sheet, row, column, cell, value, message, title_text = record
    book = is_workbook(file, sheet)
    where = [(cell if book and cell else None) or (sheet and f"[{sheet}]"),
             row is not None and (f"第 {row} 行" if lang == "zh" else f"row {row}"),
             column and f"“{column}”", value is not None and f"= “{value}”"]
    place = " ".join(w for w in where if w)
    return command(LEVEL[severity], f"{place}: {message}" if place else message, relative(file, workspace),
                   None if book else row, f"plancheck {code}: {title_text}")


def result_commands(r: Result, lang: str, workspace: Optional[str]) -> Iterable[str]:
    name = title(r, lang)
    if r.status == NO_DATA:
        yield command("warning", f"{name}: {gap_text(r, lang)}", title_text=f"plancheck {r.target_id}")
        return
    if r.status != FAIL:
        return
    summary = (f"{name}：{figure_lang(r, lang)}，目标 {goal_text(r, lang)}，{gap_text(r, lang)}" if lang == "zh" else
               f"{name}: {figure_lang(r, lang)}, goal {goal_text(r, lang)}, {gap_text(r, lang)}")
    holders = offender_text(r, lang, limit=MAX_HOLDERS)
    if holders:
        summary += ("。责任单位：" if lang == "zh" else ". Held back by: ") + holders
    yield command("error", summary, title_text=f"plancheck {r.target_id}")
    for o in r.offenders[:MAX_HOLDERS]:
        if o.file and o.row is not None:
            text = (f"{o.name} 影响“{name}”" if lang == "zh" else f"{o.name} holds back “{name}”")
            if o.needed:
                text += f"（{o.needed}）" if lang == "zh" else f" ({o.needed})"
            book = is_workbook(o.file)
            if book:  # no line in a binary file: the row goes into the message
                text = (f"第 {o.row} 行：" if lang == "zh" else f"row {o.row}: ") + text
            yield command("warning", text, relative(o.file, workspace), None if book else o.row,
                          f"plancheck {r.target_id}")


def annotations(sub: Optional[Submission], results: Optional[list[Result]] = None, lang: str = "zh",
                workspace: Optional[str] = None) -> str:
    """Every workflow command, one a line ('' when there is nothing to say).

    ``workspace``: ``$GITHUB_WORKSPACE``, to make absolute file paths relative to the checkout.
    """
    lines = [record_command(r, lang, workspace) for r in (sub.found.records(lang) if sub is not None else [])]
    for r in results or []:
        lines.extend(result_commands(r, lang, workspace))
    return "".join(line + "\n" for line in lines)
