"""Files read ahead in a thread (ahead.py): workbooks and CSVs give the same tables and the same problems
as reading them the ordinary way, and nothing is taken from a read that is stale, damaged or refused."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from plan2021 import TABLES
from plancheck.read import ahead
from plancheck.read.readers import ReadError, read_csv, read_excel

from sheet_fixtures import POP_HEADERS, compact, grid, kindergarten, schools, write_csv, write_xlsx


def _tables(path: Path):
    return [(t.sheet, t.table, t.headers, list(t.rows), t.data.to_dict("list"), compact(t.problems))
            for t in read_excel(path, TABLES)]


def _refusal(path: Path):
    with pytest.raises(ReadError) as exc:
        read_excel(path, TABLES)
    return compact(exc.value.problems)


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    rows = schools(30) + [kindergarten(), {"学校代码": "合计", "在校生数": "12150"}]
    return write_xlsx(tmp_path / "county.xlsx", {"学校": grid(rows), "适龄人口": [POP_HEADERS, ["安场镇", "200", "300"]],
                                                 "说明": [["填表说明"]]}, title="2021年秋季学校基础数据")


def test_parsed_ahead_reads_the_same_as_read_directly(workbook: Path, monkeypatch) -> None:
    direct = _tables(workbook)
    taken = []
    real_take = ahead.take
    monkeypatch.setattr(ahead, "take", lambda path, *a: taken.append(real_take(path, *a)) or taken[-1])
    ahead.prefetch(workbook, None, TABLES)
    assert (os.path.abspath(workbook), None) in ahead._pending
    assert _tables(workbook) == direct
    assert taken[0] is not None and taken[0][0] == ["学校", "适龄人口", "说明"]  # the parse ahead was used
    assert set(taken[0][1]) == {"说明"}  # each sheet read was let go once converted (说明 is never read)
    assert not ahead._pending  # taken once, then let go
    assert ahead.take(workbook) is None


def test_files_given_are_read_ahead_folders_and_other_kinds_are_not(workbook: Path, tmp_path: Path) -> None:
    csv = tmp_path / "pop.csv"
    csv.write_text("乡镇,x\n", encoding="utf-8")
    pdf = tmp_path / "m.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with ahead.parsing_ahead({"schools": workbook, "population": csv, "milestones": tmp_path}, TABLES):
        assert set(ahead._pending) == {(os.path.abspath(workbook), None), (os.path.abspath(csv), "population")}
    assert not ahead._pending
    with ahead.parsing_ahead({"schools": None, "population": tmp_path / "missing.csv", "milestones": pdf}, TABLES):
        assert not ahead._pending


def test_a_workbook_changed_after_the_parse_started_is_read_again(workbook: Path) -> None:
    ahead.prefetch(workbook, None, TABLES)
    ahead._pending[(os.path.abspath(workbook), None)][1].result()
    write_xlsx(workbook, {"学校": grid(schools(3))})
    os.utime(workbook, ns=(1, 1))  # a different modification time even on a coarse clock
    tables = read_excel(workbook, TABLES)
    assert [len(t.data) for t in tables] == [3]


def test_a_damaged_workbook_gives_the_same_message(tmp_path: Path) -> None:
    full = write_xlsx(tmp_path / "full.xlsx", {"学校": grid(schools(50))}).read_bytes()
    path = tmp_path / "s.xlsx"
    path.write_bytes(full[: len(full) // 2])
    direct = _refusal(path)
    ahead.prefetch(path, None, TABLES)
    assert _refusal(path) == direct
    assert {p[2] for p in direct} == {"file_unreadable"}


def test_a_zip_bomb_is_never_unpacked_ahead(tmp_path: Path) -> None:
    path = tmp_path / "s.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<x/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024**2))
    ahead.prefetch(path, None, TABLES)
    parse = ahead._pending[(os.path.abspath(path), None)][1]
    assert parse.result() is None
    assert {p[2] for p in _refusal(path)} == {"too_large"}


# ------------------------------------------------------------------ CSV files
def _csv_table(path: Path, expect: str = "schools"):
    t = read_csv(path, TABLES, expect)
    return (t.table, t.headers, t.header_row, list(t.rows), t.data.to_dict("list"), compact(t.problems),
            t.encoding, t.rows_read, t.total_rows)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_a_csv_read_ahead_reads_the_same_as_read_directly(tmp_path: Path, monkeypatch, encoding: str) -> None:
    rows = [["2021年秋季学校基础数据"]] + grid(schools(5) + [{"学校代码": "合计", "在校生数": "2000"}])
    rows[3][1] = " 第２小学 "
    footer = ["填表人：张三"] + [""] * (len(rows[1]) - 1)     # as wide as the header: the fast path reads it
    path = write_csv(tmp_path / "s.csv", rows + [footer], encoding)
    direct = _csv_table(path)
    taken = []
    real_take = ahead.take
    monkeypatch.setattr(ahead, "take", lambda *a: taken.append(real_take(*a)) or taken[-1])
    ahead.prefetch(path, "schools", TABLES)
    assert _csv_table(path) == direct
    assert taken[0] is not None and taken[0][1] == encoding   # the read ahead was used
    assert not ahead._pending


def test_a_csv_is_read_ahead_for_the_table_expected_of_it(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", grid(schools(2)))
    ahead.prefetch(path, "schools", TABLES)
    assert ahead.take(path, "population") is None       # another role: not this read
    assert ahead.take(path, "schools") is not None


@pytest.mark.parametrize("kind", ["quoted", "gb18030", "blank line", "no header", "empty"])
def test_a_csv_the_fast_path_declines_is_read_the_ordinary_way(tmp_path: Path, kind: str) -> None:
    rows = grid(schools(3))
    path = tmp_path / "s.csv"
    if kind == "quoted":
        rows[2][1] = 'a "quoted", name'
    if kind == "no header":
        rows = rows[1:]
    write_csv(path, rows, "gb18030" if kind == "gb18030" else "utf-8")
    if kind == "blank line":
        path.write_text(path.read_text(encoding="utf-8") + "\n\n" + ",".join(rows[1]) + "\n", encoding="utf-8")
    if kind == "empty":
        path.write_bytes(b"")
    ahead.prefetch(path, "schools", TABLES)
    assert ahead._pending[(os.path.abspath(path), "schools")][1].result() is None
    ahead._pending.clear()
    try:
        direct = _csv_table(path)
    except ReadError as exc:
        direct = compact(exc.problems)
    ahead.prefetch(path, "schools", TABLES)
    try:
        again = _csv_table(path)
    except ReadError as exc:
        again = compact(exc.problems)
    assert again == direct


def test_a_csv_changed_after_the_read_started_is_read_again(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", grid(schools(5)))
    ahead.prefetch(path, "schools", TABLES)
    ahead._pending[(os.path.abspath(path), "schools")][1].result()
    write_csv(path, grid(schools(2)))
    os.utime(path, ns=(1, 1))
    assert len(read_csv(path, TABLES, "schools").data) == 2


def test_the_block_starts_once_each_csv_read_is_parsing(tmp_path: Path, monkeypatch) -> None:
    """parsing_ahead enters its block only once every CSV read ahead reached pyarrow's parse (no GIL held), so
    what the block imports does not slow the read's own Python steps; the read is still taken as before."""
    from plancheck.read import textfile

    path = write_csv(tmp_path / "s.csv", grid(schools(40)))
    reached = []
    real = textfile.arrow_columns

    def spy(*args, parsing=None, **kwargs):
        def mark() -> None:
            reached.append(True)
            parsing()
        return real(*args, parsing=mark, **kwargs)

    monkeypatch.setattr(textfile, "arrow_columns", spy)
    with ahead.parsing_ahead([("schools", path)], TABLES):
        assert reached == [True]
        assert read_csv(path, TABLES, "schools").rows_read == 40
    assert not ahead._pending


def test_a_csv_that_is_not_read_ahead_does_not_hold_the_block(tmp_path: Path) -> None:
    """A read that gives nothing before its parse (another encoding: read the exact way) lets the block start at
    once; so does a workbook, whose parse is not waited for."""
    import time

    path = tmp_path / "s.csv"
    path.write_bytes("\n".join(",".join(r) for r in grid(schools(5))).encode("gb18030"))
    start = time.monotonic()
    with ahead.parsing_ahead([("schools", path)], TABLES):
        assert time.monotonic() - start < ahead.PARSE_WAIT
        assert read_csv(path, TABLES, "schools").encoding == "gb18030"
