"""The pyarrow.csv fast path reads exactly what the exact (Python csv) reader reads, or steps aside."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plancheck.read import readers
from plancheck.read.readers import read_file
from plancheck.read.headers import index_for
from plan2021 import TABLES
from plancheck.check.schema import CellError, normalize_header, value_parser
from plancheck.check.columns import _clean_arrow, arrow_cells, parse_column_blank, string_series
from sheet_fixtures import SCHOOL_HEADERS, grid, schools, write_csv


def _both(path: Path, monkeypatch) -> tuple[readers.RawTable, readers.RawTable, int]:
    """(table read as plancheck reads it, table read by the exact reader, times the fast path answered)."""
    answered = []
    real = readers._arrow_table

    def spy(*args):
        out = real(*args)
        answered.append(out is not None)
        return out

    monkeypatch.setattr(readers, "_arrow_table", spy)
    fast = read_file(path, TABLES, "schools")[0]
    monkeypatch.setattr(readers, "_arrow_table", lambda *args: None)
    exact = read_file(path, TABLES, "schools")[0]
    return fast, exact, sum(answered)


def _cells(table: readers.RawTable) -> list[list[str]]:
    rows = [list(row) for row in table.data.itertuples(index=False, name=None)]
    assert all(isinstance(v, str) for row in rows for v in row)   # every cell is text, "" when blank
    return rows


def _text_columns(table: readers.RawTable) -> bool:
    """Every column is text: strings, or (a number, yes/no or choice column read dictionary-encoded by
    the fast path) categories that are strings."""
    return all(isinstance(t, pd.CategoricalDtype) and all(isinstance(c, str) for c in t.categories)
               or str(t) == "str" for t in table.data.dtypes)


def _same(a: readers.RawTable, b: readers.RawTable) -> None:
    assert _cells(a) == _cells(b)
    assert list(a.rows) == list(b.rows) and a.headers == b.headers and a.header_row == b.header_row
    assert [p.compact() for p in a.problems] == [p.compact() for p in b.problems]
    assert a.rows_read == b.rows_read
    assert _text_columns(a) and _text_columns(b)


@pytest.mark.parametrize("encoding,sep,newline", [("utf-8-sig", ",", "\r\n"), ("gb18030", ",", "\n"),
                                                  ("utf-16", "\t", "\r\n")])
def test_fast_path_equals_exact_reader_with_title_rows(tmp_path, monkeypatch, encoding, sep, newline):
    lines = [["正安县学校基本情况表"], ["填报单位：教育局"]] + grid(schools(5))
    lines[4][1] = "第2小学 "          # whitespace kept as written
    lines[5][6] = "１２"               # full-width digits kept as written
    lines.append((["合计", "", "", "", "", "", "2000"] + [""] * len(SCHOOL_HEADERS))[:len(SCHOOL_HEADERS)])
    f = write_csv(tmp_path / "s.csv", lines, encoding, sep, newline)
    fast, exact, answered = _both(f, monkeypatch)
    assert answered == 1, "the fast path should read a plain file"
    _same(fast, exact)
    assert fast.header_row == 3 and list(fast.rows) == [4, 5, 6, 7, 8]
    assert [p.code for p in fast.problems] == ["total_row_skipped"] and fast.problems[0].row == 9


@pytest.mark.parametrize("damage", ["blank_line", "ragged_row", "short_row", "lone_cr", "quoted_newline"])
def test_files_the_fast_path_refuses_keep_exact_row_numbers(tmp_path, monkeypatch, damage):
    lines = [["标题"]] + grid(schools(6))
    text = "\r\n".join(",".join(c for c in line) for line in lines) + "\r\n"
    rows = text.split("\r\n")
    if damage == "blank_line":
        rows.insert(4, "")             # spreadsheet row 5 is blank
        expect = [3, 4, 6, 7, 8, 9]
    elif damage == "ragged_row":
        rows[4] += ",多余"
        expect = [3, 4, 6, 7, 8]
    elif damage == "short_row":
        rows[4] = rows[4].rsplit(",", 3)[0]
        expect = [3, 4, 5, 6, 7, 8]
    elif damage == "lone_cr":
        rows[4] = rows[4].replace(",", "\r", 1)
        expect = None
    else:
        rows[3] = rows[3].replace("第2小学", '"第2\n小学"')   # still one spreadsheet row
        expect = [3, 4, 5, 6, 7, 8]
    f = tmp_path / "s.csv"
    f.write_bytes("\r\n".join(rows).encode("utf-8"))
    fast, exact, answered = _both(f, monkeypatch)
    assert answered == 0
    _same(fast, exact)
    if expect is not None:
        assert list(fast.rows) == expect
    if damage == "ragged_row":
        assert [(p.code, p.row) for p in fast.problems] == [("bad_csv", 5)]


def test_fast_path_keeps_leading_zeros_and_blank_cells(tmp_path, monkeypatch):
    lines = grid(schools(3))
    lines[1][0] = "0052032400"
    lines[2][6] = ""
    f = write_csv(tmp_path / "s.csv", lines)
    fast, exact, answered = _both(f, monkeypatch)
    assert answered == 1
    _same(fast, exact)
    assert fast.data.iat[0, 0] == "0052032400" and fast.data.iat[1, 6] == ""
    assert fast.data.shape == (3, len(SCHOOL_HEADERS))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=6),
                          st.sampled_from(["１２", " 12 ", "ｙｅｓ", "\u3000是\u3000", "ﬁ", "①", "1,234"])), max_size=12))
def test_ascii_guarded_nfkc_equals_nfkc_of_every_cell(cells):
    s = pd.Series(cells, dtype=object)
    expected = s.astype("string").str.normalize("NFKC").str.strip()
    expected = expected.mask(expected == "")          # a blank cell is missing, as clean_text makes it
    got = string_series(_clean_arrow(arrow_cells(s)))
    assert got.fillna("\x00").tolist() == expected.fillna("\x00").tolist()
    assert got.isna().tolist() == expected.isna().tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=5), st.sampled_from(["５２０３", " 甲镇 ", "\u3000是", "ﬁ", "a "])),
                max_size=16), st.integers(0, 16))
def test_clean_arrow_of_chunked_text_is_clean_text_of_every_cell(cells, cut):
    """As the CSV reader hands a column over (Arrow chunks): each cell cleaned as the pydantic models clean it,
    and a column cleaning leaves alone given back as itself (no copy)."""
    from plancheck.check.schema import clean_text

    chunked = pa.chunked_array([pa.array(cells[:cut], type=pa.large_string()),
                                pa.array(cells[cut:], type=pa.large_string())])
    got = _clean_arrow(chunked)
    assert got.to_pylist() == [clean_text(c) for c in cells]
    if all(c is not None and clean_text(c) == c for c in cells):
        assert got is chunked


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(
    ["a", "Z", "5", "-", "~", "!", " ", "\x7f", "\t", "正", "安", "\u4000", "\u9fff", "\u3fff", "\ua000", "\u3000",
     "（", "１", "\u00a0", "e", "\u0301", "\u2028", "\uf900", "\u4dc0"]), max_size=6)), max_size=12), st.integers(0, 12))
def test_a_column_left_as_is_by_its_bytes_is_one_clean_text_leaves_alone(cells, cut):
    """The byte test that lets a column of Chinese names or codes through unlooked-at (``only_bytes``) never
    lets through a cell that NFKC or strip would change: the result is clean_text of every cell either way."""
    from plancheck.check.schema import CLEAN_BYTES, clean_text, only_bytes

    chunked = pa.chunked_array([pa.array(cells[:cut], type=pa.large_string()),
                                pa.array(cells[cut:], type=pa.large_string())])
    if only_bytes(chunked, CLEAN_BYTES):
        assert all(c is None or clean_text(c) in (c, None) for c in cells)
    assert _clean_arrow(chunked).to_pylist() == [clean_text(c) for c in cells]


def test_only_bytes_reads_only_the_cells_of_a_sliced_column():
    from plancheck.check.schema import CLEAN_BYTES, only_bytes

    for kind in (pa.large_string(), pa.string()):
        cells = pa.array(["正安 ", "凤仪", "A-1"], type=kind)
        assert only_bytes(cells.slice(1), CLEAN_BYTES) and not only_bytes(cells, CLEAN_BYTES)
        assert not only_bytes(cells.slice(0, 1), CLEAN_BYTES)


def test_parse_column_blank_mask_is_the_blank_cells():
    spec = TABLES["schools"].column("students")
    values, bad, code, _, blank = parse_column_blank(pd.Series(["12", "", " ", "\u3000", "abc", "１２"], dtype=object),
                                                     spec)
    assert blank.tolist() == [False, True, True, True, False, False]
    assert bad.tolist() == [False, False, False, False, True, False] and code == "not_integer"
    assert values.iloc[5] == 12


def _as_arrow(cells: list, chunks: int) -> pd.Series:
    """The cells as the CSV fast path hands them over: an Arrow string column, in several chunks."""
    import pyarrow as pa

    step = max(1, -(-len(cells) // chunks))
    parts = [pa.array(cells[i:i + step], type=pa.large_string()) for i in range(0, len(cells), step)]
    return pd.Series(pa.chunked_array(parts or [pa.array([], type=pa.large_string())]).to_pandas())


def _expected(parse, cell):
    try:
        return parse(cell), None
    except CellError as exc:
        return None, exc.code


CELL_TEXT = st.one_of(st.text(max_size=6), st.sampled_from(
    ["１２", " 12 ", "ｙｅｓ", "\u3000是\u3000", "\x1c1\x1f", "\u00851\u2028", "ﬁ", "①", "1,234", "小学 ", "PRIMARY",
     "1.00", "12345678901", "1000000001", "-0", "民办", "\u00a0公办"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), CELL_TEXT), max_size=12), st.integers(1, 3),
       st.sampled_from(["school_id", "students", "closed_campus", "school_type", "ownership"]))
def test_each_distinct_value_parsed_by_the_model_functions(cells, chunks, name):
    """parse_column_blank (objects, Arrow chunks, or the Categorical of a dictionary-encoded column) gives per
    cell what schema's parser gives."""
    spec = TABLES["schools"].column(name)
    parse = value_parser(spec)   # the per-value parser the row models run
    texts = ["" if c is None else c for c in cells]   # as the CSV reader hands them over: never missing
    for cells, column in ((cells, pd.Series(cells, dtype=object)), (cells, _as_arrow(cells, chunks)),
                          (texts, readers._text_column(pa.array(texts, type=pa.large_string()).dictionary_encode()))):
        expected = [_expected(parse, c) for c in cells]
        values, bad, code, large, blank = parse_column_blank(column, spec)
        got_values = [None if pd.isna(v) else v for v in values.astype(object)]
        assert got_values == [v for v, _ in expected]
        assert bad.tolist() == [e is not None and e != "too_large" for _, e in expected]
        assert large.tolist() == [e == "too_large" for _, e in expected]
        assert blank.tolist() == [v is None and e is None for v, e in expected]
        assert code == {"text": None, "int": "not_integer", "bool": "not_yes_no", "enum": "not_in_choices"}[spec.kind]
        if hasattr(values.array, "_mask"):   # the values' missing mask is their own (a change to one is not the other)
            import numpy as np

            assert not np.shares_memory(values.array._mask, blank.to_numpy())


def test_number_yes_no_and_choice_columns_are_read_dictionary_encoded(tmp_path):
    """The fast path hands number, yes/no and choice columns over dictionary-encoded (their distinct values
    found as the file is read), text columns as strings; the cells are the same either way."""
    f = write_csv(tmp_path / "s.csv", grid(schools(4)))
    fast = read_file(f, TABLES, "schools")[0]
    coded = {h for h, t in zip(fast.headers, fast.data.dtypes) if isinstance(t, pd.CategoricalDtype)}
    assert {"在校生数", "学校类型", "专职保安配备到位"} <= coded
    assert not coded & {"学校代码", "学校名称", "乡镇（街道）"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_bytes_go_to_arrow_undecoded(tmp_path, monkeypatch, encoding):
    """A UTF-8 file (BOM or not) reaches pyarrow as its own bytes, past the BOM and the header lines."""
    lines = [["正安县学校基本情况表"]] + grid(schools(4))
    lines[3][1] = " 第２小学"
    f = write_csv(tmp_path / "s.csv", lines, encoding)
    seen = []
    real = readers._arrow_table
    monkeypatch.setattr(readers, "_arrow_table", lambda text, *a: seen.append(type(text)) or real(text, *a))
    fast = read_file(f, TABLES, "schools")[0]
    assert seen == [bytes]
    monkeypatch.setattr(readers, "_arrow_table", lambda *args: None)
    _same(fast, read_file(f, TABLES, "schools")[0])
    assert fast.encoding == encoding and list(fast.rows) == [3, 4, 5, 6] and fast.data.iat[1, 1] == " 第２小学"


def test_gb18030_past_plain_ascii_header_lines_is_decoded_as_before(tmp_path, monkeypatch):
    """Header lines that are plain ASCII (valid UTF-8) over GB18030 rows: pyarrow refuses the bytes, and the
    file is decoded as GB18030 and read as the exact reader reads it."""
    headers = [c.name for c in TABLES["schools"].columns]
    rows = [[r[c.zh] for c in TABLES["schools"].columns] for r in schools(3)]
    f = write_csv(tmp_path / "s.csv", [headers] + rows, "gb18030")
    fast, exact, answered = _both(f, monkeypatch)
    _same(fast, exact)
    assert answered == 1 and fast.encoding == "gb18030" and fast.data.iat[2, 1] == "第3小学"


def test_sheet_cells_read_as_text_where_the_sheet_has_them(tmp_path):
    """A table that starts in C4 keeps the sheet's rows and columns (cell addresses as Excel shows them);
    cells of every kind become text: whole numbers exactly, others to 9 decimals, yes/no as true/false,
    blanks and uncomputed formulas as "", white space kept for the cleaning that validation does."""
    from datetime import datetime

    from openpyxl import Workbook

    path = tmp_path / "s.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "学校"
    ws["D1"] = "2021年统计表"                          # above blank rows 2-3
    header = SCHOOL_HEADERS[:4]
    for j, v in enumerate(header):                     # from C4
        ws.cell(row=4, column=3 + j, value=v)
    for j, v in enumerate([2152000123, "第一小学", " 安场镇 ", "小学"]):
        ws.cell(row=5, column=3 + j, value=v)
    for j, v in enumerate([2152000124.0, 12.5, True, 3.0000000001]):
        ws.cell(row=6, column=3 + j, value=v)
    ws["C7"] = "=1/0"                                  # a formula never computed: blank
    ws["D7"] = datetime(2021, 9, 1)
    ws["E7"] = 593.0
    wb.save(path)

    table = read_file(path, TABLES, "schools")[0]
    assert table.header_row == 4 and list(table.rows) == [5, 6, 7]
    assert table.headers == ["", "", *header]
    assert _cells(table) == [["", "", "2152000123", "第一小学", " 安场镇 ", "小学"],
                             ["", "", "2152000124", "12.5", "true", "3"],   # 9 decimals at most, as Excel shows it
                             ["", "", "", "2021-09-01 00:00:00", "593", ""]]
    assert table.cell_address(5, 2) == "学校!C5"
    assert all(str(t) == "str" for t in table.data.dtypes)


def frame_table(frame: pd.DataFrame) -> readers.RawTable:
    return readers.RawTable(file="x.xlsx", sheet="学校", table="schools", headers=[], header_row=1, data=frame,
                            rows=[], index=index_for(TABLES))


def test_read_file_uses_arrow_jemalloc_pool_unless_chosen(tmp_path, monkeypatch):
    """The reader switches Arrow to jemalloc (lower peak memory, measured in bench/README.md), but an
    ARROW_DEFAULT_MEMORY_POOL set by the user is left alone."""
    import pyarrow as pa
    import pytest

    from plancheck.read.readers import read_file

    try:
        pa.jemalloc_memory_pool()
    except (NotImplementedError, pa.ArrowNotImplementedError):
        pytest.skip("this pyarrow build has no jemalloc")
    path = tmp_path / "p.csv"
    path.write_text("乡镇,3-5岁幼儿数\n安场镇,10\n", encoding="utf-8")
    before = pa.default_memory_pool()
    try:
        pa.set_memory_pool(pa.system_memory_pool())
        monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
        read_file(path, TABLES)
        assert pa.default_memory_pool().backend_name == "system"
        monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL")
        read_file(path, TABLES)
        assert pa.default_memory_pool().backend_name == "jemalloc"
    finally:
        pa.set_memory_pool(before)


def test_unspace_class_is_pythons_whitespace() -> None:
    """The RE2 class of normalize_headers removes exactly what ``\\s`` (and ＊ * ： :) removes in Python."""
    import re

    import pyarrow as pa
    import pyarrow.compute as pc

    from plancheck.check.schema import _UNSPACE_RE2

    chars = [chr(i) for i in range(0x3100)] + ["＊", "：", "\U0001F600"]
    chars = [c for c in chars if not 0xD800 <= ord(c) <= 0xDFFF]
    removed = pc.replace_substring_regex(pa.array(chars, type=pa.large_string()), pattern=_UNSPACE_RE2,
                                         replacement="").to_pylist()
    assert [c for c, r in zip(chars, removed) if r == ""] == [c for c in chars if re.fullmatch(r"[\s\u3000*＊:：]", c)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=8), st.from_regex(r"[0-9]{1,12}", fullmatch=True),
                          st.sampled_from(["合 计", "小计：", "１２", "学校代码", "School ID", "İ", "ΑΣ", "ß", "Ⅻ",
                                           "填表人＊", "\u3000注：", "ｔｏｔａｌ", "⼩计", "\u00a0No.合计"])),
                max_size=12))
def test_normalize_headers_equal_normalize_header_of_each_cell(cells):
    import pyarrow as pa

    from plancheck.check.schema import normalize_headers

    assert normalize_headers(pa.array(cells, type=pa.large_string())).to_pylist() == [normalize_header(c) for c in cells]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(["a", "Z", "5", "-", "*", ":", "：", "＊", "正", "合", "计", " ", "ß", "İ",
                                                   "Ⅻ", "\u4000", "\u9fff", "\u3fff", "\ua000", "ｔ"]), max_size=6),
                max_size=12))
def test_normalize_headers_of_keys_their_bytes_say_are_keys_already(cells):
    """Cells whose bytes say they are their own keys (town names, school names) are given back as they are: never
    one that normalize_header would change."""
    from plancheck.check.schema import KEY_BYTES, normalize_headers, only_bytes

    arrow = pa.array(cells, type=pa.large_string())
    if only_bytes(arrow, KEY_BYTES):
        assert all(normalize_header(c) == c for c in cells)
    assert normalize_headers(arrow).to_pylist() == [normalize_header(c) for c in cells]


def test_count_lines_counts_a_last_line_without_newline_and_starts_where_told() -> None:
    from plancheck.read.textfile import count_lines

    assert count_lines(b"a\nb\nc\n")() == 3
    assert count_lines(b"a\nb\nc")() == 3                 # the last line has no newline: still a line
    assert count_lines(b"head\r\na\r\nb\r\n", 6)() == 2    # from the body's start on


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.booleans()), max_size=20), st.sets(st.booleans()))
def test_rows_holding_of_a_yes_no_column_is_pandas_isin_without_missing(cells, allowed):
    from plancheck.check.columns import rows_holding

    s = pd.Series(cells, dtype="boolean")
    expected = (s.isin(list(allowed)).fillna(False) & s.notna()).to_numpy(dtype=bool)
    assert rows_holding(s, allowed).tolist() == expected.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-3, 3)), max_size=20), st.lists(st.integers(-3, 3), max_size=3))
def test_rows_holding_of_a_number_column_is_pandas_isin_without_missing(cells, allowed):
    from plancheck.check.columns import rows_holding

    s = pd.Series(cells, dtype="Int64")
    expected = (s.isin(allowed).fillna(False) & s.notna()).to_numpy(dtype=bool)
    assert rows_holding(s, allowed).tolist() == expected.tolist()
    assert rows_holding(s, [True]) is None and rows_holding(s.astype("Float64"), allowed) is None
