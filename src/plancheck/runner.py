"""The commands as library calls: options in, output written, exit code out.

``cli.py`` only parses options and calls an ``execute_*`` function here; tests
call these directly too. Exit codes (stable, documented in the README):

* 0 — every target passes (``validate``: no errors)
* 1 — a target fails or has no data (``validate``: the school's own obligations fall short)
* 2 — usage error: the command line itself is wrong (unknown command or option, a bad option value,
  a missing argument, a format the command does not write); given by click before any file is read
* 3 — input or output rejected: a file that cannot be read, any invalid row, a bad targets or baseline
  file (the user's input, not the command line), an output that cannot be written
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from datetime import date
from typing import Optional, TextIO, Union

from rich.console import Console
from rich.text import Text

from .errors import Problem, ProblemSet
from .i18n import LANGS, default_lang
from .plan.targets import TargetsError, TargetsFile, load_targets

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INPUT = 0, 1, 2, 3
#: output format -> module under plancheck.report exposing ``render(ctx) -> str``
REPORT_MODULES = {"json": "jsonfmt", "markdown": "markdown", "html": "html", "junit": "junit"}
FAIL_ON = ("fail", "no_data", "never")
#: the report formats that name each input file with its SHA-256
INPUTS_NAMED = ("json", "markdown", "html")
#: the output formats each command writes; cli.py offers exactly these (any other is a usage error, exit 2)
FORMATS = {"run": ("table", *REPORT_MODULES), "validate": ("table", "json", "junit"), "targets": ("table", "json")}


def check_format(command: str, output_format: str) -> None:
    """Refuse a format the command does not write (a library caller's mistake: ``ValueError``)."""
    if output_format not in FORMATS[command]:
        raise ValueError(f"plancheck {command} does not write --format {output_format}; "
                         f"it writes: {', '.join(FORMATS[command])}")


@dataclass
class RunOptions:
    path: Path                        # a file (CSV or workbook) or a folder; its tables are found by their headers
    more: list[Path] = field(default_factory=list)           # more files or folders
    tables: dict[str, Path] = field(default_factory=dict)    # table name -> a file said to hold that table
    targets: Optional[Path] = None    # the plan file (None: found as find_plan does)
    output_format: str = "table"
    output: Optional[Path] = None
    lang: str = field(default_factory=default_lang)   # zh | en; default: $PLANCHECK_LANG, else zh
    errors_out: Optional[Path] = None
    by: list[str] = field(default_factory=list)
    show_problems: Optional[int] = 50
    roster: Optional[Path] = None     # the official list of schools: who sent nothing
    progress: bool = True             # a progress bar when reading many files
    strict: bool = False              # validate: exit 1 when a school falls short of its own obligations
    term: Optional[str] = None
    fail_on: str = "no_data"          # fail | no_data | never: which statuses make exit code 1
    baseline: Optional[Path] = None   # an earlier run's --format json output
    as_of: Optional["date"] = None    # the day milestones' due dates are judged against (default: today)
    problems: Optional[str] = None    # table | lines; None: $PLANCHECK_PROBLEMS, else table on a terminal only


def build_consoles(output: Optional[Path] = None) -> tuple[Console, Console]:
    """(out, err) consoles; the test seam. A file output gets no colour codes."""
    err = Console(stderr=True, soft_wrap=False)
    if output is None:
        return Console(soft_wrap=False), err
    return Console(file=io.StringIO(), width=160, color_system=None, soft_wrap=False), err


#: how problems are printed (report/table.py, report/lines.py)
PROBLEM_VIEWS = ("table", "lines")


def problem_view(choice: Optional[str], console: Console):
    """The module that prints the problems on ``console``: ``report.table`` on a terminal, ``report.lines``
    anywhere else (a pipe, a CI log, pre-commit, a file), where rich would wrap a table at 80 columns.
    ``choice`` (``--problems``) or else ``$PLANCHECK_PROBLEMS`` (``table`` or ``lines``; another value is
    ignored) decides instead."""
    import os

    from .report import lines, table

    if choice not in PROBLEM_VIEWS:
        choice = os.environ.get("PLANCHECK_PROBLEMS", "").strip().lower()
    if choice not in PROBLEM_VIEWS:
        choice = "table" if console.is_terminal else "lines"
    return table if choice == "table" else lines


def load_targets_or_report(path: Optional[Path], err: Console, announce: bool = False,
                           lang: str = "zh") -> Optional[TargetsFile]:
    """The plan file given, or else the one the folder names (plancheck.toml, pyproject.toml, $PLANCHECK_PLAN),
    or else the bundled one; its problems printed (None) if it cannot be used. ``announce``: say which plan
    file (path and SHA-256) the run checks against."""
    from .plan.find import find_plan

    try:
        found = find_plan(path)
    except TargetsError as exc:
        _plan_problems(exc, err, lang)
        return None
    try:
        plan = load_targets(found.path)
    except TargetsError as exc:
        _plan_problems(exc, err, lang)
        return None
    if announce:
        why = {"bundled": "自带的计划", "--plan": "--plan 指定"}.get(found.why, found.why) if lang == "zh" else found.why
        err.print(Text(f"{'计划文件' if lang == 'zh' else 'plan'}: {found.path} (sha256 {found.sha256[:12]}…, {why})",
                       style="dim"),
                  highlight=False)
    return plan


def _plan_problems(exc: TargetsError, err: Console, lang: str = "zh") -> None:
    err.print(Text.assemble(("计划文件有误：" if lang == "zh" else "plan file rejected: ", "bold red"), str(exc.path)))
    for p in exc.problems:
        err.print(f"  {p}", markup=False, highlight=False, soft_wrap=True)


def _paths(opts: RunOptions) -> list[tuple[Optional[str], Path]]:
    """(the table a file is said to hold, or None: its headers decide; the path) of every input."""
    return ([(None, opts.path)] + [(None, p) for p in opts.more]
            + [(name, p) for name, p in opts.tables.items()])


def load_submission(opts: RunOptions, targets: TargetsFile, err: Console):
    """Read and validate every input (with a progress bar for many files), then check the roster."""
    from . import startup
    from .check.validate import expand_paths, validate_paths

    startup.imports_done()  # pandas, pyarrow and the readers are in: the collector may run again
    paths = _paths(opts)
    contract = targets.contract
    ids = {m.id for m in targets.milestones}
    if opts.progress and len(expand_paths(paths)) > 3:
        from rich.progress import Progress

        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("读取" if opts.lang == "zh" else "reading", total=None)
            sub = validate_paths(paths, contract, ids, progress=lambda done, total, f: bar.update(
                task, completed=done, total=total, description=f.name))
    else:
        sub = validate_paths(paths, contract, ids)
    if opts.roster is not None:
        from .check.roster import apply_roster

        apply_roster(sub, opts.roster, contract)
    return sub


#: the --errors-out CSV's header in each language, and the severities in Chinese
CSV_HEADER = {"en": ["severity", "code", "file", "sheet", "row", "column", "cell", "value", "message"],
              "zh": ["严重程度", "代码", "文件", "工作表", "行", "列", "单元格", "值", "说明"]}
CSV_SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}


def write_problems_csv(problems: Union[list[Problem], ProblemSet], path: Path, lang: str = "zh") -> None:
    """All problems as a CSV a clerk opens in Excel (UTF-8 with BOM; formula-looking cells neutralised); a
    :class:`ProblemSet` is read from its columns (no Problem made)."""
    from .output import atomic_open

    found = problems if isinstance(problems, ProblemSet) else ProblemSet([problems])
    with atomic_open(path, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_HEADER["zh" if lang == "zh" else "en"])
        w.writerows(_csv_row(record, lang) for record in found.records(lang))


def _csv_row(record: tuple, lang: str) -> list[str]:
    """One problem's --errors-out row from its record (severity, code, file, sheet, row, column, cell, value,
    message, title)."""
    severity, code, file, sheet, row, column, cell, value, message, title = record
    severity = CSV_SEVERITY[severity] if lang == "zh" else severity
    return [_safe(x) for x in (severity, code, file, sheet or "", row or "", column or "", cell or "", value or "",
                               f"{title}: {message}")]


def _safe(value: object) -> str:
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


class OutputError(Exception):
    """An output file that cannot be written; ``str()`` is the English message, :meth:`text` either."""

    def __init__(self, message: str, zh: Optional[str] = None) -> None:
        super().__init__(message)
        self.zh = zh or message

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else str(self)


def check_writable(*paths: Optional[Path]) -> None:
    """Refuse an output path whose folder does not exist (or is not a folder) before any work is done."""
    for path in paths:
        if path is None:
            continue
        parent = path.parent if str(path.parent) else Path(".")
        if path.is_dir():
            raise OutputError(f"cannot write {path}: it is a folder", f"无法写出 {path}：这是一个文件夹")
        if not parent.is_dir():
            raise OutputError(f"cannot write {path}: folder {parent} does not exist",
                              f"无法写出 {path}：文件夹 {parent} 不存在")


def check_not_inputs(opts: RunOptions, *outputs: Optional[Path]) -> None:
    """Refuse to write a report or a problems list over one of the command's own input files (a clerk's
    spreadsheet, the targets file, a folder's file), which would be lost without a word."""
    import os

    given = [p for p in (*(p for _, p in _paths(opts)), opts.roster, opts.targets, opts.baseline) if p is not None]
    for out in outputs:
        if out is None or not out.is_file():
            continue
        for source in given:
            files = [f for f in source.iterdir() if f.is_file()] if source.is_dir() else [source]
            for f in files:
                try:
                    same = os.path.samefile(out, f)
                except OSError:
                    same = False
                if same:
                    raise OutputError(f"cannot write {out}: it is an input of this command ({f}); "
                                      "choose another file name",
                                      f"无法写出 {out}：它是本次命令读取的文件（{f}），会被覆盖；请换一个文件名")


OUTPUT_REJECTED = {"zh": "输出被拒绝：", "en": "output rejected: "}
#: the reasons an output cannot be written, in Chinese (others: the system's own text)
OS_REASON_ZH = {28: "磁盘已满", 13: "没有写入权限", 1: "没有写入权限", 2: "文件夹不存在", 21: "这是一个文件夹",
                30: "磁盘是只读的", 32: "输出管道已关闭", 36: "文件名太长"}


def _lang_of(func, args: tuple, kwargs: dict) -> str:
    """The ``lang`` (or ``opts.lang``) a command was called with, else the default language."""
    import inspect

    try:
        bound = inspect.signature(func).bind_partial(*args, **kwargs)
        bound.apply_defaults()
        given = bound.arguments
    except (TypeError, ValueError):
        given = {}
    lang = given.get("lang") or getattr(given.get("opts"), "lang", None)
    return lang if lang in LANGS else default_lang()


def guarded(func):
    """Turn an unwritable output into a message and exit code 3 (:data:`EXIT_INPUT`), never a traceback."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs) -> int:
        try:
            return func(*args, **kwargs)
        except OutputError as exc:
            lang = _lang_of(func, args, kwargs)
            Console(stderr=True).print(Text.assemble((OUTPUT_REJECTED[lang], "bold red"), exc.text(lang)))
            return EXIT_INPUT
        except OSError as exc:
            lang = _lang_of(func, args, kwargs)
            name = exc.filename or ""
            reason = (OS_REASON_ZH.get(exc.errno, exc.strerror or str(exc)) if lang == "zh" else exc.strerror or exc)
            Console(stderr=True).print(Text.assemble((OUTPUT_REJECTED[lang], "bold red"),
                                                     f"无法写出 {name}：{reason}" if lang == "zh" else
                                                     f"cannot write {name}: {reason}"))
            return EXIT_INPUT

    return wrapper


def _emit(text: str, output: Optional[Path], stream: Optional[TextIO] = None) -> None:
    if output is None:
        stream = stream or sys.stdout
        if stream is None:  # started with standard output closed (`>&-`)
            raise OutputError("standard output is closed; write the report with --output FILE",
                              "标准输出已关闭；请用 --output 文件名 把报告写入文件")
        stream.write(text)
    else:
        from .output import write_text

        write_text(output, text, encoding="utf-8")  # whole or not at all: a temporary file moved into place


def previous_figures(baseline: Optional[dict]) -> dict:
    """Each target's figure in an earlier run (``--baseline``), for goals relative to it."""
    from fractions import Fraction

    out = {}
    for tid, entry in (baseline or {}).items():
        value = entry.get("actual")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[tid] = Fraction(str(value))
    return out


def exit_code(statuses: set[str], fail_on: str) -> int:
    """0 or 1 from the targets' statuses: ``--fail-on no_data`` (default) fails on fail or no_data."""
    if fail_on == "never":
        return EXIT_OK
    bad = {"fail"} if fail_on == "fail" else {"fail", "no_data"}
    return EXIT_FAIL if statuses & bad else EXIT_OK


def render_report(output_format: str, ctx, fail_on: str = "no_data") -> str:
    """The report in one of the file formats (json, markdown, html, junit)."""
    import importlib

    module = importlib.import_module(f"plancheck.report.{REPORT_MODULES[output_format]}")
    if output_format == "junit":
        return module.render(ctx, fail_on=fail_on)
    return module.render(ctx)


def _problems_report(opts: RunOptions, sub, targets: TargetsFile) -> Optional[str]:
    """What a rejected run writes: the problems in the chosen format (None for the terminal table)."""
    from .report import jsonfmt

    if opts.output_format == "json":
        return jsonfmt.render_problems(sub, opts.lang)
    if opts.output_format == "junit":
        from .report import junit

        return junit.render_problems(sub, opts.lang)
    if opts.output_format in ("markdown", "html"):
        # a report file that says the submission was rejected, so no earlier report is taken for this run's
        from .report.context import ReportContext, input_files

        return render_report(opts.output_format, ReportContext(results=[], targets=targets, submission=sub,
                                                               lang=opts.lang, term=opts.term,
                                                               inputs=input_files(sub)))
    return None


def _github_annotations(sub, results, lang: str, to_stderr: bool) -> None:
    """GitHub Actions annotations (file and row of each problem) when GITHUB_ACTIONS=true.

    They go to standard error when standard output carries a machine-readable report.
    """
    import os

    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from .report import github

    text = github.annotations(sub, results, lang, os.environ.get("GITHUB_WORKSPACE"))
    if text:
        stream = sys.stderr if to_stderr else sys.stdout
        if stream is not None:
            stream.write(text if text.endswith("\n") else text + "\n")


def reading(func=None, *, hashes_inputs: bool = False):
    """For a command that reads the inputs of ``opts``: refuse an output that cannot be written before any
    work, then run it while the files it was given are read in the background (ahead.py). ``hashes_inputs``:
    its report formats name each input's SHA-256, computed as soon as the file is read."""
    import functools

    if func is None:
        return functools.partial(reading, hashes_inputs=hashes_inputs)

    @functools.wraps(func)
    def wrapper(opts: RunOptions) -> int:
        from .plan.find import drop_ahead, hash_ahead
        from .read import ahead

        check_writable(opts.output, opts.errors_out)
        check_not_inputs(opts, opts.output, opts.errors_out)
        err = Console(stderr=True, soft_wrap=False)
        targets = load_targets_or_report(opts.targets, err, announce=True, lang=opts.lang)
        if targets is None:
            return EXIT_INPUT
        # a report that names its inputs' SHA-256 hashes each file once it is read, while it is checked
        names_inputs = hashes_inputs and opts.output_format in INPUTS_NAMED
        try:
            with ahead.parsing_ahead(_paths(opts), targets.contract.tables,
                                     when_read=hash_ahead if names_inputs else None):
                return func(opts, targets)
        finally:
            drop_ahead()

    return wrapper


@guarded
@reading(hashes_inputs=True)
def execute_run(opts: RunOptions, targets: TargetsFile) -> int:
    from concurrent.futures import ThreadPoolExecutor  # (loaded with pandas; not on the `targets` path)

    from .engine import evaluate, evaluate_by, evaluate_by_columns
    from .report import table
    from .report.context import ReportContext, input_files

    check_format("run", opts.output_format)
    out, err = build_consoles(opts.output)
    baseline = None
    if opts.baseline is not None:
        from .report.baseline import BaselineError, load_baseline

        try:
            baseline = load_baseline(opts.baseline)
        except BaselineError as exc:
            err.print(Text.assemble(("基线文件有误：" if opts.lang == "zh" else "baseline rejected: ", "bold red"),
                                    exc.message(opts.lang)))
            return EXIT_INPUT
    sub = load_submission(opts, targets, err)
    if opts.errors_out is not None:
        write_problems_csv(sub.found, opts.errors_out, opts.lang)
    view = problem_view(opts.problems, err)
    if not sub.ok:
        text = _problems_report(opts, sub, targets)
        if text is not None:
            _emit(text, opts.output)
        view.render_problems(err, sub, opts.lang, opts.show_problems)
        view.render_counts(err, sub, opts.lang)
        _github_annotations(sub, [], opts.lang, to_stderr=opts.output is None and text is not None)
        return EXIT_INPUT
    if sub.found:
        view.render_problems(err, sub, opts.lang, opts.show_problems)
    view.render_counts(err, sub, opts.lang)
    by = list(opts.by)
    place = next((t.place for t in targets.contract.tables.values() if t.place), None)
    if opts.output_format == "html" and place is not None and place not in by:
        by.insert(0, place)  # the HTML report always has its place-by-target grid (towns)
    previous = previous_figures(baseline)
    # the files' SHA-256 (for the report formats) is computed while the targets are evaluated
    with ThreadPoolExecutor(max_workers=1) as pool:
        inputs = pool.submit(input_files, sub) if opts.output_format != "table" else None
        results = evaluate(targets, sub.tables, previous, opts.as_of)
        # JSON writes its breakdowns from columns (a country's 40,000 towns: no Result per town and target)
        columns = opts.output_format == "json"
        ctx = ReportContext(results=results, targets=targets, submission=sub, lang=opts.lang, term=opts.term,
                            groups={} if columns else {col: evaluate_by(targets, sub.tables, col, previous) for col in by},
                            breakdowns={col: evaluate_by_columns(targets, sub.tables, col, previous)
                                        for col in by} if columns else {},
                            inputs=inputs.result() if inputs is not None else [], baseline=baseline)
    if opts.output_format == "table":
        table.render_results(out, results, targets, opts.lang)
        for col, by in ctx.groups.items():
            table.render_groups(out, by, col, opts.lang, targets)
        if baseline is not None:
            table.render_changes(out, results, baseline, opts.lang)
        if opts.output is not None:
            _emit(out.file.getvalue(), opts.output)
    elif opts.output_format == "json" and opts.output is not None:
        from .output import atomic_open
        from .report import jsonfmt

        with atomic_open(opts.output, "wb") as fh:   # whole or not at all, written as it is built
            jsonfmt.write(ctx, fh)
        err.print(Text(f"→ {opts.output}"))
    else:
        _emit(render_report(opts.output_format, ctx, opts.fail_on), opts.output)
        if opts.output is not None:
            err.print(Text(f"→ {opts.output}"))
    _github_annotations(sub, results, opts.lang,
                        to_stderr=opts.output is None and opts.output_format != "table")
    return exit_code({r.status for r in results}, opts.fail_on)


@guarded
@reading
def execute_validate(opts: RunOptions, targets: TargetsFile) -> int:
    """Check a submission only: every problem listed, then the school's own obligations from the plan.

    The obligations (oversized classes, dropouts, missing security items…) are warnings:
    exit 3 on any error, else 0 — or 1 with ``strict`` when a school falls short.
    """
    from .check.obligations import school_obligations
    from .report import jsonfmt

    check_format("validate", opts.output_format)
    out, err = build_consoles(opts.output)
    sub = load_submission(opts, targets, err)
    obligations = school_obligations(sub, targets.contract) if sub.ok else []
    sub.found = sub.found.plus(obligations)
    if opts.errors_out is not None:
        write_problems_csv(sub.found, opts.errors_out, opts.lang)
    if opts.output_format == "json":
        _emit(jsonfmt.render_problems(sub, opts.lang), opts.output)
    elif opts.output_format == "junit":
        from .report import junit

        _emit(junit.render_problems(sub, opts.lang), opts.output)
    else:
        view = problem_view(opts.problems, out)
        view.render_problems(out, sub, opts.lang, opts.show_problems)
        view.render_counts(out, sub, opts.lang)
        if sub.ok and not obligations:
            out.print("[bold green]校验通过[/]" if opts.lang == "zh" else "[bold green]the submission is valid[/]")
        elif sub.ok:
            out.print(f"[bold yellow]格式校验通过，但有 {len(obligations)} 项未达到工作要点要求[/]" if opts.lang == "zh"
                      else f"[bold yellow]the file is valid, but {len(obligations)} obligations of the plan are not met[/]")
        if opts.output is not None:
            _emit(out.file.getvalue(), opts.output)
    _github_annotations(sub, [], opts.lang, to_stderr=opts.output is None and opts.output_format != "table")
    if not sub.ok:
        return EXIT_INPUT
    return EXIT_FAIL if obligations and opts.strict else EXIT_OK


@guarded
def execute_template(output: Optional[Path], csv_folder: Optional[Path], targets_path: Optional[Path],
                     lang: str = "zh") -> int:
    """Write the fill-in workbook (and/or the CSV variant) for schools."""
    from . import startup, template

    startup.imports_done()
    out, err = build_consoles()
    targets = load_targets_or_report(targets_path, err, announce=True, lang=lang)
    if targets is None:
        return EXIT_INPUT
    if csv_folder is not None:
        if csv_folder.exists() and not csv_folder.is_dir():
            raise OutputError(f"cannot write into {csv_folder}: it is a file, not a folder",
                              f"无法写入 {csv_folder}：它是一个文件，不是文件夹")
        csv_folder.mkdir(parents=True, exist_ok=True)
        for p in template.write_csv_templates(csv_folder, targets):
            err.print(Text(f"→ {p}"))
    if output is not None or csv_folder is None:
        path = output or Path("plancheck-template.xlsx")
        check_writable(path)
        template.write_template(path, targets, lang)
        err.print(Text(f"→ {path}"))
    return EXIT_OK


@guarded
def execute_targets(targets_path: Optional[Path], output_format: str = "table", lang: str = "zh",
                    output: Optional[Path] = None) -> int:
    from .report import targets_view

    check_format("targets", output_format)
    check_writable(output)
    out, err = build_consoles(output)
    targets = load_targets_or_report(targets_path, err, announce=True, lang=lang)
    if targets is None:
        return EXIT_INPUT
    if output_format == "json":
        _emit(targets_view.render_json(targets), output)
    else:
        targets_view.render_table(out, targets, lang)
        if output is not None:
            _emit(out.file.getvalue(), output)
    return EXIT_OK


@guarded
def execute_plan_check(path: Path, lang: str = "zh") -> int:
    """``plancheck plan check FILE``: every mistake of a plan file, located; 0 when it can be used."""
    from .plan.targets import load_targets

    out, err = build_consoles()
    try:
        plan = load_targets(path)
    except TargetsError as exc:
        _plan_problems(exc, err, lang)
        return EXIT_INPUT
    c = plan.contract
    tables = "、".join(f"{t.zh}（{len(t.columns)} 列）" for t in c.tables.values()) if lang == "zh" else \
        ", ".join(f"{t.en or t.name} ({len(t.columns)} columns)" for t in c.tables.values())
    if lang == "zh":
        out.print(f"计划文件可用：{plan.plan.title_zh}；{len(plan.sections)} 个部分，{len(plan.metrics)} 项指标目标，"
                  f"{len(plan.milestones)} 个重点项目；表：{tables}；{len(c.rules)} 条行规则，"
                  f"{len(c.references)} 条表间对照，{len(c.obligations)} 项学校义务。", highlight=False)
    else:
        out.print(f"The plan file is valid: {plan.plan.title_en}; {len(plan.sections)} sections, "
                  f"{len(plan.metrics)} metric targets, {len(plan.milestones)} milestones; tables: {tables}; "
                  f"{len(c.rules)} row rules, {len(c.references)} references, {len(c.obligations)} obligations.",
                  highlight=False)
    return EXIT_OK


@guarded
def execute_plan_schema(output: Optional[Path] = None) -> int:
    """``plancheck plan schema``: the JSON Schema of plan files (from the pydantic models)."""
    from .plan.schema import plan_json_schema

    check_writable(output)
    _emit(plan_json_schema(), output)
    return EXIT_OK
