"""A share's gap, hand-computed: moving units into the numerator keeps the total, adding new ones grows it."""

from __future__ import annotations

from conftest import build_tables, school
from plan2021 import CONTRACT

from plancheck.engine import FAIL, evaluate_metric, is_share
from plancheck.report.common import gap_text


def test_public_share_gap_moved_and_added(plan):
    # public 60, private 30 and 10 children: 60 / 100 = 60% < 65%.
    # Moved from private to public (total 100 unchanged): 65 - 60 = 5 children.
    # New public places: (60 + x) / (100 + x) >= 65%  <=>  x >= (65 - 60) / 0.35 = 14.3: 15 (75 / 115 = 65.2%).
    rows = [school("K1", "kindergarten", students=60, classes=3),
            school("K2", "kindergarten", ownership="民办", inclusive="否", students=30, classes=2),
            school("K3", "kindergarten", ownership="民办", inclusive="否", students=10, classes=1)]
    tables = build_tables(rows, {"凤仪街道": 100})
    t = plan.by_id("public_kindergarten_share")
    assert is_share(t)
    r = evaluate_metric(t, tables, contract=CONTRACT)
    assert (r.status, r.numerator, r.denominator, r.gap, r.gap_if_added) == (FAIL, 60, 100, 5, 15)
    assert r.holders_outside and [(o.school_id, o.value) for o in r.offenders] == [("K2", 30), ("K3", 10)]
    assert gap_text(r, "en") == "5 more children with the total unchanged (15 if they are new)"
    assert gap_text(r, "zh") == "还需增加 5 名幼儿（总数不变时；若为新增，需 15 名幼儿）"


def test_a_rate_over_another_table_is_no_share(plan):
    assert not is_share(plan.by_id("preschool_gross_enrolment"))     # kindergartens over population
    assert not is_share(plan.by_id("vocational_attrition"))          # lost over students at the start
    assert is_share(plan.by_id("inclusive_kindergarten_coverage"))
