"""--baseline: reading an earlier run's JSON and labelling each target's change."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from plancheck.engine import Result
from plancheck.report import baseline as bl
from plancheck.report import jsonfmt
from plan2021 import CONTRACT
from report_helpers import GOLDEN, golden_context

#: the 2021 plan's milestone statuses, in order, as the engine gives them to a milestone's Result
STATUSES = CONTRACT.milestones.statuses
STATUS_LABELS = {v: (STATUSES.label(v, "zh"), STATUSES.label(v, "en")) for v in STATUSES.values}


def _metric(tid="m", status="fail", actual=Fraction(1, 2), op=">=", goal=Fraction(9, 10), unit="percent") -> Result:
    return Result(target_id=tid, kind="metric", section=3, item=10, title_zh="指标", title_en="metric", status=status,
                  goal=goal, op=op, unit=unit, actual=actual)


def _before(tid="m", status="fail", actual=0.4, unit="percent") -> dict:
    return {"id": tid, "status": status, "actual": actual, "unit": unit}


@pytest.mark.parametrize("before, after, moved, label", [
    (_before(actual=0.4), _metric(actual=Fraction(1, 2)), "up", "improved"),
    (_before(actual=0.6), _metric(actual=Fraction(1, 2)), "down", "worsened"),
    (_before(actual=0.5), _metric(actual=Fraction(1, 2)), "same", "unchanged"),
    (_before(actual=0.8), _metric(status="pass", actual=Fraction(19, 20)), "up", "newly_passing"),
    (_before(status="pass", actual=0.95), _metric(actual=Fraction(1, 2)), "down", "newly_failing"),
    (_before(status="no_data", actual=None), _metric(actual=Fraction(1, 2)), "same", "newly_failing"),
    (_before(status="pass", actual=0.95), _metric(status="no_data", actual=None), "same", "newly_no_data"),
    # "<=" goals: a falling figure is the better one
    (_before(actual=0.2), _metric(actual=Fraction(3, 20), op="<=", goal=Fraction(1, 10)), "down", "improved"),
    # "== 0" counts: closer to the goal is better, whichever way
    (_before(actual=5, unit="count"), _metric(actual=Fraction(2), op="==", goal=Fraction(0), unit="count"),
     "down", "improved"),
    (_before(actual=1, unit="count"), _metric(actual=Fraction(3), op="==", goal=Fraction(0), unit="count"),
     "up", "worsened"),
    (None, _metric(), "same", "new_target"),
])
def test_change_labels(before, after, moved, label):
    c = bl.changes([after], {} if before is None else {"m": before})[0]
    assert (c.direction, c.label) == (moved, label)


def test_milestone_status_rank():
    r = Result(target_id="p", kind="milestone", section=4, item=20, title_zh="项目", title_en="project",
               status="fail", goal="completed", unit="status", reported_status="started",
               status_labels=STATUS_LABELS)
    c = bl.changes([r], {"p": {"id": "p", "status": "fail", "actual": "not_started", "unit": "status"}})[0]
    assert (c.before_actual, c.after_actual, c.direction, c.label) == ("not_started", "started", "up", "improved")


def test_removed_targets_listed_after_current_ones():
    found = bl.changes([_metric()], {"m": _before(), "gone": _before(tid="gone", status="pass", actual=0.9)})
    assert [(c.id, c.label) for c in found] == [("m", "improved"), ("gone", "removed_target")]


def test_round_trip_through_this_runs_json_is_unchanged(tmp_path, monkeypatch):
    """A run compared with its own JSON output: every target unchanged."""
    monkeypatch.chdir(GOLDEN)
    ctx = golden_context("en", with_baseline=False)
    path = tmp_path / "previous.json"
    path.write_text(jsonfmt.render(ctx), encoding="utf-8")
    found = bl.changes(ctx.results, bl.load_baseline(path))
    assert len(found) == len(ctx.results)
    assert {c.label for c in found} == {"unchanged"}
    assert {c.direction for c in found} == {"same"}


def test_load_golden_baseline():
    loaded = bl.load_baseline(GOLDEN / "input" / "previous.json")
    assert loaded["large_classes"]["actual"] == 5
    assert len(loaded) == 10


@pytest.mark.parametrize("content, why", [
    ("not json at all", "not valid JSON (line 1, column 1"),
    ('{"targets": []}', "not a plancheck JSON output"),
    ('[1, 2]', "not a plancheck JSON output"),
    ('{"plancheck": "0.1.0", "ok": true, "problems": []}', "submission check"),
    ('{"plancheck": "0.1.0", "targets": {"a": 1}}', "must be a list"),
    ('{"plancheck": "0.1.0", "targets": [{"id": "a"}]}', "target #1 has no valid id or status"),
    ('{"plancheck": "0.1.0", "targets": [{"id": "a", "status": "pass"}, {"id": "a", "status": "fail"}]}',
     "duplicate target id: a"),
])
def test_bad_baseline_files_are_refused_clearly(tmp_path, content, why):
    path = tmp_path / "prev.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(bl.BaselineError) as exc:
        bl.load_baseline(path)
    assert why in exc.value.message("en")
    assert str(path) in exc.value.message("zh")


def test_missing_and_binary_baseline(tmp_path):
    with pytest.raises(bl.BaselineError, match="no such file"):
        bl.load_baseline(tmp_path / "nope.json")
    binary = tmp_path / "book.xlsx"
    binary.write_bytes(b"PK\x03\x04\xff\xfe\x00")
    with pytest.raises(bl.BaselineError, match="not UTF-8"):
        bl.load_baseline(binary)


def test_value_text():
    assert bl.value_text(0.9597, "percent") == "95.97%"
    assert bl.value_text(1234, "count") == "1,234"
    assert bl.value_text("started", "status", "zh", STATUS_LABELS) == "已启动"
    assert bl.value_text("started", "status", "en", STATUS_LABELS) == "started"
    assert bl.value_text(None, "percent") == "—"
    assert json.loads('{"a": 0.9597}')["a"] == 0.9597
