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
