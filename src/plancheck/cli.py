"""Thin typer layer: parse options, call the library (runner.execute_*), return its exit code.

Nothing here imports pandas, so ``--help``, ``targets`` and usage errors start fast.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="plancheck — check school submissions against the targets of the county education work plan.\n\n"
         "按《正安县教育局2021年工作要点》的量化目标核查学校报送数据。\n\n"
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


class GroupBy(str, Enum):
    town = "town"
    school_type = "school_type"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"plancheck {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    """plancheck"""


PathArg = typer.Argument(..., help="Schools file (CSV/xlsx), a workbook holding all three tables, or a folder of files.")
PopulationOpt = typer.Option(None, "--population", "-p", help="Population table (适龄人口) if not in the workbook.")
MilestonesOpt = typer.Option(None, "--milestones", "-m", help="Milestones table (重点项目) if not in the workbook.")
TargetsOpt = typer.Option(None, "--targets", "-t", help="Targets file (default: the bundled 2021 plan).")
LangOpt = typer.Option(Lang.zh, "--lang", help="Language of messages and tables (zh default).")
ErrorsOutOpt = typer.Option(None, "--errors-out", help="Write every problem to this CSV (opens in Excel).")
OutputOpt = typer.Option(None, "--output", "-o", help="Write the report to this file instead of the screen.")
RosterOpt = typer.Option(None, "--roster", help="Official list of the county's schools: report every school that sent nothing.")


TermOpt = typer.Option(None, "--term", help="Reporting term shown in reports, e.g. 2021秋季.")
FailOnOpt = typer.Option(FailOn.no_data, "--fail-on",
                         help="Which statuses make the exit code 1: fail; no_data (fail or no data, default); never.")
BaselineOpt = typer.Option(None, "--baseline", help="An earlier run's --format json output: show each target's change.")
ByOpt = typer.Option([], "--by", help="Also compute every target per town or school type (repeatable).")
ProblemsOpt = typer.Option(None, "--problems",
                           help="How problems are printed: table, or lines (file:row:column: … one per problem). "
                                "Default: table on a terminal, lines elsewhere (CI logs, pipes, files); "
                                "also PLANCHECK_PROBLEMS.")


@app.command()
def run(
    path: Path = PathArg,
    population: Optional[Path] = PopulationOpt,
    milestones: Optional[Path] = MilestonesOpt,
    targets: Optional[Path] = TargetsOpt,
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="Output format."),
    output: Optional[Path] = OutputOpt,
    by: List[GroupBy] = ByOpt,
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

    code = execute_run(RunOptions(schools=path, population=population, milestones=milestones, targets=targets,
                                  output_format=output_format.value, output=output, lang=lang.value,
                                  errors_out=errors_out, by=[b.value for b in by], term=term,
                                  fail_on=fail_on.value, baseline=baseline, roster=roster,
                                  problems=problems.value if problems else None))
    raise typer.Exit(code)


@app.command()
def report(
    path: Path = PathArg,
    output: Path = typer.Option(..., "--output", "-o",
                                help="Report file; its suffix picks the format (.md, .html, .xml JUnit, .json)."),
    population: Optional[Path] = PopulationOpt,
    milestones: Optional[Path] = MilestonesOpt,
    targets: Optional[Path] = TargetsOpt,
    by: List[GroupBy] = ByOpt,
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
    run(path=path, population=population, milestones=milestones, targets=targets,
        output_format=OutputFormat(chosen), output=output, by=by, term=term, fail_on=fail_on, baseline=baseline,
        roster=roster, lang=lang, errors_out=errors_out, problems=problems)


@app.command()
def validate(
    path: Path = PathArg,
    population: Optional[Path] = PopulationOpt,
    milestones: Optional[Path] = MilestonesOpt,
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

    code = execute_validate(RunOptions(schools=path, population=population, milestones=milestones, targets=targets,
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


def main() -> None:
    """The console command: :mod:`plancheck.startup` keeps imports and exit from costing the run its time."""
    from . import startup

    startup.pause_gc()
    try:
        app()
    except SystemExit as exc:
        startup.exit_now(startup.exit_code_of(exc))
    startup.exit_now(0)
