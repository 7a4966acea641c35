"""Builders of submission files for the tests: rows as dicts, written as CSV bytes or workbooks by code."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Optional

from plan2021 import TABLES

SCHOOL_HEADERS = [c.zh for c in TABLES["schools"].columns]
POP_HEADERS = [c.zh for c in TABLES["population"].columns]
MS_HEADERS = [c.zh for c in TABLES["milestones"].columns]


def school(school_id: str = "5203240001", name: str = "安场镇中心小学", town: str = "安场镇", **over: Any) -> dict:
    row = {"学校代码": school_id, "学校名称": name, "乡镇（街道）": town, "学校类型": "小学", "办学性质": "公办",
           "是否普惠": "", "在校生数": "400", "班级数": "10", "大班额班级数": "0", "辍学学生数": "0",
           "学年初在籍学生数": "", "流失学生数": "", "体质健康数据已上报": "是", "专职保安配备到位": "是",
           "封闭化管理达标": "是", "一键报警及视频监控联网": "是", "反恐怖防范达标": "是", "校园欺凌事件数": "0",
           "挂牌督学到位": "是"}
    row.update(over)
    return row


def kindergarten(school_id: str = "5203240101", name: str = "安场镇中心幼儿园", town: str = "安场镇", **over: Any) -> dict:
    base = school(school_id, name, town, 学校类型="幼儿园", 在校生数="150", 班级数="6", 大班额班级数="",
                  辍学学生数="", 体质健康数据已上报="")
    base.update(over)
    return base


def schools(n: int, start: int = 1) -> list[dict]:
    return [school(f"52032400{i:02d}", f"第{i}小学") for i in range(start, start + n)]


def grid(rows: Iterable[dict], headers: Optional[list[str]] = None) -> list[list[str]]:
    rows = list(rows)
    headers = headers or list(rows[0])
    return [headers] + [[str(r.get(h, "")) for h in headers] for r in rows]


def csv_text(lines: list[list[str]], sep: str = ",", newline: str = "\r\n") -> str:
    def cell(c: str) -> str:
        return '"' + c.replace('"', '""') + '"' if (sep in c or '"' in c or '\n' in c) else c
    return newline.join(sep.join(cell(c) for c in line) for line in lines) + newline


def write_csv(path: Path, lines: list[list[str]], encoding: str = "utf-8-sig", sep: str = ",",
              newline: str = "\r\n") -> Path:
    path.write_bytes(csv_text(lines, sep, newline).encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]], title: Optional[str] = None) -> Path:
    """A workbook; with ``title``, each sheet gets a merged title row above its grid."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, lines in sheets.items():
        ws = wb.create_sheet(name)
        if title:
            ws.append([title])
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(lines[0]), 2))
        for line in lines:
            ws.append([None if c == "" else c for c in line])
    wb.save(path)
    return path


def compact(problems) -> list[tuple]:
    return sorted((p.compact() for p in problems), key=str)


def codes(problems) -> set[str]:
    return {p.code for p in problems}


def balanced(sub) -> bool:
    c = sub.counts()
    return c.read == c.accepted + c.rejected + c.skipped and all(
        s.counts.read == s.counts.accepted + s.counts.rejected + s.counts.skipped for s in sub.sources)
