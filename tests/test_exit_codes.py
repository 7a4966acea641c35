"""Issue 12 for CI: a usage error (2) is told apart from a rejected submission (3); each command accepts
only the formats it writes; the pre-commit hook sees every spreadsheet; annotations of a workbook are
file-level; docs/ci.md pins nothing that does not exist."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from plancheck import runner
from plancheck.check.validate import Submission
from plancheck.cli import app
from plancheck.engine import FAIL, Offender, Result
from plancheck.errors import make
from plancheck.report import github

REPO = Path(__file__).resolve().parents[1]


def invoke(*args: object, env: dict | None = None):
    return CliRunner(env={"COLUMNS": "200", **(env or {})}).invoke(app, [str(a) for a in args])


def test_exit_code_constants():
    assert (runner.EXIT_OK, runner.EXIT_FAIL, runner.EXIT_USAGE, runner.EXIT_INPUT) == (0, 1, 2, 3)


@pytest.mark.parametrize("args", [
    ["targets", "--format", "junit"],          # a format the command does not write
    ["targets", "--format", "markdown"],
    ["validate", "x.csv", "--format", "html"],
    ["run", "x.csv", "--lang", "xx"],          # a bad option value
    ["run"],                                   # the PATH argument missing
    ["run", "x.csv", "--no-such-option"],
    ["no-such-command"],
])
def test_usage_errors_exit_2(args):
    r = invoke(*args, "--lang", "en") if args[0] == "targets" else invoke(*args)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output


def test_targets_junit_is_refused_not_printed_as_a_table():
    r = invoke("targets", "--format", "junit", "--lang", "en")
    assert r.exit_code == 2
    assert r.stdout == ""                      # no table
    assert "junit" in r.stderr and "table" in r.stderr and "json" in r.stderr  # the formats it does write


def test_library_call_with_a_format_the_command_does_not_write():
    with pytest.raises(ValueError, match="targets does not write --format junit; it writes: table, json"):
        runner.execute_targets(None, "junit", "en")
    assert runner.FORMATS["targets"] == ("table", "json")
    assert set(runner.FORMATS["run"]) == {"table", "json", "markdown", "html", "junit"}


def test_rejected_input_and_output_exit_3(tmp_path):
    assert invoke("run", tmp_path / "nowhere.csv", "--lang", "en").exit_code == 3
    assert invoke("validate", tmp_path / "nowhere.csv", "--lang", "en").exit_code == 3
    bad_targets = tmp_path / "t.yaml"
    bad_targets.write_text("plan: [\n", encoding="utf-8")
    assert invoke("targets", "--targets", bad_targets).exit_code == 3   # the user's input, not usage
    out = tmp_path / "missing-folder" / "t.xlsx"
    assert invoke("template", "-o", out).exit_code == 3


def test_pre_commit_hook_pattern_sees_every_spreadsheet_in_any_case():
    hook = next(h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
                if h["id"] == "plancheck-validate")
    pattern = re.compile(hook["files"])  # pre-commit uses Python's re: (?i) is honoured
    for name in ("学校.csv", "a/b.xlsx", "学校.XLSX", "old.xls", "OLD.XLS", "m.xlsm", "s.Csv"):
        assert pattern.search(name), name
    for name in ("notes.txt", "a.csv.bak", "b.xlsx~", "c.md"):
        assert not pattern.search(name), name


def test_ci_doc_pins_a_commit_not_a_missing_tag():
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    assert "v0.1.0" not in text
    assert re.findall(r"^\s*rev: (\S+ \S+|\S+)", text, re.M) == ["<commit sha>"]
    assert "@COMMIT_SHA" in text


def test_github_annotation_of_a_workbook_is_file_level_with_sheet_and_cell():
    book = make("not_integer", file="data/county.xlsx", sheet="学校", row=7, column="在校生数", value="abc",
                cell="学校!G7")
    flat = make("not_integer", file="data/schools.csv", row=7, column="在校生数", value="abc")
    xls = make("not_integer", file="data/OLD.XLS", row=3, column="在校生数", value="abc")
    lines = github.annotations(Submission(problems=[book, flat, xls]), [], "en").splitlines()
    assert lines[0].startswith("::error file=data/county.xlsx,title=")
    assert "line=" not in lines[0] and "学校!G7 row 7 “在校生数” = “abc”: must be a whole number" in lines[0]
    assert lines[1].startswith("::error file=data/schools.csv,line=7,title=")
    assert lines[2].startswith("::error file=data/OLD.XLS,title=") and "line=" not in lines[2]


def test_github_holder_back_in_a_workbook_names_its_row():
    assert github.is_workbook("a.xlsx") and github.is_workbook("A.XLSM") and not github.is_workbook("a.csv")
    o = Offender(name="一小", file="county.xlsx", row=12)
    r = Result(target_id="large_classes", kind="metric", section=4, item=14, title_zh="大班额", title_en="Oversized",
               status=FAIL, goal=Fraction(0), op="==", unit="count", actual=Fraction(2), numerator=2, gap=2,
               gap_unit_en="classes", offenders=[o], offender_count=1)
    holder = [c for c in github.result_commands(r, "en", None) if c.startswith("::warning")]
    assert holder and "line=" not in holder[0] and "row 12: 一小 holds back" in holder[0]
