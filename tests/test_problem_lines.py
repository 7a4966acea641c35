"""Issue 12: problems one a line (``file[sheet]:row:column: severity code …``) without a terminal, and the
table view folding repeated problems into one line with the count and the first rows."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from plancheck.check.validate import Submission
from plancheck.cli import app
from plancheck.errors import make
from plancheck.report import lines, table
from plancheck.runner import problem_view

BIN = Path(sys.executable).parent
PLANCHECK = shutil.which("plancheck", path=str(BIN))


def test_problem_line_csv_and_workbook():
    csv_p = make("not_integer", file="schools.csv", row=2, column="在校生数", value="二百")
    assert lines.problem_line(csv_p, "zh") == "schools.csv:2:在校生数: 错误 not_integer 不是整数：应为整数（值“二百”）"
    assert lines.problem_line(csv_p, "en") == ("schools.csv:2:在校生数: error not_integer Not a whole number: "
                                               "must be a whole number (value “二百”)")
    book = make("not_integer", file="county.xlsx", sheet="学校", row=7, column="在校生数", value="abc", cell="学校!G7")
    assert lines.problem_line(book, "en").startswith("county.xlsx[学校]:7:在校生数: error not_integer ")
    assert lines.problem_line(book, "en").endswith("(value “abc”; 学校!G7)")


def test_problem_line_absent_parts_and_line_breaks():
    assert lines.where(make("missing_column", file="s.csv", column="学校代码", zh="学校代码", en="school_id")) == \
        "s.csv::学校代码"
    assert lines.where(make("required", file="s.csv", row=4)) == "s.csv:4"
    assert lines.where(make("empty_file", file="s.csv")) == "s.csv"
    one = lines.problem_line(make("not_integer", file="s.csv", row=2, column="x", value="1\n::error::x"), "en")
    assert "\n" not in one and "1\\n::error::x" in one


def repeated(n: int = 45) -> Submission:
    """n "not applicable" warnings in one column of one file, among a few other problems."""
    problems = [make("not_integer", file="s.csv", row=2, column="在校生数", value="二百")]
    problems += [make("not_applicable", file="s.csv", row=10 + i, column="大班额班级数", value="0",
                      school_type_zh="幼儿园", school_type_en="kindergarten") for i in range(n)]
    problems += [make("required", file="s.csv", row=99, column="班级数")]
    return Submission(problems=problems)


def test_group_problems_folds_repeats_into_one_entry():
    sub = repeated(45)
    entries = table.group_problems(sub.problems)
    assert len(entries) == 3
    group = entries[1]
    assert isinstance(group, table.ProblemGroup)
    assert group.count == 45 and group.rows() == [10, 11, 12, 13, 14] and group.values() == ["0"]
    assert entries[0].code == "not_integer" and entries[2].code == "required"
    # fewer than GROUP_AT of a kind stay one line each
    few = table.group_problems(repeated(table.GROUP_AT - 1).problems)
    assert len(few) == table.GROUP_AT - 1 + 2 and not any(isinstance(e, table.ProblemGroup) for e in few)


def test_grouped_table_shows_count_and_first_rows():
    console = Console(file=io.StringIO(), width=250, color_system=None)
    table.render_problems(console, repeated(45_022 // 1000), "zh")
    text = console.file.getvalue()
    assert text.count("大班额班级数") == 1
    assert "10、11、12、13、14 …" in text and "（共 45 行）" in text
    console = Console(file=io.StringIO(), width=250, color_system=None)
    table.render_problems(console, repeated(60), "en", limit=2)   # a group is one line of the limit
    text = console.file.getvalue()
    assert "(60 rows)" in text and "1 more problems not shown" in text


def test_view_follows_the_terminal_option_and_environment(monkeypatch):
    monkeypatch.delenv("PLANCHECK_PROBLEMS", raising=False)
    tty = Console(file=io.StringIO(), force_terminal=True)
    pipe = Console(file=io.StringIO())
    assert problem_view(None, tty) is table and problem_view(None, pipe) is lines
    assert problem_view("table", pipe) is table and problem_view("lines", tty) is lines
    monkeypatch.setenv("PLANCHECK_PROBLEMS", "table")
    assert problem_view(None, pipe) is table
    monkeypatch.setenv("PLANCHECK_PROBLEMS", "nonsense")  # ignored
    assert problem_view(None, tty) is table


def test_cli_problems_option(bad_csv):
    env = {"COLUMNS": "300", "PLANCHECK_PROBLEMS": ""}
    r = CliRunner(env=env).invoke(app, ["validate", str(bad_csv), "--problems", "table"])
    assert r.exit_code == 3 and "│" in r.stdout
    r = CliRunner(env=env).invoke(app, ["validate", str(bad_csv), "--problems", "lines"])
    assert r.exit_code == 3 and "│" not in r.stdout
    assert f"{bad_csv}:2:在校生数: 错误 not_integer 不是整数：应为整数（值“二百”）" in r.stdout.splitlines()


@pytest.mark.skipif(PLANCHECK is None, reason="the plancheck console script is not installed beside this python")
@pytest.mark.parametrize("command", ["run", "validate"])
def test_console_script_without_a_terminal_prints_one_line_per_problem(bad_csv, command):
    env = {k: v for k, v in os.environ.items() if k not in ("PLANCHECK_PROBLEMS", "FORCE_COLOR", "TTY_COMPATIBLE")}
    env["COLUMNS"] = "80"
    proc = subprocess.run([PLANCHECK, command, str(bad_csv), "--lang", "en"], capture_output=True, text=True,
                          encoding="utf-8", timeout=120, env=env)
    assert proc.returncode == 3, proc.stderr
    out = proc.stdout + proc.stderr
    assert "│" not in out and "Traceback" not in out
    got = [x for x in out.splitlines() if x.startswith(f"{bad_csv}:")]
    assert f"{bad_csv}:2:在校生数: error not_integer Not a whole number: must be a whole number (value “二百”)" in got
    assert (f"{bad_csv}:3:班级数: error required Required value missing: a value is required: expected a whole "
            "number (0 if there are none)") in got
    assert any(x.startswith(f"{bad_csv}:4:学校类型: error not_in_choices ") for x in got)
