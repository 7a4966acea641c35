"""A figure outside the plan's plausible range is flagged, its verdict kept (issue 11 item 7)."""

from __future__ import annotations

from conftest import build_tables, school
from plan2021 import CONTRACT

from plancheck.engine import PASS, evaluate_metric
from plancheck.report.common import gap_text


def test_a_gross_enrolment_of_195_percent_passes_but_is_flagged(plan):
    # 390 children over 200 three-to-five year olds (a population typed half size): 195% > the plan's 130%
    tables = build_tables([school("K1", "kindergarten", students=390, classes=12)], {"凤仪街道": 200})
    r = evaluate_metric(plan.by_id("preschool_gross_enrolment"), tables, contract=CONTRACT)
    assert (r.status, r.numerator, r.denominator, r.implausible) == (PASS, 390, 200, ">")
    assert gap_text(r, "en") == "⚠ above 130%, implausible: check the inputs (e.g. the population table)"
    assert "不合常理" in gap_text(r, "zh")


def test_a_plausible_figure_is_not_flagged(plan):
    tables = build_tables([school("K1", "kindergarten", students=98, classes=4)], {"凤仪街道": 100})
    r = evaluate_metric(plan.by_id("preschool_gross_enrolment"), tables, contract=CONTRACT)
    assert (r.status, r.implausible, gap_text(r, "en")) == (PASS, None, "")
