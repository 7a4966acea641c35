"""evaluate_by_columns (the JSON report's breakdowns: figures as arrays, no Result per group and target) must
write exactly what evaluate_by's Results write, line by line and byte by byte, for every group; a breakdown
row holds a target's figures in its group, not the target's descriptive fields again (schema 2)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from fractions import Fraction
from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import build_tables, school
from plancheck.engine import Figures, evaluate, evaluate_by, evaluate_by_columns
from plancheck.report import jsonfmt
from plancheck.report.context import ReportContext
from test_engine_by_group import _four_towns, counties, plans

ROW_KEYS = ["id", "status", "actual", "numerator", "denominator", "gap", "holders_back", "holders_back_count",
            "group"]


def reports(targets, tables, column, results=None):
    """(the report written from evaluate_by's Results, the one written from evaluate_by_columns) as text."""
    results = evaluate(targets, tables) if results is None else results
    old = ReportContext(results=results, targets=targets, groups={column: evaluate_by(targets, tables, column)})
    new = ReportContext(results=results, targets=targets,
                        breakdowns={column: evaluate_by_columns(targets, tables, column)})
    return jsonfmt.render(old), jsonfmt.render(new)


def same_text(targets, tables, column, results=None):
    old, new = reports(targets, tables, column, results)
    assert new.splitlines() == old.splitlines(), column
    return json.loads(new)


def test_four_towns_by_columns_write_what_the_results_write(plan):
    tables = _four_towns()
    for column in ("town", "school_type"):
        same_text(plan, tables, column)
        b = evaluate_by_columns(plan, tables, column)
        assert all(isinstance(f, Figures) for f in b.targets)   # no placeholders: every target from the columns


def test_many_holders_back_and_implausible_figures(plan):
    rows = [school(f"P{i}", "primary", town="安场镇", guards_in_place="否", dropouts=i % 4) for i in range(60)]
    rows += [school(f"K{i}", "kindergarten", town="凤仪街道", students=10 * (i + 1), classes=1) for i in range(3)]
    tables = build_tables(rows, {"安场镇": 300, "凤仪街道": 20})   # 凤仪街道: 60 enrolled of 20 children
    for column in ("town", "school_type"):
        doc = same_text(plan, tables, column)
    guards = next(r for r in doc["breakdowns"]["school_type"]["primary"] if r["id"] == "security_guards")
    assert (guards["holders_back_count"], len(guards["holders_back"])) == (60, 50)   # all counted, 50 listed
    town = {r["id"]: r for r in same_text(plan, tables, "town")["breakdowns"]["town"]["凤仪街道"]}
    assert town["preschool_gross_enrolment"]["implausible"] == {"side": ">", "bound": 1.3}   # the plan: at most 130%


def test_a_breakdown_row_holds_the_figures_and_the_target_entry_the_rest(plan):
    doc = same_text(plan, _four_towns(), "town")
    assert doc["schema_version"] == 2
    row = next(r for r in doc["breakdowns"]["town"]["瑞濠街道"] if r["id"] == "public_kindergarten_share")
    # 瑞濠街道: 60 public of 100 children, 65% wanted: 5 more; the private kindergarten B2 holds it back
    assert list(row) == ROW_KEYS
    assert {k: row[k] for k in ROW_KEYS if k != "holders_back"} == {
        "id": "public_kindergarten_share", "status": "fail", "actual": 0.6, "numerator": 60, "denominator": 100,
        "gap": 5, "holders_back_count": 1, "group": {"town": "瑞濠街道"}}
    assert [(h["school_id"], h["value"]) for h in row["holders_back"]] == [("B2", 40)]
    target = next(t for t in doc["targets"] if t["id"] == "public_kindergarten_share")
    assert (target["kind"], target["unit"], target["op"], target["goal"]) == ("metric", "percent", ">=", 0.65)
    # no school in 流渡镇: no figure
    empty = next(r for r in doc["breakdowns"]["town"]["流渡镇"] if r["id"] == "public_kindergarten_share")
    assert (empty["status"], empty["actual"], empty["numerator"], empty["gap"]) == ("no_data", None, None, None)


def test_a_goal_that_differs_from_the_targets_entry_is_written_in_the_row(plan):
    tables = _four_towns()
    results = [replace(r, goal=Fraction(1, 2)) if r.target_id == "public_kindergarten_share" else r
               for r in evaluate(plan, tables)]
    doc = same_text(plan, tables, "town", results)
    rows = [r for rs in doc["breakdowns"]["town"].values() for r in rs]
    assert {r["goal"] for r in rows if r["id"] == "public_kindergarten_share"} == {0.65}
    assert not any("goal" in r for r in rows if r["id"] != "public_kindergarten_share")


def test_rows_are_one_per_line_and_written_in_blocks_of_groups(plan, monkeypatch):
    monkeypatch.setattr(jsonfmt, "_BLOCK", 3)      # four towns: a block of three, then one
    tables = _four_towns()
    old, new = reports(plan, tables, "town")
    assert new == old
    lines = new.splitlines()
    rows = [line for line in lines if line.startswith('        {"id"')]
    assert len(rows) == 4 * len(plan.metrics)
    assert all(json.loads(line.rstrip(",")) for line in rows)
    ctx = ReportContext(results=evaluate(plan, tables), targets=plan,
                        breakdowns={"town": evaluate_by_columns(plan, tables, "town")})
    fh = io.BytesIO()
    jsonfmt.write(ctx, fh)
    assert fh.getvalue().decode("utf-8") == new


def test_numbers_as_orjson_writes_them_column_by_column():
    a, b = np.array([3, 1, 0, 6, -1], dtype="int64"), np.array([1, 3, 1, 4, 3], dtype="int64")
    known = np.array([True, True, False, True, True])
    assert jsonfmt._figure_text(a, b, known).tolist() == [b"3", b"0.3333333333333333", b"null", b"1.5",
                                                          b"-0.3333333333333333"]
    assert jsonfmt._ints_text(np.array([7, -1, 0]), np.array([True, False, True])).tolist() == [b"7", b"null", b"0"]
    assert jsonfmt._each(np.zeros(0, dtype="int64")).tolist() == []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_columns_equal_the_results_on_drawn_counties(plan, data):
    tables = data.draw(counties())
    targets = data.draw(plans(plan))
    with patch.object(jsonfmt, "_BLOCK", data.draw(st.sampled_from([1, 2, 3, 2048]))):   # groups cut into blocks
        for column in ("town", "school_type"):
            same_text(targets, tables, column)



def test_the_collector_is_left_as_it_was(plan):
    import gc

    tables = _four_towns()
    was = gc.isenabled()
    try:
        for enabled in (True, False):
            gc.enable() if enabled else gc.disable()
            evaluate_by_columns(plan, tables, "town")
            assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
