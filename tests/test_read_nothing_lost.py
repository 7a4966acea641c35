"""Issue 11, the reading side: bad input is never a traceback and never loses data silently.

Every file here is made the way an office makes it (openpyxl workbooks with hidden sheets, rows and
columns, a note right of the table, formulas written by a script; GBK bytes with UTF-8 lines pasted in;
a real password-protected workbook), and every problem must name the file, the sheet, the row as the
spreadsheet shows it, the column and why.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from plan2021 import CONTRACT, TABLES
from plancheck.check.validate import validate_paths
from plancheck.read import readers, workbooks, xlsxscan
from plancheck.read.readers import ReadError, read_file, read_stdin
from sheet_fixtures import SCHOOL_HEADERS, balanced, grid, schools, write_csv, write_xlsx


def run(path: Path):
    return validate_paths({"schools": path}, CONTRACT)


def refused(path: Path) -> list:
    with pytest.raises(ReadError) as info:
        read_file(path, TABLES)
    return info.value.problems


def col(header: str) -> int:
    """1-based column of a schools header in the fixtures' grid."""
    return SCHOOL_HEADERS.index(header) + 1


def letter(n: int) -> str:
    return readers.column_letter(n)


def workbook(rows: int = 6) -> tuple[Workbook, object]:
    wb = Workbook()
    ws = wb.active
    ws.title = "学校"
    for line in grid(schools(rows)):
        ws.append([None if c == "" else (int(c) if c.isdigit() and len(c) < 6 else c) for c in line])
    return wb, ws


# ------------------------------------------------------------------ hidden sheets, rows, columns
@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_is_not_merged_and_a_warning_names_it(tmp_path, state):
    wb, _ = workbook(3)
    old = wb.create_sheet("学校（旧）")
    for line in grid(schools(4, start=20)):
        old.append(line)
    old.sheet_state = state
    f = tmp_path / "county.xlsx"
    wb.save(f)
    sub = run(f)
    assert len(sub.tables["schools"]) == 3 and balanced(sub)  # the hidden copy's 4 schools are not counted
    [p] = [p for p in sub.problems if p.code == "hidden_sheet"]
    assert (p.file, p.sheet, p.severity) == (str(f), "学校（旧）", "warning")
    assert "4 row(s)" in p.message("en") and "4 行" in p.message("zh")
    assert ("VBA" in p.message("en")) == (state == "veryHidden")


def test_a_workbook_whose_only_table_is_hidden_says_so(tmp_path):
    wb, ws = workbook(2)
    wb.create_sheet("封面").append(["2021 年秋季学期报表"])
    wb.active = 1
    ws.sheet_state = "hidden"
    f = tmp_path / "s.xlsx"
    wb.save(f)
    problems = refused(f)
    assert [p.code for p in problems] == ["not_submission", "hidden_sheet"]
    assert problems[1].sheet == "学校" and "2 row(s)" in problems[1].message("en")


def test_hidden_rows_and_columns_holding_data_are_read_and_named(tmp_path):
    wb, ws = workbook(6)
    for r in (3, 5, 6):
        ws.row_dimensions[r].hidden = True
    ws.row_dimensions[9].hidden = True   # below the table: holds nothing, not named
    students = letter(col("在校生数"))
    ws.column_dimensions[students].hidden = True
    f = tmp_path / "s.xlsx"
    wb.save(f)
    sub = run(f)
    assert len(sub.tables["schools"]) == 6 and sub.ok  # read and counted like the others
    rows = next(p for p in sub.problems if p.code == "hidden_rows")
    assert (rows.sheet, rows.row, rows.severity) == ("学校", 3, "warning")
    assert "rows 3, 5–6 are hidden" in rows.message("en") and "(3 rows)" in rows.message("en")
    cols = next(p for p in sub.problems if p.code == "hidden_columns")
    assert f"{students} (在校生数)" in cols.message("en")


def test_hidden_row_marks_are_found_across_chunk_boundaries(monkeypatch, tmp_path):
    """The sheet's XML is scanned in chunks; a row or cell cut by a chunk's end is still seen whole."""
    wb, ws = workbook(60)
    ws.row_dimensions[45].hidden = True
    ws.cell(50, col("班级数")).value = "=G50/40"
    f = tmp_path / "s.xlsx"
    wb.save(f)
    for step in (97, 1000, 4099):
        monkeypatch.setattr(xlsxscan, "STEP", step)
        marks = xlsxscan.scan(f, 1 << 30).sheets["学校"]
        assert marks.hidden_rows == [45] and marks.formulas == [(50, col("班级数"))], step


# ------------------------------------------------------------------ a note right of the table
def test_a_note_right_of_the_table_gets_the_warning_a_csv_gets(tmp_path):
    lines = grid(schools(3))
    width = len(lines[0])
    wb, ws = workbook(3)
    ws.cell(3, width + 1).value = "补报：实际在校生多 40 人"
    f = tmp_path / "s.xlsx"
    wb.save(f)
    sub = run(f)
    [p] = [p for p in sub.problems if p.code == "unknown_column"]
    assert (p.sheet, p.row, p.cell, p.value) == ("学校", 3, f"学校!{letter(width + 1)}3", "补报：实际在校生多 40 人")
    # the same note in a CSV: the same code (the unknown-column warning)
    lines[2] = lines[2] + ["补报：实际在校生多 40 人"]
    lines[0] = lines[0] + [""]
    csv_sub = run(write_csv(tmp_path / "s.csv", lines))
    assert "unknown_column" in {p.code for p in csv_sub.problems}


# ------------------------------------------------------------------ encrypted workbooks
@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_password_protected_workbook_is_named_as_such(tmp_path, suffix):
    msoffcrypto = pytest.importorskip("msoffcrypto")
    plain = write_xlsx(tmp_path / "plain.xlsx", {"学校": grid(schools(2))})
    out = io.BytesIO()
    msoffcrypto.OfficeFile(plain.open("rb")).encrypt("123456", out)
    f = tmp_path / f"加密{suffix}"
    f.write_bytes(out.getvalue())
    [p] = refused(f)
    assert (p.code, p.file) == ("encrypted_workbook", str(f))
    assert p.message("zh") == "加密的工作簿，请另存为不加密的文件"
    assert "password" in p.message("en")


def test_an_ordinary_xls_is_not_taken_for_encrypted():
    from conftest import REPO

    xls = sorted((REPO / "tests" / "data").glob("*.xls"))
    if not xls:
        pytest.skip("no .xls sample")
    assert not readers.is_encrypted(xls[0])


# ------------------------------------------------------------------ standard input
class _Stdin(io.BytesIO):
    def isatty(self) -> bool:
        return False

    @property
    def buffer(self):
        return self


def test_dash_reads_a_csv_from_standard_input(tmp_path):
    data = write_csv(tmp_path / "s.csv", grid(schools(3))).read_bytes()
    raw = read_stdin(TABLES, "schools", _Stdin(data))
    assert (raw.file, raw.table, len(raw.data)) == ("<stdin>", "schools", 3)


def test_dash_without_a_pipe_or_with_a_workbook_says_how_to_give_a_file(tmp_path):
    class Terminal(_Stdin):
        def isatty(self) -> bool:
            return True

    with pytest.raises(ReadError) as info:
        read_stdin(TABLES, None, Terminal(b""))
    [p] = info.value.problems
    assert p.code == "stdin_unusable" and "give the file's name" in p.message("en")
    book = write_xlsx(tmp_path / "b.xlsx", {"学校": grid(schools(1))}).read_bytes()
    with pytest.raises(ReadError) as info:
        read_stdin(TABLES, None, _Stdin(book))
    assert info.value.problems[0].code == "stdin_unusable" and "file name" in info.value.problems[0].message("en")


# ------------------------------------------------------------------ a zip whose directory lies
def _lying(path: Path, member: str, content: bytes) -> None:
    """A workbook whose ``member`` unpacks to ``content`` while the zip's directory (and the local header)
    say it is 100 bytes."""
    src = write_xlsx(path.with_name("src.xlsx"), {"学校": grid(schools(1))})
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, content if info.filename == member else zin.read(info.filename))
    data = bytearray(path.read_bytes())
    real = struct.pack("<I", len(content))
    for m in re.finditer(re.escape(real), bytes(data)):
        data[m.start():m.start() + 4] = struct.pack("<I", 100)
    path.write_bytes(bytes(data))


def test_a_zip_bomb_whose_directory_lies_is_refused_while_inflating(tmp_path, monkeypatch):
    monkeypatch.setattr(workbooks, "MAX_XLSX_UNCOMPRESSED", 2 * 1024**2)  # (the same check, 2 MB: fast)
    f = tmp_path / "bomb.xlsx"
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + \
        b" " * (5 * 1024**2) + b"</sheetData></worksheet>"
    _lying(f, "xl/worksheets/sheet1.xml", sheet)
    assert workbooks.zip_within_limits(*workbooks.zip_sizes(f))   # the directory's pre-check is fooled
    [p] = refused(f)
    assert p.code == "too_large" and "understates" in p.message("en")
    assert workbooks.parse(f) is None  # never parsed ahead either


# ------------------------------------------------------------------ formulas never computed
def test_a_formula_without_a_computed_value_is_an_error_at_its_cell(tmp_path):
    wb, ws = workbook(3)
    c = col("班级数")
    ws.cell(3, c).value = f"={letter(col('在校生数'))}3/40"       # required: was “必填项为空” only
    ws.cell(4, col("校园欺凌事件数")).value = "=0"
    f = tmp_path / "s.xlsx"
    wb.save(f)
    sub = run(f)
    found = sorted((p.row, p.column, p.cell) for p in sub.problems if p.code == "formula_not_computed")
    assert found == [(3, "班级数", f"学校!{letter(c)}3"), (4, "校园欺凌事件数", f"学校!{letter(col('校园欺凌事件数'))}4")]
    p = next(p for p in sub.problems if p.code == "formula_not_computed")
    assert p.is_error and p.message("zh") == "公式没有计算结果，请在 Excel/WPS 中打开并保存后再报送"
    assert not sub.ok and balanced(sub)


def test_formulas_with_results_are_not_flagged():
    """Excel's own output: a computed number, a computed empty string (t="str"), a shared formula."""
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             b'<row r="2"><c r="A2"><f>1+1</f><v>2</v></c><c r="B2" t="str"><f>IF(1,"","x")</f><v></v></c>'
             b'<c r="C2"><f t="shared" ref="C2:C3" si="0">A2</f><v>2</v></c></row>'
             b'<row r="3"><c r="C3"><f t="shared" si="0"/><v>2</v></c><c r="D3"><f>A2</f></c>'
             b'<c r="E3" s="1"><f t="shared" si="0"/><v/></c></row></sheetData></worksheet>')
    marks = xlsxscan._marks(iter([sheet]))
    assert marks.formulas == [(3, 4), (3, 5)]


# ------------------------------------------------------------------ text files: rows and columns
def test_gbk_with_utf8_lines_pasted_in_names_the_line(tmp_path):
    lines = grid(schools(16))
    head = "\r\n".join(",".join(line) for line in lines[:15]) + "\r\n"     # header + 14 schools: lines 1-15
    tail = "\r\n".join(",".join(line) for line in lines[15:]) + "\r\n"     # from line 16 on: UTF-8
    f = tmp_path / "s.csv"
    f.write_bytes(head.encode("gbk") + tail.encode("utf-8"))
    [p] = refused(f)
    assert p.code == "encoding_error" and p.row == 16 and p.column.startswith("#")


def test_a_nul_byte_is_located_by_row_and_column(tmp_path):
    f = tmp_path / "s.csv"
    f.write_bytes(",".join(SCHOOL_HEADERS).encode() + b"\n5203240001,x\n52032\x00400,x\n")
    [p] = refused(f)
    assert (p.code, p.row, p.column) == ("unknown_format", 3, "#1")
    assert "row 3, column 1" in p.message("en")


def test_an_unterminated_quote_names_the_column_where_it_opens(tmp_path):
    lines = grid(schools(2))
    lines[2][1] = '"第2小学'           # the school name's quote never closes
    text = "\n".join(",".join(line) for line in lines) + "\n"
    f = tmp_path / "s.csv"
    f.write_text(text, encoding="utf-8")
    sub = run(f)
    [p] = [p for p in sub.problems if p.code == "bad_csv"]
    assert (p.row, p.column) == (3, "学校名称")
    assert "column 2" in p.message("en") and balanced(sub)


def test_a_workbook_parsed_ahead_is_scanned_the_same(tmp_path, monkeypatch):
    """The command's own path: the workbook parsed in the background (ahead.py) while pandas is imported."""
    from plancheck.read import ahead

    wb, ws = workbook(3)
    ws.row_dimensions[3].hidden = True
    ws.cell(4, col("班级数")).value = "=G4/40"
    hidden = wb.create_sheet("旧")
    for line in grid(schools(2, start=30)):
        hidden.append(line)
    hidden.sheet_state = "hidden"
    f = tmp_path / "s.xlsx"
    wb.save(f)
    with ahead.parsing_ahead([(None, f)], TABLES):
        assert ahead._pending
        monkeypatch.setattr(readers, "scan_zip", lambda *a: pytest.fail("not taken from the parse ahead"))
        [raw] = read_file(f, TABLES)
    assert sorted(p.code for p in raw.problems) == ["formula_not_computed", "hidden_rows", "hidden_sheet"]


@pytest.mark.parametrize("column", [0, 6])   # a text column (学校代码), a number column (在校生数)
def test_bytes_not_utf8_in_one_cell_of_a_utf8_file_are_located(tmp_path, column):
    """The read ahead checks a number column's bytes once per distinct value (read as bytes): a cell that is
    not UTF-8 there is found all the same, and the file read by the exact reader names the row and column."""
    lines = grid(schools(8))
    lines[5][column] = "\x00"
    text = ("\r\n".join(",".join(line) for line in lines) + "\r\n").encode("utf-8")
    f = tmp_path / "s.csv"
    f.write_bytes(text.replace(b"\x00", b"\xff\xfe"))
    from plancheck.read import textfile

    assert textfile.read_ahead(f, "schools", TABLES) is None
    [p] = refused(f)
    assert (p.code, p.row, p.column) == ("encoding_error", 6, f"#{column + 1}")
