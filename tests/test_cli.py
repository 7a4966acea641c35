"""End to end: `plancheck run / validate / targets` through typer's CliRunner on the sample county."""

from __future__ import annotations

import csv
import json
from fractions import Fraction

import pytest
from typer.testing import CliRunner

from conftest import SAMPLE
from inline_plan import inline_plan
from plancheck import __version__
from plancheck.cli import app
from test_engine import METRIC_IDS

XLSX = str(SAMPLE / "county-2021-autumn.xlsx")
CSVS = [str(SAMPLE / "schools.csv"), "--table", f"population={SAMPLE / 'population.csv'}",
        "--table", f"milestones={SAMPLE / 'milestones.csv'}"]
#: by design of sample_data/generate.py (see sample_data/README.md)
FAILING = {"public_kindergarten_share", "health_data_reporting", "closed_campus", "large_classes",
           "bullying_incidents"}

TINY_TARGETS = inline_plan("""\
plan:
  id: tiny
  title_zh: 小计划
  title_en: Tiny plan
  year: 2021
  source_file: tiny.txt
sections:
  - {number: 4, title_zh: 安全, title_en: Safety}
targets:
  - kind: metric
    id: bullying_incidents
    section: 4
    item: 18
    title_zh: 校园欺凌事件数
    title_en: School bullying incidents
    source: 杜绝校园欺凌事件发生
    numerator: {table: schools, agg: sum, column: bullying_incidents}
    op: "=="
    goal: 0
    unit: count
    gap_unit_zh: 起
    gap_unit_en: incidents
  - kind: metric
    id: security_guards
    section: 4
    item: 18
    title_zh: 专职保安配备率
    title_en: Guards
    source: 三个 100
    numerator: {table: schools, agg: count_true, column: guards_in_place}
    denominator: {table: schools, agg: count}
    op: "=="
    goal: 100%
    unit: percent
    gap_unit_zh: 所学校
    gap_unit_en: schools
""")

HEADER = ("学校代码,学校名称,乡镇（街道）,学校类型,办学性质,是否普惠,在校生数,班级数,大班额班级数,辍学学生数,"
          "体质健康数据已上报,专职保安配备到位,封闭化管理达标,一键报警及视频监控联网,反恐怖防范达标,校园欺凌事件数,挂牌督学到位\n")
GOOD_ROWS = ("P1,一小,凤仪街道,小学,公办,,200,5,0,0,是,是,是,是,是,0,是\n"
             "K1,一幼,凤仪街道,幼儿园,公办,,90,3,,,,是,是,是,否,0,是\n")
# row 2: students "二百" is not a number; row 3: 班级数 blank; row 4: type unknown, guards "maybe"
BAD_ROWS = ("P1,一小,凤仪街道,小学,公办,,二百,5,0,0,是,是,是,是,是,0,是\n"
            "P2,二小,凤仪街道,小学,公办,,150,,0,0,是,是,是,是,是,0,是\n"
            "P3,三小,凤仪街道,大学,公办,,150,5,0,0,是,maybe,是,是,是,0,是\n")


def invoke(*args, env=None):
    result = CliRunner(env={"COLUMNS": "400", **(env or {})}).invoke(app, [str(a) for a in args])
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert "Traceback" not in result.output + result.stderr
    return result


@pytest.fixture(scope="module")
def xlsx_json():
    r = invoke("run", XLSX, "--format", "json")
    assert r.exit_code == 1, r.stderr
    return json.loads(r.stdout)


@pytest.fixture
def tiny(tmp_path):
    (tmp_path / "targets.yaml").write_text(TINY_TARGETS, encoding="utf-8")
    (tmp_path / "good.csv").write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    (tmp_path / "bad.csv").write_text(HEADER + BAD_ROWS, encoding="utf-8")
    return tmp_path


def test_run_on_the_sample_workbook_fails_and_names_failing_targets(xlsx_json):
    r = invoke("run", XLSX, "--lang", "en")
    assert r.exit_code == 1
    by_id = {t["id"]: t for t in xlsx_json["targets"]}
    failing = {i for i, t in by_id.items() if t["status"] == "fail" and t["kind"] == "metric"}
    assert failing == FAILING
    for target_id in FAILING:
        assert by_id[target_id]["title_en"] in r.stdout
    assert "fail" in r.stdout


def test_json_has_every_metric_with_fractions(xlsx_json):
    targets = {t["id"]: t for t in xlsx_json["targets"]}
    assert set(METRIC_IDS) <= set(targets)
    for target_id in METRIC_IDS:
        t = targets[target_id]
        assert {"id", "status", "actual", "goal", "numerator", "denominator"} <= set(t)
        assert t["status"] in ("pass", "fail")
        assert isinstance(t["numerator"], int)
        if t["unit"] == "percent":
            assert isinstance(t["denominator"], int) and t["denominator"] > 0
            assert 0 <= t["actual"] <= 1 and 0 <= t["goal"] <= 1
            assert t["actual"] == pytest.approx(t["numerator"] / t["denominator"])
        else:
            assert t["denominator"] is None and t["actual"] == t["numerator"]
    share = targets["public_kindergarten_share"]
    assert share["actual"] == pytest.approx(0.6201, abs=5e-5)
    assert share["goal"] == pytest.approx(0.65)
    # the gap is the hand formula ceil(0.65 * den - num)
    need = Fraction(65, 100) * share["denominator"] - share["numerator"]
    assert share["gap"] == -(-need.numerator // need.denominator)
    assert sum(1 for t in xlsx_json["targets"] if t["kind"] == "milestone") == 33


def _without_location(targets):
    """Target dicts with holders-back file/row removed (the workbook has a title row, the CSV does not)."""
    out = []
    for t in targets:
        t = dict(t)
        t["holders_back"] = [{k: v for k, v in o.items() if k not in ("file", "row")}
                             for o in t.get("holders_back", [])]
        out.append(t)
    return out


def test_three_csvs_give_the_same_targets_as_the_workbook(xlsx_json):
    r = invoke("run", *CSVS, "--format", "json")
    assert r.exit_code == 1
    csv_json = json.loads(r.stdout)
    assert _without_location(csv_json["targets"]) == _without_location(xlsx_json["targets"])
    # the same school is one row further down in the workbook (merged title row 1)
    x = {t["id"]: t for t in xlsx_json["targets"]}["large_classes"]["holders_back"]
    c = {t["id"]: t for t in csv_json["targets"]}["large_classes"]["holders_back"]
    assert [o["row"] + 1 for o in c] == [o["row"] for o in x]


def test_all_pass_exits_0(tiny):
    r = invoke("run", tiny / "good.csv", "--targets", tiny / "targets.yaml", "--format", "json")
    assert r.exit_code == 0, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert [(t["id"], t["status"], t["numerator"], t["denominator"]) for t in doc["targets"]] == [
        ("bullying_incidents", "pass", 0, None), ("security_guards", "pass", 2, 2)]


def test_invalid_submission_exits_3_listing_every_problem(tiny):
    r = invoke("run", tiny / "bad.csv", "--targets", tiny / "targets.yaml", "--format", "json", "--lang", "en")
    assert r.exit_code == 3
    doc = json.loads(r.stdout)
    found = {(p["row"], p["column"], p["code"]) for p in doc["problems"] if p["severity"] == "error"}
    assert {(2, "在校生数", "not_integer"), (3, "班级数", "required"), (4, "学校类型", "not_in_choices"),
            (4, "专职保安配备到位", "not_yes_no")} <= found
    assert all(p["file"].endswith("bad.csv") for p in doc["problems"])
    # the table output names the row, the column and the value as written
    r = invoke("run", tiny / "bad.csv", "--targets", tiny / "targets.yaml", "--lang", "en")
    assert r.exit_code == 3
    for text in ("二百", "maybe", "大学", "在校生数", "专职保安配备到位"):
        assert text in r.stdout + r.stderr


def test_validate_good_and_bad(tiny):
    r = invoke("validate", tiny / "good.csv", "--targets", tiny / "targets.yaml")
    assert r.exit_code == 0, r.stdout + r.stderr
    r = invoke("validate", tiny / "bad.csv", "--targets", tiny / "targets.yaml", "--format", "json")
    assert r.exit_code == 3
    assert json.loads(r.stdout)["ok"] is False
    # the sample county is valid, but some schools fall short of their own obligations by design
    assert invoke("validate", XLSX).exit_code == 0
    r = invoke("validate", XLSX, "--format", "json", "--strict")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert doc["ok"] is True
    codes = {p["code"] for p in doc["problems"]}
    assert any(c.startswith("obligation_") for c in codes)
    assert all(p["severity"] != "error" for p in doc["problems"])


def test_targets_json_lists_the_plan():
    r = invoke("targets", "--format", "json")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    metrics = [t["id"] for t in doc["targets"] if t["kind"] == "metric"]
    milestones = [t["id"] for t in doc["targets"] if t["kind"] == "milestone"]
    assert metrics == METRIC_IDS
    assert len(milestones) == 33 and "build_zhengan_no9_middle_school" in milestones


def test_version():
    r = invoke("--version")
    assert r.exit_code == 0 and r.stdout.strip() == f"plancheck {__version__}"


def test_malformed_targets_file_exits_3_with_its_line(tiny):
    bad = tiny / "broken.yaml"
    bad.write_text(TINY_TARGETS.replace("    goal: 0\n", "    goal: lots\n"), encoding="utf-8")
    line = TINY_TARGETS.splitlines().index("    goal: 0") + 1
    for args in (("targets", "--targets", bad), ("run", tiny / "good.csv", "--targets", bad)):
        r = invoke(*args)
        assert r.exit_code == 3
        assert f"broken.yaml:{line}:" in r.stderr, r.stderr


def test_missing_file_exits_3_without_traceback(tmp_path):
    missing = tmp_path / "nowhere.csv"
    r = invoke("run", missing, "--lang", "en")
    assert r.exit_code == 3
    text = r.stdout + r.stderr
    assert "nowhere.csv" in text and "not found" in text.lower()


def test_output_writes_the_report(tmp_path, xlsx_json):
    out = tmp_path / "report.json"
    r = invoke("run", XLSX, "--format", "json", "--output", out)
    assert r.exit_code == 1
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["targets"] == xlsx_json["targets"]
    assert "preschool_gross_enrolment" not in r.stdout
    table = tmp_path / "report.txt"
    assert invoke("run", XLSX, "--lang", "en", "--output", table).exit_code == 1
    text = table.read_text(encoding="utf-8")
    assert "Oversized classes" in text and "\x1b[" not in text


def test_missing_population_is_no_data_and_never_passes(tiny):
    # the default plan on a schools file alone: gross enrolment cannot be computed
    r = invoke("run", tiny / "good.csv", "--format", "json")
    assert r.exit_code == 1
    targets = {t["id"]: t for t in json.loads(r.stdout)["targets"]}
    assert targets["preschool_gross_enrolment"]["status"] == "no_data"
    assert targets["preschool_gross_enrolment"]["actual"] is None
    assert targets["vocational_attrition"]["status"] == "no_data"          # no vocational school
    assert targets["antiterror_standard"]["numerator"] == 1                # K1 is not up to standard: 1 / 2
    assert targets["antiterror_standard"]["gap"] == 1                      # ceil(0.8 * 2 - 1)


def test_by_town_uses_each_towns_own_population(xlsx_json):
    with open(SAMPLE / "schools.csv", encoding="utf-8-sig", newline="") as fh:
        enrolled: dict[str, int] = {}
        for row in csv.DictReader(fh):
            if row["学校类型"] == "幼儿园":
                enrolled[row["乡镇（街道）"]] = enrolled.get(row["乡镇（街道）"], 0) + int(row["在校生数"])
    with open(SAMPLE / "population.csv", encoding="utf-8-sig", newline="") as fh:
        children = {row["乡镇（街道）"]: int(row["3-5岁适龄儿童数"]) for row in csv.DictReader(fh)}
    r = invoke("run", XLSX, "--format", "json", "--by", "town")
    assert r.exit_code == 1
    towns = json.loads(r.stdout)["breakdowns"]["town"]
    assert set(towns) == set(children)
    for town, results in towns.items():
        g = next(t for t in results if t["id"] == "preschool_gross_enrolment")
        assert (g["numerator"], g["denominator"]) == (enrolled.get(town, 0), children[town]), town
        passes = Fraction(enrolled.get(town, 0), children[town]) >= Fraction(96, 100)
        assert g["status"] == ("pass" if passes else "fail"), town
    assert sum(enrolled.values()) == {t["id"]: t for t in xlsx_json["targets"]}["preschool_gross_enrolment"]["numerator"]


def test_errors_out_writes_every_problem(tiny):
    out = tiny / "problems.csv"
    r = invoke("validate", tiny / "bad.csv", "--targets", tiny / "targets.yaml", "--errors-out", out,
               "--lang", "en")  # English column names (Chinese by default: tests/test_lang.py)
    assert r.exit_code == 3
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {("2", "在校生数", "not_integer"), ("3", "班级数", "required")} <= {
        (p["row"], p["column"], p["code"]) for p in rows}


@pytest.mark.parametrize("option", ["--output", "--errors-out"])
def test_unwritable_output_path_exits_3_without_traceback(tmp_path, option):
    target = tmp_path / "no_such_folder" / "report.txt"
    r = CliRunner().invoke(app, ["run", XLSX, option, str(target), "--lang", "en"])
    assert r.exit_code == 3
    assert not isinstance(r.exception, OSError)
    assert "no_such_folder" in r.stdout + r.stderr


@pytest.mark.parametrize("option", ["--output", "--errors-out"])
@pytest.mark.parametrize("command", ["run", "validate"])
def test_an_output_naming_an_input_is_refused_and_the_input_kept(tmp_path, option, command):
    """A clerk who gives the submission itself (or a file of the submitted folder) as the output would lose it."""
    folder = tmp_path / "各校报送"
    folder.mkdir()
    school = folder / "一小.csv"
    school.write_bytes((SAMPLE / "schools.csv").read_bytes())
    for given, target in ((school, school), (folder, school)):
        r = CliRunner().invoke(app, [command, str(given), option, str(target), "--lang", "en"])
        assert r.exit_code == 3, r.output
        assert "it is an input of this command" in r.stdout + r.stderr
        assert school.read_bytes() == (SAMPLE / "schools.csv").read_bytes()


def test_github_annotations_keep_json_on_stdout_parseable(monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    r = CliRunner().invoke(app, ["run", XLSX, "--format", "json"])
    assert r.exit_code == 1
    doc = json.loads(r.stdout)  # the annotations went to stderr
    assert doc["summary"]["fail"] > 0
    assert "::error" in r.stderr


def test_validate_junit_lists_problems(tmp_path):
    import xml.etree.ElementTree as ET

    bad = tmp_path / "bad.csv"
    bad.write_text("学校代码,学校名称\n001,\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["validate", str(bad), "--format", "junit"])
    assert r.exit_code == 3
    root = ET.fromstring(r.stdout)
    assert len(root.findall(".//failure")) >= 1


def test_roster_school_that_sent_nothing_counts_against_coverage(tmp_path):
    roster = tmp_path / "roster.csv"
    lines = (SAMPLE / "schools.csv").read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    extra = [""] * len(header)
    extra[header.index("学校代码")] = "5203249999"
    extra[header.index("学校名称")] = "正安县未报送小学"
    extra[header.index("乡镇（街道）")] = "凤仪街道"
    extra[header.index("学校类型")] = "小学"
    extra[header.index("办学性质")] = "公办"
    roster.write_text("\n".join(lines + [",".join(extra)]) + "\n", encoding="utf-8")
    r = invoke("run", XLSX, "--roster", roster, "--format", "json", "--lang", "en")
    assert r.exit_code == 1, r.stderr
    doc = json.loads(r.stdout)
    by_id = {t["id"]: t for t in doc["targets"]}
    # 319 submitted + 1 on the roster that sent nothing: it counts as not meeting the target
    assert (by_id["security_guards"]["numerator"], by_id["security_guards"]["denominator"]) == (319, 320)
    assert by_id["security_guards"]["status"] == "fail"
    assert "正安县未报送小学" in {h["name"] for h in by_id["security_guards"]["holders_back"]}
    # a sum it would need (dropouts of a primary) is never a pass while the school is missing
    assert by_id["compulsory_dropouts"]["status"] != "pass"
    assert "school_not_submitted" in {p["code"] for p in doc["submission"]["problems"]}


def test_roster_kindergarten_that_sent_nothing_makes_enrolment_unknown(tmp_path):
    roster = tmp_path / "roster.csv"
    lines = (SAMPLE / "schools.csv").read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    extra = [""] * len(header)
    for column, value in (("学校代码", "5203248888"), ("学校名称", "正安县未报送幼儿园"), ("乡镇（街道）", "凤仪街道"),
                          ("学校类型", "幼儿园"), ("办学性质", "公办")):
        extra[header.index(column)] = value
    roster.write_text("\n".join(lines + [",".join(extra)]) + "\n", encoding="utf-8")
    r = invoke("run", XLSX, "--roster", roster, "--format", "json", "--lang", "en")
    by_id = {t["id"]: t for t in json.loads(r.stdout)["targets"]}
    # its enrolment is unknown: the county rate (97.31% without it) can be neither passed nor failed
    enrol = by_id["preschool_gross_enrolment"]
    assert enrol["status"] == "no_data" and enrol["actual"] is None
    assert "正安县未报送幼儿园" in {h["name"] for h in enrol["holders_back"]}


def test_template_workbook_is_read_back(tmp_path):
    out = tmp_path / "t.xlsx"
    r = invoke("template", "-o", out)
    assert r.exit_code == 0 and out.is_file()
    r = invoke("validate", out, "--format", "json")
    doc = json.loads(r.stdout)
    tables = {s["table"] for s in doc["sources"]}
    assert {"schools", "population", "milestones"} <= tables
    r = invoke("template", "-o", tmp_path / "missing" / "t.xlsx")
    assert r.exit_code == 3


def test_user_text_is_never_rich_markup(tmp_path):
    lines = (SAMPLE / "schools.csv").read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("学校名称")] = "[/]坏[bold red]学校[/bold red]"
    row[header.index("封闭化管理达标")] = "[/]"
    bad = tmp_path / "rich.csv"
    bad.write_text("\n".join([lines[0], ",".join(row)]) + "\n", encoding="utf-8")
    r = invoke("validate", bad)
    assert r.exit_code == 3
    assert "[/]" in r.stdout
    row[header.index("封闭化管理达标")] = "否"
    bad.write_text("\n".join([lines[0], ",".join(row)]) + "\n", encoding="utf-8")
    r = invoke("run", bad)
    assert r.exit_code == 1
    flat = r.stdout.replace("\n", "").replace("│", "").replace(" ", "")
    assert "[/]坏[boldred]学校[/boldred]" in flat  # shown as written, not as formatting


def test_report_shortcut_picks_the_format_from_the_suffix(tmp_path):
    md = tmp_path / "summary.md"
    r = invoke("report", XLSX, "-o", md, "--term", "2021秋季")
    assert r.exit_code == 0  # a report was written; --fail-on never is its default
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# ") and "2021秋季" in text
    r = CliRunner().invoke(app, ["report", XLSX, "-o", str(tmp_path / "summary.doc")])
    assert r.exit_code == 2 and not md.with_suffix(".doc").exists()


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_rejected_run_overwrites_an_old_report_with_the_rejection(tiny, tmp_path, fmt):
    out = tmp_path / f"summary.{fmt}"
    out.write_text("an earlier, stale report", encoding="utf-8")
    r = invoke("run", tiny / "bad.csv", "--targets", tiny / "targets.yaml", "-f", fmt, "-o", out, "--lang", "en")
    assert r.exit_code == 3
    text = out.read_text(encoding="utf-8")
    assert "stale" not in text and "Submission rejected" in text and "not_integer" not in text
    assert "二百" in text  # the bad value, as written, in the problem list
