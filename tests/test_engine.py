"""engine.py: every metric target's formula on small hand-computed tables, boundaries, gaps, no_data."""

from __future__ import annotations

from fractions import Fraction

import pytest

from conftest import build_tables, school
import numpy as np
import pandas as pd

from plan2021 import CONTRACT
from plancheck.engine import (FAIL, NO_DATA, PASS, _missing_in_sum, _View, _views, evaluate, evaluate_by,
                              evaluate_metric, gap_to_goal, group_positions)
from plancheck.report.common import figure, offender_text, percent

METRIC_IDS = [
    "preschool_gross_enrolment", "inclusive_kindergarten_coverage", "public_kindergarten_share",
    "vocational_attrition", "health_data_reporting", "security_guards", "closed_campus", "alarm_linked",
    "antiterror_standard", "supervision_coverage", "large_classes", "compulsory_dropouts", "bullying_incidents",
]


def metric(plan, target_id, tables):
    return evaluate_metric(plan.by_id(target_id), tables, contract=CONTRACT)


def kgs(*specs, town="凤仪街道"):
    """Kindergartens from (students, ownership, inclusive) triples; classes keep 25 per class."""
    return [school(f"K{i}", "kindergarten", town=town, students=n, classes=max(1, -(-n // 25)),
                   ownership=own, inclusive=inc) for i, (n, own, inc) in enumerate(specs)]


def test_the_plan_has_the_13_metrics(plan):
    assert [t.id for t in plan.metrics] == METRIC_IDS


# ------------------------------------------------------------ preschool gross enrolment
def test_gross_enrolment_exactly_96_percent_passes(plan):
    # 96 children enrolled / 100 children aged 3-5 = 96% = goal
    r = metric(plan, "preschool_gross_enrolment", build_tables(kgs((96, "公办", "是")), {"凤仪街道": 100}))
    assert (r.status, r.numerator, r.denominator, r.actual, r.gap) == (PASS, 96, 100, Fraction(96, 100), 0)


def test_gross_enrolment_just_below_fails_with_children_needed(plan):
    # 2399 / 2500 = 95.96% < 96%; goal*den = 2400, so ceil(2400 - 2399) = 1 more child
    tables = build_tables(kgs((1200, "公办", "是"), (1199, "民办", "是")), {"凤仪街道": 2500})
    r = metric(plan, "preschool_gross_enrolment", tables)
    assert (r.status, r.numerator, r.denominator, r.gap) == (FAIL, 2399, 2500, 1)
    assert percent(r.actual, goal=r.goal) == "95.96%"


def test_gross_enrolment_gap_is_ceiling(plan):
    # 2 towns' population 1234 + 1000 = 2234; goal*den = 0.96*2234 = 2144.64; enrolled 2000
    # -> ceil(144.64) = 145 more children (144 would give 2144/2234 = 95.97%, still short)
    tables = build_tables(kgs((1000, "公办", "是"), (1000, "公办", "是")), {"凤仪街道": 1234, "瑞濠街道": 1000})
    r = metric(plan, "preschool_gross_enrolment", tables)
    assert (r.status, r.numerator, r.denominator, r.gap) == (FAIL, 2000, 2234, 145)
    assert Fraction(2000 + 144, 2234) < Fraction(96, 100) <= Fraction(2000 + 145, 2234)


def test_gross_enrolment_without_population_table_is_no_data(plan):
    r = metric(plan, "preschool_gross_enrolment", build_tables(kgs((500, "公办", "是"))))
    assert (r.status, r.actual, r.numerator, r.denominator, r.gap) == (NO_DATA, None, None, None, None)


def test_gross_enrolment_counts_only_kindergarten_children(plan):
    # a primary school's 1000 pupils are not preschool children: 48 / 50 = 96%
    tables = build_tables(kgs((48, "公办", "是")) + [school("P1", "primary", students=1000, classes=25)],
                          {"凤仪街道": 50})
    r = metric(plan, "preschool_gross_enrolment", tables)
    assert (r.status, r.numerator, r.denominator) == (PASS, 48, 50)


def test_gross_enrolment_towns_behind_are_listed_with_their_own_population(plan):
    # town A 90/100 (needs ceil(96-90)=6), town B 190/200 (needs ceil(192-190)=2)
    # county 280/300 = 93.33%: fails, ceil(288 - 280) = 8 more children
    tables = build_tables(kgs((90, "公办", "是"), town="凤仪街道") +
                          [dict(r, school_id="B" + r["school_id"]) for r in kgs((190, "公办", "是"), town="瑞濠街道")],
                          {"凤仪街道": 100, "瑞濠街道": 200})
    r = metric(plan, "preschool_gross_enrolment", tables)
    assert (r.status, r.numerator, r.denominator, r.gap) == (FAIL, 280, 300, 8)
    assert [(o.name, o.value, o.needed) for o in r.offenders] == [
        ("凤仪街道", Fraction(90, 100), 6), ("瑞濠街道", Fraction(190, 200), 2)]


def test_evaluate_by_town_uses_each_towns_population(plan):
    # A: 90 / 100 = 90% fails (6 more); B: 200 / 200 = 100% passes; county 290/300 = 96.67% passes
    tables = build_tables(kgs((90, "公办", "是"), town="凤仪街道") +
                          [dict(r, school_id="B" + r["school_id"]) for r in kgs((200, "公办", "是"), town="瑞濠街道")],
                          {"凤仪街道": 100, "瑞濠街道": 200})
    assert metric(plan, "preschool_gross_enrolment", tables).status == PASS
    by = evaluate_by(plan, tables, "town")
    assert sorted(by) == ["凤仪街道", "瑞濠街道"]
    a = next(r for r in by["凤仪街道"] if r.target_id == "preschool_gross_enrolment")
    b = next(r for r in by["瑞濠街道"] if r.target_id == "preschool_gross_enrolment")
    assert (a.status, a.numerator, a.denominator, a.gap, a.group) == (FAIL, 90, 100, 6, ("town", "凤仪街道"))
    assert (b.status, b.numerator, b.denominator, b.gap) == (PASS, 200, 200, 0)


# ------------------------------------------------------------ kindergarten shares
def test_inclusive_coverage_is_children_weighted_not_mean_of_schools(plan):
    # public 970 (inclusive) + three private non-inclusive kindergartens of 10 each:
    # weighted 970 / 1000 = 97% >= 95% -> pass; mean of school rates (1+0+0+0)/4 = 25% would fail
    tables = build_tables(kgs((970, "公办", None), (10, "民办", "否"), (10, "民办", "否"), (10, "民办", "否")))
    r = metric(plan, "inclusive_kindergarten_coverage", tables)
    assert (r.status, r.numerator, r.denominator) == (PASS, 970, 1000)


def test_inclusive_coverage_counts_private_inclusive_and_lists_the_rest(plan):
    # public 60 + private inclusive 30 = 90 of 100 = 90% < 95%; ceil(95 - 90) = 5 more children
    tables = build_tables(kgs((60, "公办", "是"), (30, "民办", "是"), (4, "民办", "否"), (6, "民办", "否")))
    r = metric(plan, "inclusive_kindergarten_coverage", tables)
    assert (r.status, r.numerator, r.denominator, r.gap) == (FAIL, 90, 100, 5)
    assert [(o.school_id, o.value) for o in r.offenders] == [("K3", 6), ("K2", 4)]   # most children first


def test_public_share_exactly_65_percent_passes_and_just_below_fails(plan):
    # 65 / 100 = 65% passes
    r = metric(plan, "public_kindergarten_share", build_tables(kgs((65, "公办", "是"), (35, "民办", "是"))))
    assert (r.status, r.actual, r.gap) == (PASS, Fraction(65, 100), 0)
    # 1299 / 2000 = 64.95% fails; 0.65*2000 = 1300 -> 1 more child
    r = metric(plan, "public_kindergarten_share", build_tables(kgs((1299, "公办", "是"), (701, "民办", "是"))))
    assert (r.status, r.numerator, r.denominator, r.gap) == (FAIL, 1299, 2000, 1)
    assert [o.school_id for o in r.offenders] == ["K1"]


def test_public_share_with_no_public_kindergarten_is_zero_not_no_data(plan):
    # 0 / 50: the kindergartens are there, none is public
    r = metric(plan, "public_kindergarten_share", build_tables(kgs((50, "民办", "是"))))
    assert (r.status, r.numerator, r.denominator, r.actual) == (FAIL, 0, 50, 0)


def test_kindergarten_figures_are_no_data_without_kindergartens(plan):
    tables = build_tables([school("P1", "primary")])
    for tid in ("inclusive_kindergarten_coverage", "public_kindergarten_share"):
        assert metric(plan, tid, tables).status == NO_DATA


# ------------------------------------------------------------ vocational attrition
def test_attrition_exactly_10_percent_passes_10_01_fails(plan):
    # 10 / 100 = 10% <= 10% passes
    r = metric(plan, "vocational_attrition", build_tables([school("V1", "vocational", students_lost=10)]))
    assert (r.status, r.numerator, r.denominator, r.gap) == (PASS, 10, 100, 0)
    # 1001 / 10000 = 10.01% fails; floor(0.10*10000) = 1000 -> 1 fewer student lost
    r = metric(plan, "vocational_attrition", build_tables(
        [school("V1", "vocational", students=9000, classes=200, students_start=10000, students_lost=1001)]))
    assert (r.status, r.numerator, r.denominator, r.gap) == (FAIL, 1001, 10000, 1)
    # V1 lost 1001; it alone needs to lose 1 fewer (the gap), not all 1001
    assert [(o.school_id, o.value, o.needed) for o in r.offenders] == [("V1", 1001, 1)]


def test_attrition_holders_back_need_at_most_the_gap(plan):
    # V1 30/100, V2 5/100: 35/200 = 17.5%; floor(0.1*200) = 20 -> 15 fewer lost.
    # V1 alone could close it (needs 15 of its 30); V2 alone cannot (all its 5)
    tables = build_tables([school("V1", "vocational", students_lost=30), school("V2", "vocational", students_lost=5)])
    r = metric(plan, "vocational_attrition", tables)
    assert (r.status, r.numerator, r.denominator, r.gap) == (FAIL, 35, 200, 15)
    assert [(o.school_id, o.value, o.needed) for o in r.offenders] == [("V1", 30, 15), ("V2", 5, 5)]


def test_attrition_is_a_sum_over_sums(plan):
    # V1: 50/1000 = 5%, V2: 5/10 = 50%; mean of rates 27.5% would fail;
    # weighted 55 / 1010 = 5.45% <= 10% passes
    tables = build_tables([school("V1", "vocational", students_start=1000, students_lost=50, students=950, classes=20),
                           school("V2", "vocational", students_start=10, students_lost=5, students=5, classes=1)])
    r = metric(plan, "vocational_attrition", tables)
    assert (r.status, r.numerator, r.denominator) == (PASS, 55, 1010)


def test_attrition_leaves_out_other_schools_and_needs_a_vocational_school(plan):
    # a kindergarten and a senior high are not vocational: only V1's 3 / 100 count
    tables = build_tables(kgs((300, "公办", "是")) + [school("S1", "senior", students=900, classes=20),
                                                      school("V1", "vocational", students_lost=3)])
    r = metric(plan, "vocational_attrition", tables)
    assert (r.numerator, r.denominator, r.status) == (3, 100, PASS)
    r = metric(plan, "vocational_attrition", build_tables(kgs((300, "公办", "是")) + [school("S1", "senior")]))
    assert (r.status, r.actual) == (NO_DATA, None)


# ------------------------------------------------------------ counts of schools
def test_health_data_reporting_excludes_kindergartens_and_lists_non_reporters(plan):
    # denominator: P1, P2, J1, V1 = 4 schools (the kindergarten does not report); reported: P1, V1 = 2
    tables = build_tables(kgs((100, "公办", "是")) + [
        school("P1", "primary"), school("P2", "primary", health_data_reported="否"),
        school("J1", "junior", health_data_reported="否"), school("V1", "vocational")])
    r = metric(plan, "health_data_reporting", tables)
    assert (r.status, r.numerator, r.denominator, r.gap) == (FAIL, 2, 4, 2)
    assert [(o.school_id, o.needed) for o in r.offenders] == [("P2", 1), ("J1", 1)]
    assert r.offender_count == 2


@pytest.mark.parametrize("target_id, column", [
    ("security_guards", "guards_in_place"), ("closed_campus", "closed_campus"),
    ("alarm_linked", "alarm_linked"), ("supervision_coverage", "supervisor_assigned")])
def test_all_schools_targets_count_every_school_incl_kindergartens(plan, target_id, column):
    rows = kgs((100, "公办", "是"), (50, "民办", "是")) + [school("P1", "primary"), school("V1", "vocational")]
    r = metric(plan, target_id, build_tables(rows))
    assert (r.status, r.numerator, r.denominator, r.actual) == (PASS, 4, 4, 1)
    rows[1] = dict(rows[1], **{column: "否"})       # the private kindergarten K1 falls short: 3 / 4
    r = metric(plan, target_id, build_tables(rows))
    assert (r.status, r.numerator, r.denominator, r.gap) == (FAIL, 3, 4, 1)
    assert [o.school_id for o in r.offenders] == ["K1"]


def test_antiterror_exactly_80_percent_passes(plan):
    # 4 of 5 schools = 80.00% >= 80%
    rows = [school(f"P{i}", antiterror_standard="是" if i < 4 else "否") for i in range(5)]
    r = metric(plan, "antiterror_standard", build_tables(rows))
    assert (r.status, r.numerator, r.denominator, r.gap) == (PASS, 4, 5, 0)
    assert percent(r.actual, goal=r.goal) == "80.00%"


def test_antiterror_gap_is_schools_still_needed(plan):
    # 13 of 20 = 65%; 0.8 * 20 = 16 -> 3 more schools; the 7 short ones are listed
    rows = [school(f"P{i:02}", antiterror_standard="是" if i < 13 else "否") for i in range(20)]
    r = metric(plan, "antiterror_standard", build_tables(rows))
    assert (r.status, r.numerator, r.denominator, r.gap, r.offender_count) == (FAIL, 13, 20, 3, 7)
    # 79 of 99 = 79.80% < 80%; 0.8*99 = 79.2 -> ceil(0.2) = 1 more school
    rows = [school(f"P{i:02}", antiterror_standard="是" if i < 79 else "否") for i in range(99)]
    r = metric(plan, "antiterror_standard", build_tables(rows))
    assert (r.status, r.gap) == (FAIL, 1)


# ------------------------------------------------------------ counts that must be zero
def test_large_classes_sum_compulsory_schools_most_first(plan):
    # P1 1, J1 3, N1 0 -> 4 oversized classes; a senior high is not compulsory and has no such column
    tables = build_tables([school("P1", "primary", large_classes=1), school("J1", "junior", large_classes=3),
                           school("N1", "nine_year"), school("S1", "senior")])
    r = metric(plan, "large_classes", tables)
    assert (r.status, r.numerator, r.denominator, r.actual, r.gap) == (FAIL, 4, None, 4, 4)
    assert [(o.school_id, o.value, o.needed, o.row) for o in r.offenders] == [("J1", 3, 3, 3), ("P1", 1, 1, 2)]


def test_zero_counts_pass(plan):
    tables = build_tables([school("P1", "primary"), school("X1", "special")])
    for tid in ("large_classes", "compulsory_dropouts", "bullying_incidents"):
        r = metric(plan, tid, tables)
        assert (r.status, r.actual, r.numerator, r.gap, r.offenders) == (PASS, 0, 0, 0, [])


def test_dropouts_include_special_schools(plan):
    # special school X1 2 dropouts + primary P1 1 = 3
    tables = build_tables([school("P1", "primary", dropouts=1), school("X1", "special", dropouts=2)])
    r = metric(plan, "compulsory_dropouts", tables)
    assert (r.status, r.numerator, r.gap) == (FAIL, 3, 3)
    assert [(o.school_id, o.value) for o in r.offenders] == [("X1", 2), ("P1", 1)]


def test_count_targets_without_applicable_schools_are_no_data(plan):
    tables = build_tables(kgs((100, "公办", "是")))
    assert metric(plan, "large_classes", tables).status == NO_DATA
    assert metric(plan, "compulsory_dropouts", tables).status == NO_DATA
    assert metric(plan, "bullying_incidents", tables).status == PASS    # every school counts


def test_bullying_counts_every_school(plan):
    tables = build_tables(kgs((100, "公办", "是")) + [school("S1", "senior", bullying_incidents=2)])
    r = metric(plan, "bullying_incidents", tables)
    assert (r.status, r.numerator, r.gap) == (FAIL, 2, 2)


def test_empty_submission_is_no_data_never_pass(plan):
    results = evaluate(plan, build_tables())   # no table supplied at all
    assert {r.status for r in results} == {NO_DATA}


# ------------------------------------------------------------ milestones
def test_milestones_status_ordering_and_missing_rows(plan):
    started = "build_zhengan_vocational_smart_campus"           # requires started
    completed = "build_banzhu_shangba_kindergarten"            # requires completed
    assert plan.by_id(started).required_status == "started"
    assert plan.by_id(completed).required_status == "completed"
    tables = build_tables(milestones={started: "completed", completed: "started"})
    by_id = {r.target_id: r for r in evaluate(plan, tables)}
    assert (by_id[started].status, by_id[started].reported_status) == (PASS, "completed")
    assert (by_id[completed].status, by_id[completed].gap) == (FAIL, 1)
    missing = by_id["build_zhengan_no9_middle_school"]
    assert (missing.status, missing.reported_status) == (NO_DATA, None)
    tables = build_tables(milestones={started: "not_started"})
    assert {r.target_id: r for r in evaluate(plan, tables)}[started].status == FAIL
    tables = build_tables(milestones={completed: "completed"})
    assert {r.target_id: r for r in evaluate(plan, tables)}[completed].status == PASS


# ------------------------------------------------------------ gap arithmetic
@pytest.mark.parametrize("num, den, op, goal, expected", [
    (2399, 2500, ">=", Fraction(96, 100), 1),     # 2400 - 2399
    (2000, 2234, ">=", Fraction(96, 100), 145),   # ceil(2144.64 - 2000)
    (96, 100, ">=", Fraction(96, 100), 0),
    (1001, 10000, "<=", Fraction(1, 10), 1),      # 1001 - floor(1000)
    (260, 2501, "<=", Fraction(1, 10), 10),       # 260 - floor(250.1)
    (216, 219, "==", Fraction(1), 3),
    (4, None, "==", Fraction(0), 4),
])
def test_gap_to_goal(num, den, op, goal, expected):
    assert gap_to_goal(num, den, op, goal) == expected


# ------------------------------------------------------------ display
def test_percent_never_shows_a_failing_rate_as_the_goal():
    goal = Fraction(96, 100)
    assert percent(Fraction(95996, 100000), goal=goal) == "95.996%"
    assert percent(Fraction(2399, 2500), goal=goal) == "95.96%"
    assert percent(goal, goal=goal) == "96.00%"
    assert percent(Fraction(1001, 10000), goal=Fraction(1, 10)) == "10.01%"
    assert percent(Fraction(100004, 1000000), goal=Fraction(1, 10)) == "10.0004%"
    assert percent(Fraction(219999, 220000), goal=Fraction(1)) != "100.00%"


def test_percent_never_rounds_across_the_goal():
    # goal 95.556%, value 95.5555% (below): 2 digits would show 95.56%, above the goal
    goal, value = Fraction(95556, 100000), Fraction(955555, 1000000)
    shown = percent(value, goal=goal)
    assert float(shown.rstrip("%")) < 95.556, shown


def test_town_offender_rate_is_not_rounded_up_to_the_goal(plan):
    # town rate 9599/10000 = 95.99% would show "96.0%" at one digit
    tables = build_tables(kgs((9599, "公办", "是")), {"凤仪街道": 10000})
    r = metric(plan, "preschool_gross_enrolment", tables)
    assert r.status == FAIL and r.offenders[0].value == Fraction(9599, 10000)
    assert "96.0%" not in offender_text(r, "en")
    assert figure(r) == "95.99%"


def test_evaluate_by_town_without_kindergarten_is_zero_enrolment_not_no_data(plan):
    # county: 90 enrolled / (100 + 100) children = 45%; 瑞濠街道 has 100 children and no kindergarten:
    # 0 / 100 = 0%, needs ceil(96 - 0) = 96 more children, as the county's holders-back already say
    tables = build_tables(kgs((90, "公办", "是")), {"凤仪街道": 100, "瑞濠街道": 100})
    county = metric(plan, "preschool_gross_enrolment", tables)
    assert [(o.name, o.value, o.needed) for o in county.offenders] == [
        ("瑞濠街道", Fraction(0), 96), ("凤仪街道", Fraction(90, 100), 6)]
    town = next(r for r in evaluate_by(plan, tables, "town")["瑞濠街道"]
                if r.target_id == "preschool_gross_enrolment")
    assert (town.status, town.numerator, town.denominator, town.gap) == (FAIL, 0, 100, 96)
    # figures over the schools table alone stay no_data for a town without schools
    other = {r.target_id: r.status for r in evaluate_by(plan, tables, "town")["瑞濠街道"]}
    assert other["security_guards"] == NO_DATA and other["public_kindergarten_share"] == NO_DATA


def test_attrition_with_no_students_at_the_start_is_no_data(plan):
    # 0 lost / 0 at the start: no rate to judge
    tables = build_tables([school("V1", "vocational", students_start=0, students_lost=0, students=0, classes=0)])
    r = metric(plan, "vocational_attrition", tables)
    assert (r.status, r.actual, r.denominator) == (NO_DATA, None, None)


def test_gross_enrolment_is_children_weighted_across_towns(plan):
    # 凤仪街道 1000/1000 = 100%, 瑞濠街道 5/10 = 50%: the mean of town rates (75%) would fail;
    # the county figure is (1000 + 5) / (1000 + 10) = 99.50% >= 96% -> pass
    tables = build_tables(kgs((1000, "公办", "是"), town="凤仪街道") +
                          [dict(r, school_id="B" + r["school_id"]) for r in kgs((5, "公办", "是"), town="瑞濠街道")],
                          {"凤仪街道": 1000, "瑞濠街道": 10})
    r = metric(plan, "preschool_gross_enrolment", tables)
    assert (r.status, r.numerator, r.denominator) == (PASS, 1005, 1010)


def test_a_value_in_a_column_that_does_not_apply_is_not_counted(plan):
    # a kindergarten reporting 5 dropouts and 2 oversized classes: warned (not_applicable), not counted
    tables = build_tables([dict(kgs((100, "公办", "是"))[0], dropouts=5, large_classes=2),
                           school("P1", "primary", dropouts=1)])
    assert (metric(plan, "compulsory_dropouts", tables).numerator,
            metric(plan, "large_classes", tables).numerator) == (1, 0)


# ------------------------------------------------------------ shared masks and group cuts
def _hand_table():
    """Seven schools out of order (index labels not positions), with missing cells and a roster placeholder."""
    return pd.DataFrame({
        "school_name": ["A", "B", "C", "D", "E", "F", "G"],
        "town": pd.array(["x", "y", None, "x", "y", "x", "z"], dtype="string"),
        "school_type": pd.array(["primary", "junior", "primary", None, "primary", "kindergarten", None], dtype="string"),
        "dropouts": pd.array([2, None, 5, 1, 0, 3, None], dtype="Int64"),
        "guards_in_place": pd.array([True, None, False, True, True, None, False], dtype="boolean"),
        "_missing": [False, False, False, False, False, False, True],
    }, index=[10, 3, 7, 0, 22, 5, 1])


@pytest.mark.parametrize("where", [{}, {"school_type": ["primary"]}, {"school_type": ["primary", "junior"]},
                                   {"school_type": ["primary"], "guards_in_place": [True]}])
def test_shared_masks_count_what_pandas_counts(where):
    df = _hand_table()
    plain = pd.Series(True, index=df.index)
    for column, allowed in where.items():
        plain &= df[column].isin(allowed).fillna(False).astype(bool)
    views = _views({"schools": df})
    for pos in (None, np.array([6, 0, 2, 4])):
        view = _View(views["schools"].table, pos)
        expected = plain if pos is None else plain.iloc[pos]
        sub = df if pos is None else df.iloc[pos]
        assert view.mask(where).tolist() == expected.tolist()
        assert int(view.ints("dropouts")[view.mask(where)].sum()) == int(sub.loc[expected, "dropouts"].fillna(0).sum())
        assert int(view.truthy("guards_in_place")[view.mask(where)].sum()) == \
            int(sub.loc[expected, "guards_in_place"].fillna(False).sum())
    # asked again, the same mask comes from the memo rather than being recomputed
    assert views["schools"].table.isin("school_type", ["primary"]) is views["schools"].table.isin("school_type", ["primary"])


def test_placeholder_with_unknown_type_is_needed_by_a_sum_over_primaries(plan):
    df = _hand_table()
    agg = plan.by_id("compulsory_dropouts").numerator
    needed = _missing_in_sum(agg, _views({"schools": df}))
    # only G is a placeholder; its type is unknown, so it may be one of the schools the sum covers
    assert needed.tolist() == [False] * 6 + [True]


def test_group_positions_cut_the_rows_eq_cuts():
    df = _hand_table()
    values = {"x", "y", "z", "w"}
    cuts = group_positions(df, "town", values)
    for value in values:
        eq = df[df["town"].eq(value).fillna(False).astype(bool)]
        assert df.iloc[cuts.get(value, np.zeros(0, dtype="int64"))].index.tolist() == eq.index.tolist()


def test_breakdown_equals_each_cut_evaluated_alone(plan):
    rows = [school("1", town="安场镇", guards_in_place="否", dropouts=2), school("2", "kindergarten", town="凤仪街道", students=90),
            school("3", town="安场镇", dropouts=1, closed_campus="否"), school("4", "kindergarten", town="安场镇", students=5),
            school("5", "junior", town="流渡镇", alarm_linked="否", large_classes=1)]
    tables = build_tables(rows, {"安场镇": 10, "凤仪街道": 100, "流渡镇": 7})
    shuffled = {name: df.iloc[::-1] for name, df in tables.items()}  # row order and index labels differ
    by_town = evaluate_by(plan, shuffled, "town")
    assert sorted(by_town) == sorted(["安场镇", "凤仪街道", "流渡镇"])
    county = {t.id: evaluate_metric(t, shuffled, contract=CONTRACT) for t in plan.metrics}
    for town, results in by_town.items():
        cut = {name: df[df["town"].eq(town).fillna(False).astype(bool)] for name, df in shuffled.items() if "town" in df}
        alone = [evaluate_metric(t, cut, county[t.id].numerator is not None, contract=CONTRACT) for t in plan.metrics]
        assert [(r.status, r.numerator, r.denominator, r.offender_count, r.offenders) for r in results] == \
            [(r.status, r.numerator, r.denominator, r.offender_count, r.offenders) for r in alone]
    assert {r.status for rs in by_town.values() for r in rs} >= {PASS, FAIL}


def test_a_count_or_total_that_must_rise_without_a_denominator(tmp_path):
    """A future plan may ask for “at least N schools with …” or “at least N pupils”: such a target fails
    without a crash, the schools that could count but do not are listed (a total has none), in the
    county figure and per town alike."""
    from plancheck.plan.targets import parse_targets

    extra = """
  - kind: metric
    id: guards_at_least
    section: 3
    item: 11
    title_zh: 配备专职保安的学校数
    title_en: Schools with security guards
    source: 杜绝“大班额”
    numerator: {table: schools, agg: count_true, column: guards_in_place}
    op: ">="
    goal: 3
    unit: count
    gap_unit_zh: 所学校
    gap_unit_en: schools
  - kind: metric
    id: pupils_at_least
    section: 3
    item: 11
    title_zh: 在校生数
    title_en: Pupils
    source: 杜绝“大班额”
    numerator: {table: schools, agg: sum, column: students}
    op: ">="
    goal: 10000
    unit: count
    gap_unit_zh: 人
    gap_unit_en: pupils
"""
    from conftest import REPO

    base = (REPO / "targets.yaml").read_text(encoding="utf-8")
    head, tail = base.split("\ntargets:\n", 1)
    plan = parse_targets(head + "\ntargets:\n" + extra.lstrip("\n") + tail)
    tables = build_tables([school("1"), school("2", guards_in_place="否"), school("3", town="安场镇")])
    guards, pupils = (evaluate_metric(plan.by_id(i), tables, contract=CONTRACT) for i in ("guards_at_least", "pupils_at_least"))
    assert (guards.status, guards.numerator, guards.gap) == (FAIL, 2, 1)
    assert [(o.school_id, o.needed) for o in guards.offenders] == [("2", 1)]
    assert (pupils.status, pupils.numerator, pupils.offenders, pupils.offender_count) == (FAIL, 300, [], 0)
    by = evaluate_by(plan, tables, "town")
    fy = {r.target_id: r for r in by["凤仪街道"]}
    assert [o.school_id for o in fy["guards_at_least"].offenders] == ["2"]
    assert fy["pupils_at_least"].status == FAIL and fy["pupils_at_least"].offenders == []


def test_a_few_cells_are_read_from_the_chunks_as_many_are_from_the_joined_column():
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from plancheck.engine import _FEW, _Table, _picked

    chunked = pa.chunked_array([["a", "b"], ["c", None, "e"], [], ["f"]])
    assert _picked(chunked, np.array([0, 4, 3, 5, 2, 1])) == ["a", "e", None, "f", "c", "b"]
    column = pd.Series(pd.arrays.ArrowStringArray(chunked))
    few, many = np.array([5, 3, 0]), np.arange(_FEW + 1) % 6
    assert _Table(pd.DataFrame({"name": column})).cells("name", few) == ["f", pd.NA, "a"]
    table = _Table(pd.DataFrame({"name": column}))
    assert table.cells("name", many) == [["a", "b", "c", pd.NA, "e", "f"][k] for k in many]
    assert table.cells("name", few) == ["f", pd.NA, "a"]      # from the joined column now


def test_a_text_column_compared_with_a_few_texts_matches_as_its_distinct_values_do():
    import pandas as pd
    import pyarrow as pa

    from plancheck.check.columns import Distinct
    from plancheck.engine import _FEW_VALUES, _Table

    chunked = pa.chunked_array([["公办", "民办", None], [], ["公办", "其他"]])
    column = pd.Series(pd.arrays.ArrowStringArray(chunked))
    for allowed in ([], ["公办"], ["民办", "其他"], ["无"], ["公办", "民办", "其他", "x", "y"][:_FEW_VALUES + 1]):
        got = _Table(pd.DataFrame({"ownership": column})).isin("ownership", allowed)
        assert got.tolist() == Distinct(column).isin(allowed).tolist(), allowed
    assert _Table(pd.DataFrame({"ownership": column})).isin("ownership", ["公办"]).tolist() == \
        [True, False, False, True, False]
