"""The vectorized validator agrees with the row models built from the plan file, for any declared table: here
the 2022 example's (a teacher table with a date column, a new type list, a rule with a message parameter),
with cells drawn from each column's kind alone (nothing here knows the plan's columns)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from plancheck.check.schema import ColumnSpec
from plancheck.check.validate import _Collector, validate_table
from plancheck.plan.targets import load_targets
from plancheck.read.headers import index_for
from plancheck.read.readers import RawTable, classify_rows

PLAN = load_targets(Path(__file__).resolve().parents[1] / "examples" / "qingshi-2022" / "plan.yaml")
CONTRACT = PLAN.contract
TABLES = CONTRACT.tables


def good_cell(spec: ColumnSpec):
    """A cell a clerk would write correctly for this kind of column."""
    if spec.kind == "int":
        return st.integers(0, 400).map(str)
    if spec.kind == "decimal":
        return st.sampled_from(["12.5", "0", "1,234.5", "７"])
    if spec.kind == "bool":
        return st.sampled_from(["是", "否", "有", "√", "1", "no"])
    if spec.kind == "date":
        return st.sampled_from(["2022-09-01", "2019/9/1", "2021年3月5日", "2022-09-01 00:00:00"])
    if spec.kind == "enum":
        return st.sampled_from(list(spec.choices.values) + list(spec.choices.zh.values()))
    return st.sampled_from(["甲", "城关镇", "QS01", "ＡＢ"])


def any_cell(spec: ColumnSpec):
    return st.one_of(good_cell(spec), st.sampled_from(["", " ", "/", "无", "abc", "-3", "12.5", "2022-13-01",
                                                        "1e30", "其他", "５.２E+09"]))


@st.composite
def row(draw, table: str) -> dict:
    spec = TABLES[table]
    out = {c.name: draw(good_cell(c)) for c in spec.columns}
    if spec.type_column:
        rtype = draw(st.sampled_from(spec.column(spec.type_column).choices.values))
        out[spec.type_column] = rtype
        for c in spec.columns:
            if c.applies_to is not None and rtype not in c.applies_to:
                out[c.name] = ""
    for name in draw(st.lists(st.sampled_from([c.name for c in spec.columns]), max_size=3)):
        out[name] = draw(any_cell(spec.column(name)))
    return out


def raw_table(rows: list[dict], table: str) -> RawTable:
    spec = TABLES[table]
    data = pd.DataFrame([[r[c.name] for c in spec.columns] for r in rows], dtype=object)
    return RawTable(file="t.csv", sheet=None, table=table, headers=[c.zh for c in spec.columns], header_row=1,
                    data=data, rows=list(range(2, 2 + len(rows))), rows_read=len(rows), index=index_for(TABLES))


def model_ok(values: dict, table: str) -> bool:
    try:
        CONTRACT.row_model(table).model_validate(values)
        return True
    except ValidationError:
        return False


SEEN: dict[str, int] = {}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(list(TABLES)).flatmap(lambda t: st.tuples(st.just(t), st.lists(row(t), min_size=1, max_size=6))))
def test_vectorized_verdict_equals_the_row_models_of_any_plan(case):
    table, rows = case
    for key in TABLES[table].key:              # keys unique (a repeat is a check across rows, not of one row)
        for i, r in enumerate(rows):
            if r[key].strip():
                r[key] = f"K{i}"
    out = _Collector(10_000)
    frame, counts = validate_table(classify_rows(raw_table(rows, table)), out, CONTRACT)
    accepted = set(frame["_row"])
    SEEN[table] = SEEN.get(table, 0) + len(accepted)
    for i, r in enumerate(rows):
        assert ((i + 2) in accepted) == model_ok(r, table), (r, [p.compact() for p in out.items if p.row == i + 2])
    assert counts.read == counts.accepted + counts.rejected + counts.skipped


def test_every_declared_table_had_accepted_rows():
    assert set(SEEN) == set(TABLES) and all(SEEN.values())
