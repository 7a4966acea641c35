"""A second plan, written as data only (examples/qingshi-2022): a teacher table joined to its schools, a ratio
goal, a per-thousand goal, a goal relative to last year, a due-dated milestone with the plan's own statuses and
nine sections. Its figures are checked against a hand computation of examples/qingshi-2022/data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from plancheck.cli import app
from plancheck.plan.targets import TargetsError, load_targets, parse_targets

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "qingshi-2022"
PLAN = EXAMPLE / "plan.yaml"
DATA = EXAMPLE / "data"


def run_json(*args: str, cwd: Path = REPO, env: dict | None = None) -> tuple[int, dict, str]:
    proc = subprocess.run([sys.executable, "-c", "from plancheck.cli import main; main()", "run", *args,
                           "--format", "json"], capture_output=True, text=True, encoding="utf-8", cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=120)
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else {}, proc.stderr


def figures(doc: dict) -> dict[str, tuple]:
    return {t["id"]: (t["status"], t.get("numerator"), t.get("denominator"), t.get("gap")) for t in doc["targets"]}


def test_the_plan_declares_a_teacher_table_joined_to_schools_and_nine_sections():
    plan = load_targets(PLAN)
    c = plan.contract
    assert list(c.tables) == ["schools", "teachers", "population", "projects"]
    assert c.tables["teachers"].parent == ("schools", "school_id")
    assert "town" in c.columns_of("teachers") and "school_type" in c.columns_of("teachers")
    assert [s.number for s in plan.sections] == list(range(1, 10))
    assert c.milestones.statuses.values == ("planned", "building", "topped_out", "in_use")
    assert c.tables["schools"].column("school_type").choices.lookup["教学点"] == "teaching_point"


def test_figures_match_a_hand_computation():
    code, doc, _ = run_json(str(DATA), "--plan", str(PLAN), "--as-of", "2022-12-31")
    assert code == 1
    got = figures(doc)
    # 学前毛入园率: kindergartens 300 + 100 + 180 = 580 over 3-5 year olds 400 + 200 = 600 = 96.67% < 97%;
    # 97% of 600 = 582: 2 more children
    assert got["preschool_gross_enrolment"] == ("fail", 580, 600, 2)
    # 普惠覆盖率: public 300 (blank = inclusive by the plan's default) + 180 marked 是 = 480 of 580 = 82.76% < 90%;
    # 90% of 580 = 522: 42 more
    assert got["inclusive_coverage"] == ("fail", 480, 580, 42)
    # 巩固率: 58 graduates of 40 + 20 = 60 entrants nine years ago = 96.67% >= 96%
    assert got["consolidation_rate"] == ("pass", 58, 60, 0)
    # 辍学率 (‰): 1 + 1 dropouts per 190 + 95 + 160 + 15 = 460 compulsory pupils = 4.35‰ > 2‰; 2‰ of 460 = 0.92: 2 fewer
    assert got["dropout_per_thousand"] == ("fail", 2, 460, 2)
    # 高中阶段毛入学率: 1100 + 600 = 1700 over 1700 + 300 = 2000 = 85% < 92%; 92% of 2000 = 1840: 140 more
    assert got["upper_secondary_gross_enrolment"] == ("fail", 1700, 2000, 140)
    # 专任教师本科及以上: 30 of 39 full-time teachers = 76.92% < 80%; 80% of 39 = 31.2: 2 more
    assert got["teachers_with_degree"] == ("fail", 30, 39, 2)
    # 生师比: 460 pupils / 24 full-time teachers of compulsory schools (their type read through the school) =
    # 19.17:1 > 19:1; 460 / 19 = 24.2: one more teacher (the gap is on the denominator)
    assert got["pupil_teacher_ratio"] == ("fail", 460, 24, 1)
    ratio = next(t for t in doc["targets"] if t["id"] == "pupil_teacher_ratio")
    assert (ratio["unit"], ratio["goal"], ratio["gap_side"]) == ("ratio", 19, "denominator")
    assert ratio["actual"] == pytest.approx(460 / 24)
    # 近视率: 80 + 40 + 90 + 5 = 215 of 460 = 46.74% <= 52.3% - 1 = 51.3%
    assert got["myopia_rate"] == ("pass", 215, 460, 0)
    myopia = next(t for t in doc["targets"] if t["id"] == "myopia_rate")
    assert myopia["goal"] == pytest.approx(0.513) and myopia["goal_previous"] == pytest.approx(0.523)
    # 安全事故: 1 (石桥小学) == 0 fails by 1
    assert got["school_accidents"] == ("fail", 1, None, 1)
    ms = next(t for t in doc["targets"] if t["id"] == "qingshi_no2_teaching_building")
    assert (ms["status"], ms["reported_status"], ms["due"], ms["overdue"]) == ("fail", "topped_out", "2022-09-01", True)


def test_a_milestone_is_on_track_before_its_due_date():
    code, doc, _ = run_json(str(DATA), "--plan", str(PLAN), "--as-of", "2022-06-30")
    ms = next(t for t in doc["targets"] if t["id"] == "qingshi_no2_teaching_building")
    assert (ms["status"], ms["overdue"]) == ("pass", False)


def test_the_table_shows_a_ratio_the_way_the_plan_writes_it():
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["run", str(DATA), "--plan", str(PLAN), "--as-of", "2022-12-31", "--lang", "en"],
                                env={"COLUMNS": "250"})
    assert result.exit_code == 1
    text = result.stdout
    assert "19.17:1" in text and "≤ 19:1" in text
    assert "4.35‰" in text and "≤ 2‰" in text
    assert "1 more full-time teachers" in text          # a ratio that must fall: more of its denominator
    assert "by 2022-09-01" in text


def test_by_town_reaches_the_teachers_through_their_school():
    code, doc, _ = run_json(str(DATA), "--plan", str(PLAN), "--by", "town")
    towns = doc["breakdowns"]["town"]
    by = {town: {r["id"]: r for r in results} for town, results in towns.items()}
    # 城关镇: pupils 190 + 160 = 350, full-time compulsory teachers 11 (城关小学) + 6 (青石二中) = 17: 20.59:1
    assert (by["城关镇"]["pupil_teacher_ratio"]["numerator"], by["城关镇"]["pupil_teacher_ratio"]["denominator"]) == (350, 17)
    assert by["城关镇"]["pupil_teacher_ratio"]["status"] == "fail"
    # 石桥镇: 95 + 15 = 110 over 6 + 1 = 7: 15.71:1
    assert (by["石桥镇"]["pupil_teacher_ratio"]["numerator"], by["石桥镇"]["pupil_teacher_ratio"]["denominator"]) == (110, 7)
    assert by["石桥镇"]["pupil_teacher_ratio"]["status"] == "pass"


def test_a_goal_relative_to_last_year_without_last_year_is_no_data_then_taken_from_the_baseline(tmp_path):
    text = PLAN.read_text(encoding="utf-8").replace("goal: {previous: 52.3%, change: -1}", "goal: {change: -1}")
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    _, doc, _ = run_json(str(DATA), "--plan", str(plan))
    myopia = next(t for t in doc["targets"] if t["id"] == "myopia_rate")
    assert (myopia["status"], myopia["goal"], myopia["numerator"]) == ("no_data", None, 215)   # never a pass
    baseline = tmp_path / "2021.json"
    baseline.write_text(json.dumps({"plancheck": "0.1.0", "targets": [
        {"id": "myopia_rate", "status": "fail", "actual": 0.47}]}), encoding="utf-8")
    _, doc, _ = run_json(str(DATA), "--plan", str(plan), "--baseline", str(baseline))
    myopia = next(t for t in doc["targets"] if t["id"] == "myopia_rate")
    # 47% last year, 1 point down: <= 46%; 46.74% fails, by ceil(215 - 0.46 * 460 = 3.4) = 4 pupils
    assert (myopia["status"], myopia["goal"], myopia["gap"]) == ("fail", pytest.approx(0.46), 4)


def test_teachers_of_a_school_not_submitted_are_located(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for f in DATA.iterdir():
        (data / f.name).write_bytes(f.read_bytes())
    teachers = data / "教师.csv"
    teachers.write_text(teachers.read_text(encoding="utf-8-sig") + "T999,QS99,是,本科,\r\n", encoding="utf-8-sig")
    code, doc, _ = run_json(str(data), "--plan", str(PLAN))
    assert code == 3
    [p] = [p for p in doc["problems"] if p["code"] == "unknown_parent"]
    assert (p["file"].endswith("教师.csv"), p["row"], p["column"], p["value"]) == (True, 43, "学校代码", "QS99")


def test_mistakes_in_a_plan_are_located_with_a_suggestion():
    text = PLAN.read_text(encoding="utf-8")
    bad = (text.replace("when: students > 0 and myopia == students", "when: students > 0 and myopa == students")
               .replace("{table: teachers, agg: count, where: {full_time: [true]}}",
                        "{table: teacher, agg: count, where: {full_time: [true]}}")
               .replace("choices: degree,", "choices: degrees,"))
    with pytest.raises(TargetsError) as err:
        parse_targets(bad, name="plan.yaml")
    found = {(p.where, p.message) for p in err.value.problems}
    assert all(p.line and p.column for p in err.value.problems)
    assert any(w == "tables.schools.rules[0].when" and "'myopa'" in m and "did you mean 'myopia'" in m for w, m in found)
    assert any(w == "tables.teachers.columns[3].choices" and "did you mean 'degree'" in m for w, m in found)


def test_plan_check_and_schema_commands(tmp_path):
    from typer.testing import CliRunner

    ok = CliRunner().invoke(app, ["plan", "check", str(PLAN), "--lang", "en"])
    assert ok.exit_code == 0 and "9 sections" in ok.stdout and "teachers (5 columns)" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(PLAN.read_text(encoding="utf-8").replace("unit: ratio", "unit: ratios"), encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", "check", str(bad)])
    assert result.exit_code == 3 and "targets[6].unit" in result.stderr and "Traceback" not in result.stderr
    schema = CliRunner().invoke(app, ["plan", "schema"])
    doc = json.loads(schema.stdout)
    assert {"plan", "sections", "tables", "targets", "choices"} <= set(doc["properties"])


def test_a_folder_names_its_plan_in_plancheck_toml(tmp_path):
    (tmp_path / "plancheck.toml").write_text(f'plan = "{PLAN.as_posix()}"\n', encoding="utf-8")
    sub = tmp_path / "term"
    sub.mkdir()
    code, doc, err = run_json(str(DATA), "--as-of", "2022-12-31", cwd=sub)
    assert doc["plan"]["id"] == "qingshi-education-2022"
    assert "plancheck.toml" in err and "sha256" in err
    code, doc, err = run_json(str(DATA), cwd=sub, env={"PLANCHECK_PLAN": str(REPO / "targets.yaml")})
    assert "PLANCHECK_PLAN" in err   # the variable is read before the folder's file (the command line before both)


def test_src_holds_nothing_of_one_plan():
    """The program knows kinds of things; the 2021 plan's columns, rules and wording live in targets.yaml only."""
    words = ("children_3_5", "antiterror", "closed_campus", "bullying", "large_classes", "体质健康", "大班额", "正安", "2021")
    found = []
    for path in (REPO / "src").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found += [(path.name, w) for w in words if w in text]
    assert found == []


def test_the_committed_json_schema_is_the_generated_one():
    from plancheck.plan.schema import plan_json_schema

    assert (REPO / "docs" / "plan.schema.json").read_text(encoding="utf-8") == plan_json_schema()


def test_targets_lists_goals_as_the_plan_writes_them():
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["targets", "--plan", str(PLAN), "--lang", "en"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for shown in ("≤ 2‰", "≤ 19:1", "≤ 52.3% -1", "≥ 97%", "in use (by 2022-09-01)", "= 0"):
        assert shown in result.stdout, shown
    data = json.loads(CliRunner().invoke(app, ["targets", "--plan", str(PLAN), "--format", "json"]).stdout)
    assert [t["id"] for t in data["targets"]][-1] == "qingshi_no2_teaching_building"
