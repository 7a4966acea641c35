"""Workbooks parsed ahead in a thread (workbooks.py): the same tables and the same problems as reading
them the ordinary way, and nothing taken from a parse that is stale, damaged or refused."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from plancheck import workbooks
from plancheck.readers import ReadError, read_excel

from sheet_fixtures import POP_HEADERS, compact, grid, kindergarten, schools, write_xlsx


def _tables(path: Path):
    return [(t.sheet, t.table, t.headers, list(t.rows), t.data.to_dict("list"), compact(t.problems))
            for t in read_excel(path)]


def _refusal(path: Path):
    with pytest.raises(ReadError) as exc:
        read_excel(path)
    return compact(exc.value.problems)


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    rows = schools(30) + [kindergarten(), {"学校代码": "合计", "在校生数": "12150"}]
    return write_xlsx(tmp_path / "county.xlsx", {"学校": grid(rows), "适龄人口": [POP_HEADERS, ["安场镇", "200", "300"]],
                                                 "说明": [["填表说明"]]}, title="2021年秋季学校基础数据")


def test_parsed_ahead_reads_the_same_as_read_directly(workbook: Path, monkeypatch) -> None:
    direct = _tables(workbook)
    taken = []
    real_take = workbooks.take
    monkeypatch.setattr(workbooks, "take", lambda path: taken.append(real_take(path)) or taken[-1])
    workbooks.prefetch(workbook)
    assert os.path.abspath(workbook) in workbooks._pending
    assert _tables(workbook) == direct
    assert taken[0] is not None and taken[0][0] == ["学校", "适龄人口", "说明"]  # the parse ahead was used
    assert set(taken[0][1]) == {"说明"}  # each sheet read was let go once converted (说明 is never read)
    assert os.path.abspath(workbook) not in workbooks._pending  # taken once, then let go
    assert workbooks.take(workbook) is None


def test_only_workbook_files_are_parsed_ahead(workbook: Path, tmp_path: Path) -> None:
    csv = tmp_path / "pop.csv"
    csv.write_text("乡镇,x\n", encoding="utf-8")
    with workbooks.parsing_ahead([workbook, csv, tmp_path, None]):
        assert set(workbooks._pending) == {os.path.abspath(workbook)}


def test_a_workbook_changed_after_the_parse_started_is_read_again(workbook: Path) -> None:
    workbooks.prefetch(workbook)
    workbooks._pending[os.path.abspath(workbook)][1].result()
    write_xlsx(workbook, {"学校": grid(schools(3))})
    os.utime(workbook, ns=(1, 1))  # a different modification time even on a coarse clock
    tables = read_excel(workbook)
    assert [len(t.data) for t in tables] == [3]


def test_a_damaged_workbook_gives_the_same_message(tmp_path: Path) -> None:
    full = write_xlsx(tmp_path / "full.xlsx", {"学校": grid(schools(50))}).read_bytes()
    path = tmp_path / "s.xlsx"
    path.write_bytes(full[: len(full) // 2])
    direct = _refusal(path)
    workbooks.prefetch(path)
    assert _refusal(path) == direct
    assert {p[2] for p in direct} == {"file_unreadable"}


def test_a_zip_bomb_is_never_unpacked_ahead(tmp_path: Path) -> None:
    path = tmp_path / "s.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<x/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024**2))
    workbooks.prefetch(path)
    _, parse = workbooks._pending[os.path.abspath(path)]
    assert parse.result() is None
    assert {p[2] for p in _refusal(path)} == {"too_large"}
