"""Raw tables -> typed DataFrames + a list of located problems.

The checks are vectorized over whole columns (pandas); per-row Python work is
done only for cells that fail, to write their messages. The rules come from the
pydantic models in :mod:`plancheck.check.schema` (through their column specs), and a
property test holds this module's verdict equal to validating row by row with
the models.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import numpy as np
import pandas as pd

from .. import errors as E
from .columns import Distinct, Written, one_array, parse_column, parse_written
from ..errors import Problem
from ..read.headers import field_columns
from ..read.readers import RawTable, ReadError, list_folder, read_file, skipped_in_folder
from .schema import (ENUM_ZH, INFO_HEADERS, MAX_INT, TABLES, ColumnSpec, TableSpec, header_lookup,
                     normalize_header)

SKIP_CODES = ("total_row_skipped", "footer_row_skipped", "header_row_skipped")
#: How many located problems are kept per run; beyond it they are only counted.
DEFAULT_MAX_PROBLEMS = 100_000

TYPE_ZH = ENUM_ZH[next(iter(ENUM_ZH))]  # SchoolType labels
#: SchoolType values as English messages say them (“does not apply to a senior high school”).
TYPE_EN = {"kindergarten": "kindergarten", "primary": "primary school", "junior": "junior secondary school",
           "nine_year": "nine-year school", "senior": "senior high school",
           "complete_secondary": "complete secondary school", "vocational": "vocational school",
           "special": "special education school"}


@dataclass
class Counts:
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped: int = 0

    def add(self, other: "Counts") -> None:
        self.read += other.read
        self.accepted += other.accepted
        self.rejected += other.rejected
        self.skipped += other.skipped


@dataclass
class Source:
    """One table read from one file (and sheet)."""
    file: str
    sheet: Optional[str]
    table: Optional[str]
    counts: Counts
    encoding: Optional[str] = None
    #: field name -> (header as written, 0-based column index): lets later checks locate a cell (学校!G17)
    columns: dict[str, tuple[str, int]] = field(default_factory=dict)

    def locate(self, column: str, row: int) -> tuple[str, Optional[str]]:
        """(header as written, cell address) of a field in a spreadsheet row of this source."""
        from ..read.readers import column_letter

        header, idx = self.columns.get(column, (TABLES[self.table].column(column).zh if self.table else column, -1))
        if idx < 0 or not self.sheet:
            return header, None
        return header, f"{self.sheet}!{column_letter(idx + 1)}{row}"


@dataclass
class Submission:
    """Everything validation produced: typed tables of accepted rows, problems, row accounting."""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    problems_dropped: int = 0  # problems counted but not kept (beyond the limit)

    def source(self, file: str, sheet: Optional[str], table: str) -> Optional[Source]:
        return next((s for s in self.sources if s.file == file and (s.sheet or "") == (sheet or "")
                     and s.table == table), None)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.problems_dropped

    def counts(self, table: Optional[str] = None) -> Counts:
        total = Counts()
        for s in self.sources:
            if table is None or s.table == table:
                total.add(s.counts)
        return total


def _choices(spec: ColumnSpec) -> str:
    zh = ENUM_ZH[spec.enum]
    return "、".join(f"{zh[m.value]}/{m.value}" for m in spec.enum)


def _other_row(where: str, row: int) -> dict[str, str]:
    """The place a duplicate repeats, in both languages (sub/a.xlsx[学校] 第 2 行 / row 2)."""
    return {"other_zh": f"{where} 第 {row} 行", "other_en": f"{where} row {row}"}


def _did_you_mean(header: str, spec: TableSpec) -> dict[str, str]:
    spellings = {}
    for c in spec.columns:
        for h in (c.name, c.zh, *c.aliases):
            spellings[normalize_header(h)] = c.zh
    close = difflib.get_close_matches(normalize_header(header), list(spellings), n=1, cutoff=0.5)
    if close:
        guess = spellings[close[0]]
        return {"hint_zh": f"（是否应为“{guess}”？）", "hint_en": f" (did you mean “{guess}”?)"}
    return {"hint_zh": "", "hint_en": ""}


# ------------------------------------------------------------------ one table
class _Collector:
    def __init__(self, limit: int):
        self.items: list[Problem] = []
        self.limit = limit
        self.dropped = 0

    def add(self, p: Problem) -> None:
        if len(self.items) < self.limit:
            self.items.append(p)
        else:
            self.dropped += 1

    def extend(self, ps: Iterable[Problem]) -> None:
        for p in ps:
            self.add(p)


def validate_table(raw: RawTable, table: str, out: _Collector,
                   milestone_ids: Optional[set[str]] = None, empty_ok: bool = False) -> tuple[pd.DataFrame, Counts]:
    """Validate one raw table; returns the typed frame of accepted rows and its row accounting.

    ``empty_ok``: a header-only table is “not submitted” (an info note), not an error: a sheet of a
    workbook whose other sheets hold data.
    """
    spec = TABLES[table]
    lookup = header_lookup(spec)
    n = len(raw.data)
    skipped = sum(1 for p in raw.problems if p.code in SKIP_CODES)
    counts = Counts(read=raw.rows_read or n + skipped + raw.unreported, skipped=skipped + raw.unreported)
    out.extend(raw.problems)
    bad_csv_rows = sum(1 for p in raw.problems if p.code == "bad_csv" and p.row is not None)
    counts.rejected += bad_csv_rows
    loc = dict(file=raw.file, sheet=raw.sheet)

    # -- headers
    where: dict[str, int] = {}
    fatal = False
    for i, h in enumerate(raw.headers):
        key = normalize_header(h)
        if key in INFO_HEADERS[table]:
            continue
        if not key:
            if n and (raw.data[i].str.strip() != "").any():
                out.add(E.make("unknown_column", column=f"#{i + 1}", row=raw.header_row, hint_zh="（无表头）", hint_en=" (no header)", **loc))
            continue
        name = lookup.get(key)
        if name is None:
            out.add(E.make("unknown_column", column=h, row=raw.header_row, **_did_you_mean(h, spec), **loc))
        elif name in where:
            out.add(E.make("duplicate_header", column=h, row=raw.header_row, other=where[name] + 1, **loc))
            fatal = True
        else:
            where[name] = i
    rows = np.asarray(raw.rows, dtype=np.int64)
    typed: dict[str, pd.Series] = {}
    filled: dict[str, np.ndarray] = {}      # non-blank cells of each column read (blank or not, as parsed)
    bad_row = np.zeros(n, dtype=bool)
    written: dict[int, Written] = {}       # column index -> its cells as written, once the raw column is gone
    index = raw.data.index
    # the raw columns, each let go once parsed (its messages then read ``written``); taken out of the
    # frame first, as deleting columns from a frame one by one rebuilds it every time
    columns = {j: raw.data[j] for j in raw.data.columns}
    raw.data = raw.data.iloc[:, :0]         # columns not read (unknown, info) go too; the row count stays

    def cell_value(pos: int, idx: int) -> Any:
        return written[idx].at(pos) if idx in written else columns[idx].iat[pos]

    def cell_problem(code: str, col: ColumnSpec, positions: np.ndarray, values: Optional[pd.Series] = None, **params):
        idx = where.get(col.name)
        header = raw.headers[idx] if idx is not None else col.zh
        for pos in positions[: out.limit - len(out.items) + 1]:
            value = cell_value(pos, idx) if idx is not None else None
            out.add(E.make(code, column=header, row=int(rows[pos]), value=value,
                           cell=raw.cell_address(int(rows[pos]), idx) if idx is not None else None, **loc, **params))
        extra = len(positions) - (out.limit - len(out.items) + 1)
        if extra > 0:
            out.dropped += extra

    stype = parsed_type = None
    if table == "schools" and "school_type" in where:
        parsed_type = parse_written(columns.pop(where["school_type"]), spec.column("school_type"))
        stype = parsed_type[0]
    for col in spec.columns:
        if col.name not in where:
            needed = col.required or (col.applies_to is not None and stype is not None and
                                      bool(stype.isin(col.applies_to).any()))
            if needed and not (col.name == "inclusive" and stype is not None):
                out.add(E.make("missing_column", row=raw.header_row, zh=col.zh, en=col.name, **loc))
                fatal = True
            elif col.name == "inclusive" and stype is not None:
                # a missing 是否普惠 column is only acceptable if no private kindergarten needs it
                own = typed.get("ownership")     # (a column before 是否普惠: parsed already, or all missing)
                if own is not None and ((stype == "kindergarten") & (own == "private")).fillna(False).any():
                    out.add(E.make("missing_column", row=raw.header_row, zh=col.zh, en=col.name, **loc))
                    fatal = True
            typed[col.name] = pd.Series(pd.NA, index=index, dtype=_dtype(col))
            continue
        idx = where[col.name]
        if col.name == "school_type" and parsed_type is not None:
            values, bad, code, large, blank, written[idx] = parsed_type
            parsed_type = None
        else:
            # each raw column is let go as soon as it is parsed (its messages then read ``written``)
            values, bad, code, large, blank, written[idx] = parse_written(columns.pop(idx), col)
        filled[col.name] = ~blank.to_numpy()
        if bad.any():
            pos = np.flatnonzero(bad.to_numpy())
            if code == "not_in_choices":
                cell_problem(code, col, pos, choices=_choices(col))
            else:
                cell_problem(code, col, pos)
            bad_row |= bad.to_numpy()
        if large.any():
            cell_problem("too_large", col, np.flatnonzero(large.to_numpy()),
                         detail_zh=f"数值过大（上限 {MAX_INT}）", detail_en=f"number too large (limit {MAX_INT})")
            bad_row |= large.to_numpy()
        typed[col.name] = values

    columns.clear()
    frame = pd.DataFrame(typed, copy=False)
    del typed
    not_reported = any(p.code == "milestones_not_reported" for p in raw.problems)
    if n == 0 and not fatal and not (empty_ok and not_reported):  # that note already says the sheet is unfilled
        out.add(E.make("sheet_not_submitted" if empty_ok else "no_data_rows", row=raw.header_row, **loc))
    if fatal:
        counts.rejected += n
        return frame.iloc[0:0], counts

    # -- applicability and rules
    types = Distinct(frame["school_type"]) if table == "schools" else None
    if types is not None:
        st = frame["school_type"]
        known = types.known()
        for col in spec.columns:
            if col.applies_to is None:
                continue
            applicable = types.isin(col.applies_to)
            value = frame[col.name]
            present = value.notna().to_numpy(dtype=bool)
            stray = known & ~applicable & present
            if stray.any():
                pos = np.flatnonzero(stray)
                for p in pos:
                    _stray(out, raw, where, col, int(p), rows, loc, st.iat[p], cell_value)
                frame[col.name] = value.mask(pd.Series(stray, index=frame.index, copy=False))
            missing = known & applicable & ~present
            if col.name == "inclusive":
                public_kg = missing & (frame["ownership"] == "public").fillna(False).to_numpy(dtype=bool)
                frame.loc[public_kg, "inclusive"] = True
                missing = missing & ~public_kg
            # a cell holding something unparseable is already reported: not also 'required'
            missing = missing & ~filled.get(col.name, np.zeros(n, dtype=bool))
            if missing.any():
                cell_problem("required", col, np.flatnonzero(missing))
                bad_row |= missing
    for col in spec.columns:
        if col.name not in where:
            continue
        value = frame[col.name]
        if col.required:
            missing = value.isna().to_numpy() & ~filled[col.name]
            if missing.any():
                cell_problem("required", col, np.flatnonzero(missing))
                bad_row |= missing
        if col.kind == "int" and col.ge is not None:
            low = (value < col.ge).fillna(False).to_numpy(dtype=bool)
            if low.any():
                cell_problem("below_minimum", col, np.flatnonzero(low), minimum=col.ge)
                bad_row |= low
        if col.le_column and col.le_column in frame:
            other = frame[col.le_column]
            floor = spec.column(col.le_column).ge
            # a limit that is itself invalid (e.g. 班级数 -3) is reported there, not again here
            valid_limit = other >= floor if floor is not None else other.notna()
            over = ((value > other) & valid_limit).fillna(False).to_numpy(dtype=bool)
            if over.any():
                ocol = spec.column(col.le_column)
                oname = raw.headers[where[ocol.name]] if ocol.name in where else ocol.zh
                for p in np.flatnonzero(over):
                    cell_problem("exceeds_column", col, np.array([p]), other=oname, other_value=int(other.iat[p]))
                bad_row |= over
    if table == "schools":
        need = ((frame["students"] > 0) & (frame["classes"] == 0)).fillna(False).to_numpy(dtype=bool)
        if need.any():
            cell_problem("classes_needed", spec.column("classes"), np.flatnonzero(need))
            bad_row |= need
        pni = ((frame["school_type"] == "kindergarten") & (frame["ownership"] == "public")
               & (frame["inclusive"] == False)).fillna(False).to_numpy(dtype=bool)  # noqa: E712
        if pni.any():
            cell_problem("public_not_inclusive", spec.column("inclusive"), np.flatnonzero(pni))
            bad_row |= pni
    if table == "milestones" and milestone_ids is not None and "milestone_id" in where:
        ids = frame["milestone_id"]
        unknown = (ids.notna() & ~ids.isin(list(milestone_ids))).to_numpy(dtype=bool)
        for p in np.flatnonzero(unknown):
            close = difflib.get_close_matches(str(ids.iat[p]), sorted(milestone_ids), n=1, cutoff=0.6)
            cell_problem("unknown_milestone", spec.column("milestone_id"), np.array([p]),
                         hint_zh=f"（是否应为“{close[0]}”？）" if close else "",
                         hint_en=f" (did you mean “{close[0]}”?)" if close else "")
        bad_row |= unknown

    # -- duplicates of the key within this table
    if spec.key and spec.key in where:
        key = frame[spec.key]
        dup = _repeats(key)
        if dup.any():
            first = {}
            for p, k in enumerate(key):
                if k is not pd.NA and k not in first:
                    first[k] = p
            for p in np.flatnonzero(dup):
                fp = first[key.iat[p]]
                cell_problem("duplicate_key", spec.column(spec.key), np.array([p]),
                             **_other_row(_where(raw), int(rows[fp])))
            bad_row |= dup

    if types is not None:
        _consistency_warnings(frame, types, raw, where, rows, out, bad_row, cell_value)
    _check_totals(raw, where, spec, frame, bad_row, out)

    frame["_file"] = _constant(raw.file, frame.index)
    frame["_sheet"] = _constant(raw.sheet if raw.sheet is not None else "", frame.index)
    frame["_row"] = rows
    accepted = _keep_rows(frame, ~bad_row)
    counts.accepted = len(accepted)
    counts.rejected += int(bad_row.sum())
    return accepted, counts


def _repeats(key: pd.Series) -> np.ndarray:
    """Rows whose key is on an earlier row (a missing key repeats nothing): ``duplicated(keep="first")``.
    An Arrow-backed column is numbered first: school codes (ASCII digits) as numbers, other keys by
    Arrow's hash table (each about half the time of pandas' own on text)."""
    cells = key.array
    if not isinstance(cells, pd.arrays.ArrowStringArray):
        return (key.duplicated(keep="first") & key.notna()).to_numpy(dtype=bool)
    import pyarrow as pa
    import pyarrow.compute as pc

    codes = _digit_keys(cells.__arrow_array__())
    if codes is None:
        encoded = pc.dictionary_encode(cells.__arrow_array__())  # the chunks share one dictionary: no join needed
        chunks = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
        codes = np.concatenate([pc.fill_null(c.indices, -1).to_numpy(zero_copy_only=False) for c in chunks]
                               or [np.empty(0, dtype=np.int32)])
    return pd.Series(codes, copy=False).duplicated(keep="first").to_numpy() & (codes >= 0)


#: Longest key numbered by :func:`_digit_keys` (17 digits and the length fit in an int64).
_DIGIT_KEY_MAX = 17


def _digit_keys(cells) -> Optional[np.ndarray]:
    """Keys written in 1-17 ASCII digits as int64 numbers that keep the length too ("007" and "7" differ),
    -1 for a missing key; None when any key is something else."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(cells) or not pc.all(pc.fill_null(pc.ascii_is_decimal(cells), True)).as_py():
        return None
    length = pc.binary_length(cells)
    longest = pc.max(length).as_py()
    if longest is None or longest > _DIGIT_KEY_MAX:
        return None
    numbers = pc.add(pc.cast(cells, pa.int64()), pc.multiply(pc.cast(length, pa.int64()), 10**_DIGIT_KEY_MAX))
    return one_array(pc.fill_null(numbers, -1)).to_numpy(zero_copy_only=False)


def _keep_rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The rows of ``frame`` to keep, without a copy when every row is kept, else column by column (each
    column of ``frame`` is let go once filtered, so the whole table is never held twice)."""
    if keep.all():
        return frame
    out = {}
    for name in list(frame.columns):
        out[name] = frame.pop(name)[keep].reset_index(drop=True)
    return pd.DataFrame(out, copy=False)


def _constant(text: str, index: pd.Index) -> pd.Series:
    """The same text on every row (the file and sheet of a table's rows), one byte a row."""
    return pd.Series(pd.Categorical.from_codes(np.zeros(len(index), dtype=np.int8), categories=[text]), index=index,
                     copy=False)


def column_map(raw: RawTable) -> dict[str, tuple[str, int]]:
    """field name -> (header as written, column index), first occurrence of each."""
    return {name: (raw.headers[i], i) for name, i in field_columns(raw.headers, raw.table).items()}


def _where(raw: RawTable) -> str:
    return f"{raw.file}[{raw.sheet}]" if raw.sheet else raw.file


def _dtype(col: ColumnSpec) -> str:
    return {"int": "Int64", "bool": "boolean"}.get(col.kind, "string")


def _stray(out: _Collector, raw: RawTable, where, col: ColumnSpec, pos: int, rows, loc, school_type,
           cell_value: Callable[[int, int], Any]) -> None:
    idx = where[col.name]
    out.add(E.make("not_applicable", column=raw.headers[idx], row=int(rows[pos]), value=cell_value(pos, idx),
                   cell=raw.cell_address(int(rows[pos]), idx), school_type_zh=TYPE_ZH.get(school_type, school_type),
                   school_type_en=TYPE_EN.get(school_type, str(school_type)),
                   **loc))


def _consistency_warnings(frame: pd.DataFrame, types: Distinct, raw: RawTable, where, rows, out: _Collector,
                          bad_row, cell_value: Callable[[int, int], Any]) -> None:
    """Class sizes beyond the norms (a warning: often a typing slip in 在校生数 or 班级数). A school's
    average class is students / classes; compared in whole numbers (students > 55 × classes)."""
    if "students" not in where or "classes" not in where:
        return
    students = frame["students"].to_numpy(dtype="int64", na_value=0)
    classes = frame["classes"].to_numpy(dtype="int64", na_value=0)
    ok = ~bad_row & (classes > 0)
    no_large = (frame["large_classes"] == 0).fillna(False).to_numpy(dtype=bool)
    high = ok & types.isin(["primary", "junior", "nine_year", "complete_secondary"]) & (students > 55 * classes) & no_large
    kg = ok & types.isin(["kindergarten"]) & (students > 35 * classes)
    idx = where["classes"]
    for code, mask in (("class_size_high", high), ("kindergarten_class_size_high", kg)):
        for p in np.flatnonzero(mask):
            out.add(E.make(code, column=raw.headers[idx], row=int(rows[p]), value=cell_value(p, idx),
                           cell=raw.cell_address(int(rows[p]), idx), average=round(float(students[p] / classes[p]), 1),
                           file=raw.file, sheet=raw.sheet))


def _check_totals(raw: RawTable, where, spec: TableSpec, frame: pd.DataFrame, bad_row, out: _Collector) -> None:
    """A 合计 row must equal the sum of the data rows it covers; every column that does not add up is reported.

    小计 covers the rows since the previous 小计 (or the start); 合计/总计 covers every row
    above it, or, when it stands above all data (a total right under the header), every row below.
    """
    if not raw.total_rows:
        return
    int_cols = [c for c in spec.columns if c.kind == "int" and c.name in where]
    rows = np.asarray(raw.rows, dtype=np.int64)
    previous = 0
    for total_row, cells in sorted(raw.total_rows):
        label = normalize_header(next((c for c in cells if c.strip()), ""))
        is_sub = _is_subtotal(label)
        covered = (rows < total_row) & (rows > (previous if is_sub else 0))
        if not covered.any() and not is_sub:
            covered = rows > total_row
        for col in int_cols:
            _check_total_cell(raw, where[col.name], col, frame, covered, cells, total_row, out)
        if is_sub:
            previous = total_row


def _is_subtotal(label: str) -> bool:
    """小计 rows (甲镇小计, 一组小计) and place-named 合计 rows (甲镇合计) cover their own block; 合计, 总计,
    全县合计 cover every data row (never the subtotals, which are not data rows)."""
    if "小计" in label:
        return True
    for word in ("合计", "总计"):
        if label.endswith(word) and len(label) > len(word):
            return not label.startswith(("全", "总", "共"))
    return False


def _check_total_cell(raw: RawTable, idx: int, col: ColumnSpec, frame: pd.DataFrame, covered: np.ndarray,
                      cells: list[str], total_row: int, out: _Collector) -> None:
    stated_text = cells[idx] if idx < len(cells) else ""
    stated = parse_column(pd.Series([stated_text], dtype=object), col)[0].iat[0]
    if stated is pd.NA:
        return
    computed = int(frame.loc[covered, col.name].fillna(0).astype("int64").sum())
    if int(stated) != computed:
        out.add(E.make("total_mismatch", file=raw.file, sheet=raw.sheet, row=int(total_row),
                       column=raw.headers[idx], value=stated_text, stated=int(stated), computed=computed,
                       cell=raw.cell_address(int(total_row), idx)))


# ------------------------------------------------------------------ a whole submission
def _typed_empty(table: str) -> pd.DataFrame:
    spec = TABLES[table]
    frame = pd.DataFrame({c.name: pd.Series([], dtype=_dtype(c)) for c in spec.columns})
    frame["_file"] = pd.Series([], dtype="string")
    frame["_sheet"] = pd.Series([], dtype="string")
    frame["_row"] = pd.Series([], dtype="int64")
    return frame


def validate_tables(raws: Iterable[RawTable], milestone_ids: Optional[set[str]] = None,
                    max_problems: int = DEFAULT_MAX_PROBLEMS,
                    read_problems: Iterable[Problem] = ()) -> Submission:
    """Validate raw tables (any number per table, e.g. one per school file) and merge them."""
    out = _Collector(max_problems)
    out.extend(read_problems)
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    sub = Submission()
    raws = list(raws)
    for raw in raws:
        if raw.table == "milestones":
            drop_unreported_milestones(raw)
    known_files = {raw.file for raw in raws if raw.table is not None}
    files_with_data = {raw.file for raw in raws if raw.table is not None and len(raw.data)}
    unknown_files: set[str] = set()
    for raw in raws:
        if raw.table is None:
            if raw.file in known_files:
                out.add(E.make("sheet_skipped", file=raw.file, sheet=raw.sheet))
            elif raw.file not in unknown_files:
                unknown_files.add(raw.file)
                out.add(E.make("not_submission", file=raw.file))
            continue
        empty_ok = raw.sheet is not None and raw.file in files_with_data
        frame, counts = validate_table(raw, raw.table, out, milestone_ids, empty_ok)
        parts[raw.table].append(frame)
        sub.sources.append(Source(raw.file, raw.sheet, raw.table, counts, raw.encoding, column_map(raw)))
    for name, frames in parts.items():
        frames = [f for f in frames if len(f)]
        if len(frames) == 1:
            sub.tables[name] = frames[0]     # one table read: no copy
        else:
            sub.tables[name] = pd.concat(frames, ignore_index=True) if frames else _typed_empty(name)
        parts[name].clear()
        if len(frames) > 1:
            sub.tables[name], dropped = _cross_file_duplicates(name, sub.tables[name], out, sub)
            for file, sheet in dropped:
                _move_to_rejected(sub.sources, file, sheet, name)
    schools, population = sub.tables["schools"], sub.tables["population"]
    has_population_source = any(s.table == "population" for s in sub.sources)
    if len(schools) and has_population_source:
        kg_towns = set(schools.loc[schools["school_type"] == "kindergarten", "town"].dropna().unique().tolist())
        missing = sorted(kg_towns - set(population["town"].dropna().unique().tolist()))
        for town in missing:
            src = next(s for s in sub.sources if s.table == "population")
            out.add(E.make("population_missing", file=src.file, sheet=src.sheet, town=town))
    sub.problems = E.sort_problems(out.items)
    sub.problems_dropped = out.dropped
    return sub


def drop_unreported_milestones(raw: RawTable) -> int:
    """Take out the milestone rows that hold nothing but what the template pre-filled (编号, 项目名称):
    not reported, one info note with their count. A row with a note (or anything else) but no status
    stays, and is reported as missing its status."""
    if raw.data.empty:
        return 0
    lookup = header_lookup(TABLES["milestones"])
    filled_cols = [j for j, h in enumerate(raw.headers)
                   if lookup.get(normalize_header(h)) != "milestone_id" and normalize_header(h) not in
                   INFO_HEADERS["milestones"] and j in raw.data.columns]
    blank = np.ones(len(raw.data), dtype=bool)
    for j in filled_cols:
        blank &= (raw.data[j].astype(str).str.strip() == "").to_numpy()
    count = int(blank.sum())
    if count:
        first = int(np.asarray(raw.rows)[blank][0])
        raw.data = raw.data[~blank].reset_index(drop=True)
        raw.rows = np.asarray(raw.rows, dtype=np.int64)[~blank]
        raw.unreported += count
        raw.problems.append(E.make("milestones_not_reported", file=raw.file, sheet=raw.sheet, row=first,
                                   count=count))
    return count


def _move_to_rejected(sources: list[Source], file: str, sheet: Optional[str], table: str) -> None:
    for src in sources:
        if src.file == file and (src.sheet or "") == (sheet or "") and src.table == table:
            src.counts.accepted -= 1
            src.counts.rejected += 1
            return


def _cross_file_duplicates(table: str, frame: pd.DataFrame, out: _Collector,
                           sub: Submission) -> tuple[pd.DataFrame, list[tuple[str, Optional[str]]]]:
    """Report a key found in two tables — files, or sheets of one workbook — naming both places; keep the first.

    Returns the frame without the later copies and the (file, sheet) of each copy dropped.
    """
    spec = TABLES[table]
    key = frame[spec.key]
    dup = key.duplicated(keep=False) & key.notna()
    if not dup.any():
        return frame, []
    for k, group in frame[dup].groupby(spec.key, sort=True):
        if len(group[["_file", "_sheet"]].astype(str).drop_duplicates()) < 2:
            continue  # repeats inside one table were reported (and rejected) with that table
        first = group.iloc[0]
        where0 = _other_row(f"{first['_file']}" + (f"[{first['_sheet']}]" if first["_sheet"] else ""),
                            int(first["_row"]))
        for _, r in group.iloc[1:].iterrows():
            sheet = r["_sheet"] or None
            src = sub.source(str(r["_file"]), sheet, table)
            header, cell = src.locate(spec.key, int(r["_row"])) if src else (spec.column(spec.key).zh, None)
            out.add(E.make("duplicate_key", file=r["_file"], sheet=sheet, row=int(r["_row"]),
                           column=header, value=k, cell=cell, **where0))
    # keep the first occurrence only, so no school is counted twice
    keep = (~key.duplicated(keep="first") | key.isna()).to_numpy(dtype=bool)
    dropped = [(str(f), str(sh) or None) for f, sh in zip(frame["_file"][~keep], frame["_sheet"][~keep])]
    return frame[keep].reset_index(drop=True), dropped


# ------------------------------------------------------------------ from paths
def expand_paths(paths: dict[str, Optional[Path]]) -> list[tuple[str, Path]]:
    """(role, file) for every file to read: a folder gives each CSV/Excel file in it."""
    out: list[tuple[str, Path]] = []
    for role, path in paths.items():
        if path is None:
            continue
        out.extend((role, f) for f in (list_folder(path) if path.is_dir() else [path]))
    return out


def read_paths(paths: dict[str, Optional[Path]],
               progress: Optional[Callable[[int, int, Path], None]] = None) -> tuple[list[RawTable], list[Problem]]:
    """Read the files given for each role (``schools`` may also be a workbook or a folder).

    ``progress(done, total, file)`` is called after each file (the CLI drives a progress bar with it).
    """
    raws: list[RawTable] = []
    problems: list[Problem] = []
    seen: set[tuple[str, Optional[str]]] = set()
    folders = sorted({path for path in paths.values() if path is not None and path.is_dir()})
    for path in folders:
        problems.extend(E.make("file_skipped", file=str(f)) for f in skipped_in_folder(path))
        if not list_folder(path):
            problems.append(E.make("not_submission", file=str(path),
                                   detail_zh="文件夹中没有 CSV 或 Excel 文件", detail_en="no CSV or Excel files in the folder"))
    jobs = expand_paths(paths)
    for done, (role, f) in enumerate(jobs, start=1):
        try:
            tables = read_file(f, expect=role)
        except ReadError as exc:
            problems.extend(exc.problems)
            tables = None
        if tables == []:
            problems.append(E.make("not_submission", file=str(f)))
        for t in tables or []:
            if (t.file, t.sheet) not in seen:
                seen.add((t.file, t.sheet))
                raws.append(t)
        if progress is not None:
            progress(done, len(jobs), f)
    return raws, problems


def validate_paths(paths: dict[str, Optional[Path]], milestone_ids: Optional[set[str]] = None,
                   max_problems: int = DEFAULT_MAX_PROBLEMS,
                   progress: Optional[Callable[[int, int, Path], None]] = None) -> Submission:
    raws, problems = read_paths(paths, progress)
    return validate_tables(raws, milestone_ids, max_problems, problems)
