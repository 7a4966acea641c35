"""Thin typer layer: parse options, call the library (runner.execute_*), return its exit code.

Nothing here imports pandas, so ``--help``, ``targets`` and usage errors start fast.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__
from .clitext import HELP_NAMES, PlancheckGroup
from .i18n import default_lang

app = typer.Typer(
    cls=PlancheckGroup,                                  # help and usage errors in the user's language
    context_settings={"help_option_names": HELP_NAMES},  # -h as well as --help
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="plancheck — check school submissions against the targets of the county education work plan.\n\n"
         "按工作计划（计划文件）的量化目标核查学校报送数据。\n\n"
         "Exit codes: 0 all targets pass · 1 a target fails or has no data · 2 usage error (the command line) · "
         "3 input or output rejected (a file, a row, the targets file, an output).",
)


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"
    junit = "junit"


class ProblemFormat(str, Enum):
    """What ``validate`` writes."""
    table = "table"
    json = "json"
    junit = "junit"


class TargetsFormat(str, Enum):
    """What ``targets`` writes (a format a command does not write is a usage error, exit 2)."""
    table = "table"
    json = "json"


class ProblemsView(str, Enum):
    table = "table"
    lines = "lines"


class FailOn(str, Enum):
    fail = "fail"
    no_data = "no_data"
    never = "never"


#: ``plancheck report -o FILE``: the format follows the file's suffix
SUFFIX_FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
                  ".xml": "junit", ".json": "json", ".txt": "table"}


class Lang(str, Enum):
    zh = "zh"
    en = "en"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"plancheck {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    """plancheck"""


PathArg = typer.Argument(..., help="Files (CSV/xlsx) or folders; each table is found by its headers or sheet name.")
TableOpt = typer.Option([], "--table", "-T", metavar="NAME=FILE",
                        help="A file said to hold the plan's table NAME (repeatable), e.g. --table population=人口.csv.")
TargetsOpt = typer.Option(None, "--targets", "--plan", "-t",
                          help="Plan file (default: plancheck.toml / pyproject.toml [tool.plancheck] from here "
                               "upward, then $PLANCHECK_PLAN, else the bundled plan).")
AsOfOpt = typer.Option(None, "--as-of", metavar="YYYY-MM-DD",
                       help="The day milestones' due dates are judged against (default: today).")
def _lang_or_default(value: Optional[Lang]) -> Lang:
    """``--lang`` when given, else $PLANCHECK_LANG, else Chinese (:func:`plancheck.i18n.default_lang`)."""
    return value or Lang(default_lang())


LangOpt = typer.Option(None, "--lang", callback=_lang_or_default,
                       help="Language of messages and tables: zh (default) or en; also PLANCHECK_LANG.")
ErrorsOutOpt = typer.Option(None, "--errors-out", help="Write every problem to this CSV (opens in Excel).")
OutputOpt = typer.Option(None, "--output", "-o", help="Write the report to this file instead of the screen.")
RosterOpt = typer.Option(None, "--roster", help="Official list of the county's schools: report every school that sent nothing.")


TermOpt = typer.Option(None, "--term", help="Reporting term shown in reports, e.g. 秋季学期.")
FailOnOpt = typer.Option(FailOn.no_data, "--fail-on",
                         help="Which statuses make the exit code 1: fail; no_data (fail or no data, default); never.")
BaselineOpt = typer.Option(None, "--baseline", help="An earlier run's --format json output: show each target's change.")
ByOpt = typer.Option([], "--by", metavar="COLUMN",
                     help="Also compute every target per value of a column, e.g. town or school_type (repeatable).")
ProblemsOpt = typer.Option(None, "--problems",
                           help="How problems are printed: table, or lines (file:row:column: … one per problem). "
                                "Default: table on a terminal, lines elsewhere (CI logs, pipes, files); "
                                "also PLANCHECK_PROBLEMS.")


@app.command()
def run(
    paths: List[Path] = PathArg,
    table: List[str] = TableOpt,
    targets: Optional[Path] = TargetsOpt,
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="Output format."),
    output: Optional[Path] = OutputOpt,
    by: List[str] = ByOpt,
    as_of: Optional[str] = AsOfOpt,
    term: Optional[str] = TermOpt,
    fail_on: FailOn = FailOnOpt,
    baseline: Optional[Path] = BaselineOpt,
    roster: Optional[Path] = RosterOpt,
    lang: Lang = LangOpt,
    errors_out: Optional[Path] = ErrorsOutOpt,
    problems: Optional[ProblemsView] = ProblemsOpt,
) -> None:
    """Check every target of the plan county-wide (运行核查)."""
    from .runner import RunOptions, execute_run

    code = execute_run(RunOptions(path=paths[0], more=paths[1:], tables=_tables(table), targets=targets,
                                  output_format=output_format.value, output=output, lang=lang.value,
                                  errors_out=errors_out, by=list(by), term=term, as_of=_date(as_of),
                                  fail_on=fail_on.value, baseline=baseline, roster=roster,
                                  problems=problems.value if problems else None))
    raise typer.Exit(code)


@app.command()
def report(
    paths: List[Path] = PathArg,
    output: Path = typer.Option(..., "--output", "-o",
                                help="Report file; its suffix picks the format (.md, .html, .xml JUnit, .json)."),
    table: List[str] = TableOpt,
    targets: Optional[Path] = TargetsOpt,
    by: List[str] = ByOpt,
    as_of: Optional[str] = AsOfOpt,
    term: Optional[str] = TermOpt,
    fail_on: FailOn = typer.Option(FailOn.never, "--fail-on", help="Exit code policy (default never: a report was written)."),
    baseline: Optional[Path] = BaselineOpt,
    roster: Optional[Path] = RosterOpt,
    lang: Lang = LangOpt,
    errors_out: Optional[Path] = ErrorsOutOpt,
    problems: Optional[ProblemsView] = ProblemsOpt,
) -> None:
    """Write the compliance summary for the bureau's meeting (生成报告), e.g. -o summary.md."""
    chosen = SUFFIX_FORMATS.get(output.suffix.lower())
    if chosen is None:
        raise typer.BadParameter(f"cannot tell the format from “{output.suffix}”; use .md, .html, .xml or .json",
                                 param_hint="--output")
    run(paths=paths, table=table, targets=targets, as_of=as_of,
        output_format=OutputFormat(chosen), output=output, by=by, term=term, fail_on=fail_on, baseline=baseline,
        roster=roster, lang=lang, errors_out=errors_out, problems=problems)


@app.command()
def validate(
    paths: List[Path] = PathArg,
    table: List[str] = TableOpt,
    targets: Optional[Path] = TargetsOpt,
    output_format: ProblemFormat = typer.Option(ProblemFormat.table, "--format", "-f", help="Output format."),
    output: Optional[Path] = OutputOpt,
    roster: Optional[Path] = RosterOpt,
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when a school falls short of its own obligations."),
    lang: Lang = LangOpt,
    errors_out: Optional[Path] = ErrorsOutOpt,
    problems: Optional[ProblemsView] = ProblemsOpt,
) -> None:
    """Check a submission before sending it: every problem, then the school's own obligations (校验报送表).

    Exit 0 valid · 3 invalid · with --strict, 1 when valid but a school falls short of the plan.
    """
    from .runner import RunOptions, execute_validate

    code = execute_validate(RunOptions(path=paths[0], more=paths[1:], tables=_tables(table), targets=targets,
                                       output_format=output_format.value, output=output, lang=lang.value,
                                       errors_out=errors_out, roster=roster, strict=strict,
                                       problems=problems.value if problems else None))
    raise typer.Exit(code)


@app.command("targets")
def list_targets(
    targets: Optional[Path] = TargetsOpt,
    output_format: TargetsFormat = typer.Option(TargetsFormat.table, "--format", "-f", help="Output format (table or json)."),
    output: Optional[Path] = OutputOpt,
    lang: Lang = LangOpt,
) -> None:
    """List the plan's targets with their clauses (列出目标)."""
    from .runner import execute_targets

    raise typer.Exit(execute_targets(targets, output_format.value, lang.value, output))


@app.command()
def template(
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Workbook to write (default plancheck-template.xlsx)."),
    csv_folder: Optional[Path] = typer.Option(None, "--csv", help="Also (or only) write the three CSV templates here."),
    targets: Optional[Path] = TargetsOpt,
    lang: Lang = LangOpt,
) -> None:
    """Write a fill-in workbook for schools: headers, drop-downs, the plan's milestones (生成填报模板)."""
    from .runner import execute_template

    raise typer.Exit(execute_template(output, csv_folder, targets, lang.value))


def _tables(given: List[str]) -> dict[str, Path]:
    """``--table NAME=FILE`` options as a mapping (a malformed one is a usage error)."""
    out: dict[str, Path] = {}
    for item in given:
        name, sep, file = item.partition("=")
        if not sep or not name.strip() or not file.strip():
            raise typer.BadParameter(f"expected NAME=FILE, e.g. population=人口.csv; got {item!r}", param_hint="--table")
        out[name.strip()] = Path(file.strip())
    return out


def _date(text: Optional[str]):
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD, got {text!r}", param_hint="--as-of") from None


plan_app = typer.Typer(help="Write and check plan files (计划文件): check one, print its JSON Schema.",
                       no_args_is_help=True)
app.add_typer(plan_app, name="plan")


@plan_app.command("check")
def plan_check(
    file: Path = typer.Argument(..., help="The plan file (YAML) to check."),
    lang: Lang = LangOpt,
) -> None:
    """Check a plan file: every mistake with line:column, its dotted path and a did-you-mean (检查计划文件)."""
    from .runner import execute_plan_check

    raise typer.Exit(execute_plan_check(file, lang.value))


@plan_app.command("schema")
def plan_schema(output: Optional[Path] = OutputOpt) -> None:
    """Print the JSON Schema of plan files, for an editor's completion and checking (输出计划文件的 JSON Schema)."""
    from .runner import execute_plan_schema

    raise typer.Exit(execute_plan_schema(output))


def main() -> None:
    """The console command: :mod:`plancheck.startup` keeps imports and exit from costing the run its time."""
    import sys

    from . import startup

    startup.pause_gc()
    startup.read_early(sys.argv[1:])
    try:
        app()
    except SystemExit as exc:
        startup.exit_now(startup.exit_code_of(exc))
    startup.exit_now(0)
