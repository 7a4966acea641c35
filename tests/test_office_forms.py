"""Files as offices make them (issue 11 items 3-4, issue 12 items 2, 4, 7): “not applicable” marks, a town
typed once, every problem of a sheet with a misspelt header, school codes mangled by Excel, messages that say
how to fix the cell, and no second problem at a formula never computed. Each through the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from plan2021 import CONTRACT
from plancheck.check.validate import validate_paths
from plancheck.cli import app
from sheet_fixtures import POP_HEADERS, SCHOOL_HEADERS, balanced, grid, kindergarten, school, write_csv, write_xlsx


def cli(*args) -> tuple[int, dict]:
    """``validate``/``run`` with ``--format json``: (exit code, the document)."""
    r = CliRunner(env={"COLUMNS": "400"}).invoke(app, [str(a) for a in args])
    assert "Traceback" not in r.output + r.stderr, r.output + r.stderr
    assert not isinstance(r.exception, Exception) or isinstance(r.exception, SystemExit), repr(r.exception)
    return r.exit_code, json.loads(r.stdout)


def problems(doc: dict) -> list[dict]:
    return doc["problems"] if "problems" in doc else doc["submission"]["problems"]


def found(doc: dict, severity: str | None = None) -> list[tuple]:
    return sorted(((p["row"], p["column"], p["code"]) for p in problems(doc)
                   if severity is None or p["severity"] == severity),
                  key=lambda t: (t[0] or 0, t[1] or "", t[2]))


def message(doc: dict, row: int, code: str) -> str:
    return next(p["message"] for p in problems(doc) if p["row"] == row and p["code"] == code)


def rows(doc: dict) -> dict:
    return doc["rows"] if "rows" in doc else doc["submission"]["rows"]


# ------------------------------------------------------------------ 1. “not applicable” marks
MARKS = ["/", "-", "—", "无", "不适用", "N/A"]


def test_not_applicable_marks_are_blank_where_the_column_does_not_apply(tmp_path):
    """A kindergarten writes 不适用 the way Chinese forms do in the columns of compulsory schools: accepted,
    without a word; the same mark in a column that applies to the school is an error saying what to write."""
    kgs = [kindergarten(f"52032401{i:02d}", f"第{i}幼儿园", 大班额班级数=m, 辍学学生数=m, 体质健康数据已上报=m,
                        学年初在籍学生数=m, 流失学生数=m) for i, m in enumerate(MARKS)]
    lines = grid(kgs + [school("5203240001", 大班额班级数="/"), school("5203240002", 辍学学生数="不适用"),
                        school("5203240003", 体质健康数据已上报="—")], SCHOOL_HEADERS)
    f = write_csv(tmp_path / "学校.csv", lines)
    code, doc = cli("validate", f, "--format", "json", "--lang", "en")
    assert code == 3
    first = len(MARKS) + 2
    assert found(doc) == [(first, "大班额班级数", "placeholder_in_applicable"),
                          (first + 1, "辍学学生数", "placeholder_in_applicable"),
                          (first + 2, "体质健康数据已上报", "placeholder_in_applicable")]
    assert message(doc, first, "placeholder_in_applicable") == (
        "“/” means not applicable, but this column applies to this row: write 0 or the real number")
    assert "write yes or no" in message(doc, first + 2, "placeholder_in_applicable")
    assert rows(doc) == {"read": 9, "accepted": 6, "rejected": 3, "skipped": 0}
    code, doc = cli("validate", f, "--format", "json")   # Chinese by default
    assert message(doc, first, "placeholder_in_applicable") == "“/”表示不适用，但此列适用于此行：填 0 或实际数字"


def test_not_applicable_marks_in_a_workbook_count_as_blank(tmp_path):
    """The same in a workbook: the kindergartens' marks are blanks, the figures are computed without them."""
    kgs = [kindergarten(f"52032401{i:02d}", f"第{i}幼儿园", 大班额班级数=m, 辍学学生数=m) for i, m in enumerate(MARKS)]
    f = write_xlsx(tmp_path / "county.xlsx", {"学校": grid(kgs + [school()], SCHOOL_HEADERS)})
    sub = validate_paths([(None, f)], CONTRACT)
    assert sub.problems == [] and balanced(sub)
    frame = sub.tables["schools"]
    assert frame["large_classes"].isna().sum() == len(MARKS) and frame["large_classes"].sum() == 0


# ------------------------------------------------------------------ 2. a place typed once
def _county(tmp_path, town_of_last: str):
    schools = [school(f"52032400{i:02d}", f"第{i}小学", town=t) for i, t in
               enumerate(["凤仪街道", "凤仪街道", "安场镇", "安场镇", town_of_last], start=1)]
    schools.append(kindergarten("5203240101", town="凤仪街道"))
    s = write_csv(tmp_path / "学校.csv", grid(schools, SCHOOL_HEADERS))
    p = write_csv(tmp_path / "适龄人口.csv", [POP_HEADERS, ["凤仪街道", "3000"], ["安场镇", "1500"]])
    return s, p


def test_a_town_typed_once_is_a_warning_with_the_closest_town(tmp_path):
    s, p = _county(tmp_path, "凤仪街")
    code, doc = cli("run", s, "--table", f"population={p}", "--format", "json", "--lang", "en", "--by", "town")
    assert code in (0, 1)   # a warning: the submission is accepted
    assert found(doc) == [(6, "乡镇（街道）", "unknown_place")]
    assert message(doc, 6, "unknown_place") == ("“凤仪街” appears in no other row of the submission: a typo?; not in "
                                                "the population table either (did you mean “凤仪街道”?)")
    code, doc = cli("run", s, "--table", f"population={p}", "--format", "json")
    assert "是否应为“凤仪街道”" in message(doc, 6, "unknown_place") and "适龄人口表" in message(doc, 6, "unknown_place")


def test_a_town_of_the_county_or_one_schools_own_file_is_not_warned_about(tmp_path):
    s, p = _county(tmp_path, "安场镇")
    code, doc = cli("run", s, "--table", f"population={p}", "--format", "json")
    assert found(doc) == []
    own = write_csv(tmp_path / "本校.csv", grid([school(town="凤仪街")], SCHOOL_HEADERS))
    code, doc = cli("validate", own, "--format", "json")
    assert code == 0 and found(doc) == []   # nothing to compare with


# ------------------------------------------------------------------ 3. a misspelt header hides nothing
def test_a_misspelt_header_does_not_hide_the_cells_of_the_other_columns(tmp_path):
    headers = ["班机数" if h == "班级数" else h for h in SCHOOL_HEADERS]
    rows_ = [school("5203240001", 在校生数="abc"), school("5203240002", 专职保安配备到位="maybe"),
             school("5203240002"), school("5203240004", 班级数="x")]
    lines = [headers] + [[r["班级数"] if h == "班机数" else r[h] for h in SCHOOL_HEADERS] for r in rows_]
    f = write_csv(tmp_path / "学校.csv", lines)
    code, doc = cli("validate", f, "--format", "json", "--lang", "en")
    assert code == 3
    assert found(doc) == [(1, None, "missing_column"), (1, "班机数", "unknown_column"),
                          (2, "在校生数", "not_integer"), (3, "专职保安配备到位", "not_yes_no"),
                          (4, "学校代码", "duplicate_key")]
    assert rows(doc) == {"read": 4, "accepted": 0, "rejected": 4, "skipped": 0}   # still rejected whole
    missing = message(doc, 1, "missing_column")
    assert missing.startswith("required column “班级数” (classes) is missing: not among the headers of ")
    assert "学校.csv row 1 (headers found: 学校代码, 学校名称, 乡镇（街道）" in missing


def test_a_missing_column_in_a_workbook_names_the_sheet_and_its_header_row(tmp_path):
    headers = [h for h in SCHOOL_HEADERS if h != "在校生数"]
    f = write_xlsx(tmp_path / "county.xlsx", {"学校": grid([school(), school("5203240002", 班级数="")], headers)},
                   title="正安县学校基本情况表")
    code, doc = cli("validate", f, "--format", "json")
    assert found(doc) == [(2, None, "missing_column"), (4, "班级数", "required")]
    assert "county.xlsx[学校] 第 2 行的表头中没有此列（找到的表头：学校代码、学校名称" in message(doc, 2, "missing_column")
    assert rows(doc)["rejected"] == 2


# ------------------------------------------------------------------ 4. school codes mangled by Excel
def test_a_school_code_in_scientific_notation_is_an_error_saying_how_to_fix_it(tmp_path):
    lines = grid([school("5.20324E+09"), school("5.20324e+9", "第2小学"), school("'5203240003", "第3小学")],
                 SCHOOL_HEADERS)
    f = write_csv(tmp_path / "学校.csv", lines)
    code, doc = cli("validate", f, "--format", "json")
    assert code == 3
    assert found(doc) == [(2, "学校代码", "key_scientific_notation"), (3, "学校代码", "key_scientific_notation")]
    assert message(doc, 2, "key_scientific_notation") == (
        "学校代码被 Excel 显示成科学计数法，丢失了数字：把学校代码列设为文本后重新输入")
    code, doc = cli("validate", f, "--format", "json", "--lang", "en")
    assert "scientific notation" in message(doc, 2, "key_scientific_notation")
    assert "format the school_id column as text" in message(doc, 2, "key_scientific_notation")


def test_a_literal_apostrophe_before_a_code_is_dropped(tmp_path):
    """'5203240001 (Excel's text mark typed into a CSV or a script's workbook) is the code 5203240001: kept
    without the mark, so it repeats the same code written plainly."""
    f = write_xlsx(tmp_path / "county.xlsx", {"学校": grid([school("'5203240001"), school("5203240002", "第2小学")],
                                                           SCHOOL_HEADERS)})
    sub = validate_paths([(None, f)], CONTRACT)
    assert sub.problems == []
    assert sub.tables["schools"]["school_id"].tolist() == ["5203240001", "5203240002"]
    dup = write_csv(tmp_path / "学校.csv", grid([school("'5203240001"), school("5203240001", "第2小学")],
                                                SCHOOL_HEADERS))
    code, doc = cli("validate", dup, "--format", "json")
    assert code == 3 and found(doc) == [(3, "学校代码", "duplicate_key")]


def test_only_key_columns_are_read_as_codes(tmp_path):
    """A name is not a code: 1E5 as a school's name is left as written."""
    f = write_csv(tmp_path / "学校.csv", grid([school(name="1E5")], SCHOOL_HEADERS))
    code, doc = cli("validate", f, "--format", "json")
    assert code == 0 and found(doc) == []


# ------------------------------------------------------------------ 5. messages that say how to fix it
def test_messages_say_how_to_fix_the_cell(tmp_path):
    lines = grid([school("5203240001", 在校生数="96%"), school("5203240002", 在校生数="2151人"),
                  school("5203240003", 班级数=""), school("5203240004", 学校类型="公办幼儿园"),
                  school("5203240005", 办学性质=""), school("5203240006", 班级数="10.5")], SCHOOL_HEADERS)
    f = write_csv(tmp_path / "学校.csv", lines)
    code, zh = cli("validate", f, "--format", "json")
    code, en = cli("validate", f, "--format", "json", "--lang", "en")
    assert found(en) == [(2, "在校生数", "not_integer"), (3, "在校生数", "not_integer"), (4, "班级数", "required"),
                         (5, "学校类型", "not_in_choices"), (6, "办学性质", "required"), (7, "班级数", "not_integer")]
    assert message(zh, 2, "not_integer") == "应为整数：去掉“%”，只填数字"
    assert message(en, 2, "not_integer") == "must be a whole number: drop the “%” and write the number only"
    assert message(zh, 3, "not_integer") == "应为整数：去掉“人”，只填数字"
    assert message(zh, 4, "required") == "此项必填：应填整数（没有就填 0）"
    assert message(en, 4, "required") == "a value is required: expected a whole number (0 if there are none)"
    assert message(zh, 5, "not_in_choices").endswith("（是否应为“幼儿园”？）")
    assert message(en, 5, "not_in_choices").endswith(" (did you mean “kindergarten”?)")
    assert message(zh, 6, "required") == "此项必填：应填以下之一：公办/public、民办/private"
    assert message(en, 7, "not_integer") == "must be a whole number: no fractions"


def test_a_message_without_a_hint_reads_as_before():
    from plancheck.errors import make

    p = make("not_integer", file="s.csv", row=2, column="在校生数", value="二百")
    assert (p.message("zh"), p.message("en")) == ("应为整数", "must be a whole number")
    assert make("missing_column", zh="学校代码", en="school_id").message("zh") == "缺少必填列“学校代码”（school_id）"


# ------------------------------------------------------------------ 6. a formula never computed: one problem
def test_a_formula_never_computed_in_a_required_cell_is_one_problem(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "学校"
    for line in grid([school(), school("5203240002", "第2小学")], SCHOOL_HEADERS):
        ws.append([None if c == "" else c for c in line])
    ws.cell(3, SCHOOL_HEADERS.index("班级数") + 1).value = "=G3/40"   # written by a script: no value saved
    f = tmp_path / "county.xlsx"
    wb.save(f)
    code, doc = cli("validate", f, "--format", "json")
    assert code == 3
    assert found(doc) == [(3, "班级数", "formula_not_computed")]
    assert rows(doc) == {"read": 2, "accepted": 1, "rejected": 1, "skipped": 0}
