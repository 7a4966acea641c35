"""evaluate_by computes every group in one pass per target: it must give exactly what each group's
rows evaluated alone give (the slow reference below), field by field, for every group."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import build_tables, school
from plancheck.engine import FAIL, NO_DATA, PASS, evaluate_by, evaluate_metric
from plancheck.check.roster import add_placeholders
from plan2021 import CONTRACT, TABLES, roster_entry

TOWNS = ["凤仪街道", "瑞濠街道", "安场镇", "流渡镇"]
TYPES = ["kindergarten", "primary", "junior", "nine_year", "senior", "complete_secondary", "vocational", "special"]
OPS = [">=", "<=", "==", ">", "<"]


def alone(plan, tables: dict[str, pd.DataFrame], column: str) -> dict[str, list]:
    """The reference: each group's rows cut out of every table that has the column, evaluated alone."""
    values = sorted({str(v) for df in tables.values() if column in df for v in df[column].dropna().unique()})
    county = {t.id: evaluate_metric(t, tables, contract=CONTRACT).numerator is not None for t in plan.metrics}
    out = {}
    for value in values:
        cut = {name: df[df[column].eq(value).fillna(False).astype(bool)] for name, df in tables.items() if column in df}
        results = [evaluate_metric(t, cut, county[t.id] and t.numerator.table in cut, contract=CONTRACT) for t in plan.metrics]
        for r in results:
            r.group = (column, value)
        out[value] = results
    return out


def result_of(by, town: str, target_id: str):
    return next(r for r in by[town] if r.target_id == target_id)


# ------------------------------------------------------------ a hand-computed county of four towns
def _four_towns():
    """凤仪街道 exactly at the goals, 瑞濠街道 failing, 安场镇 primaries only, 流渡镇 no school at all."""
    rows = [
        school("A1", "kindergarten", town="凤仪街道", students=65, classes=3, ownership="公办"),
        school("A2", "kindergarten", town="凤仪街道", students=35, classes=2, ownership="民办"),
        school("B1", "kindergarten", town="瑞濠街道", students=60, classes=3, ownership="公办"),
        school("B2", "kindergarten", town="瑞濠街道", students=40, classes=2, ownership="民办"),
        school("C1", "primary", town="安场镇", health_data_reported="否"),
        school("C2", "primary", town="安场镇"),
    ]
    return build_tables(rows, {"凤仪街道": 100, "瑞濠街道": 120, "安场镇": 50, "流渡镇": 40})


def test_four_towns_in_sorted_order_each_with_its_own_figures(plan):
    by = evaluate_by(plan, _four_towns(), "town")
    assert list(by) == sorted(TOWNS)
    assert all(r.group == ("town", town) for town, rs in by.items() for r in rs)
    assert [r.target_id for r in by["流渡镇"]] == [t.id for t in plan.metrics]


def test_public_share_per_town_exactly_at_goal_failing_and_no_data(plan):
    by = evaluate_by(plan, _four_towns(), "town")
    share = {town: result_of(by, town, "public_kindergarten_share") for town in TOWNS}
    # 凤仪街道 65 / 100 = 65% = goal: pass; 瑞濠街道 60 / 100 < 65%: ceil(65 - 60) = 5 more children
    assert (share["凤仪街道"].status, share["凤仪街道"].numerator, share["凤仪街道"].denominator,
            share["凤仪街道"].gap) == (PASS, 65, 100, 0)
    assert (share["瑞濠街道"].status, share["瑞濠街道"].numerator, share["瑞濠街道"].denominator,
            share["瑞濠街道"].gap, share["瑞濠街道"].actual) == (FAIL, 60, 100, 5, Fraction(3, 5))
    # the private kindergarten is the one holding it back, with its 40 children
    assert [(o.school_id, o.value, o.town) for o in share["瑞濠街道"].offenders] == [("B2", 40, "瑞濠街道")]
    assert share["瑞濠街道"].offender_count == 1
    # no kindergarten at all: no share to judge
    for town in ("安场镇", "流渡镇"):
        assert (share[town].status, share[town].numerator, share[town].denominator, share[town].gap) == \
            (NO_DATA, None, None, None)


def test_gross_enrolment_per_town_uses_its_population_and_zero_enrolment_fails(plan):
    by = evaluate_by(plan, _four_towns(), "town")
    enrol = {town: result_of(by, town, "preschool_gross_enrolment") for town in TOWNS}
    # 100/100 pass; 100/120: 0.96*120 = 115.2 -> 16 more; 0/50: 48 more; 0/40: 38.4 -> 39 more
    assert {t: (enrol[t].status, enrol[t].numerator, enrol[t].denominator, enrol[t].gap) for t in TOWNS} == {
        "凤仪街道": (PASS, 100, 100, 0), "瑞濠街道": (FAIL, 100, 120, 16),
        "安场镇": (FAIL, 0, 50, 48), "流渡镇": (FAIL, 0, 40, 39)}
    assert [(o.name, o.value, o.needed) for o in enrol["瑞濠街道"].offenders] == [("瑞濠街道", Fraction(100, 120), 16)]


def test_health_reporting_per_town_lists_the_school_that_did_not_report(plan):
    by = evaluate_by(plan, _four_towns(), "town")
    health = result_of(by, "安场镇", "health_data_reporting")
    # 1 of 2 primaries reported: 50% against 100%; the one that did not is listed, needing 1
    assert (health.status, health.numerator, health.denominator, health.gap) == (FAIL, 1, 2, 1)
    assert [(o.school_id, o.value, o.needed) for o in health.offenders] == [("C1", False, 1)]
    # kindergartens report no health data: no data where there are only kindergartens or no school
    assert result_of(by, "凤仪街道", "health_data_reporting").status == NO_DATA
    assert result_of(by, "流渡镇", "health_data_reporting").status == NO_DATA


def test_four_towns_equal_the_reference_for_both_columns(plan):
    tables = _four_towns()
    for column in ("town", "school_type"):
        assert evaluate_by(plan, tables, column) == alone(plan, tables, column)


def test_more_holders_back_than_listed_equal_the_reference(plan):
    # 安场镇: 60 primaries without guards and with dropouts (more than MAX_OFFENDERS each), and 55 roster
    # schools that sent nothing; 凤仪街道: 3 kindergartens. Counts stay complete, lists are cut.
    rows = [school(f"P{i}", "primary", town="安场镇", guards_in_place="否", dropouts=i % 4) for i in range(60)]
    rows += [school(f"K{i}", "kindergarten", town="凤仪街道", students=10 * (i + 1), classes=1) for i in range(3)]
    tables = build_tables(rows, {"安场镇": 300, "凤仪街道": 80})
    missing = [roster_entry(school_id=f"M{k}", school_name=f"未报送{k}", town="安场镇", school_type="primary",
                           ownership="public", file="roster.csv", sheet=None, row=k + 2) for k in range(55)]
    tables["schools"] = add_placeholders(tables["schools"], missing, TABLES["schools"])
    for column in ("town", "school_type"):
        assert evaluate_by(plan, tables, column) == alone(plan, tables, column)
    guards = result_of(evaluate_by(plan, tables, "town"), "安场镇", "security_guards")
    # 115 schools, none with guards: every one counts, the first 50 are listed
    assert (guards.status, guards.numerator, guards.denominator, guards.offender_count) == (FAIL, 0, 115, 115)
    assert len(guards.offenders) == 50


def test_roster_schools_that_sent_nothing_per_town(plan):
    # 安场镇: a vocational school lost 20 of 100 (20% > 10%), and a vocational school sent nothing: its
    # students at the start are unknown, so the rate is no data. 凤仪街道: 2 dropouts and a primary that sent
    # nothing: the count can only grow, so it stays a certain fail, with the missing school listed first.
    rows = [school("V1", "vocational", town="安场镇", students_start=100, students_lost=20),
            school("P1", "primary", town="凤仪街道", dropouts=2), school("P2", "primary", town="瑞濠街道")]
    tables = build_tables(rows)
    tables["schools"] = add_placeholders(tables["schools"], spec=TABLES["schools"], missing=[
        roster_entry(school_id="MV", school_name="未报送职校", town="安场镇", school_type="vocational",
                    ownership="public", file="roster.csv", sheet=None, row=2),
        roster_entry(school_id="MP", school_name="未报送小学", town="凤仪街道", school_type="primary",
                    ownership="public", file="roster.csv", sheet=None, row=3)])
    by = evaluate_by(plan, tables, "town")
    attrition = result_of(by, "安场镇", "vocational_attrition")
    assert (attrition.status, attrition.actual, attrition.gap, attrition.missing_schools) == (NO_DATA, None, None, 1)
    assert [(o.school_id, o.row) for o in attrition.offenders] == [("MV", 2)]
    dropouts = result_of(by, "凤仪街道", "compulsory_dropouts")
    assert (dropouts.status, dropouts.numerator, dropouts.gap, dropouts.missing_schools) == (FAIL, 2, 2, 1)
    assert [(o.school_id, o.value) for o in dropouts.offenders] == [("MP", None), ("P1", 2)]
    assert dropouts.offender_count == 2
    assert result_of(by, "瑞濠街道", "compulsory_dropouts").status == PASS
    for column in ("town", "school_type"):
        assert evaluate_by(plan, tables, column) == alone(plan, tables, column)


# ------------------------------------------------------------ property: equal to each group alone
YES_NO = st.sampled_from(["是", "否"])


@st.composite
def school_rows(draw, n: int):
    kind = draw(st.sampled_from(TYPES))
    classes = draw(st.integers(1, 8))
    cells = dict(students=draw(st.integers(classes, 40 * classes)), classes=classes,
                 ownership=draw(st.sampled_from(["公办", "民办"])), bullying_incidents=draw(st.integers(0, 2)),
                 guards_in_place=draw(YES_NO), closed_campus=draw(YES_NO), alarm_linked=draw(YES_NO),
                 antiterror_standard=draw(YES_NO), supervisor_assigned=draw(YES_NO))
    if kind == "kindergarten":   # a public kindergarten is inclusive by definition (blank = yes)
        cells["inclusive"] = draw(YES_NO if cells["ownership"] == "民办" else st.sampled_from(["是", None]))
    else:
        cells["health_data_reported"] = draw(YES_NO)
    if kind in ("primary", "junior", "nine_year"):
        cells["large_classes"] = draw(st.integers(0, classes))
    if kind in ("primary", "junior", "nine_year", "special"):
        cells["dropouts"] = draw(st.integers(0, 3))
    if kind == "vocational":
        start = draw(st.integers(0, 60))
        cells.update(students_start=start, students_lost=draw(st.integers(0, start)))
    return school(f"S{n}", kind, town=draw(st.sampled_from(TOWNS[:3])), **cells)


@st.composite
def counties(draw):
    rows = [draw(school_rows(n)) for n in range(draw(st.integers(1, 14)))]
    # every town with a school has its population (else the input is refused); 流渡镇 may have one without schools
    towns = sorted({r["town"] for r in rows}) + draw(st.sampled_from([[], ["流渡镇"]]))
    population = draw(st.none() | st.fixed_dictionaries({t: st.integers(1, 300) for t in towns}))
    tables = build_tables(rows, population)
    # roster schools that sent nothing (some without a type or a town), as --roster adds them
    missing = [roster_entry(school_id=f"M{k}", school_name=f"未报送{k}", town=draw(st.sampled_from(TOWNS + [""])),
                           school_type=draw(st.sampled_from(TYPES + [None])), ownership=None,
                           file="roster.csv", sheet=None, row=k + 2)
               for k in range(draw(st.integers(0, 2)))]
    if missing or draw(st.booleans()):
        tables["schools"] = add_placeholders(tables["schools"], missing, TABLES["schools"])
    if draw(st.booleans()):  # row order and index labels must not matter
        tables = {name: df.iloc[::-1] for name, df in tables.items()}
    return tables


@st.composite
def plans(draw, plan):
    """The plan with each metric's comparison drawn anew, so every direction of holding back is met, and
    sometimes a figure whose numerator is on the population table (left out of a school-type group)."""
    targets = [t.model_copy(update={"op": draw(st.sampled_from(OPS))}) if t.kind == "metric" and draw(st.booleans())
               else t for t in plan.targets]
    if draw(st.booleans()):
        enrol = plan.by_id("preschool_gross_enrolment")
        targets.append(enrol.model_copy(update={"id": "population_over_enrolment", "numerator": enrol.denominator,
                                                "denominator": enrol.numerator, "op": draw(st.sampled_from(OPS))}))
    return plan.model_copy(update={"targets": targets})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_breakdown_equals_each_group_evaluated_alone(plan, data):
    tables = data.draw(counties())
    targets = data.draw(plans(plan))
    for column in ("town", "school_type"):
        by = evaluate_by(targets, tables, column)
        reference = alone(targets, tables, column)
        assert list(by) == list(reference)
        for value, results in by.items():
            assert results == reference[value], (column, value)
