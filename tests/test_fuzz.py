"""No input produces a traceback, and every row read is accepted, rejected or skipped."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plan2021 import CONTRACT
from plancheck.check.validate import validate_paths
from sheet_fixtures import SCHOOL_HEADERS, balanced, csv_text, school, write_xlsx

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CELL = st.one_of(st.text(max_size=8), st.sampled_from(["合计", "小计", "填表人：", "是", "否", "1,234", "", '"', "\n",
                                                     "12.0", "１２", "学校代码", "-1", "1e30"]))


def check(path: Path):
    sub = validate_paths({"schools": path}, CONTRACT)  # must not raise
    assert balanced(sub)
    for p in sub.problems:
        p.message("zh"), p.message("en"), p.location()
    return sub


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from([".csv", ".xlsx", ".xls", ".txt"]))
def test_random_bytes(data, suffix):
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / f"x{suffix}"
        f.write_bytes(data)
        check(f)


@FUZZ
@given(st.lists(st.lists(CELL, max_size=22), max_size=12), st.sampled_from(["utf-8-sig", "gb18030", "utf-16"]))
def test_random_cells_under_a_header(body, encoding):
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "x.csv"
        f.write_bytes(csv_text([SCHOOL_HEADERS] + body).encode(encoding, errors="replace"))
        check(f)


@FUZZ
@given(st.permutations(SCHOOL_HEADERS), st.integers(0, 3), st.booleans())
def test_random_header_orders_read_the_same(order, title_rows, as_workbook):
    row = school()
    lines = [["标题"]] * title_rows + [list(order), [row[h] for h in order]]
    with tempfile.TemporaryDirectory() as d:
        if as_workbook:
            f = write_xlsx(Path(d) / "x.xlsx", {"学校": lines})
        else:
            f = Path(d) / "x.csv"
            f.write_text(csv_text(lines), encoding="utf-8")
        sub = check(f)
        assert sub.ok, [p.compact() for p in sub.problems]
        assert sub.tables["schools"]["_row"].tolist() == [title_rows + 2]
        assert sub.tables["schools"]["students"].tolist() == [400]


_XLSX = {}


def _good_xlsx() -> bytes:
    if "x" not in _XLSX:
        with tempfile.TemporaryDirectory() as d:
            _XLSX["x"] = write_xlsx(Path(d) / "g.xlsx", {"学校": [SCHOOL_HEADERS, list(school().values())]},
                                    title="标题").read_bytes()
    return _XLSX["x"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6), st.integers(0, 10**6))
def test_damaged_workbooks(flips, cut):
    data = bytearray(_good_xlsx())
    for at, byte in flips:
        data[at % len(data)] = byte
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "x.xlsx"
        f.write_bytes(bytes(data[: max(cut % (len(data) + 1), 1)]))
        check(f)
