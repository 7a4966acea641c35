"""``--format junit``: the results as JUnit XML, so any CI system lists them natively.

* One ``<testsuite>`` per section of the plan that has targets, one ``<testcase>``
  per target: ``classname`` is the section ("3. 聚焦统筹协调,夯实教育基础"),
  ``name`` is "<id> <title>".
* A failing target is a ``<failure>`` whose text says the figure, the goal, the gap
  and who holds it back.
* A target without data (``no_data``) is an ``<error>`` when it makes the exit
  code non-zero (``--fail-on no_data``, the default: the figure could not be
  computed, so the check could not run), and ``<skipped>`` under ``--fail-on fail``
  or ``never``. Failures stay ``<failure>`` whatever ``--fail-on`` says: the
  report tells the truth, the exit code is the gate.
* Invalid input (:func:`render_problems`): one failing test case per error, named
  by its place (file, sheet, row, column), one passing case per file without
  errors; warnings go to ``<system-out>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby
from typing import Optional

from .. import __version__
from ..engine import FAIL, NO_DATA, Result, summary
from ..errors import ERROR
from ..check.validate import Submission
from .common import STATUS_TEXT, figure_lang, gap_text, goal_text, offender_text, title
from .context import ReportContext
from .markdown import section_heading

#: Error test cases written for invalid input; the rest are counted in one more case.
MAX_PROBLEM_CASES = 1000
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: object) -> str:
    """Text XML can hold (ElementTree escapes &, < and quotes; control characters are replaced)."""
    return _XML_INVALID.sub("\ufffd", str(text))


def _sub(parent: ET.Element, tag: str, text: Optional[str] = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items()})
    if text is not None:
        el.text = _clean(text)
    return el


def _tostring(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# ------------------------------------------------------------------ results
def failure_message(r: Result, lang: str) -> str:
    return (f"{figure_lang(r, lang)}，目标 {goal_text(r, lang)}，{gap_text(r, lang)}" if lang == "zh" else
            f"{figure_lang(r, lang)}, goal {goal_text(r, lang)}, {gap_text(r, lang)}")


def failure_detail(r: Result, lang: str) -> str:
    lines = [f"{title(r, lang)}: {failure_message(r, lang)}"]
    if r.numerator is not None and r.denominator is not None:
        lines.append(f"{r.numerator:,} / {r.denominator:,}")
    holders = offender_text(r, lang, limit=20)
    if holders:
        lines.append(("责任单位：" if lang == "zh" else "held back by: ") + holders)
    for o in r.offenders[:20]:
        if o.file and o.row is not None:
            lines.append(f"  {o.file}:{o.row} {o.name}")
    if r.note:
        lines.append(("备注：" if lang == "zh" else "note: ") + r.note)
    return "\n".join(lines)


def testcase(parent: ET.Element, r: Result, classname: str, lang: str, no_data_is_error: bool) -> None:
    case = _sub(parent, "testcase", classname=classname, name=f"{r.target_id} {title(r, lang)}", time="0")
    if r.status == FAIL:
        _sub(case, "failure", failure_detail(r, lang), message=failure_message(r, lang), type="fail")
    elif r.status == NO_DATA:
        tag = "error" if no_data_is_error else "skipped"
        _sub(case, tag, gap_text(r, lang), message=f"{STATUS_TEXT[lang][NO_DATA]}: {gap_text(r, lang)}", type="no_data")
    else:
        _sub(case, "system-out", f"{figure_lang(r, lang)} ({goal_text(r, lang)})")


def _counts(results: list[Result], no_data_is_error: bool) -> dict[str, str]:
    s = summary(results)
    return {"tests": str(len(results)), "failures": str(s[FAIL]),
            "errors": str(s[NO_DATA] if no_data_is_error else 0),
            "skipped": str(0 if no_data_is_error else s[NO_DATA]), "time": "0"}


def render(ctx: ReportContext, fail_on: str = "no_data") -> str:
    """JUnit XML of every county-wide target; ``fail_on`` as ``--fail-on`` (decides no_data: error or skipped)."""
    lang, error = ctx.lang, fail_on == "no_data"
    plan = ctx.targets.plan.title_zh if lang == "zh" else ctx.targets.plan.title_en
    root = ET.Element("testsuites", {"name": _clean(f"plancheck {plan}"), **_counts(ctx.results, error)})
    ordered = sorted(ctx.results, key=lambda r: r.section)  # stable: keeps the targets file's order within a section
    for number, group in groupby(ordered, key=lambda r: r.section):
        results = list(group)
        section = ctx.targets.section(number)
        name = section_heading(number, section.title_zh if lang == "zh" else section.title_en, lang)
        suite = _sub(root, "testsuite", name=name, timestamp=ctx.today.isoformat() + "T00:00:00",
                     hostname="plancheck", **_counts(results, error))
        props = _sub(suite, "properties")
        _sub(props, "property", name="plancheck", value=__version__)
        if ctx.term:
            _sub(props, "property", name="term", value=ctx.term)
        for f in ctx.inputs:
            _sub(props, "property", name=f"input {f.path}", value=f"rows={f.rows} sha256={f.sha256}")
        for r in results:
            testcase(suite, r, name, lang, error)
    return _tostring(root)


# ------------------------------------------------------------------ invalid input
def render_problems(sub: Submission, lang: str = "zh") -> str:
    """Invalid input as JUnit: a failing case per error (by place), a passing case per clean file."""
    errors = [p for p in sub.problems if p.severity == ERROR]
    others = [p for p in sub.problems if p.severity != ERROR]
    files = list(dict.fromkeys([s.file for s in sub.sources] + [p.file for p in sub.problems]))
    bad_files = {p.file for p in errors}
    shown = errors[:MAX_PROBLEM_CASES]
    hidden = len(errors) - len(shown) + sub.problems_dropped
    cases = len(shown) + len(files) - len(bad_files & set(files)) + (1 if hidden else 0)
    failures = len(shown) + (1 if hidden else 0)
    root = ET.Element("testsuites", name="plancheck submission check", tests=str(cases), failures=str(failures),
                      errors="0", skipped="0", time="0")
    suite = _sub(root, "testsuite", name="plancheck submission check", tests=str(cases), failures=str(failures),
                 errors="0", skipped="0", time="0")
    for p in shown:
        case = _sub(suite, "testcase", classname=p.file or "-", name=f"{p.location()} {p.code}", time="0")
        _sub(case, "failure", f"{p.location()}\n{p.title(lang)}: {p.message(lang)}\nvalue: {p.value or ''}",
             message=f"{p.title(lang)}: {p.message(lang)}", type=p.code)
    for f in files:
        if f not in bad_files:
            _sub(suite, "testcase", classname=f or "-", name=("文件校验通过" if lang == "zh" else "file is valid"), time="0")
    if hidden:
        case = _sub(suite, "testcase", classname="plancheck", name="more problems", time="0")
        _sub(case, "failure", message=(f"另有 {hidden} 个错误未列出（用 --errors-out 导出全部）" if lang == "zh" else
                                       f"{hidden} more errors not listed (write them all with --errors-out)"),
             type="more")
    if others:
        _sub(suite, "system-out", "\n".join(f"{p.severity}: {p.location()}: {p.title(lang)}: {p.message(lang)}"
                                             for p in others))
    return _tostring(root)
