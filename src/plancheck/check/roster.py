"""Completeness against the official list of the county's schools (``--roster FILE``).

A school on the roster that sent nothing is an error naming it and its town, and
it stays in the schools table as a placeholder row (``_missing=True``): every
yes/no column False, every count NA. So a coverage target counted over schools
("every school has guards") counts it as not meeting the target, and a missing
school never silently shrinks a denominator. A submitted school that is not on
the roster is a warning.

The roster is any file the readers can read whose header has 学校代码 (and
ideally 学校名称, 乡镇（街道）, 学校类型, 办学性质): last term's schools table works.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pandas as pd

from .. import errors as E
from ..errors import Problem
from ..read.headers import field_columns
from ..read.readers import RawTable, ReadError, read_file
from .schema import TABLES
from .columns import parse_column
from .validate import Submission

ROSTER_COLUMNS = ("school_id", "school_name", "town", "school_type", "ownership")


@dataclass(frozen=True)
class RosterEntry:
    school_id: str
    school_name: str
    town: str
    school_type: Optional[str]   # English value, None if the roster has no (valid) type
    ownership: Optional[str]
    file: str
    sheet: Optional[str]
    row: int


def read_roster(path: Path) -> tuple[list[RosterEntry], list[Problem]]:
    """The roster's schools (first row of each code) and the problems met reading it."""
    try:
        tables = [t for t in read_file(path, expect="schools") if t.table == "schools"]
    except ReadError as exc:
        return [], [E.make("roster_unreadable", file=p.file, sheet=p.sheet, row=p.row,
                           detail_zh=f"名册：{p.message('zh')}", detail_en=f"roster: {p.message('en')}") for p in exc.problems]
    if not tables:
        return [], [E.make("roster_unreadable", file=str(path), detail_zh="名册中没有学校表", detail_en="no schools table in the roster")]
    entries: list[RosterEntry] = []
    problems: list[Problem] = []
    for raw in tables:
        found, missing = _roster_table(raw)
        entries.extend(found)
        problems.extend(missing)
    seen: set[str] = set()
    unique = [e for e in entries if not (e.school_id in seen or seen.add(e.school_id))]
    return unique, problems


def _roster_table(raw: RawTable) -> tuple[list[RosterEntry], list[Problem]]:
    spec = TABLES["schools"]
    where = {name: i for name, i in field_columns(raw.headers, "schools").items() if name in ROSTER_COLUMNS}
    if "school_id" not in where:
        return [], [E.make("roster_unreadable", file=raw.file, sheet=raw.sheet, row=raw.header_row,
                           detail_zh="名册缺少“学校代码”列", detail_en="the roster has no 学校代码 (school_id) column")]
    cols = {name: parse_column(raw.data[i], spec.column(name))[0] for name, i in where.items()}
    out = []
    for pos, row in enumerate(raw.rows):
        sid = cols["school_id"].iat[pos]
        if sid is pd.NA:
            continue
        out.append(RosterEntry(
            school_id=str(sid), school_name=_text(cols.get("school_name"), pos) or str(sid),
            town=_text(cols.get("town"), pos) or "", school_type=_text(cols.get("school_type"), pos),
            ownership=_text(cols.get("ownership"), pos), file=raw.file, sheet=raw.sheet, row=int(row)))
    return out, []


def _text(series: Optional[pd.Series], pos: int) -> Optional[str]:
    if series is None:
        return None
    value = series.iat[pos]
    return None if value is pd.NA else str(value)


def apply_roster(sub: Submission, roster_path: Path) -> None:
    """Compare the submitted schools with the roster; add problems and placeholder rows to ``sub``.

    Afterwards ``sub.tables["schools"]`` has a boolean ``_missing`` column (True on placeholders).
    """
    entries, problems = read_roster(roster_path)
    schools = sub.tables["schools"]
    if problems or not entries:
        sub.problems = E.sort_problems(sub.problems + problems)
        sub.tables["schools"] = schools.assign(_missing=False)
        return
    on_roster = {e.school_id for e in entries}
    submitted = set(schools["school_id"].dropna().astype(str).tolist())
    found = [E.make("school_not_submitted", file=e.file, sheet=e.sheet, row=e.row, value=e.school_id,
                    column=TABLES["schools"].column("school_id").zh, name=e.school_name, town=e.town or "-")
             for e in entries if e.school_id not in submitted]
    for _, r in schools[~schools["school_id"].astype(str).isin(on_roster)].iterrows():
        file, sheet, row = str(r["_file"]), r["_sheet"] or None, int(r["_row"])
        src = sub.source(file, sheet, "schools")
        header, cell = src.locate("school_id", row) if src else (TABLES["schools"].column("school_id").zh, None)
        found.append(E.make("school_not_on_roster", file=file, sheet=sheet, row=row, column=header, cell=cell,
                            value=r["school_id"], name=f"{r['school_name']}（{r['school_id']}）"))
    sub.problems = E.sort_problems(sub.problems + found)
    missing = [e for e in entries if e.school_id not in submitted]
    sub.tables["schools"] = add_placeholders(schools, missing)


def add_placeholders(schools: pd.DataFrame, missing: list[RosterEntry]) -> pd.DataFrame:
    """The schools frame with one ``_missing`` row per school that sent nothing (yes/no False, counts NA)."""
    real = schools.assign(_missing=False)
    if not missing:
        return real
    spec = TABLES["schools"]
    data: dict[str, list] = {}
    for c in spec.columns:
        if c.kind == "bool":
            data[c.name] = [False] * len(missing)
        elif c.name in ROSTER_COLUMNS:
            data[c.name] = [getattr(e, c.name) for e in missing]
        else:
            data[c.name] = [None] * len(missing)
    data.update(_file=[e.file for e in missing], _sheet=[e.sheet or "" for e in missing],
                _row=[e.row for e in missing], _missing=[True] * len(missing))
    extra = pd.DataFrame(data).astype({c: str(real[c].dtype) for c in data if c in real})
    return pd.concat([real, extra], ignore_index=True)
