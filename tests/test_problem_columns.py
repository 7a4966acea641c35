"""Problems kept as columns (errors.ProblemColumns, errors.ProblemSet) give exactly what Problem objects give:
the same problems in the same order (errors.sort_problems), the same messages, JSON rows and --errors-out rows,
the same counts, and the same limit and dropped count."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import raw_table, school
from plan2021 import CONTRACT
from plancheck import errors as E
from plancheck.check.validate import _Collector, validate_table, validate_tables
from plancheck.report import jsonfmt
from plancheck.runner import write_problems_csv


def record(p: E.Problem, lang: str) -> tuple:
    return (p.severity, p.code, p.file, p.sheet, p.row, p.column, p.cell, p.value, p.message(lang), p.title(lang))


def messy_schools() -> list[dict]:
    """Rows with many kinds of problems: values where a column does not apply (warnings, per school type),
    numbers with units, unknown choices, blanks, “not applicable” marks, bounds, a repeated key."""
    rows = []
    for i in range(60):
        kind = ("kindergarten", "primary", "senior", "junior")[i % 4]
        cells = {}
        if i % 3 == 0:
            cells["dropouts" if kind == "senior" else "health_data_reported" if kind == "kindergarten"
                  else "inclusive"] = "0" if kind == "senior" else "是"
        if i % 7 == 1:
            cells["students"] = ("12人", "abc", "3.5", "-4")[i % 4]
        if i % 11 == 2:
            cells["ownership"] = ("私利", "公")[i % 2]
        if i % 13 == 3:
            cells["classes"] = None
        if i % 17 == 4:
            cells["bullying_incidents"] = "/"
        if i % 19 == 5:
            cells["large_classes"] = 99
        rows.append(school(f"S{i % 57}", kind, **cells))
    return rows


def submission(sheet=None, limit: int = 100_000):
    raw = raw_table("schools", messy_schools(), file="学校.xlsx" if sheet else "学校.csv")
    raw.sheet = sheet
    population = raw_table("population", [{"town": "凤仪街道", "children_3_5": 100}])
    return validate_tables([raw, population], CONTRACT, max_problems=limit)


def test_columns_hold_many_kinds_of_problems():
    sub = submission()
    codes = {p.code for p in sub.problems}
    assert {"not_applicable", "not_integer", "not_in_choices", "required", "duplicate_key",
            "placeholder_in_applicable", "exceeds_column"} <= codes
    assert any(isinstance(part, E.ProblemColumns) and len(part) > 3 for part in sub.found.parts)


def test_columns_give_the_problems_objects_give_in_order():
    for sheet in (None, "学校"):
        sub = submission(sheet)
        objects = [p for part in sub.found.parts for p in part]     # in the order found
        assert sub.problems == E.sort_problems(objects)
        assert [p.params for p in sub.problems] == [p.params for p in E.sort_problems(objects)]
        assert [(p.row, p.column, p.code) for p in sub.problems] == [p.compact() for p in E.sort_problems(objects)]
        for lang in ("zh", "en"):
            assert sub.found.records(lang) == [record(p, lang) for p in sub.problems]
        assert sub.found.count_by_severity() == E.count_by_severity(sub.problems)
        assert sub.errors == [p for p in sub.problems if p.is_error]
        assert sub.found.head(7) == sub.problems[:7]
    assert any(p.cell and p.cell.startswith("学校!") for p in submission("学校").problems)


def test_a_warning_message_names_each_rows_school_type():
    sub = submission()
    stray = [p for p in sub.problems if p.code == "not_applicable"]
    assert {p.message("zh") for p in stray} >= {"此列不适用于幼儿园，数值未计入", "此列不适用于普通高中，数值未计入"}
    assert {p.value for p in stray} >= {"0", "是"}


def test_json_and_errors_out_read_from_columns_as_from_objects(tmp_path):
    sub = submission("学校")
    for lang in ("zh", "en"):
        assert jsonfmt.problem_dicts(sub, lang) == [jsonfmt.problem_dict(p, lang) for p in sub.problems]
        write_problems_csv(sub.found, tmp_path / "columns.csv", lang)
        write_problems_csv(list(sub.problems), tmp_path / "objects.csv", lang)
        assert (tmp_path / "columns.csv").read_bytes() == (tmp_path / "objects.csv").read_bytes()
        assert len((tmp_path / "columns.csv").read_text(encoding="utf-8-sig").splitlines()) == len(sub.problems) + 1


def test_annotations_read_from_columns_as_from_objects():
    from plancheck.report import github

    for sheet in (None, "学校"):
        sub = submission(sheet)
        for lang in ("zh", "en"):
            text = github.annotations(sub, [], lang, None)
            assert text == "".join(github.problem_command(p, lang, None) + "\n" for p in sub.problems)
            assert text.count("::warning ") == sum(p.severity == E.WARNING for p in sub.problems) > 0


def test_limit_keeps_the_first_problems_found_and_counts_the_rest():
    whole = submission()
    found = [p for part in whole.found.parts for p in part]
    for limit in (0, 1, 5, 17, len(found) - 1, len(found)):
        sub = submission(limit=limit)
        assert len(sub.problems) == limit
        assert sub.problems_dropped == len(found) - limit
        assert sub.problems == E.sort_problems(found[:limit])


def test_collector_items_are_the_problems_in_the_order_found():
    out = _Collector(10)
    raw = raw_table("schools", messy_schools())
    validate_table(raw, out, CONTRACT)
    assert len(out.items) == 10 and out.count == 10
    assert out.dropped > 0
    assert out.items == [p for part in out.parts for p in part]


# -- any parts, sorted: hypothesis
KINDS = ["not_applicable", "not_integer", "required", "unknown_place", "sheet_skipped"]
TEXTS = st.sampled_from(["", "a", "b", "学校", "甲"])


@st.composite
def columns_part(draw) -> E.ProblemColumns:
    n = draw(st.integers(1, 8))
    values = draw(st.lists(st.one_of(st.none(), TEXTS), min_size=1, max_size=3))
    params = draw(st.lists(st.dictionaries(st.sampled_from(["school_type_zh", "school_type_en", "hint_zh", "x"]),
                                           TEXTS, max_size=2), min_size=1, max_size=3))
    rows = np.array(draw(st.lists(st.integers(0, 6), min_size=n, max_size=n)), dtype=np.int64)
    vcodes = np.array(draw(st.lists(st.integers(0, len(values) - 1), min_size=n, max_size=n)), dtype=np.int64)
    pcodes = np.array(draw(st.lists(st.integers(0, len(params) - 1), min_size=n, max_size=n)), dtype=np.int64)
    sheet = draw(st.one_of(st.none(), TEXTS))
    return E.ProblemColumns(draw(st.sampled_from(KINDS)), rows, draw(TEXTS), sheet, draw(st.one_of(st.none(), TEXTS)),
                            values, vcodes, [tuple(sorted(p.items())) for p in params], pcodes,
                            f"{sheet}!C" if sheet and draw(st.booleans()) else None)


single = st.builds(lambda code, file, sheet, row, column, value: E.make(code, file=file, sheet=sheet, row=row,
                                                                         column=column, value=value),
                   st.sampled_from(KINDS), TEXTS, st.one_of(st.none(), TEXTS), st.one_of(st.none(), st.integers(0, 6)),
                   st.one_of(st.none(), TEXTS), st.one_of(st.none(), TEXTS))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(columns_part(), st.lists(single, min_size=1, max_size=3)), max_size=6),
       st.integers(0, 12))
def test_any_parts_sort_and_read_as_their_problems(parts, n):
    objects = [p for part in parts for p in part]
    found = E.ProblemSet.sorted(parts)
    assert len(found) == len(objects)
    assert found.head(n) == E.sort_problems(objects)[:n]
    listed = found.list()
    assert listed == E.sort_problems(objects)
    assert [p.params for p in listed] == [p.params for p in E.sort_problems(objects)]
    assert [p.cell for p in listed] == [p.cell for p in E.sort_problems(objects)]
    more = [E.make("required", file="b", row=3), E.make("not_integer", file="", row=None)]
    assert found.plus(more).list() == E.sort_problems(listed + more)
    assert E.ProblemSet([listed]).plus(more).list() == E.sort_problems(listed + more)
    fresh = E.ProblemSet.sorted(parts)      # records from the columns, not from the list made above
    for lang in ("zh", "en"):
        assert fresh.records(lang) == [record(p, lang) for p in listed]
    assert fresh.count_by_severity() == E.count_by_severity(objects)
    assert fresh.errors() == [p for p in listed if p.is_error]
