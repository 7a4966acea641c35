"""Completeness against the official list of the county's schools (``--roster FILE``).

A school on the roster that sent nothing is an error naming it and its town, and
it stays in the schools table as a placeholder row (``_missing=True``): every
yes/no column False, every count NA. So a coverage target counted over schools
("every school has guards") counts it as not meeting the target, and a missing
school never silently shrinks a denominator. A submitted school that is not on
the roster is a warning.

The roster is any file the readers can read holding the plan's table of named units (the
first declared table with a ``label`` and a one-column key: the schools) with at least its key
column (and ideally its name, place and choice columns): last term's schools table works.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import pandas as pd

from .. import errors as E
from ..errors import Problem
from ..read.readers import RawTable, ReadError, read_file
from .columns import parse_column
from .schema import TableSpec
from .validate import Submission

if TYPE_CHECKING:  # pragma: no cover
    from ..plan.tables import Contract


def roster_table(contract: "Contract") -> Optional[TableSpec]:
    """The table a roster lists: the first declared table whose rows are named units (a ``label`` and a
    one-column key) — the schools."""
    return next((t for t in contract.tables.values() if t.label and len(t.key) == 1), None)


def _roster_columns(spec: TableSpec) -> list[str]:
    """The columns a placeholder row takes from the roster: its key, name and place, and the choice and
    text columns (what targets filter on)."""
    return [c.name for c in spec.columns if c.kind in ("text", "enum")]


@dataclass(frozen=True)
class RosterEntry:
    key: str
    name: str
    place: str
    values: tuple[tuple[str, Optional[str]], ...]   # column -> value (None: the roster has no valid one)
    file: str
    sheet: Optional[str]
    row: int


def read_roster(path: Path, spec: TableSpec, tables) -> tuple[list[RosterEntry], list[Problem]]:
    """The roster's units (first row of each key) and the problems met reading it."""
    try:
        found = [t for t in read_file(path, tables, expect=spec.name) if t.table == spec.name]
    except ReadError as exc:
        return [], [E.make("roster_unreadable", file=p.file, sheet=p.sheet, row=p.row,
                           detail_zh=f"名册：{p.message('zh')}", detail_en=f"roster: {p.message('en')}") for p in exc.problems]
    if not found:
        return [], [E.make("roster_unreadable", file=str(path), detail_zh=f"名册中没有{spec.zh}表",
                           detail_en=f"no {spec.en or spec.name} table in the roster")]
    entries: list[RosterEntry] = []
    problems: list[Problem] = []
    for raw in found:
        got, missing = _roster_table(raw, spec)
        entries.extend(got)
        problems.extend(missing)
    seen: set[str] = set()
    unique = [e for e in entries if not (e.key in seen or seen.add(e.key))]
    return unique, problems


def _roster_table(raw: RawTable, spec: TableSpec) -> tuple[list[RosterEntry], list[Problem]]:
    key = spec.key[0]
    wanted = _roster_columns(spec)
    where = {name: i for name, i in raw.index.field_columns(raw.headers, raw.table).items() if name in wanted}
    if key not in where:
        zh = spec.column(key).zh
        return [], [E.make("roster_unreadable", file=raw.file, sheet=raw.sheet, row=raw.header_row,
                           detail_zh=f"名册缺少“{zh}”列", detail_en=f"the roster has no {zh} ({key}) column")]
    cols = {name: parse_column(raw.data[i], spec.column(name))[0] for name, i in where.items()}
    out = []
    for pos, row in enumerate(raw.rows):
        sid = cols[key].iat[pos]
        if sid is pd.NA:
            continue
        values = tuple((name, _text(cols.get(name), pos)) for name in wanted)
        name = _text(cols.get(spec.label), pos) if spec.label else None
        place = _text(cols.get(spec.place), pos) if spec.place else None
        out.append(RosterEntry(key=str(sid), name=name or str(sid), place=place or "", values=values,
                               file=raw.file, sheet=raw.sheet, row=int(row)))
    return out, []


def _text(series: Optional[pd.Series], pos: int) -> Optional[str]:
    if series is None:
        return None
    value = series.iat[pos]
    return None if value is pd.NA else str(value)


def apply_roster(sub: Submission, roster_path: Path, contract: "Contract") -> None:
    """Compare the submitted units (schools) with the roster; add problems and placeholder rows to ``sub``.

    Afterwards the roster's table in ``sub.tables`` has a boolean ``_missing`` column (True on placeholders).
    """
    spec = roster_table(contract)
    if spec is None:
        sub.problems = E.sort_problems(sub.problems + [E.make(
            "roster_unreadable", file=str(roster_path), detail_zh="计划中没有可对照名册的表（需 label 与单列 key）",
            detail_en="the plan declares no table a roster lists (one with a label and a one-column key)")])
        return
    entries, problems = read_roster(roster_path, spec, contract.tables)
    units = sub.tables[spec.name]
    key = spec.key[0]
    if problems or not entries:
        sub.problems = E.sort_problems(sub.problems + problems)
        sub.tables[spec.name] = units.assign(_missing=False)
        return
    on_roster = {e.key for e in entries}
    submitted = set(units[key].dropna().astype(str).tolist())
    found = [E.make("school_not_submitted", file=e.file, sheet=e.sheet, row=e.row, value=e.key,
                    column=spec.column(key).zh, name=e.name, town=e.place or "-")
             for e in entries if e.key not in submitted]
    for _, r in units[~units[key].astype(str).isin(on_roster)].iterrows():
        file, sheet, row = str(r["_file"]), r["_sheet"] or None, int(r["_row"])
        src = sub.source(file, sheet, spec.name)
        header, cell = src.locate(key, row, spec.column(key).zh) if src else (spec.column(key).zh, None)
        label = r[spec.label] if spec.label else r[key]
        found.append(E.make("school_not_on_roster", file=file, sheet=sheet, row=row, column=header, cell=cell,
                            value=r[key], name=f"{label}（{r[key]}）"))
    sub.problems = E.sort_problems(sub.problems + found)
    missing = [e for e in entries if e.key not in submitted]
    sub.tables[spec.name] = add_placeholders(units, missing, spec)


def add_placeholders(units: pd.DataFrame, missing: list[RosterEntry], spec: TableSpec) -> pd.DataFrame:
    """The frame with one ``_missing`` row per unit that sent nothing (yes/no False, counts NA)."""
    real = units.assign(_missing=False)
    if not missing:
        return real
    data: dict[str, list] = {}
    for c in spec.columns:
        if c.kind == "bool":
            data[c.name] = [False] * len(missing)
        else:
            data[c.name] = [dict(e.values).get(c.name) for e in missing]
    data.update(_file=[e.file for e in missing], _sheet=[e.sheet or "" for e in missing],
                _row=[e.row for e in missing], _missing=[True] * len(missing))
    extra = pd.DataFrame(data).astype({c: str(real[c].dtype) for c in data if c in real})
    return pd.concat([real, extra], ignore_index=True)
