"""Shared fixtures: small typed tables built through the real validator (no hand-typed dtypes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import pandas as pd
import pytest

from plancheck.read.readers import RawTable
from plan2021 import COMPULSORY, CONTRACT, TABLES
from plancheck.check.validate import validate_tables

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _no_parse_left_over():
    """A file read ahead and never taken by a test (one refused before it is read) does not stay for the
    next test."""
    from plancheck.read import ahead

    yield
    ahead._pending.clear()
SAMPLE = REPO / "sample_data"

_TYPE_ZH = {"kindergarten": "幼儿园", "primary": "小学", "junior": "初中", "nine_year": "九年一贯制",
            "senior": "普通高中", "complete_secondary": "完全中学", "vocational": "中职", "special": "特殊教育"}


def school(school_id: str, school_type: str = "primary", town: str = "凤仪街道", **cells: Any) -> dict[str, Any]:
    """One schools row with every applicable column filled so that it passes every target.

    ``cells`` override any column (English names); ``None`` leaves a cell blank.
    """
    row: dict[str, Any] = {
        "school_id": school_id, "school_name": f"学校{school_id}", "town": town,
        "school_type": _TYPE_ZH[school_type], "ownership": "公办", "students": 100, "classes": 4,
        "guards_in_place": "是", "closed_campus": "是", "alarm_linked": "是", "antiterror_standard": "是",
        "bullying_incidents": 0, "supervisor_assigned": "是",
    }
    if school_type == "kindergarten":
        row["inclusive"] = "是"
    else:
        row["health_data_reported"] = "是"
    if school_type in COMPULSORY:
        row["large_classes"] = 0
    if school_type in COMPULSORY + ("special",):
        row["dropouts"] = 0
    if school_type == "vocational":
        row.update(students_start=100, students_lost=0)
    row.update(cells)
    return row


def raw_table(table: str, rows: list[dict[str, Any]], file: Optional[str] = None) -> RawTable:
    """A RawTable as a reader would give it: English headers, text cells, header in row 1."""
    headers = [c.name for c in TABLES[table].columns if any(c.name in r for r in rows)]
    data = pd.DataFrame([["" if r.get(h) is None else str(r[h]) for h in headers] for r in rows],
                        columns=range(len(headers)), dtype=object)
    return RawTable(file=file or f"{table}.csv", sheet=None, table=table, headers=headers, header_row=1,
                    data=data, rows=list(range(2, len(rows) + 2)), rows_read=len(rows))


def build_tables(schools: Optional[list[dict]] = None, population: Optional[dict[str, int]] = None,
                 milestones: Optional[dict[str, str]] = None) -> dict[str, pd.DataFrame]:
    """Typed tables via validate.validate_tables; fails the test if the input is not valid.

    ``population``: town -> children aged 3-5; ``milestones``: id -> status (English value).
    A table passed as None is not supplied at all.
    """
    raws = []
    if schools is not None:
        raws.append(raw_table("schools", schools))
    if population is not None:
        raws.append(raw_table("population", [{"town": t, "children_3_5": n} for t, n in population.items()]))
    if milestones is not None:
        raws.append(raw_table("milestones", [{"milestone_id": k, "status": v} for k, v in milestones.items()]))
    sub = validate_tables(raws, CONTRACT, milestone_ids=set(milestones or ()))
    assert sub.errors == [], [p.compact() for p in sub.errors]
    return sub.tables


@pytest.fixture(scope="session")
def plan():
    from plancheck.plan.targets import load_targets

    return load_targets()


# a schools table with three bad rows (the header of tests/test_cli.py): row 2: students "二百" is not a number;
# row 3: 班级数 blank; row 4: type unknown, guards "maybe"
BAD_SCHOOLS_CSV = ("学校代码,学校名称,乡镇（街道）,学校类型,办学性质,是否普惠,在校生数,班级数,大班额班级数,辍学学生数,"
                   "体质健康数据已上报,专职保安配备到位,封闭化管理达标,一键报警及视频监控联网,反恐怖防范达标,校园欺凌事件数,"
                   "挂牌督学到位\n"
                   "P1,一小,凤仪街道,小学,公办,,二百,5,0,0,是,是,是,是,是,0,是\n"
                   "P2,二小,凤仪街道,小学,公办,,150,,0,0,是,是,是,是,是,0,是\n"
                   "P3,三小,凤仪街道,大学,公办,,150,5,0,0,是,maybe,是,是,是,0,是\n")


@pytest.fixture
def bad_csv(tmp_path: Path) -> Path:
    """:data:`BAD_SCHOOLS_CSV` as a file."""
    path = tmp_path / "bad.csv"
    path.write_text(BAD_SCHOOLS_CSV, encoding="utf-8")
    return path
