"""JUnit XML: one test case per target, parsed back and counted; invalid input as failing cases."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from plan2021 import CONTRACT
from plancheck.engine import FAIL, NO_DATA
from plancheck.errors import make
from plancheck.report import github, junit
from plancheck.plan.targets import load_targets
from plancheck.check.validate import Submission, validate_paths
from report_helpers import GOLDEN, golden_context


@pytest.fixture
def in_golden(monkeypatch):
    monkeypatch.chdir(GOLDEN)


def cases(root: ET.Element) -> list[ET.Element]:
    return list(root.iter("testcase"))


def test_one_case_per_target_with_failures_and_errors(in_golden):
    ctx = golden_context("en")
    root = ET.fromstring(junit.render(ctx))
    found = cases(root)
    assert len(found) == len(ctx.results) == int(root.get("tests"))
    by_id = {c.get("name").split(" ", 1)[0]: c for c in found}
    for r in ctx.results:
        case = by_id[r.target_id]
        assert case.get("name") == f"{r.target_id} {r.title_en}"
        assert (case.find("failure") is not None) == (r.status == FAIL)
        assert (case.find("error") is not None) == (r.status == NO_DATA)
        assert case.find("skipped") is None
    assert int(root.get("failures")) == sum(r.status == FAIL for r in ctx.results) == 9
    assert int(root.get("errors")) == sum(r.status == NO_DATA for r in ctx.results) == 30
    # suite counts add up to the totals
    suites = root.findall("testsuite")
    for key in ("tests", "failures", "errors", "skipped"):
        assert sum(int(s.get(key)) for s in suites) == int(root.get(key))


def test_classname_is_the_section(in_golden):
    ctx = golden_context("zh")
    root = ET.fromstring(junit.render(ctx))
    classes = {c.get("classname") for c in cases(root)}
    assert classes == {"二、聚焦根本任务,提高教育质量", "三、聚焦统筹协调,夯实教育基础", "四、聚焦群众关切,改善教育民生",
                       "七、聚焦治理能力,强化执行落实"}
    assert [s.get("name") for s in root.findall("testsuite")] == sorted(classes, key=lambda n: "一二三四五六七".index(n[0]))


def test_failure_text_names_gap_and_holders(in_golden):
    root = ET.fromstring(junit.render(golden_context("en")))
    case = next(c for c in cases(root) if c.get("name").startswith("large_classes "))
    failure = case.find("failure")
    assert failure.get("message") == "2, goal = 0, 2 fewer oversized classes"
    assert "安场镇中心小学" in failure.text and "input/schools.csv:6" in failure.text


@pytest.mark.parametrize("fail_on", ["fail", "never"])
def test_no_data_skipped_unless_it_fails_the_run(in_golden, fail_on):
    ctx = golden_context("en")
    root = ET.fromstring(junit.render(ctx, fail_on=fail_on))
    assert int(root.get("skipped")) == 30 and int(root.get("errors")) == 0
    assert int(root.get("failures")) == 9
    assert sum(c.find("skipped") is not None for c in cases(root)) == 30


def test_invalid_input_one_failing_case_per_error(tmp_path):
    lines = (GOLDEN / "input" / "schools.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",120,4,", ",一百二十,4,")  # not a number (row 2)
    lines[3] = lines[3].replace(",民办,否,", ",私立<x>,否,")    # not a choice (row 4)
    bad = tmp_path / "schools.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    targets = load_targets()
    sub = validate_paths({"schools": bad, "population": GOLDEN / "input" / "population.csv", "milestones": None}, CONTRACT,
                         {m.id for m in targets.milestones})
    assert not sub.ok
    text = junit.render_problems(sub, "en")
    root = ET.fromstring(text)
    failing = [c for c in cases(root) if c.find("failure") is not None]
    assert len(failing) == len(sub.errors) == int(root.get("failures"))
    assert sorted((c.find("failure").get("type"), c.get("name").split(" row ")[1].split(" ")[0]) for c in failing) \
        == sorted((p.code, str(p.row)) for p in sub.errors)
    passing = [c for c in cases(root) if c.find("failure") is None]
    assert [c.get("classname") for c in passing] == [str(GOLDEN / "input" / "population.csv")]
    assert int(root.get("tests")) == len(cases(root))
    assert "私立<x>" in "".join(root.itertext())  # escaped in the file, intact when read back


def test_control_characters_keep_the_xml_well_formed():
    assert junit._clean("a\x01b") == "a\ufffdb"


# ------------------------------------------------------------------ GitHub Actions annotations (same CI family)


def test_github_annotations_for_problems_and_failing_targets(in_golden):
    ctx = golden_context("en")
    text = github.annotations(ctx.submission, ctx.results, "en")
    lines = text.splitlines()
    warnings = [x for x in lines if x.startswith("::warning file=input/schools.csv,line=5,")]
    assert warnings and "60.0 pupils per class" in warnings[0]
    assert any(x.startswith("::notice file=input/schools.csv,line=9,title=plancheck total_row_skipped") for x in lines)
    errors = [x for x in lines if x.startswith("::error title=plancheck large_classes::")]
    assert errors == ["::error title=plancheck large_classes::Oversized classes in compulsory education: 2, goal = 0, "
                      "2 fewer oversized classes. Held back by: 安场镇中心小学 (2)"]
    assert "::warning file=input/schools.csv,line=6,title=plancheck large_classes::安场镇中心小学 holds back" in text
    n_fail = sum(r.status == "fail" for r in ctx.results)
    assert sum(x.startswith("::error title=plancheck ") for x in lines) == n_fail


def test_github_escaping_cannot_forge_a_command():
    p = make("not_integer", file="a,b:c%.csv", row=3, column="在校生数", value="1\n::error::forged")
    text = github.annotations(Submission(problems=[p]), [], "en")
    assert text.count("\n") == 1
    assert text.startswith("::error file=a%2Cb%3Ac%25.csv,line=3,title=plancheck not_integer%3A Not a whole number::")
    assert "1%0A::error::forged" in text


def test_github_paths_relative_to_workspace():
    assert github.relative("/home/runner/work/r/r/data/s.csv", "/home/runner/work/r/r") == "data/s.csv"
    assert github.relative("data/s.csv", "/home/runner/work/r/r") == "data/s.csv"
    assert github.relative("/elsewhere/s.csv", "/home/runner/work/r/r") == "/elsewhere/s.csv"


# ------------------------------------------------------------------ the pre-commit hook


REPO = GOLDEN.parent.parent.parent


BIN = str(Path(sys.executable).parent)  # the venv's bin: plancheck is installed beside this python
HOOK_ENV = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}


@pytest.mark.skipif(shutil.which("plancheck", path=HOOK_ENV["PATH"]) is None, reason="plancheck not installed")
def test_pre_commit_hook_validates_each_file(tmp_path):
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "plancheck-validate")
    assert hook["pass_filenames"] is True and hook["language"] == "python"
    good = REPO / "sample_data" / "schools.csv"
    bad = tmp_path / "bad.csv"
    bad.write_text((GOLDEN / "input" / "schools.csv").read_text(encoding="utf-8").replace(",120,4,", ",x,4,"),
                   encoding="utf-8")
    entry = shlex.split(hook["entry"])
    ok = subprocess.run(entry + [str(good)], capture_output=True, text=True, timeout=120, env=HOOK_ENV)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    mixed = subprocess.run(entry + [str(bad), str(good)], capture_output=True, text=True, timeout=120, env=HOOK_ENV)
    assert mixed.returncode == 3
    assert "bad.csv" in mixed.stdout and "schools.csv" in mixed.stdout  # both files were checked
