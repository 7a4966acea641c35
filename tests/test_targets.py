"""targets.yaml (the plan as data) and plancheck.plan.targets (loading and checking it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from plancheck.plan.targets import (
    MAX_BYTES,
    MetricTarget,
    MilestoneTarget,
    TargetsError,
    TargetsFile,
    TargetsProblem,
    default_targets_path,
    load_targets,
    parse_targets,
)

from inline_plan import inline_plan as plan

REPO = Path(__file__).resolve().parents[1]
_PLAN_REL = "shared/plan/zhengan-education-2021-work-plan.txt"
# The plan text lives beside the clone (<dir>/main + <dir>/shared); the env variable overrides.
_PLAN_CANDIDATES = [Path(p) for p in [os.environ.get("PLANCHECK_PLAN_TXT")] if p] + [
    Path(__file__).resolve().parents[2] / _PLAN_REL,
    Path(__file__).resolve().parents[2].parent / _PLAN_REL,
]
PLAN_TXT = next((p for p in _PLAN_CANDIDATES if p.is_file()), _PLAN_CANDIDATES[-1])

METRIC_GOALS = {
    "preschool_gross_enrolment": (">=", Fraction(96, 100), "percent"),
    "inclusive_kindergarten_coverage": (">=", Fraction(95, 100), "percent"),
    "public_kindergarten_share": (">=", Fraction(65, 100), "percent"),
    "vocational_attrition": ("<=", Fraction(10, 100), "percent"),
    "health_data_reporting": ("==", Fraction(1), "percent"),
    "security_guards": ("==", Fraction(1), "percent"),
    "closed_campus": ("==", Fraction(1), "percent"),
    "alarm_linked": ("==", Fraction(1), "percent"),
    "antiterror_standard": (">=", Fraction(80, 100), "percent"),
    "supervision_coverage": ("==", Fraction(1), "percent"),
    "large_classes": ("==", Fraction(0), "count"),
    "compulsory_dropouts": ("==", Fraction(0), "count"),
    "bullying_incidents": ("==", Fraction(0), "count"),
}

# Item 20, counted by hand from the plan: 1 迁建 + 3 幼儿园 + 碧峰中学 + 6 维修改造 + 谢坝中心小学运动场
# + 2 综合楼 + 2 后续工程 + 一中运动场 + 一中体艺楼 + 二中智华楼 + 八中运动场 + 九中 + 二中食堂 = 22.
ITEM_20_COMPLETED = {
    "build_banzhu_shangba_kindergarten", "build_hexi_miliang_kindergarten", "build_zhengan_no4_kindergarten",
    "build_zhengan_no1_primary_complex_building", "build_fengyi_central_primary_complex_building",
    "build_zhengan_no1_high_school_arts_sports_building", "decorate_zhengan_no2_middle_school_zhihua_building",
    "build_zhengan_no8_high_school_sports_ground",
}
ITEM_20_STARTED = {
    "relocate_bifeng_town_central_kindergarten", "rebuild_bifeng_middle_school",
    "renovate_xiaoya_middle_school", "renovate_miaotang_middle_school", "renovate_fuyan_middle_school",
    "renovate_lejian_middle_school", "renovate_xieba_middle_school", "renovate_bifeng_central_primary_school",
    "expand_xieba_central_primary_sports_ground", "finish_gelin_middle_school_follow_up_works",
    "finish_zhengan_no5_primary_follow_up_works", "renovate_zhengan_no1_high_school_sports_ground",
    "build_zhengan_no9_middle_school", "build_zhengan_no2_middle_school_canteen",
}


@pytest.fixture(scope="module")
def shipped() -> TargetsFile:
    return load_targets()


@pytest.fixture(scope="module")
def plan_text() -> str:
    if not PLAN_TXT.is_file():
        pytest.skip(f"plan text not found at {PLAN_TXT}")
    return PLAN_TXT.read_text(encoding="utf-8")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _items(plan_text: str) -> dict[int, tuple[int, str]]:
    """item number -> (section number, the item's paragraph), read from the plan text."""
    numerals = "一二三四五六七"
    out: dict[int, tuple[int, str]] = {}
    section = 0
    for line in plan_text.splitlines():
        head = re.match(r"^([一二三四五六七])、聚焦", line)
        if head:
            section = numerals.index(head.group(1)) + 1
            continue
        item = re.match(r"^(\d+)\.", line)
        if item and section:
            out[int(item.group(1))] = (section, line)
    return out


# ------------------------------------------------------------ the shipped file
def test_shipped_file_loads(shipped: TargetsFile):
    assert default_targets_path().is_file()
    assert shipped.plan.id == "zhengan-education-2021"
    assert shipped.plan.year == 2021
    assert shipped.plan.source_file == "zhengan-education-2021-work-plan.txt"
    assert [s.number for s in shipped.sections] == [1, 2, 3, 4, 5, 6, 7]
    assert shipped.section(4).title_zh == "聚焦群众关切,改善教育民生"


def test_metric_ids_and_goals(shipped: TargetsFile):
    metrics = {m.id: m for m in shipped.metrics}
    assert set(metrics) == set(METRIC_GOALS)
    for tid, (op, goal, unit) in METRIC_GOALS.items():
        m = metrics[tid]
        assert (m.op, m.goal_fraction, m.unit) == (op, goal, unit), tid
        assert isinstance(m.goal_fraction, Fraction)
        assert (m.denominator is not None) == (unit == "percent"), tid
    assert shipped.by_id("preschool_gross_enrolment").denominator.table == "population"
    inclusive = shipped.by_id("inclusive_kindergarten_coverage").numerator
    assert inclusive.where == {"school_type": ["kindergarten"], "inclusive": [True]}
    health = shipped.by_id("health_data_reporting")
    assert "kindergarten" not in health.numerator.where["school_type"]
    assert health.numerator.where == health.denominator.where
    assert len(health.numerator.where["school_type"]) == 7
    assert shipped.by_id("compulsory_dropouts").numerator.where["school_type"] == [
        "primary", "junior", "nine_year", "complete_secondary", "special"]


def test_ids_unique_and_kinds_split(shipped: TargetsFile):
    ids = [t.id for t in shipped.targets]
    assert len(ids) == len(set(ids))
    assert len(shipped.metrics) + len(shipped.milestones) == len(shipped.targets)
    assert all(isinstance(t, MilestoneTarget) for t in shipped.milestones)
    with pytest.raises(KeyError):
        shipped.by_id("no_such_target")


def test_item_20_one_milestone_per_building(shipped: TargetsFile):
    item20 = [m for m in shipped.milestones if m.item == 20]
    assert len(item20) == 22
    assert {m.id for m in item20 if m.required_status == "completed"} == ITEM_20_COMPLETED
    assert {m.id for m in item20 if m.required_status == "started"} == ITEM_20_STARTED
    assert all(m.category == "construction" and m.place_zh for m in item20)


def test_other_milestones(shipped: TargetsFile):
    status = {m.id: (m.item, m.required_status, m.category) for m in shipped.milestones if m.item != 20}
    assert status["appraisal_zhengan_no1_high_school"] == (12, "completed", "appraisal")
    assert status["appraisal_zhengan_no8_high_school"] == (12, "completed", "appraisal")
    assert status["apply_ruihao_kindergarten_city_demonstration"] == (10, "completed", "application")
    assert status["apply_xinzhou_central_kindergarten_city_demonstration"] == (10, "completed", "application")
    assert status["community_education_demo_fengyi"] == (15, "completed", "demonstration_site")
    assert status["community_education_demo_anchang"] == (15, "completed", "demonstration_site")
    assert status["setup_county_community_education_college"][:2] == (15, "completed")
    assert status["build_zhengan_vocational_poverty_alleviation_base"][:2] == (13, "started")
    assert status["build_zhengan_vocational_smart_campus"][:2] == (13, "started")
    assert status["monitor_2021_math_pe_quality"][:2] == (27, "completed")
    assert status["apply_2022_national_quality_monitoring_pilot"] == (27, "completed", "application")


def test_sources_are_quoted_from_their_item(shipped: TargetsFile, plan_text: str):
    items = _items(plan_text)
    assert sorted(items) == list(range(1, 32))
    for t in shipped.targets:
        section, paragraph = items[t.item]
        assert t.section == section, f"{t.id}: item {t.item} is in section {section}"
        assert _squash(t.source) in _squash(paragraph), f"{t.id}: source not found in item {t.item}"
        if isinstance(t, MilestoneTarget) and t.place_zh:
            assert t.place_zh in t.source, t.id


def test_section_titles_are_the_plans(shipped: TargetsFile, plan_text: str):
    numerals = "一二三四五六七"
    lines = set(plan_text.splitlines())
    for s in shipped.sections:
        assert f"{numerals[s.number - 1]}、{s.title_zh}" in lines


def test_module_does_not_import_pandas():
    code = "import sys, plancheck.plan.targets as t; t.load_targets(); sys.exit('pandas' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# --------------------------------------------------------------- bad files
HEAD = """\
plan:
  id: p
  title_zh: 计划
  title_en: Plan
  year: 2021
  source_file: plan.txt
sections:
  - number: 3
    title_zh: 三
    title_en: Three
targets:
"""  # 11 lines: the first target starts on line 12

METRIC = """\
  - kind: metric
    id: {id}
    section: 3
    item: 10
    title_zh: 指标
    title_en: Metric
    source: 来源
    numerator:
      table: schools
      agg: {agg}
      column: {column}
      where: {{school_type: [{stype}]}}
    denominator: {{table: schools, agg: count}}
    op: "{op}"
    goal: {goal}
    unit: percent
    gap_unit_zh: 所学校
    gap_unit_en: schools
"""  # relative lines: id 2, agg 10, column 11, where 12, op 14, goal 15

MILESTONE = """\
  - kind: milestone
    id: {id}
    section: 3
    item: 20
    title_zh: 建成
    title_en: Built
    source: 建成
    required_status: completed
    category: construction
"""


def metric(**kw) -> str:
    values = dict(id="m1", agg="count_true", column="guards_in_place", stype="primary", op=">=", goal="96%")
    values.update(kw)
    return METRIC.format(**values)


def problems_of(text: str) -> list[TargetsProblem]:
    with pytest.raises(TargetsError) as info:
        parse_targets(text)
    assert info.value.problems, "TargetsError without problems"
    return info.value.problems


def lines_of(text: str) -> list[int]:
    return [p.line for p in problems_of(text)]


def test_valid_inline_file_parses():
    tf = parse_targets(plan(HEAD, metric(), MILESTONE.format(id="b1")))
    assert [t.id for t in tf.targets] == ["m1", "b1"]
    assert isinstance(tf.targets[0], MetricTarget) and tf.targets[0].goal == Decimal("0.96")


def test_malformed_yaml_is_located():
    text = "plan:\n  id: p\n  title_zh: [unclosed\nsections: []\n"
    (p,) = problems_of(text)
    assert p.line == 4 and "invalid YAML" in p.message
    (p,) = problems_of("plan:\n  id: p\n   bad: indent\n")
    assert p.line == 3


def test_unknown_key_is_located():
    text = plan(HEAD, metric().replace("    gap_unit_en: schools\n", "    gap_unit_en: schools\n    gaol: 1\n"))
    (p,) = problems_of(text)
    assert (p.line, p.column) == (30, 5)
    assert p.where == "targets[0].gaol" and "'goal'" in p.message
    (p,) = problems_of(plan(HEAD.replace("  year: 2021\n", "  year: 2021\n  yaer: 2021\n"), metric()))
    assert p.line == 6 and p.where == "plan.yaer"


def test_unknown_column_is_located():
    (p,) = problems_of(plan(HEAD, metric(column="guards")))
    assert p.line == 22 and p.where == "targets[0].numerator.column"
    assert "unknown column 'guards'" in p.message


def test_sum_over_bool_column_is_rejected():
    (p,) = problems_of(plan(HEAD, metric(agg="sum")))
    # the column's kind is named as the plan declares it (kind: yes_no / integer)
    assert p.line == 22 and "number column" in p.message and "is yes_no" in p.message and "count_true" in p.message
    (p,) = problems_of(plan(HEAD, metric(agg="count_true", column="students")))
    assert p.line == 22 and "yes/no column" in p.message and "is integer" in p.message and "agg: sum" in p.message


def test_bad_where_value_is_located():
    (p,) = problems_of(plan(HEAD, metric(stype="kindergarden")))
    assert (p.line, p.where) == (23, "targets[0].numerator.where.school_type[0]")
    assert "kindergarten" in p.message
    text = plan(HEAD, metric().replace("{school_type: [primary]}", "{inclusive: [maybe], town2: [x]}"))
    assert [(p.line, p.where) for p in problems_of(text)] == [
        (23, "targets[0].numerator.where.inclusive[0]"), (23, "targets[0].numerator.where.town2")]


def test_percent_goal_written_as_96_gets_a_hint():
    (p,) = problems_of(plan(HEAD, metric(goal="96")))
    assert (p.line, p.where) == (26, "targets[0].goal")
    assert "96%" in p.message and "0.96" in p.message


@pytest.mark.parametrize("op, goal, why", [
    (">", "100%", "never"), ("<", "0", "never"), ("<=", "100%", "always"), (">=", "0%", "always"),
    (">=", "-5%", "between"), ("==", "120%", "between"), (">=", "true", "number"), (">=", "lots", "number"),
])
def test_impossible_or_trivial_percent_goals(op, goal, why):
    (p,) = problems_of(plan(HEAD, metric(op=op, goal=goal)))
    assert p.line == 26 and why in p.message


@pytest.mark.parametrize("op, goal, why", [
    ("<", "0", "never"), (">=", "0", "always"), ("==", "-1", "negative"), ("<=", "2.5", "whole"),
    ("==", "5%", "percentage"),
])
def test_impossible_count_goals(op, goal, why):
    text = HEAD + MILESTONE.format(id="b1") + """\
  - kind: metric
    id: c1
    section: 3
    item: 11
    title_zh: 大班额
    title_en: Large classes
    source: 杜绝
    numerator: {table: schools, agg: sum, column: large_classes}
    op: "%s"
    goal: %s
    unit: count
    gap_unit_zh: 个
    gap_unit_en: classes
""" % (op, goal)
    (p,) = problems_of(plan(text))
    assert (p.line, p.where) == (30, "targets[1].goal") and why in p.message


def test_goal_spellings_are_equal():
    for goal in ("0.96", "96%", '"96 %"', '"0.96"', "96.0%"):
        tf = parse_targets(plan(HEAD, metric(goal=goal)))
        assert tf.metrics[0].goal_fraction == Fraction(24, 25), goal


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=99))
def test_percent_goals_are_exact(n):
    tf = parse_targets(plan(HEAD, metric(goal=f"{n}%")))
    assert tf.metrics[0].goal_fraction == Fraction(n, 100)
    tf = parse_targets(plan(HEAD, metric(goal=str(n / 100))))
    assert tf.metrics[0].goal_fraction == Fraction(n, 100)


def test_percent_needs_denominator_and_count_forbids_one():
    text = plan(HEAD, metric().replace("    denominator: {table: schools, agg: count}\n", ""))
    (p,) = problems_of(text)
    assert p.where == "targets[0].denominator" and "denominator" in p.message and p.line == 12
    text = plan(HEAD, metric().replace("unit: percent", "unit: count").replace("goal: 96%", "goal: 0").replace(
        'op: ">="', 'op: "=="'))
    (p,) = problems_of(text)
    assert (p.line, p.where) == (24, "targets[0].denominator")


def test_duplicate_id_is_located():
    problems = problems_of(plan(HEAD, metric(id="x1"), MILESTONE.format(id="x1")))
    assert [(p.line, p.where) for p in problems] == [(31, "targets[1].id")]
    assert "duplicate id 'x1'" in problems[0].message


def test_duplicate_id_is_an_error_of_the_model_too():
    import yaml

    data = yaml.safe_load(plan(HEAD, MILESTONE.format(id="x1"), MILESTONE.format(id="x1")))
    with pytest.raises(ValidationError, match="duplicate id"):
        TargetsFile.model_validate(data)


def test_unknown_section_is_located():
    (p,) = problems_of(plan(HEAD, MILESTONE.format(id="b1").replace("section: 3", "section: 9")))
    assert (p.line, p.where) == (14, "targets[0].section")


def test_yaml_alias_is_refused():
    text = plan(HEAD, "  - &one\n", MILESTONE.format(id="b1").replace("  - kind", "    kind", 1), "  - *one\n")
    (p,) = problems_of(text)
    assert p.line == 12 and "anchor" in p.message
    (p,) = problems_of("plan: *nothing\n")
    assert p.line == 1 and "alias" in p.message


def test_alias_bomb_is_refused_quickly():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(20))
    (p,) = problems_of(bomb)
    assert p.line == 1


def test_python_object_tag_is_refused():
    text = plan(HEAD, "  - !!python/object/apply:os.system [echo pwned]\n")
    (p,) = problems_of(text)
    assert p.line == 12 and "tag" in p.message
    (p,) = problems_of("plan: !!python/name:os.system ''\n")
    assert p.line == 1


def test_duplicate_key_is_located():
    text = plan(HEAD, metric().replace("    item: 10\n", "    item: 10\n    item: 11\n"))
    (p,) = problems_of(text)
    assert (p.line, p.where) == (16, "targets[0].item") and "twice" in p.message


def test_bad_kind_is_located():
    text = plan(HEAD, MILESTONE.format(id="b1").replace("kind: milestone", "kind: milestone_x"))
    (p,) = problems_of(text)
    assert (p.line, p.where) == (12, "targets[0].kind")


def test_many_problems_reported_at_once():
    text = plan(HEAD.replace("  year: 2021\n", "  year: twenty\n"),
                metric(id="m1", column="nope", goal="96"),
                MILESTONE.format(id="m1").replace("required_status: completed", "required_status: done"),
                metric(id="Bad-Id", stype="kindergarden"))
    problems = problems_of(text)
    got = [(p.line, p.where) for p in problems]
    assert got == [
        (5, "plan.year"),
        (22, "targets[0].numerator.column"),
        (26, "targets[0].goal"),
        (31, "targets[1].id"),
        (37, "targets[1].required_status"),
        (40, "targets[2].id"),
        (50, "targets[2].numerator.where.school_type[0]"),
    ]
    assert got == sorted(got)


def test_not_a_mapping_and_empty():
    (p,) = problems_of("- a\n- b\n")
    assert p.line == 1 and "mapping" in p.message
    (p,) = problems_of("")
    assert "empty" in p.message


def test_problem_str_and_error_text():
    p = TargetsProblem(41, 9, "targets[3].goal", "bad goal")
    assert str(p) == "targets.yaml:41:9: targets[3].goal: bad goal"
    assert str(TargetsProblem(None, None, "", "oops", file="x.yaml")) == "x.yaml: oops"
    with pytest.raises(TargetsError) as info:
        parse_targets(plan(HEAD, metric(goal="96")), name="mine.yaml")
    assert "mine.yaml:26:11: targets[0].goal:" in str(info.value)
    assert info.value.path == "mine.yaml"


def test_load_refuses_big_non_utf8_and_missing_files(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * MAX_BYTES + b"\n")
    with pytest.raises(TargetsError, match="larger than"):
        load_targets(big)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("plan:\n  title_zh: caf\xe9\n".encode("latin-1"))
    with pytest.raises(TargetsError) as info:
        load_targets(latin)
    assert info.value.problems[0].line == 2 and "UTF-8" in info.value.problems[0].message
    with pytest.raises(TargetsError, match="cannot read"):
        load_targets(tmp_path / "missing.yaml")
    good = tmp_path / "good.yaml"
    good.write_text(plan(HEAD, metric()), encoding="utf-8")
    assert load_targets(str(good)).by_id("m1").unit == "percent"
