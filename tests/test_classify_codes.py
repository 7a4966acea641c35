"""Row classification takes codes with separators (5203240002-7) for data at once, as it does digit-only codes,
and still finds totals, footers and repeated headers among the other first cells."""

from __future__ import annotations

from plan2021 import TABLES

from plancheck.read.readers import read_file

HEADER = "学校代码,学校名称,乡镇（街道）,学校类型,办学性质,在校生数,班级数"


def test_codes_with_separators_are_data_and_totals_footers_headers_are_not(tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("\n".join([
        HEADER,
        "5203240002-7,甲小学,安场镇,小学,公办,100,4",
        "9_001,乙小学,安场镇,小学,公办,50,2",
        "2021/002,丙小学,安场镇,小学,公办,50,2",
        "school_id,school_name,town,school_type,ownership,students,classes",   # a repeated (English) header
        "合计,,,,,200,8",
        "填表人：张三,,,,,,",
    ]) + "\n", encoding="utf-8")
    [t] = read_file(f, TABLES)
    assert list(t.rows) == [2, 3, 4]
    assert sorted((p.row, p.code) for p in t.problems) == [
        (5, "header_row_skipped"), (6, "total_row_skipped"), (7, "footer_row_skipped")]


from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="0123456789-_./a合 :", max_size=8), max_size=80))
def test_code_like_equals_the_code_pattern_on_every_cell(cells) -> None:
    import re

    import pyarrow as pa
    import pyarrow.compute as pc

    from plancheck.read.readers import _CODE_RE, _code_like

    arrow = pa.array(cells, type=pa.large_string())
    got = _code_like(arrow, pc.ascii_is_decimal(arrow)).to_pylist()
    assert got == [bool(re.fullmatch(r"[0-9][0-9._/-]*", c)) for c in cells] == [bool(re.match(_CODE_RE, c)) for c in cells]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["5203240001", "5203240002-7", "9_001", " 5203240003", "", "合计", "填表人：张三",
                                 "school_id", "学校代码", "0", "7/", "-1"]), min_size=1, max_size=12))
def test_a_file_of_codes_only_is_classified_as_the_full_classification_does(firsts) -> None:
    """The shortcut for a file whose every first cell is a code answers only when every first cell is a code
    as written, and then leaves the table exactly as the full classification does."""
    import re
    from unittest import mock

    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from plancheck.read import readers
    from plancheck.read.headers import index_for

    def classified(shortcut: bool) -> tuple:
        half = len(firsts) // 2
        first = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(
            [pa.array(firsts[:half], type=pa.large_string()), pa.array(firsts[half:], type=pa.large_string())])))
        data = pd.DataFrame({0: first, 1: pd.Series(["x"] * len(firsts), dtype="str")})
        t = readers.RawTable(file="s.csv", sheet=None, table="schools", headers=["学校代码", "学校名称"], header_row=1,
                             data=data, rows=np.arange(2, 2 + len(firsts)), index=index_for(TABLES))
        with mock.patch.object(readers, "_all_codes", readers._all_codes if shortcut else lambda *a: False):
            t = readers.classify_rows(t)
        return (t.data.to_dict("list"), list(t.rows), [p.compact() for p in t.problems], t.rows_read, t.total_rows)

    t = readers.RawTable(file="s.csv", sheet=None, table="schools", headers=[], header_row=1,
                         data=pd.DataFrame({0: pd.Series(firsts, dtype="str")}), rows=[], index=index_for(TABLES))
    codes_only = all(re.fullmatch(r"[0-9][0-9._/-]*", c) for c in firsts)
    assert readers._all_codes(t.data, frozenset(t.index.lookups["schools"])) == codes_only
    assert classified(True) == classified(False)
