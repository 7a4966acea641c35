"""evaluate_by_columns (the JSON report's breakdowns: figures as arrays, no Result per group and target) must
write exactly what evaluate_by's Results write, row by row and byte by byte, for every group."""

from __future__ import annotations

import io
import json

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import build_tables, school
from plancheck.engine import Figures, evaluate, evaluate_by, evaluate_by_columns
from plancheck.report import jsonfmt
from plancheck.report.context import ReportContext
from test_engine_by_group import _four_towns, counties, plans


def same_rows(targets, tables, column):
    b = evaluate_by_columns(targets, tables, column)
    got = {value: [orjson.dumps(r) for r in rows] for value, rows in jsonfmt.breakdown_rows(b)}
    want = {value: [orjson.dumps(jsonfmt.result_dict(r)) for r in rs]
            for value, rs in evaluate_by(targets, tables, column).items()}
    assert list(got) == list(want)
    for value in want:
        assert got[value] == want[value], (column, value)
    return b


def test_four_towns_by_columns_write_what_the_results_write(plan):
    tables = _four_towns()
    for column in ("town", "school_type"):
        b = same_rows(plan, tables, column)
        assert all(isinstance(f, Figures) for f in b.targets)   # no placeholders: every target from the columns


def test_many_holders_back_and_implausible_figures(plan):
    rows = [school(f"P{i}", "primary", town="安场镇", guards_in_place="否", dropouts=i % 4) for i in range(60)]
    rows += [school(f"K{i}", "kindergarten", town="凤仪街道", students=10 * (i + 1), classes=1) for i in range(3)]
    tables = build_tables(rows, {"安场镇": 300, "凤仪街道": 20})   # 凤仪街道: 60 enrolled of 20 children
    for column in ("town", "school_type"):
        same_rows(plan, tables, column)


def test_report_written_piece_by_piece_equals_the_results_report(plan):
    tables = _four_towns()
    results = evaluate(plan, tables)
    old = ReportContext(results=results, targets=plan, groups={"town": evaluate_by(plan, tables, "town")})
    new = ReportContext(results=results, targets=plan, breakdowns={"town": evaluate_by_columns(plan, tables, "town")})
    fh = io.BytesIO()
    jsonfmt.write(new, fh)
    assert fh.getvalue().decode("utf-8") == jsonfmt.render(new)
    assert json.loads(jsonfmt.render(new)) == json.loads(jsonfmt.render(old))
    assert list(json.loads(jsonfmt.render(new))) == list(json.loads(jsonfmt.render(old)))   # keys in order


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_columns_equal_the_results_on_drawn_counties(plan, data):
    tables = data.draw(counties())
    targets = data.draw(plans(plan))
    for column in ("town", "school_type"):
        same_rows(targets, tables, column)
