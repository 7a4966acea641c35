"""The vectorized validator agrees with the pydantic models row by row; located problems; row accounting."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from plancheck.read.readers import RawTable, classify_rows
from plancheck.read.headers import index_for
from plan2021 import CONTRACT, TABLES, TYPE_ZH
from plancheck.check.schema import NO, YES, ColumnSpec, parse_bool, parse_int
from plancheck.check.columns import parse_column
from plancheck.check.validate import _Collector, validate_paths, validate_table

INT_CELLS = st.one_of(st.integers(-3, 3000).map(str), st.sampled_from(
    ["", " ", "1,234", "12.0", "１２", " 7 ", "0.00", "abc", "12.5", "1e30", "12345678901", "999999999",
     "1000000001", "-0", "+5", "1,23", "٣", "12 students"]))
BOOL_CELLS = st.sampled_from(sorted(YES) + sorted(NO) + ["", "1.00", "0.0", "maybe", "是的", " 是 ", "TRUE", "２"])


def enum_cells(spec: ColumnSpec):
    # the plan's values, their Chinese labels and every declared spelling (lower-cased)
    values = list(spec.choices.values) + list(spec.choices.zh.values()) + sorted(spec.choices.lookup)
    return st.sampled_from(values + ["", "其他", "PRIMARY", " 小学 "])


def cell_strategy(spec: ColumnSpec):
    if spec.kind == "int":
        return INT_CELLS
    if spec.kind == "bool":
        return BOOL_CELLS
    if spec.kind == "enum":
        return enum_cells(spec)
    return st.sampled_from(["", " ", "x", "安场镇", "ＡＢ"])


VALID = {
    "schools": {"school_id": "1", "school_name": "甲", "town": "安场镇", "ownership": "公办", "students": "300",
                "classes": "8", "large_classes": "0", "dropouts": "0", "students_start": "100", "students_lost": "3",
                "health_data_reported": "是", "inclusive": "是", "guards_in_place": "是", "closed_campus": "否",
                "alarm_linked": "有", "antiterror_standard": "√", "bullying_incidents": "0",
                "supervisor_assigned": "1"},
    "population": {"town": "安场镇", "children_3_5": "1200"},
    "milestones": {"milestone_id": "M1", "status": "已完成", "note": ""},
}


@st.composite
def mostly_valid_row(draw, table: str) -> dict:
    """A valid row (every column applicable to its type filled) with up to three cells replaced at random."""
    spec = TABLES[table]
    row = dict(VALID[table])
    if table == "schools":
        stype = draw(st.sampled_from(list(TYPE_ZH.values())))
        row["school_type"] = stype
        en = {v: k for k, v in TYPE_ZH.items()}[stype]
        for c in spec.columns:
            if c.applies_to is not None and en not in c.applies_to:
                row[c.name] = ""
    for name in draw(st.lists(st.sampled_from([c.name for c in spec.columns]), max_size=3)):
        row[name] = draw(cell_strategy(spec.column(name)))
    return row


def rows_strategy(table: str):
    spec = TABLES[table]
    anything = st.fixed_dictionaries({c.name: cell_strategy(c) for c in spec.columns})
    return st.lists(st.one_of(mostly_valid_row(table), anything), min_size=1, max_size=8)


def raw_table(rows: list[dict], table: str) -> RawTable:
    spec = TABLES[table]
    data = pd.DataFrame([[r[c.name] for c in spec.columns] for r in rows], dtype=object)
    return RawTable(file="t.csv", sheet=None, table=table, headers=[c.zh for c in spec.columns], header_row=1,
                    data=data, rows=list(range(2, 2 + len(rows))), rows_read=len(rows), index=index_for(TABLES))


def unique_keys(rows: list[dict], table: str) -> list[dict]:
    for key in TABLES[table].key:
        for i, r in enumerate(rows):
            if r[key].strip():
                r[key] = f"K{i}"
    return rows


ACCEPTED: list[int] = []


def model_ok(row: dict, table: str) -> bool:
    try:
        CONTRACT.row_model(table).model_validate(row)
        return True
    except ValidationError:
        return False


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(list(TABLES)).flatmap(lambda t: st.tuples(st.just(t), rows_strategy(t))))
def test_vectorized_verdict_equals_the_models(case):
    table, rows = case
    rows = unique_keys(rows, table)
    out = _Collector(10_000)
    frame, counts = validate_table(classify_rows(raw_table(rows, table)), out, CONTRACT)
    accepted = set(frame["_row"])
    ACCEPTED.append(len(accepted))
    for i, r in enumerate(rows):
        assert ((i + 2) in accepted) == model_ok(r, table), (r, [p.compact() for p in out.items if p.row == i + 2])
    assert counts.read == counts.accepted + counts.rejected + counts.skipped


def test_the_property_test_saw_accepted_rows():
    assert sum(ACCEPTED) > 0  # runs after the property test: the generator is not all-invalid
    assert set(VALID) == set(TABLES)  # the property test draws rows of every table the plan declares


@given(INT_CELLS)
def test_int_parsing_agrees(cell):
    spec = TABLES["schools"].column("students")
    values, bad, _, large = parse_column(pd.Series([cell], dtype=object), spec)
    try:
        expected = parse_int(cell)
    except ValueError:
        assert bool(bad.iat[0] or large.iat[0])
        return
    assert not bad.iat[0] and not large.iat[0]
    assert (values.iat[0] is pd.NA) if expected is None else values.iat[0] == expected


@given(BOOL_CELLS)
def test_bool_parsing_agrees(cell):
    spec = TABLES["schools"].column("closed_campus")
    values, bad, _, _ = parse_column(pd.Series([cell], dtype=object), spec)
    try:
        expected = parse_bool(cell)
    except ValueError:
        assert bool(bad.iat[0])
        return
    assert (values.iat[0] is pd.NA) if expected is None else bool(values.iat[0]) == expected


def test_problems_are_located_with_the_header_as_written():
    spec = TABLES["schools"]
    headers = [c.zh for c in spec.columns]
    headers[headers.index("在校生数")] = "在校学生数"
    base = {c.name: "" for c in spec.columns}
    base.update(school_id="1", school_name="甲", town="安场镇", school_type="小学", ownership="公办",
                students="abc", classes="3", large_classes="5", dropouts="0", health_data_reported="是",
                guards_in_place="是", closed_campus="是", alarm_linked="是", antiterror_standard="是",
                bullying_incidents="0", supervisor_assigned="是")
    raw = raw_table([base], "schools")
    raw.headers = headers
    out = _Collector(100)
    validate_table(raw, out, CONTRACT)
    assert sorted(p.compact() for p in out.items) == sorted([(2, "大班额班级数", "exceeds_column"), (2, "在校学生数", "not_integer")])
    bad = next(p for p in out.items if p.code == "not_integer")
    assert bad.value == "abc" and bad.file == "t.csv"
    assert "整数" in bad.message("zh") and "whole number" in bad.message("en")


def test_missing_required_column_rejects_every_row():
    spec = TABLES["population"]
    raw = RawTable(file="p.csv", sheet=None, table="population", headers=["乡镇"], header_row=1,
                   data=pd.DataFrame([["安场镇"], ["凤仪街道"]], dtype=object), rows=[2, 3], rows_read=2, index=index_for(TABLES))
    out = _Collector(100)
    frame, counts = validate_table(raw, out, CONTRACT)
    assert [p.compact() for p in out.items] == [(1, None, "missing_column")]
    assert (len(frame), counts.rejected, counts.read) == (0, 2, 2)
    assert spec.column("children_3_5").zh in out.items[0].message("zh")


def test_messages_show_one_language_each():
    spec = TABLES["schools"]
    base = {c.name: "" for c in spec.columns}
    base.update(school_id="1", school_name="甲", town="安场镇", school_type="普通高中", ownership="公办",
                students="400", classes="10", large_classes="0", dropouts="2", health_data_reported="是",
                guards_in_place="是", closed_campus="是", alarm_linked="是", antiterror_standard="是",
                bullying_incidents="0", supervisor_assigned="是")
    raw = raw_table([base, dict(base, dropouts="")], "schools")
    raw.headers = raw.headers + ["在校生人数"]
    raw.data[len(raw.headers) - 1] = ["1", "1"]
    out = _Collector(100)
    validate_table(raw, out, CONTRACT)
    by_code = {p.code: p for p in out.items}
    stray, dup, unknown = by_code["not_applicable"], by_code["duplicate_key"], by_code["unknown_column"]
    assert "普通高中" in stray.message("zh") and "senior high" in stray.message("en")
    assert "普通高中" not in stray.message("en")
    assert dup.message("zh") == "与 t.csv 第 2 行 重复" and dup.message("en") == "duplicates t.csv row 2"
    assert "是否应为" in unknown.message("zh") and "did you mean" not in unknown.message("zh")
    assert "did you mean" in unknown.message("en") and "是否应为" not in unknown.message("en")


def test_messages_quote_cells_as_written_after_the_raw_columns_are_let_go(tmp_path):
    """validate_table releases each raw column once parsed; every message still quotes the cell as written
    (full-width digits, spaces kept), through the Arrow reader's columns and through object columns."""
    from plancheck.read.readers import read_csv

    spec = TABLES["schools"]
    rows = [{c.name: "" for c in spec.columns} for _ in range(3)]
    for i, r in enumerate(rows):
        r.update(school_id=str(i + 1), school_name=f"学校{i}", town="安场镇", school_type="小学", ownership="公办",
                 students="30", classes="3", large_classes="0", dropouts="0", health_data_reported="是",
                 guards_in_place="是", closed_campus="是", alarm_linked="是", antiterror_standard="是",
                 bullying_incidents="0", supervisor_assigned="是")
    rows[0]["bullying_incidents"] = " －１ "       # below_minimum, quoted as written (not as -1)
    rows[1]["school_type"] = " 大学"               # not_in_choices
    rows[2]["inclusive"] = "是 "                   # not_applicable to a primary school
    rows[2]["school_id"] = "1"                      # duplicate of row 2
    path = tmp_path / "s.csv"
    path.write_text(",".join(c.name for c in spec.columns) + "\n" +
                    "".join(",".join(r[c.name] for c in spec.columns) + "\n" for r in rows), encoding="utf-8")
    expected = {("below_minimum", 2): " －１ ", ("not_in_choices", 3): " 大学", ("not_applicable", 4): "是 ",
                ("duplicate_key", 4): "1"}
    for raw in (read_csv(path, TABLES), raw_table(rows, "schools")):
        out = _Collector(100)
        validate_table(raw, out, CONTRACT)
        got = {(p.code, p.row): p.value for p in out.items if p.code in {code for code, _ in expected}}
        assert got == expected
        assert len(raw.data.columns) == 0 and len(raw.data) == 3   # released, row count kept


def test_a_school_on_two_sheets_of_one_workbook_is_reported(tmp_path):
    from sheet_fixtures import grid, school, write_xlsx

    f = write_xlsx(tmp_path / "w.xlsx", {"学校": grid([school("1"), school("2")]),
                                         "schools": grid([school("2"), school("9")])})
    sub = validate_paths({"schools": f}, CONTRACT)
    assert [(p.sheet, p.row, p.code) for p in sub.errors] == [("schools", 2, "duplicate_key")]
    assert "学校" in sub.errors[0].message("en") and not sub.ok
    assert sorted(sub.tables["schools"]["school_id"]) == ["1", "2", "9"]


def test_a_limit_that_is_itself_invalid_is_not_reported_twice(tmp_path):
    from sheet_fixtures import compact, grid, school, write_csv

    f = write_csv(tmp_path / "s.csv", grid([school("1", 班级数="-3", 大班额班级数="0")]))
    sub = validate_paths({"schools": f}, CONTRACT)
    assert [c for c in compact(sub.errors) if c[0] == 2] == [(2, "班级数", "below_minimum")]


@settings(max_examples=60, deadline=None)
@given(st.one_of(
    st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "", " a", "学校", "5203240001"])), max_size=40),
    # school codes: numbered as numbers (007 and 7 are different keys; 18 digits and more go by hash)
    st.lists(st.one_of(st.none(), st.sampled_from(["7", "07", "007", "5203240001", "05203240001", "0", "00",
                                                   "99999999999999999", "099999999999999999", "１２", "12"])),
             max_size=40)))
def test_repeats_is_duplicated_first_on_present_keys(keys) -> None:
    from plancheck.check.keys import repeats as _repeats

    import pyarrow as pa

    third = len(keys) // 3
    chunked = pa.chunked_array([pa.array(keys[:third], type=pa.large_string()),
                                pa.array(keys[third:], type=pa.large_string())])
    for s in (pd.Series(keys, dtype="string"), pd.Series(keys, dtype=object),
              pd.Series(pd.arrays.ArrowStringArray(chunked))):  # as the CSV reader hands columns over
        expected = (s.duplicated(keep="first") & s.notna()).to_numpy(dtype=bool)
        assert _repeats(s).tolist() == expected.tolist()


def test_school_codes_are_numbered_as_numbers_that_keep_their_length() -> None:
    import pyarrow as pa

    from plancheck.check.keys import digit_keys as _digit_keys

    assert _digit_keys(pa.array(["007", "7", None, "5203240001"], type=pa.large_string())).tolist() == [
        3 * 10**17 + 7, 1 * 10**17 + 7, -1, 10 * 10**17 + 5203240001]
    assert _digit_keys(pa.array(["7", "7a"], type=pa.large_string())) is None      # not a code: hashed as text
    assert _digit_keys(pa.array(["1" * 18], type=pa.large_string())) is None      # too long for an int64 key
    assert _digit_keys(pa.array(["１２"], type=pa.large_string())) is None          # full-width digits: text



def test_row_model_agrees_on_a_required_column_that_applies_to_some_types():
    """Beyond the 2021 plan: a required yes/no column for kindergartens with a default for public ones. A blank
    the default covers is accepted, a value on a primary school is let go (a warning), not also missing; the
    row model (check/rules.py row_violations) says what validate_table says."""
    from inline_plan import CONTRACT_YAML
    from plancheck.plan.targets import parse_targets

    head = ("plan: {id: p, title_zh: 计划, title_en: Plan, year: 2021, source_file: p.txt}\n"
            "sections:\n  - {number: 1, title_zh: 一, title_en: One}\ntargets: []\n")
    declared = "{name: inclusive, zh: 是否普惠, kind: yes_no, applies_to: [kindergarten],"
    assert declared in CONTRACT_YAML
    contract = parse_targets(head + CONTRACT_YAML.replace(declared, declared.replace("yes_no,", "yes_no, required: true,"))
                             ).contract
    spec = contract.tables["schools"]
    base = dict(school_id="1", school_name="甲", town="安场镇", school_type="幼儿园", ownership="公办", inclusive="",
                students="30", classes="3", large_classes="", dropouts="", health_data_reported="",
                guards_in_place="是", closed_campus="是", alarm_linked="是", antiterror_standard="是",
                bullying_incidents="0", supervisor_assigned="是")
    primary = dict(school_type="小学", large_classes="0", dropouts="0", health_data_reported="是")
    cases = [({}, True), (dict(ownership="民办"), False), (dict(primary, inclusive="是"), True)]
    for change, accepted in cases:
        row = dict(base, **change)
        raw = RawTable(file="t.csv", sheet=None, table="schools", headers=[c.zh for c in spec.columns], header_row=1,
                       data=pd.DataFrame([[row[c.name] for c in spec.columns]], dtype=object), rows=[2], rows_read=1,
                       index=index_for(contract.tables))
        frame, _ = validate_table(classify_rows(raw), _Collector(100), contract)
        try:
            contract.row_model("schools").model_validate(row)
            model = True
        except ValidationError:
            model = False
        assert (len(frame) == 1, model) == (accepted, accepted), change


def test_keep_rows_takes_the_kept_rows_of_every_dtype() -> None:
    import numpy as np

    from plancheck.check.validate import _keep_rows

    frame = pd.DataFrame({
        "n": pd.array([1, None, 3, 4], dtype="Int64"),
        "f": pd.array([True, False, None, True], dtype="boolean"),
        "s": pd.array(["a", None, "c", "d"], dtype="string"),
        "c": pd.Categorical(["x", "x", "y", "x"]),
        "r": np.array([2, 3, 4, 5], dtype=np.int64),
    })
    keep = np.array([True, False, True, False])
    expected = frame[keep].reset_index(drop=True)
    kept = _keep_rows(frame.copy(), keep)
    pd.testing.assert_frame_equal(kept, expected)
    assert kept["n"].tolist() == [1, 3] and kept["s"].tolist() == ["a", "c"] and kept["r"].tolist() == [2, 4]
    assert _keep_rows(frame, np.ones(4, dtype=bool)) is frame          # every row kept: no copy


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="0123456789.eE+-ab'", max_size=12)), max_size=30))
def test_key_cells_finds_scientific_notation_as_the_regex_does_on_every_cell(cells) -> None:
    import re

    import numpy as np
    import pyarrow as pa

    from plancheck.check.columns import string_series
    from plancheck.check.schema import SCIENTIFIC_RE
    from plancheck.check.validate import _key_cells

    values, sci = _key_cells(string_series(pa.array(cells, type=pa.large_string())))
    cleaned = [None if v is pd.NA else v for v in values.tolist()]
    expected = np.array([v is not None and re.match(SCIENTIFIC_RE, v) is not None for v in cleaned], dtype=bool)
    assert sci.tolist() == expected.tolist()
