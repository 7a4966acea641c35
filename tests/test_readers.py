"""Reading files as county offices send them: encodings, workbooks, title/total/footer rows, hostile files."""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from plan2021 import CONTRACT, TABLES
from plancheck.read.readers import MAX_LINE_BYTES, ReadError, read_file
from plancheck.check.validate import validate_paths
from sheet_fixtures import (POP_HEADERS, SCHOOL_HEADERS, balanced, codes, compact, grid, school,
                            schools, write_csv, write_xlsx)

POP = [POP_HEADERS, ["安场镇", "1200"], ["凤仪街道", "3000"]]
MS = [["项目编号", "进展状态", "备注"], ["M01", "已完成", ""]]


def run(path: Path, **more):
    return validate_paths({"schools": path, **more}, CONTRACT)


# ------------------------------------------------------------------ encodings
@pytest.mark.parametrize("encoding,sep,newline", [
    ("utf-8", ",", "\n"), ("utf-8-sig", ",", "\r\n"), ("gbk", ",", "\r\n"), ("gb18030", ",", "\n"),
    ("utf-16", "\t", "\r\n"), ("utf-16-le", "\t", "\n"),
])
def test_csv_encodings_read_the_same(tmp_path, encoding, sep, newline):
    f = write_csv(tmp_path / "s.csv", grid(schools(3)), encoding, sep, newline)
    sub = run(f)
    assert sub.ok, compact(sub.problems)
    assert list(sub.tables["schools"]["school_name"]) == ["第1小学", "第2小学", "第3小学"]
    assert list(sub.tables["schools"]["students"]) == [400, 400, 400]
    assert balanced(sub) and sub.counts().accepted == 3


def test_undecodable_bytes_name_the_offset_and_encodings_tried(tmp_path):
    good = ",".join(SCHOOL_HEADERS).encode() + b"\n"
    f = tmp_path / "s.csv"
    f.write_bytes(good + b"\x81\x30\xff\xff\xfe,abc\n")
    sub = run(f)
    [p] = sub.problems
    assert p.code == "encoding_error"
    assert dict(p.params)["offset"] == len(good)
    assert "utf-8" in p.message("en") and "gb18030" in p.message("en")


# ------------------------------------------------------------------ workbooks
@pytest.mark.parametrize("names", [("学校", "适龄人口", "重点项目"), ("schools", "population", "milestones")])
def test_one_workbook_holds_all_three_tables(tmp_path, names):
    f = write_xlsx(tmp_path / "county.xlsx", dict(zip(names, [grid(schools(2)), POP, MS])))
    sub = run(f)
    assert sub.ok, compact(sub.problems)
    assert {k: len(v) for k, v in sub.tables.items()} == {"schools": 2, "population": 2, "milestones": 1}


def test_xls_is_read_if_calamine_can(tmp_path):
    # no maintained writer of .xls exists for Python 3; a CSV renamed .xls is refused clearly instead
    f = write_csv(tmp_path / "s.xls", grid(schools(1)))
    sub = run(f)
    assert codes(sub.problems) == {"unknown_format"}


def test_merged_title_total_and_footer_rows(tmp_path):
    rows = grid(schools(3))
    total = ["", "合计", "", "", "", "", "1200", "31", "0", "0", "", "", "", "", "", "", "", "0", ""]
    footer = ["填表人：张三", "", "审核人：李四"]
    f = write_xlsx(tmp_path / "s.xlsx", {"学校": rows + [[""] * 3, total, footer]},
                   title="正安县2021年秋季学期学校基础数据统计表")
    sub = run(f)
    # title row 1, header row 2, data 3-5, blank 6, total 7, footer 8
    assert compact(sub.problems) == sorted([(7, None, "total_row_skipped"), (8, None, "footer_row_skipped"),
                                            (7, "班级数", "total_mismatch")], key=str)
    mismatch = next(p for p in sub.problems if p.code == "total_mismatch")
    assert mismatch.cell == "学校!H7" and mismatch.value == "31"
    assert dict(mismatch.params) == {"stated": 31, "computed": 30}
    c = sub.counts()
    assert (c.read, c.accepted, c.rejected, c.skipped) == (5, 3, 0, 2)


def test_total_under_the_header_sums_the_rows_below(tmp_path):
    rows = grid(schools(2))
    total = ["总计", "", "", "", "", "", "800", "20", "0", "1"] + [""] * 9
    f = write_csv(tmp_path / "s.csv", [rows[0], total] + rows[1:])
    sub = run(f)
    assert compact(sub.problems) == sorted([(2, None, "total_row_skipped"), (2, "辍学学生数", "total_mismatch")],
                                           key=str)


def test_subtotals_cover_their_own_block(tmp_path):
    rows = grid(schools(4))
    sub1 = ["小计"] + [""] * 5 + ["800"] + [""] * 12
    sub2 = ["小计"] + [""] * 5 + ["801"] + [""] * 12
    f = write_csv(tmp_path / "s.csv", rows[:3] + [sub1] + rows[3:] + [sub2])
    sub = run(f)
    assert [p.compact() for p in sub.problems if p.code == "total_mismatch"] == [(7, "在校生数", "total_mismatch")]


def test_header_anywhere_and_cell_addresses(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "学校"
    ws["A1"] = "正安县学校统计"
    for r, line in enumerate(grid([school(), school("5203240002", 在校生数="12.5 students")]), start=4):
        for c, value in enumerate(line, start=3):
            ws.cell(r, c, value or None)
    wb.save(tmp_path / "s.xlsx")
    sub = run(tmp_path / "s.xlsx")
    [p] = sub.problems
    assert (p.row, p.column, p.code, p.cell, p.value) == (6, "在校生数", "not_integer", "学校!I6", "12.5 students")
    assert p.file.endswith("s.xlsx") and p.sheet == "学校"


def test_cell_clean_up(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "学校"
    ws.append(SCHOOL_HEADERS)
    base = [school()[h] for h in SCHOOL_HEADERS]
    ok_rows = [
        dict(学校代码=2152000123, 在校生数="1,234", 班级数="１２", 大班额班级数="３", 专职保安配备到位=True, 封闭化管理达标="√",
             一键报警及视频监控联网=" 有 ", 反恐怖防范达标="Y", 挂牌督学到位=1),
        dict(学校代码="2152000124", 在校生数=12.0, 班级数="1", 大班额班级数="0.0", 专职保安配备到位="×",
             封闭化管理达标="否", 一键报警及视频监控联网="无", 反恐怖防范达标=False, 挂牌督学到位="no"),
    ]
    bad_rows = [dict(学校代码="1", 在校生数="12.5 students"), dict(学校代码="2", 在校生数="abc"),
                dict(学校代码="3", 在校生数="1e30"), dict(学校代码="4", 在校生数=1e30),
                dict(学校代码="5", 专职保安配备到位="maybe")]
    for over in ok_rows + bad_rows:
        line = list(base)
        for k, v in over.items():
            line[SCHOOL_HEADERS.index(k)] = v
        ws.append(line)
    wb.save(tmp_path / "s.xlsx")
    sub = run(tmp_path / "s.xlsx")
    df = sub.tables["schools"]
    assert list(df["school_id"]) == ["2152000123", "2152000124"]
    assert list(df["students"]) == [1234, 12] and list(df["classes"]) == [12, 1]
    assert list(df["guards_in_place"]) == [True, False] and list(df["antiterror_standard"]) == [True, False]
    assert list(df["alarm_linked"]) == [True, False] and list(df["supervisor_assigned"]) == [True, False]
    # the text "1e30" is no whole number; the number 1e30 is one, too large for a count
    assert compact(sub.problems) == sorted([(4, "在校生数", "not_integer"), (5, "在校生数", "not_integer"),
                                            (6, "在校生数", "not_integer"), (7, "在校生数", "too_large"),
                                            (8, "专职保安配备到位", "not_yes_no")], key=str)
    assert balanced(sub)


def test_header_aliases_and_did_you_mean(tmp_path):
    headers = [h for h in SCHOOL_HEADERS]
    aliases = {"学校名称": "校名", "乡镇（街道）": " 所属乡镇 ", "在校生数": "在校学生数", "辍学学生数": "辍学生数"}
    written = [aliases.get(h, h) for h in headers]
    written[SCHOOL_HEADERS.index("校园欺凌事件数")] = "校园欺凌事件数"
    rows = grid(schools(1))
    f = write_csv(tmp_path / "s.csv", [written + ["班级人数"]] + [rows[1] + ["40"]])
    sub = run(f)
    assert compact(sub.problems) == [(1, "班级人数", "unknown_column")]
    assert "班级数" in sub.problems[0].message("en")
    f2 = write_csv(tmp_path / "t.csv", [[h.replace("（", "(").replace("）", ")") for h in SCHOOL_HEADERS]] + rows[1:])
    assert run(f2).ok


# ------------------------------------------------------------------ folders
def test_folder_merges_files_and_reports_duplicates_and_strangers(tmp_path):
    d = tmp_path / "submissions"
    d.mkdir()
    write_csv(d / "安场镇.csv", grid(schools(2)), "gbk")
    write_xlsx(d / "凤仪街道.xlsx", {"学校": grid(schools(2, start=2))})
    (d / "notes.csv").write_text("会议记录\n今天开会\n", encoding="utf-8")
    seen = []
    sub = validate_paths({"schools": d}, CONTRACT, progress=lambda done, total, f: seen.append((done, total, f.name)))
    assert [s[:2] for s in seen] == [(1, 3), (2, 3), (3, 3)]
    dup = [p for p in sub.problems if p.code == "duplicate_key"]
    # files are read in name order (凤 < 安): the copy in 安场镇.csv row 3 duplicates 凤仪街道.xlsx row 2
    assert len(dup) == 1 and dup[0].file.endswith("安场镇.csv") and dup[0].row == 3
    assert "凤仪街道.xlsx[学校] 第 2 行" in dup[0].message("zh") and "row" not in dup[0].message("zh")
    assert "凤仪街道.xlsx[学校] row 2" in dup[0].message("en")
    assert any(p.code == "no_header" and p.file.endswith("notes.csv") for p in sub.problems)
    assert len(sub.tables["schools"]) == 3
    assert balanced(sub) and sub.counts().rejected == 1


# ------------------------------------------------------------------ consistency
def test_consistency_warnings(tmp_path):
    rows = [school("1", 在校生数="600", 班级数="10", 大班额班级数="0"),
            school("2", 在校生数="600", 班级数="10", 大班额班级数="2")]
    from sheet_fixtures import kindergarten
    rows.append(kindergarten("3", 在校生数="400", 班级数="10"))
    sub = run(write_csv(tmp_path / "s.csv", grid(rows)))
    assert compact(sub.problems) == [(2, "班级数", "class_size_high"), (4, "班级数", "kindergarten_class_size_high")]
    assert sub.ok  # warnings only


# ------------------------------------------------------------------ hostile files
def _refused(path: Path) -> set[str]:
    start = time.monotonic()
    sub = run(path)
    assert time.monotonic() - start < 10
    assert not sub.ok
    return codes(sub.errors)


def test_png_renamed_csv(tmp_path):
    f = tmp_path / "s.csv"
    f.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    assert _refused(f) == {"unknown_format"}


def test_truncated_xlsx(tmp_path):
    full = write_xlsx(tmp_path / "full.xlsx", {"学校": grid(schools(50))}).read_bytes()
    f = tmp_path / "s.xlsx"
    f.write_bytes(full[: len(full) // 2])
    assert _refused(f) == {"file_unreadable"}


def test_zip_bomb(tmp_path):
    f = tmp_path / "s.xlsx"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<x/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024**2))
    assert _refused(f) == {"too_large"}


def test_zero_byte_and_header_only(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"")
    assert _refused(tmp_path / "a.csv") == {"empty_file"}
    assert _refused(write_csv(tmp_path / "b.csv", [SCHOOL_HEADERS])) == {"no_data_rows"}
    (tmp_path / "c.xlsx").write_bytes(b"")
    assert _refused(tmp_path / "c.xlsx") == {"empty_file"}


def test_ragged_rows_are_rejected_and_counted(tmp_path):
    rows = grid(schools(3))
    rows[2] = rows[2] + ["extra", "cells"]
    rows[3] = rows[3][:5]
    sub = run(write_csv(tmp_path / "s.csv", rows))
    assert (3, None, "bad_csv") in compact(sub.problems)
    assert any(p.row == 4 and p.code == "required" for p in sub.problems)
    c = sub.counts()
    assert (c.read, c.accepted, c.rejected) == (3, 1, 2) and balanced(sub)


def test_unterminated_quote(tmp_path):
    text = ",".join(SCHOOL_HEADERS) + "\n" + ",".join(grid(schools(1))[1]) + '\n"5203,unfinished\n'
    (tmp_path / "s.csv").write_text(text, encoding="utf-8")
    sub = run(tmp_path / "s.csv")
    assert "bad_csv" in codes(sub.errors) and balanced(sub)


def test_nul_bytes(tmp_path):
    f = tmp_path / "s.csv"
    f.write_bytes(",".join(SCHOOL_HEADERS).encode() + b"\n52032\x00400,x\n")
    assert _refused(f) == {"unknown_format"}


def test_duplicate_headers(tmp_path):
    rows = grid(schools(1))
    f = write_csv(tmp_path / "s.csv", [rows[0] + ["在校学生数"], rows[1] + ["1"]])
    sub = run(f)
    assert (1, "在校学生数", "duplicate_header") in compact(sub.problems)
    assert sub.counts().rejected == 1 and balanced(sub)


def test_a_100_mb_single_line_is_refused_without_reading_it(tmp_path):
    f = tmp_path / "s.csv"
    with f.open("wb") as fh:
        fh.truncate(100 * 1024**2)  # sparse: no 100 MB written or read
    with f.open("r+b") as fh:
        fh.write(b"a" * 16)
    with pytest.raises(ReadError) as exc:
        read_file(f, TABLES)
    assert exc.value.problems[0].code == "too_large"
    assert str(MAX_LINE_BYTES) in exc.value.problems[0].message("en")


def test_repeated_english_header_row_is_skipped(tmp_path):
    from plan2021 import TABLES
    rows = grid(schools(2))
    english = [c.name for c in TABLES["schools"].columns]
    sub = run(write_csv(tmp_path / "s.csv", [rows[0], english] + rows[1:]))
    assert compact(sub.problems) == [(2, None, "header_row_skipped")]
    assert sub.counts().accepted == 2 and balanced(sub)


def test_extra_sheets_are_reported_and_a_workbook_without_tables_is_not_a_submission(tmp_path):
    f = write_xlsx(tmp_path / "s.xlsx", {"学校": grid(schools(1)), "Sheet2": [["随便写的", "东西"]], "空": [[""]]})
    sub = run(f)
    assert [(p.sheet, p.code) for p in sub.problems] == [("Sheet2", "sheet_skipped")] and sub.ok
    g = write_xlsx(tmp_path / "g.xlsx", {"Sheet1": [["工资表"], ["张三", "100"]], "Sheet2": [["x"]]})
    assert compact(run(g).problems) == [(None, None, "not_submission")]


def test_real_xls_workbook():
    # tests/data/schools.xls: a legacy .xls written once with xlwt (title row, then schools(2) as in
    # sheet_fixtures; numbers as numbers, the second school code stored as a float as Excel does)
    sub = run(Path(__file__).parent / "data" / "schools.xls")
    assert sub.ok, compact(sub.problems)
    assert sub.tables["schools"]["school_id"].tolist() == ["5203240001", "5203240002"]
    assert sub.tables["schools"]["_row"].tolist() == [3, 4]


def test_quoted_line_break_in_a_title_does_not_shift_rows(tmp_path):
    lines = [['正安县\n学校统计表'], ["填报单位\x0c正安县"]] + grid(schools(1, start=1) + [school("x2", 在校生数="x")])
    sub = run(write_csv(tmp_path / "s.csv", lines))
    assert compact(sub.problems) == [(5, "在校生数", "not_integer")]


def test_gb18030_csv_with_title_and_footer(tmp_path):
    lines = [["正安县2021年秋季学期学校基础数据统计表"], ["填报单位：安场镇"]] + grid(schools(2)) + [
        [""], ["填表人：张三", "", "审核人：李四", "", "填报日期：2021年9月30日"]]
    f = write_csv(tmp_path / "s.csv", lines, "gb18030")
    sub = run(f)
    assert compact(sub.problems) == [(7, None, "footer_row_skipped")]
    assert sub.sources[0].encoding == "gb18030" and sub.tables["schools"]["_row"].tolist() == [4, 5]
    c = sub.counts()
    assert (c.read, c.accepted, c.skipped) == (3, 2, 1)


# ------------------------------------------------------------------ footers and place-named subtotals
@pytest.mark.parametrize("footer", ["注：本表由学校填报", "单位负责人：张三", "校长（签字）：", "填报单位（盖章）：",
                                    "联络员:"])
@pytest.mark.parametrize("column", [0, 1])
def test_common_footers_are_skipped_not_taken_as_data(tmp_path, footer, column):
    rows = grid(schools(2))
    line = [""] * len(rows[0])
    line[column] = footer
    f = write_xlsx(tmp_path / "s.xlsx", {"学校": rows + [line]})
    sub = run(f)
    assert compact(sub.problems) == [(4, None, "footer_row_skipped")]
    assert dict(sub.problems[0].params)["label"] == footer
    assert sub.counts().accepted == 2 and balanced(sub)


def test_footer_rule_never_swallows_a_school_row(tmp_path):
    # a school whose name ends in “：” or starts with 注 still has its code and type: it is data
    rows = grid([school("5203240001", "注溪小学："), school("5203240002", "校长小学")])
    sub = run(write_xlsx(tmp_path / "s.xlsx", {"学校": rows}))
    assert sub.ok and sub.counts().accepted == 2, compact(sub.problems)


def test_population_footer_in_the_town_column(tmp_path):
    f = write_xlsx(tmp_path / "p.xlsx", {"适龄人口": POP + [["注：数据来自公安户籍", ""]]})
    sub = validate_paths({"population": f}, CONTRACT)
    assert compact(sub.problems) == [(4, None, "footer_row_skipped")]
    assert len(sub.tables["population"]) == 2


@pytest.mark.parametrize("label_col", [0, 1])
@pytest.mark.parametrize("first,second,grand", [("甲镇小计", "乙镇小计", "合计"), ("一组小计", "二组小计", "全县合计"),
                                                ("甲镇合计", "乙镇合计", "总计"), ("全县小计", "小计", "合计")])
def test_place_named_subtotals_are_totals_and_not_summed_into_the_grand_total(tmp_path, label_col, first, second,
                                                                              grand):
    rows = grid(schools(3))

    def total(label, students):
        line = [""] * len(rows[0])
        line[label_col] = label
        line[6] = students
        return line
    f = write_xlsx(tmp_path / "s.xlsx", {"学校": rows[:3] + [total(first, "800")] + rows[3:]
                                         + [total(second, "401"), total(grand, "1200")]})
    sub = run(f)
    # data 2-3, subtotal 4, data 5, subtotal 6 (wrong: 401 for 400), grand total 7 (right: 1200)
    assert compact(sub.problems) == sorted([(4, None, "total_row_skipped"), (6, None, "total_row_skipped"),
                                            (7, None, "total_row_skipped"), (6, "在校生数", "total_mismatch")], key=str)
    assert sub.counts().accepted == 3 and balanced(sub)


# ------------------------------------------------------------------ content decides, not the name
def test_xlsx_saved_with_an_xls_name_is_read_with_a_note(tmp_path):
    f = write_xlsx(tmp_path / "s.xlsx", {"学校": grid(schools(2))})
    renamed = f.rename(tmp_path / "s.xls")
    sub = run(renamed)
    assert sub.ok and compact(sub.problems) == [(None, None, "workbook_renamed")]
    assert "read as .xlsx" in sub.problems[0].message("en") and ".xls" in sub.problems[0].message("zh")
    assert len(sub.tables["schools"]) == 2 and balanced(sub)


@pytest.mark.parametrize("content,zh,en", [
    (",".join(SCHOOL_HEADERS).encode() + b"\n", "扩展名改为 .csv", "rename it to .csv"),
    (b"\x89PNG\r\n\x1a\n" + bytes(64), "PNG", "PNG"),
])
def test_other_content_named_as_a_workbook_is_refused_with_advice(tmp_path, content, zh, en):
    f = tmp_path / "s.xlsx"
    f.write_bytes(content)
    [p] = run(f).problems
    assert p.code == "unknown_format" and zh in p.message("zh") and en in p.message("en")


def test_folder_reports_each_file_it_does_not_read_once(tmp_path):
    d = tmp_path / "sample"
    d.mkdir()
    write_csv(d / "a.csv", grid(schools(1)))
    for name in ("README.md", "generate.py", ".hidden", "~$a.xlsx"):
        (d / name).write_text("x", encoding="utf-8")
    sub = validate_paths({"schools": d, "population": d}, CONTRACT)   # the same folder for two roles: still once
    skipped = sorted(p.file for p in sub.problems if p.code == "file_skipped")
    assert skipped == [str(d / "README.md"), str(d / "generate.py")]
    assert all(not p.is_error and p.severity == "info" for p in sub.problems if p.code == "file_skipped")
    assert "not read" in next(p for p in sub.problems if p.code == "file_skipped").message("en")


def test_cross_file_duplicate_has_its_cell_address(tmp_path):
    d = tmp_path / "sub"
    d.mkdir()
    write_xlsx(d / "a.xlsx", {"学校": grid(schools(2))})
    rows = grid([school("5203240099", "其他小学"), school("5203240002", "第2小学")])
    rows[0] = ["序号"] + rows[0]
    rows[1:] = [[str(i)] + r for i, r in enumerate(rows[1:], start=1)]
    write_xlsx(d / "b.xlsx", {"学校": rows}, title="标题")
    [dup] = [p for p in validate_paths({"schools": d}, CONTRACT).problems if p.code == "duplicate_key"]
    # title row 1, header row 2, the copy in row 4; 学校代码 is column B after 序号
    assert (dup.file, dup.row, dup.column, dup.cell) == (str(d / "b.xlsx"), 4, "学校代码", "学校!B4")


# ------------------------------------------------------------------ one language per message
def _long_line(path: Path) -> Path:
    path.write_bytes(b"a" * (MAX_LINE_BYTES + 10))
    return path


def _damaged(path: Path) -> Path:
    full = write_xlsx(path.with_name("full.xlsx"), {"学校": grid(schools(50))}).read_bytes()
    path.write_bytes(full[: len(full) // 2])
    return path


def _bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024**2))
    return path


@pytest.mark.parametrize("make,name", [
    (_long_line, "s.csv"),
    (lambda p: (p.write_bytes(b"a,b\n1\x00,2\n"), p)[1], "s.csv"),
    (lambda p: (p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256))), p)[1], "s.csv"),
    (lambda p: (p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256))), p)[1], "s.xlsx"),
    (_damaged, "s.xlsx"),
    (_bomb, "s.xlsx"),
    (lambda p: (p.write_bytes(b"x"), p)[1], "s.doc"),
])
def test_file_level_reasons_are_in_one_language_each(tmp_path, make, name):
    [p] = run(make(tmp_path / name)).problems
    zh, en = p.message("zh"), p.message("en")
    assert " / " not in zh and " / " not in en, (zh, en)
    assert not re.search(r"[\u4e00-\u9fff]", en), en
    assert re.search(r"[\u4e00-\u9fff]", zh) and not re.search(r"\b(?:the|not a|bytes|longer)\b", zh), zh


def test_a_damaged_sheet_is_reported_in_one_line(tmp_path):
    """The Excel reader's multi-line account (its call chain, the file's path again) is cut to its first line."""
    good = write_xlsx(tmp_path / "good.xlsx", {"学校": grid(schools(3))})
    f = tmp_path / "s.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, data[: len(data) // 2] if item.filename.startswith("xl/worksheets/") else data)
    with pytest.raises(ReadError) as exc:
        read_file(f, TABLES)
    (problem,) = exc.value.problems
    assert problem.code == "file_unreadable" and problem.sheet == "学校"
    message = problem.message("en")
    assert "the sheet cannot be read: " in message
    assert "\n" not in message and "Context" not in message


def test_a_chart_sheet_is_skipped_without_a_word_on_stderr(tmp_path):
    """calamine warns about a chart sheet through Python logging; nothing of it reaches a user's terminal."""
    import subprocess
    import sys

    from openpyxl.chart import BarChart, Reference

    wb = Workbook()
    ws = wb.active
    ws.title = "学校"
    for line in grid(schools(3)):
        ws.append(line)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=7, min_row=1, max_row=4))
    wb.create_chartsheet("图表").add_chart(chart)
    f = tmp_path / "s.xlsx"
    wb.save(f)
    proc = subprocess.run([sys.executable, "-c", "from plancheck.cli import main; main()", "run", str(f),
                           "--format", "json", "--lang", "en"], capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode in (1, 2), proc.stderr
    assert "chartsheet" not in proc.stderr and "Traceback" not in proc.stderr
    assert "学校" in proc.stderr  # the row counts of the sheet read


def test_a_cell_longer_than_the_csv_field_limit_is_a_located_problem(tmp_path):
    """Python's csv module refuses a cell over 131072 characters: the file is rejected with a message on
    that row, never a traceback (also when the file was read ahead in the background)."""
    from plancheck.read import textfile

    rows = grid(schools(2))
    rows[2][1] = "长" * 131073
    f = write_csv(tmp_path / "s.csv", rows)
    assert textfile.read_ahead(f, "schools", TABLES) is None   # left to the ordinary read, which reports it
    sub = run(f)
    assert [(p.row, p.code) for p in sub.errors if p.code == "bad_csv"] == [(3, "bad_csv")]
    assert not sub.ok


def test_consistency_warnings_at_the_norms_exactly(tmp_path):
    """An average of exactly 55 (35 in a kindergarten) is within the norm; one pupil more is not, and the
    warning quotes the average to one decimal."""
    from sheet_fixtures import kindergarten

    rows = [school("1", 在校生数="550", 班级数="10", 大班额班级数="0"),
            school("2", 在校生数="551", 班级数="10", 大班额班级数="0"),
            kindergarten("3", 在校生数="350", 班级数="10"), kindergarten("4", 在校生数="351", 班级数="10")]
    sub = run(write_csv(tmp_path / "s.csv", grid(rows)))
    assert compact(sub.problems) == [(3, "班级数", "class_size_high"), (5, "班级数", "kindergarten_class_size_high")]
    assert [p.message("en") for p in sub.problems][0].count("55.1") == 1
    assert sub.ok
