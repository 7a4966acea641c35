"""Raw tables -> typed DataFrames + a list of located problems.

The checks are vectorized over whole columns (pandas); per-row Python work is
done only for cells that fail, to write their messages. The rules come from the
pydantic models in :mod:`plancheck.check.schema` (through their column specs), and a
property test holds this module's verdict equal to validating row by row with
the models.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

import numpy as np
import pandas as pd

from .. import errors as E
from .columns import Distinct, Written, choice_dtype, one_array, parse_column, parse_written, string_series
from ..errors import Problem
from ..read.readers import RawTable, ReadError, column_letter, list_folder, read_file, skipped_in_folder
from .keys import key_series, repeats
from .rules import check_references, check_rules, default_covers, join_parents
from .schema import (CODE_BYTES, MAX_INT, PLACEHOLDERS, SCIENTIFIC_RE, ColumnSpec, TableSpec, clean_text,
                     is_placeholder, normalize_header, only_bytes)

if TYPE_CHECKING:  # pragma: no cover
    from ..plan.tables import Contract

SKIP_CODES = ("total_row_skipped", "footer_row_skipped", "header_row_skipped")
#: How many located problems are kept per run; beyond it they are only counted.
DEFAULT_MAX_PROBLEMS = 100_000



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

    def locate(self, column: str, row: int, default: Optional[str] = None) -> tuple[str, Optional[str]]:
        """(header as written, cell address) of a field in a spreadsheet row of this source; ``default``: the
        header to name when the column is not in the file (its declared Chinese header)."""
        from ..read.readers import column_letter

        header, idx = self.columns.get(column, (default or column, -1))
        if idx < 0 or not self.sheet:
            return header, None
        return header, f"{self.sheet}!{column_letter(idx + 1)}{row}"


class Submission:
    """Everything validation produced: typed tables of accepted rows, problems, row accounting.

    The problems are kept as found (:class:`errors.ProblemSet`: columns for a check that fires on many rows);
    ``problems`` is every one of them as a :class:`Problem`, in order, made on first use."""

    def __init__(self, tables: Optional[dict[str, pd.DataFrame]] = None, problems: Iterable[Problem] = (),
                 sources: Optional[list["Source"]] = None, problems_dropped: int = 0):
        self.tables: dict[str, pd.DataFrame] = {} if tables is None else tables
        self.found = E.ProblemSet([problems])
        self.sources: list[Source] = [] if sources is None else sources
        self.problems_dropped = problems_dropped  # problems counted but not kept (beyond the limit)

    @property
    def problems(self) -> list[Problem]:
        return self.found.list()

    @problems.setter
    def problems(self, problems: Iterable[Problem]) -> None:
        self.found = E.ProblemSet([problems])

    def source(self, file: str, sheet: Optional[str], table: str) -> Optional[Source]:
        return next((s for s in self.sources if s.file == file and (s.sheet or "") == (sheet or "")
                     and s.table == table), None)

    @property
    def errors(self) -> list[Problem]:
        return self.found.errors()

    @property
    def ok(self) -> bool:
        return not self.found.has_errors() and not self.problems_dropped

    def counts(self, table: Optional[str] = None) -> Counts:
        total = Counts()
        for s in self.sources:
            if table is None or s.table == table:
                total.add(s.counts)
        return total


def _numbered_params(params: dict, each) -> tuple[list[tuple], Optional[np.ndarray]]:
    """A call's message params as (distinct sorted param tuples, each row's index among them; None: one for
    all): ``params`` shared, ``each`` per row (a list of dicts, or (codes, distinct dicts)), a row's own winning."""
    if each is None:
        return [tuple(sorted(params.items()))], None
    if isinstance(each, tuple):
        codes, dicts = each
    else:
        seen: dict[int, int] = {}
        dicts = []
        for d in each:
            if id(d) not in seen:
                seen[id(d)] = len(dicts)
                dicts.append(d)
        codes = np.array([seen[id(d)] for d in each], dtype=np.int64)
    return [tuple(sorted({**params, **d}.items())) for d in dicts], np.asarray(codes, dtype=np.int64)


def _choices(spec: ColumnSpec) -> str:
    return spec.choices.describe() if spec.choices is not None else ""


def _other_row(where: str, row: int) -> dict[str, str]:
    """The place a duplicate repeats, in both languages (sub/a.xlsx[学校] 第 2 行 / row 2)."""
    return {"other_zh": f"{where} 第 {row} 行", "other_en": f"{where} row {row}"}


def _did_you_mean(header: str, spec: TableSpec) -> dict[str, str]:
    spellings = {}
    for c in spec.columns:
        for h in c.headers:
            spellings[normalize_header(h)] = c.zh
    close = difflib.get_close_matches(normalize_header(header), list(spellings), n=1, cutoff=0.5)
    if close:
        guess = spellings[close[0]]
        return {"hint_zh": f"（是否应为“{guess}”？）", "hint_en": f" (did you mean “{guess}”?)"}
    return {"hint_zh": "", "hint_en": ""}


_UNIT_RE = re.compile(r"^[+-]?[0-9][0-9,]*(\.[0-9]+)?\s*([^\s0-9.,]+)$")
_PLAIN_DECIMAL_RE = re.compile(r"^[+-]?[0-9]+\.[0-9]*[1-9][0-9]*$")


def _fix_hint(col: ColumnSpec, code: str, value: Any) -> dict[str, str]:
    """How to fix a cell its column refused: a number with a unit or sign (``96%``, ``2151人``: drop it), a
    fraction in a whole-number column, a choice close to one of the column's labels or spellings (did you mean)."""
    text = clean_text(value) if value is not None else None
    if text is None:
        return {}
    if code in ("not_integer", "not_number"):
        m = _UNIT_RE.match(text)
        if m:
            unit = m.group(2)
            return {"hint_zh": f"：去掉“{unit}”，只填数字", "hint_en": f": drop the “{unit}” and write the number only"}
        if code == "not_integer" and _PLAIN_DECIMAL_RE.match(text):
            return {"hint_zh": "：不能有小数", "hint_en": ": no fractions"}
        return {}
    if code == "not_in_choices" and col.choices is not None:
        lookup = col.choices.lookup
        close = difflib.get_close_matches(text.lower(), list(lookup), n=1, cutoff=0.6)
        if close:
            value = lookup[close[0]]
            return {"hint_zh": f"（是否应为“{col.choices.label(value, 'zh')}”？）",
                    "hint_en": f" (did you mean “{col.choices.label(value, 'en')}”?)"}
    return {}


def _expected(col: ColumnSpec) -> dict[str, str]:
    """What a blank required cell should hold (a ``required`` message's hint)."""
    if col.kind == "int":
        if col.ge is not None and col.ge > 0:
            return {"hint_zh": "：应填整数", "hint_en": ": expected a whole number"}
        return {"hint_zh": "：应填整数（没有就填 0）", "hint_en": ": expected a whole number (0 if there are none)"}
    if col.kind == "decimal":
        return {"hint_zh": "：应填数字", "hint_en": ": expected a number"}
    if col.kind == "bool":
        return {"hint_zh": "：应填 是 或 否", "hint_en": ": expected yes or no (是/否)"}
    if col.kind == "enum" and col.choices is not None:
        return {"hint_zh": f"：应填以下之一：{_choices(col)}", "hint_en": f": expected one of: {_choices(col)}"}
    if col.kind == "date":
        return {"hint_zh": "：应填日期（如 2022-09-01）", "hint_en": ": expected a date (e.g. 2022-09-01)"}
    return {}


def _placeholder_fix(col: ColumnSpec) -> dict[str, str]:
    """What to write instead of a “not applicable” mark in a column that applies to the row."""
    if col.kind in ("int", "decimal"):
        return {"fix_zh": "填 0 或实际数字", "fix_en": "write 0 or the real number"}
    if col.kind == "bool":
        return {"fix_zh": "填 是 或 否", "fix_en": "write yes or no (是/否)"}
    if col.kind == "enum" and col.choices is not None:
        return {"fix_zh": f"填以下之一：{_choices(col)}", "fix_en": f"write one of: {_choices(col)}"}
    return {"fix_zh": "填日期（如 2022-09-01）", "fix_en": "write a date (e.g. 2022-09-01)"}


_NOT_APOSTROPHE = bytes(b for b in range(256) if b != ord("'"))
_NO_EXPONENT = bytes(b for b in range(256) if b not in b"Ee")


def _key_cells(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """A key's text cells without a literal leading apostrophe (Excel's text mark typed in: '5203240001), and
    the cells in scientific notation (5.20324E+09: digits lost), in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(values.array, pd.arrays.ArrowStringArray) or not len(values):
        values = values.astype("string").str.replace(r"^'\s*", "", regex=True).replace("", pd.NA)
        return values, values.str.match(SCIENTIFIC_RE).fillna(False).to_numpy(dtype=bool)
    cells = values.array.__arrow_array__()
    if only_bytes(cells, CODE_BYTES):   # digits and - _ . / only (the usual codes): no ' and no exponent
        return values, np.zeros(len(values), dtype=bool)
    # (each question asked of the column's bytes first, in one pass: codes with letters hold no ' and no E)
    if not only_bytes(cells, _NOT_APOSTROPHE) and pc.any(pc.starts_with(cells, "'")).as_py():
        cells = pc.replace_substring_regex(cells, pattern=r"^'\s*", replacement="")
        cells = pc.if_else(pc.equal(cells, ""), pa.scalar(None, cells.type), cells)
        values = string_series(cells, values.index)
    if only_bytes(cells, _NO_EXPONENT):   # digits only, codes with - or letters but no E: no regex
        return values, np.zeros(len(values), dtype=bool)
    sci = one_array(pc.fill_null(pc.match_substring_regex(cells, SCIENTIFIC_RE), False))
    return values, sci.to_numpy(zero_copy_only=False)


# ------------------------------------------------------------------ one table
class _Collector:
    """The problems found, in the order found: single Problems and :class:`errors.ProblemColumns` (a check's
    problems at many rows); beyond ``limit`` problems they are only counted (``dropped``)."""

    def __init__(self, limit: int):
        self.parts: list = []      # lists of Problems and ProblemColumns
        self.count = 0
        self.limit = limit
        self.dropped = 0

    @property
    def items(self) -> list[Problem]:
        """Every problem kept, in the order found."""
        return [p for part in self.parts for p in part]

    def room(self) -> int:
        return max(0, self.limit - self.count)

    def add(self, p: Problem) -> None:
        if self.count >= self.limit:
            self.dropped += 1
            return
        if not self.parts or not isinstance(self.parts[-1], list):
            self.parts.append([])
        self.parts[-1].append(p)
        self.count += 1

    def extend(self, ps: Iterable[Problem]) -> None:
        for p in ps:
            self.add(p)

    def add_columns(self, found: E.ProblemColumns) -> None:
        """Problems as columns (no more than :meth:`room`: the caller counts the rest as dropped)."""
        if len(found):
            self.parts.append(found)
            self.count += len(found)


class _TableCheck:
    """The checks of one raw table, in order: headers, cells, applicability, column rules, the plan's row
    rules, duplicate keys, plausibility warnings, totals. Shares the state the steps need (the header of
    each field, the rows, the cells as written for messages, the rows found bad)."""

    def __init__(self, raw: RawTable, out: _Collector, contract: "Contract"):
        self.raw, self.out, self.contract = raw, out, contract
        self.spec: TableSpec = raw.spec
        self.n = len(raw.data)
        self.loc = dict(file=raw.file, sheet=raw.sheet)
        self.where: dict[str, int] = {}            # field -> index of its column in the file
        self.rows = np.asarray(raw.rows, dtype=np.int64)
        self.bad_row = np.zeros(self.n, dtype=bool)
        self.filled: dict[str, np.ndarray] = {}    # non-blank cells of each column read
        self.written: dict[int, Written] = {}      # column index -> its cells as written
        self.frame: Optional[pd.DataFrame] = None
        self.fatal = False
        #: text columns numbered by their distinct values, and columns as row expressions read them, shared by
        #: the steps (what a step changes is dropped: :meth:`changed`)
        self.distinct: dict = {}
        self.missing: set[str] = set()            # columns reported missing (their cells are not checked)
        self.placeholders: dict[str, np.ndarray] = {}   # column -> cells holding a “not applicable” mark
        # cells whose formula was never computed (read/ reported them): no other problem at those cells
        self.formulas = {(p.row, p.column) for p in raw.problems if p.code == "formula_not_computed"}

    # -- locating
    def cell_value(self, pos: int, idx: int) -> Any:
        return self.written[idx].at(pos) if idx in self.written else self.columns[idx].iat[pos]

    def header(self, name: str) -> str:
        idx = self.where.get(name)
        return self.raw.headers[idx] if idx is not None else self.spec.column(name).zh

    def problem(self, code: str, column: str, positions: np.ndarray, kind=None, each=None, **params) -> None:
        """One problem per row at ``positions``, at the cell of ``column``, kept as columns; ``each``: per-row
        params, a list of dicts or (codes, distinct dicts)."""
        idx = self.where.get(column)
        header = self.header(column)
        positions = np.asarray(positions, dtype=np.int64)
        merged, codes = _numbered_params(params, each)
        if self.formulas and idx is not None:
            keep = np.array([(int(self.rows[pos]), header) not in self.formulas for pos in positions.tolist()],
                            dtype=bool)
            positions = positions[keep]
            codes = codes[keep] if codes is not None else None
        shown = positions[:self.out.room()]
        self.out.dropped += len(positions) - len(shown)
        if not len(shown):
            return
        values, value_codes = self.written_values(idx, shown)
        letter = column_letter(idx + 1) if idx is not None and self.raw.sheet is not None else None
        self.out.add_columns(E.ProblemColumns(
            code, self.rows[shown], self.loc["file"], self.loc["sheet"], header, values, value_codes, merged,
            codes[:len(shown)] if codes is not None else None,
            f"{self.raw.sheet}!{letter}" if letter is not None else None, kind))

    def written_values(self, idx: Optional[int], positions: np.ndarray) -> tuple[list, Optional[np.ndarray]]:
        """The cells at ``positions`` of column ``idx`` as written: (their distinct texts, each cell's index)."""
        if idx is None:
            return [None], None
        written = self.written.get(idx)
        if written is not None and written.codes is not None:
            used, inverse = np.unique(written.codes[positions], return_inverse=True)
            texts = [None if c < 0 or written.uniques[c] is None else str(written.uniques[c]) for c in used.tolist()]
            return texts, inverse.reshape(-1)
        if written is not None and written.cells is not None:
            import pyarrow as pa

            cells = written.cells.take(pa.array(positions)).to_pylist()
        else:
            cells = [self.cell_value(pos, idx) for pos in positions.tolist()]
        memo: dict = {}
        numbers = [memo.setdefault(None if v is None else str(v), len(memo)) for v in cells]
        return list(memo), np.array(numbers, dtype=np.int64)

    def changed(self, column: str) -> None:
        """A column was changed: what the steps remembered of it goes."""
        self.distinct.pop(column, None)
        self.distinct.pop(("values", column), None)

    def numbered(self, column: str) -> Distinct:
        """A text column numbered by its distinct values, once for every step that reads it."""
        found = self.distinct.get(column)
        if found is None:
            found = self.distinct[column] = Distinct(self.frame[column])
        return found

    # -- the steps
    def map_headers(self) -> None:
        raw, spec, out = self.raw, self.spec, self.out
        lookup = raw.index.lookups[raw.table]
        info = raw.index.info[raw.table]
        for i, h in enumerate(raw.headers):
            key = normalize_header(h)
            if key in info:
                continue
            if not key:
                if self.n and (raw.data[i].str.strip() != "").any():
                    out.add(E.make("unknown_column", column=f"#{i + 1}", row=raw.header_row, hint_zh="（无表头）",
                                   hint_en=" (no header)", **self.loc))
                continue
            name = lookup.get(key)
            if name is None:
                out.add(E.make("unknown_column", column=h, row=raw.header_row, **_did_you_mean(h, spec), **self.loc))
            elif name in self.where:
                out.add(E.make("duplicate_header", column=h, row=raw.header_row, other=self.where[name] + 1, **self.loc))
                self.fatal = True
            else:
                self.where[name] = i

    def parse_cells(self) -> dict[str, pd.Series]:
        """Every column the file has, parsed (the type column first: applicability needs it); each raw
        column is let go once parsed (its messages then read ``written``)."""
        raw, spec = self.raw, self.spec
        # taken out of the frame first, as deleting columns from a frame one by one rebuilds it every time
        self.columns = {j: raw.data[j] for j in raw.data.columns}
        raw.data = raw.data.iloc[:, :0]         # columns not read (unknown, info) go too; the row count stays
        order = [c for c in spec.columns if c.name in self.where]
        order.sort(key=lambda c: c.name != spec.type_column)
        typed: dict[str, pd.Series] = {}
        for col in order:
            idx = self.where[col.name]
            values, bad, code, large, blank, self.written[idx] = parse_written(self.columns.pop(idx), col)
            bad = bad.to_numpy()
            if col.kind == "text" and col.name in spec.key:   # a code: no leading ', no 5.20324E+09
                values, bad = _key_cells(values)
                code = "key_scientific_notation"
                blank = values.isna()
            self.filled[col.name] = ~blank.to_numpy()
            if bad.any() and col.kind != "text":   # “not applicable” marks: judged once the row's type is known
                held = self.written[idx].matching(is_placeholder)
                if held is not None and held.any():
                    self.placeholders[col.name] = held & bad
                    bad = bad & ~held
            if bad.any():
                pos = np.flatnonzero(bad)
                extra = {"choices": _choices(col)} if code == "not_in_choices" else {}
                if code == "key_scientific_notation":
                    extra = {"name_zh": col.zh, "name_en": col.en or col.name}
                hints = None
                if code in ("not_integer", "not_number", "not_in_choices"):   # how to fix each distinct cell
                    texts, numbers = self.written_values(idx, pos)
                    hints = (numbers, [_fix_hint(col, code, t) for t in texts])
                self.problem(code, col.name, pos, each=hints, **extra)
                self.bad_row |= bad
            if large.any():
                self.problem("too_large", col.name, np.flatnonzero(large.to_numpy()),
                             detail_zh=f"数值过大（上限 {MAX_INT}）", detail_en=f"number too large (limit {MAX_INT})")
                self.bad_row |= large.to_numpy()
            typed[col.name] = values
        self.columns.clear()
        return typed

    def missing_columns(self, typed: dict[str, pd.Series]) -> None:
        """A column the file lacks is an error when some row needs it: required, or applying to a row's type
        (unless its declared default covers every such row)."""
        raw, spec = self.raw, self.spec
        index = raw.data.index
        stype = typed.get(spec.type_column) if spec.type_column else None
        known = pd.DataFrame(typed, copy=False)
        for col in spec.columns:
            if col.name in self.where:
                continue
            needed = col.required
            if not needed and col.applies_to is not None and stype is not None:
                rows = stype.isin(col.applies_to).fillna(False).to_numpy(dtype=bool, copy=True)
                if col.default is not None:
                    rows &= ~default_covers(known, col)
                    rows &= _known_rows(known, col.default_where)
                needed = bool(rows.any())
            if needed:
                self.out.add(E.make("missing_column", row=raw.header_row, zh=col.zh, en=col.name, **self.loc,
                                    **self.headers_found()))
                self.fatal = True
                self.missing.add(col.name)
            typed[col.name] = pd.Series(pd.NA, index=index, dtype=_dtype(col))

    def headers_found(self) -> dict[str, str]:
        """Where a missing column was looked for: the header row of the file (and sheet) and what it holds."""
        raw = self.raw
        found = [h for h in raw.headers if str(h).strip()]
        shown = "、".join(found[:12]) + ("…" if len(found) > 12 else "")
        shown_en = ", ".join(found[:12]) + (", …" if len(found) > 12 else "")
        return {"hint_zh": f"：{_where(raw)} 第 {raw.header_row} 行的表头中没有此列（找到的表头：{shown or '无'}）",
                "hint_en": f": not among the headers of {_where(raw)} row {raw.header_row} "
                           f"(headers found: {shown_en or 'none'})"}

    def applicability(self) -> None:
        """A value in a column that does not apply to the row's type is a warning and not counted; a blank in
        one that applies is an error, unless the column's default covers the row."""
        frame, spec = self.frame, self.spec
        types = self.numbered(spec.type_column) if spec.type_column else None
        if types is None:
            return
        known = types.known()
        labels = self.contract.tables[self.raw.table].column(spec.type_column).choices
        for col in spec.columns:
            if col.applies_to is None:
                continue
            applicable = types.isin(col.applies_to)
            value = frame[col.name]
            present = value.notna().to_numpy(dtype=bool)
            stray = known & ~applicable & present
            if stray.any():   # a “not applicable” mark (无 is also “no”) where the column does not apply: silent
                if col.kind == "text":
                    stray &= ~value.str.lower().isin(PLACEHOLDERS).fillna(False).to_numpy(dtype=bool)
                elif col.name in self.where and self.where[col.name] in self.written:
                    marks = self.written[self.where[col.name]].matching(is_placeholder)
                    if marks is not None:
                        stray &= ~marks
            if stray.any():
                pos = np.flatnonzero(stray)
                if col.name in self.where:
                    # each row's type named once per distinct type, not read row by row
                    named = [{"school_type_zh": labels.label(v, "zh") if labels else v,
                              "school_type_en": labels.label(v, "en") if labels else v} for v in types.values]
                    self.problem("not_applicable", col.name, pos, each=(types.codes[pos], named))
                _set_where(frame, col.name, stray, pd.NA)
                self.changed(col.name)
            missing = known & applicable & ~present
            covered = missing & default_covers(frame, col, self.distinct)
            if covered.any():
                _set_where(frame, col.name, covered, col.default)
                self.changed(col.name)
                missing &= ~covered
            # a cell holding something unparseable is already reported: not also 'required'
            missing &= ~self.filled.get(col.name, np.zeros(self.n, dtype=bool))
            if missing.any() and col.name not in self.missing:   # (a missing column is reported once)
                self.problem("required", col.name, np.flatnonzero(missing), **_expected(col))
                self.bad_row |= missing

    def column_rules(self) -> None:
        """Required cells, bounds, and a column that may not exceed another (流失 ≤ 学年初在籍)."""
        frame, spec = self.frame, self.spec
        for col in spec.columns:
            if col.name not in self.where:
                continue
            value = frame[col.name]
            if col.required:
                missing = value.isna().to_numpy() & ~self.filled[col.name]
                if missing.any():
                    self.problem("required", col.name, np.flatnonzero(missing), **_expected(col))
                    self.bad_row |= missing
            if col.kind in ("int", "decimal") and col.ge is not None:
                low = (value < col.ge).fillna(False).to_numpy(dtype=bool)
                if low.any():
                    self.problem("below_minimum", col.name, np.flatnonzero(low), minimum=col.ge)
                    self.bad_row |= low
            if col.kind in ("int", "decimal") and col.le is not None:
                high = (value > col.le).fillna(False).to_numpy(dtype=bool)
                if high.any():
                    self.problem("above_maximum", col.name, np.flatnonzero(high), maximum=col.le)
                    self.bad_row |= high
            if col.le_column and col.le_column in frame:
                other = frame[col.le_column]
                floor = spec.column(col.le_column).ge
                # a limit that is itself invalid (e.g. 班级数 -3) is reported there, not again here
                valid_limit = other >= floor if floor is not None else other.notna()
                over = ((value > other) & valid_limit).fillna(False).to_numpy(dtype=bool)
                if over.any():
                    oname = self.header(col.le_column)
                    for p in np.flatnonzero(over):
                        self.problem("exceeds_column", col.name, np.array([p]), other=oname,
                                     other_value=_number(other.iat[p]))
                    self.bad_row |= over

    def placeholder_cells(self) -> None:
        """A “not applicable” mark (/, 无, 不适用…) is a blank where its column does not apply to the row's
        type, and an error, saying what to write, where it applies (or the row's type is not known)."""
        spec = self.spec
        if not self.placeholders or spec.type_column in self.missing:   # (no type: nothing can be judged)
            return
        types = self.numbered(spec.type_column) if spec.type_column else None
        for name, held in self.placeholders.items():
            col = spec.column(name)
            wrong = held
            if col.applies_to is not None and types is not None:
                wrong = held & ~(types.known() & ~types.isin(col.applies_to))
            if wrong.any():
                self.problem("placeholder_in_applicable", name, np.flatnonzero(wrong), **_placeholder_fix(col))
                self.bad_row |= wrong

    def plan_rules(self, severity: str) -> None:
        """The plan's row rules of one severity: errors on every row, warnings on the rows accepted so far."""
        rules = [r for r in self.contract.rules if r.table == self.raw.table and r.severity == severity]
        if self.missing:   # a table rejected for a missing column: its rules that read the column are not run
            rules = [r for r in rules if not self.missing & {r.column, *r.when.columns, *(c for c, _ in r.where),
                                                             *(c for _, e in r.params for c in e.columns)}]
        candidates = None if severity == E.ERROR else ~self.bad_row
        for rule, hits, params in check_rules(self.frame, rules, candidates, self.distinct):
            self.problem(rule.code, rule.column, hits, kind=rule.kind, each=params)
            if severity == E.ERROR:
                self.bad_row[hits] = True

    def milestone_ids(self, ids: Optional[set[str]]) -> None:
        ms = self.contract.milestones
        if ms is None or ids is None or self.raw.table != ms.table or ms.id_column not in self.where:
            return
        values = self.frame[ms.id_column]
        unknown = (values.notna() & ~values.isin(list(ids))).to_numpy(dtype=bool)
        for p in np.flatnonzero(unknown):
            close = difflib.get_close_matches(str(values.iat[p]), sorted(ids), n=1, cutoff=0.6)
            self.problem("unknown_milestone", ms.id_column, np.array([p]),
                         hint_zh=f"（是否应为“{close[0]}”？）" if close else "",
                         hint_en=f" (did you mean “{close[0]}”?)" if close else "")
        self.bad_row |= unknown

    def duplicate_keys(self) -> None:
        spec = self.spec
        if not spec.key or any(k not in self.where for k in spec.key):
            return
        key = key_series(self.frame, spec.key)
        dup = repeats(key)
        if dup.any():
            first = {}
            for p, k in enumerate(key):
                if k is not pd.NA and k not in first:
                    first[k] = p
            for p in np.flatnonzero(dup):
                fp = first[key.iat[p]]
                self.problem("duplicate_key", spec.key[-1], np.array([p]), **_other_row(_where(self.raw), int(self.rows[fp])))
            self.bad_row |= dup


def _set_where(frame: pd.DataFrame, column: str, rows: np.ndarray, value: Any) -> None:
    """``value`` (pd.NA: blank) into ``column`` on ``rows`` (a mask). A number or yes/no column, made by the
    parse and held by this frame alone, is changed in place (copying a million-row column for a few thousand
    cells took ~3 ms a column); any other column is given a new array."""
    cells = frame[column].array
    if isinstance(cells, (pd.arrays.IntegerArray, pd.arrays.BooleanArray, pd.arrays.FloatingArray)):
        cells[rows] = value
    elif value is pd.NA:
        frame[column] = frame[column].mask(pd.Series(rows, index=frame.index, copy=False))
    else:
        frame.loc[rows, column] = value


def _known_rows(frame: pd.DataFrame, where) -> np.ndarray:
    out = np.ones(len(frame), dtype=bool)
    for column, _ in where or ():
        if column in frame:
            out &= frame[column].notna().to_numpy(dtype=bool)
        else:
            out &= False
    return out


def _number(v: Any) -> Any:
    return int(v) if float(v).is_integer() else float(v)


def validate_table(raw: RawTable, out: _Collector, contract: "Contract", milestone_ids: Optional[set[str]] = None,
                   empty_ok: bool = False) -> tuple[pd.DataFrame, Counts]:
    """Validate one raw table; returns the typed frame of accepted rows and its row accounting.

    ``empty_ok``: a header-only table is “not submitted” (an info note), not an error: a sheet of a
    workbook whose other sheets hold data.
    """
    n = len(raw.data)
    skipped = sum(1 for p in raw.problems if p.code in SKIP_CODES)
    counts = Counts(read=raw.rows_read or n + skipped + raw.unreported, skipped=skipped + raw.unreported)
    out.extend(raw.problems)
    counts.rejected += sum(1 for p in raw.problems if p.code == "bad_csv" and p.row is not None)
    if raw.index is None:   # a table built by hand (a library caller, a test): the plan's headers
        from ..read.headers import index_for

        raw.index = index_for(contract.tables)
    check = _TableCheck(raw, out, contract)
    check.map_headers()
    typed = check.parse_cells()
    check.missing_columns(typed)
    frame = check.frame = pd.DataFrame(typed, copy=False)
    del typed
    not_reported = any(p.code == "milestones_not_reported" for p in raw.problems)
    if n == 0 and not check.fatal and not (empty_ok and not_reported):  # that note already says it is unfilled
        out.add(E.make("sheet_not_submitted" if empty_ok else "no_data_rows", row=raw.header_row, **check.loc))
    # a table with a missing (or repeated) header is rejected whole, but the columns it has are checked all
    # the same: every problem of the sheet in one run, not one more after each fix
    check.applicability()
    check.column_rules()
    check.placeholder_cells()
    check.plan_rules(E.ERROR)
    check.milestone_ids(milestone_ids)
    check.duplicate_keys()
    if check.fatal:
        counts.rejected += n
        return frame.iloc[0:0], counts
    check.plan_rules(E.WARNING)
    _check_totals(raw, check.where, check.spec, frame, check.bad_row, out)
    frame["_file"] = _constant(raw.file, frame.index)
    frame["_sheet"] = _constant(raw.sheet if raw.sheet is not None else "", frame.index)
    frame["_row"] = check.rows
    accepted = _keep_rows(frame, ~check.bad_row)
    counts.accepted = len(accepted)
    counts.rejected += int(check.bad_row.sum())
    return accepted, counts


def _keep_rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The rows of ``frame`` to keep, without a copy when every row is kept, else column by column (each
    column of ``frame`` is let go once filtered, so the whole table is never held twice)."""
    if keep.all():
        return frame
    rows = np.flatnonzero(keep)   # found once; each numpy-backed column takes them (a mask each: ~2x the time)
    out = {}
    for name in list(frame.columns):
        cells = frame.pop(name).array
        # Arrow text is filtered by the mask: its take joins the column's chunks first (a copy of the column)
        out[name] = pd.Series(cells[keep] if isinstance(cells, pd.arrays.ArrowStringArray) else cells.take(rows),
                              copy=False)
    return pd.DataFrame(out, copy=False)


def _constant(text: str, index: pd.Index) -> pd.Series:
    """The same text on every row (the file and sheet of a table's rows), one byte a row."""
    return pd.Series(pd.Categorical.from_codes(np.zeros(len(index), dtype=np.int8), categories=[text]), index=index,
                     copy=False)


def column_map(raw: RawTable) -> dict[str, tuple[str, int]]:
    """field name -> (header as written, column index), first occurrence of each."""
    if raw.index is None:
        return {}
    return {name: (raw.headers[i], i) for name, i in raw.index.field_columns(raw.headers, raw.table).items()}


def _where(raw: RawTable) -> str:
    return f"{raw.file}[{raw.sheet}]" if raw.sheet else raw.file


def _dtype(col: ColumnSpec) -> Any:
    """The dtype of a typed column (as the parse makes it: a choice column is a Categorical of its choices)."""
    if col.kind == "enum" and col.choices is not None:
        return choice_dtype(col)
    return {"int": "Int64", "bool": "boolean", "decimal": "Float64"}.get(col.kind, "string")


def _check_totals(raw: RawTable, where, spec: TableSpec, frame: pd.DataFrame, bad_row, out: _Collector) -> None:
    """A 合计 row must equal the sum of the data rows it covers; every column that does not add up is reported.

    小计 covers the rows since the previous 小计 (or the start); 合计/总计 covers every row
    above it, or, when it stands above all data (a total right under the header), every row below.
    """
    if not raw.total_rows:
        return
    int_cols = [c for c in spec.columns if c.kind == "int" and c.name in where]  # (decimals: rounding differs)
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
def _typed_empty(spec: TableSpec) -> pd.DataFrame:
    frame = pd.DataFrame({c.name: pd.Series([], dtype=_dtype(c)) for c in spec.columns})
    frame["_file"] = pd.Series([], dtype="string")
    frame["_sheet"] = pd.Series([], dtype="string")
    frame["_row"] = pd.Series([], dtype="int64")
    return frame


def validate_tables(raws: Iterable[RawTable], contract: "Contract", milestone_ids: Optional[set[str]] = None,
                    max_problems: int = DEFAULT_MAX_PROBLEMS,
                    read_problems: Iterable[Problem] = ()) -> Submission:
    """Validate raw tables (any number per table, e.g. one per school file) and merge them."""
    out = _Collector(max_problems)
    out.extend(read_problems)
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in contract.tables}
    sub = Submission()
    raws = list(raws)
    for raw in raws:
        if contract.milestones is not None and raw.table == contract.milestones.table:
            drop_unreported_milestones(raw, contract)
    known_files = {raw.file for raw in raws if raw.table is not None}
    files_with_data = {raw.file for raw in raws if raw.table is not None and len(raw.data)}
    unknown_files: set[str] = set()
    for raw in raws:
        if raw.table is None:
            if raw.file in known_files:
                out.add(E.make("sheet_skipped", file=raw.file, sheet=raw.sheet))
            elif raw.file not in unknown_files:
                unknown_files.add(raw.file)
                out.add(not_submission(raw.file, contract))
            continue
        empty_ok = raw.sheet is not None and raw.file in files_with_data
        frame, counts = validate_table(raw, out, contract, milestone_ids, empty_ok)
        parts[raw.table].append(frame)
        sub.sources.append(Source(raw.file, raw.sheet, raw.table, counts, raw.encoding, column_map(raw)))
    for name, frames in parts.items():
        frames = [f for f in frames if len(f)]
        if len(frames) == 1:
            sub.tables[name] = frames[0]     # one table read: no copy
        else:
            sub.tables[name] = pd.concat(frames, ignore_index=True) if frames else _typed_empty(contract.tables[name])
        parts[name].clear()
        if len(frames) > 1:
            sub.tables[name], dropped = _cross_file_duplicates(contract.tables[name], sub.tables[name], out, sub)
            for file, sheet in dropped:
                _move_to_rejected(sub.sources, file, sheet, name)
    _across_tables(sub, contract, out)
    sub.found = E.ProblemSet.sorted(out.parts)
    sub.problems_dropped = out.dropped
    return sub


def _across_tables(sub: Submission, contract: "Contract", out: _Collector) -> None:
    """The plan's references between tables (checked when the referenced table was given: one school's
    own file needs no county population), then each table's parent columns joined in."""
    given = {s.table for s in sub.sources if s.counts.read or s.counts.accepted}
    reported: set[tuple[str, str]] = set()
    for ref, value in check_references(sub.tables, contract, given):
        reported.add((ref.table, value))
        frame = sub.tables[ref.table]
        rows = np.flatnonzero((frame[ref.column] == value).fillna(False).to_numpy(dtype=bool))
        guess = _closest(str(value), sub.tables[ref.to_table][ref.to_column].dropna().unique().tolist())
        hint = dict(hint_zh=f"（是否应为“{guess}”？）" if guess else "", hint_en=f" (did you mean “{guess}”?)" if guess else "")
        for pos in rows:
            r = frame.iloc[pos]
            sheet = r["_sheet"] or None
            src = sub.source(str(r["_file"]), sheet, ref.table)
            default = contract.tables[ref.table].column(ref.column).zh
            header, cell = src.locate(ref.column, int(r["_row"]), default) if src else (default, None)
            out.add(E.declared(ref.kind, file=str(r["_file"]), sheet=sheet, row=int(r["_row"]), column=header,
                               cell=cell, value=value, **hint))
    _unknown_places(sub, contract, out, given, reported)
    for name, orphans in join_parents(sub.tables, contract):
        if orphans.any():
            frame = sub.tables[name]
            column = contract.tables[name].parent[1]
            ptable = contract.tables[contract.tables[name].parent[0]]
            for pos in np.flatnonzero(orphans):
                r = frame.iloc[pos]
                sheet = r["_sheet"] or None
                src = sub.source(str(r["_file"]), sheet, name)
                default = contract.tables[name].column(column).zh
                header, cell = src.locate(column, int(r["_row"]), default) if src else (default, None)
                out.add(E.make("unknown_parent", file=str(r["_file"]), sheet=sheet, row=int(r["_row"]), column=header,
                               cell=cell, value=r[column], table_zh=ptable.zh, table_en=ptable.en or ptable.name))


#: Beyond these many places (or places seen once) a table's place column is not a list of towns: not compared.
_MAX_PLACES, _MAX_LONE_PLACES = 2000, 100


def _unknown_places(sub: Submission, contract: "Contract", out: _Collector, given: set[str],
                    reported: set[tuple[str, str]]) -> None:
    """A place (a town) written on one row only, of any table's declared ``place`` column, and not among the
    values of a table it references (a typo: every other row and the referenced table spell it another way): a
    warning at its cell, with the closest place of the submission. Nothing is compared when the
    submission holds no other place (one school's own file); a place with no close match is warned about only
    when a referenced table was given and lacks it (it may be a real town with one school)."""
    columns = [(name, spec.place) for name, spec in contract.tables.items()
               if spec.place and name in sub.tables and spec.place in sub.tables[name] and len(sub.tables[name])]
    if not columns:
        return
    per_table = []
    for name, column in sorted(columns, key=lambda nc: len(sub.tables[nc[0]])):   # the smallest table first
        vc = sub.tables[name][column].value_counts(dropna=True)
        if len(vc) > _MAX_PLACES:
            return     # not a list of towns: the larger tables are not counted at all
        per_table.append(vc)
    counts: Optional[pd.Series] = None
    for vc in per_table:
        counts = vc if counts is None else counts.add(vc, fill_value=0)
    if counts is None or len(counts) < 2 or len(counts) > _MAX_PLACES:
        return
    listed: set = set()       # the values of the referenced tables given (a list of the towns)
    lists: set[str] = set()
    for ref in contract.references:
        if (ref.table, ref.column) in columns and ref.to_table in given and ref.to_table in sub.tables:
            listed.update(sub.tables[ref.to_table][ref.to_column].dropna().unique().tolist())
            lists.add(ref.to_table)
    lone = [str(v) for v, c in counts.items() if c == 1 and v not in listed]
    if not lone or len(lone) > _MAX_LONE_PLACES:
        return
    known = [str(v) for v in counts.index]
    for name, column in columns:
        if name in lists:
            continue     # a row of the list itself (a town with no school yet) is not a typo of it
        frame = sub.tables[name]
        here = frame[column]
        for value in lone:
            if (name, value) in reported:
                continue     # the reference's own problem already points at it
            rows = np.flatnonzero((here == value).fillna(False).to_numpy(dtype=bool))
            if not len(rows):
                continue
            guess = _closest(value, [k for k in known if k != value])
            if guess is None and not lists:
                continue
            titles = [contract.tables[t] for t in sorted(lists)]
            hint_zh = "、".join(f"{t.zh}表" for t in titles)
            hint_en = ", ".join(f"the {t.en or t.name} table" for t in titles)
            hint = dict(hint_zh=(f"，也不在{hint_zh}中" if titles else "") + (f"（是否应为“{guess}”？）" if guess else ""),
                        hint_en=(f"; not in {hint_en} either" if titles else "") +
                                (f" (did you mean “{guess}”?)" if guess else ""))
            r = frame.iloc[rows[0]]
            sheet = r["_sheet"] or None
            src = sub.source(str(r["_file"]), sheet, name)
            default = contract.tables[name].column(column).zh
            header, cell = src.locate(column, int(r["_row"]), default) if src else (default, None)
            out.add(E.make("unknown_place", file=str(r["_file"]), sheet=sheet, row=int(r["_row"]), column=header,
                           cell=cell, value=value, **hint))


def _closest(word: str, choices: list) -> Optional[str]:
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.5)
    return close[0] if close else None


def not_submission(file: str, contract: "Contract", **kw: Any) -> Problem:
    names = list(contract.tables.values())
    return E.make("not_submission", file=file, tables_zh="、".join(t.zh for t in names),
                  tables_en=", ".join(t.en or t.name for t in names), **kw)


def drop_unreported_milestones(raw: RawTable, contract: "Contract") -> int:
    """Take out the milestone rows that hold nothing but what the template pre-filled (编号, 项目名称):
    not reported, one info note with their count. A row with a note (or anything else) but no status
    stays, and is reported as missing its status."""
    if raw.data.empty:
        return 0
    if raw.index is None:   # a table built by hand (a library caller, a test): the plan's headers
        from ..read.headers import index_for

        raw.index = index_for(contract.tables)
    lookup = raw.index.lookups[raw.table]
    info = raw.index.info[raw.table]
    id_column = contract.milestones.id_column
    filled_cols = [j for j, h in enumerate(raw.headers)
                   if lookup.get(normalize_header(h)) != id_column and normalize_header(h) not in info
                   and j in raw.data.columns]
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


def _cross_file_duplicates(spec: TableSpec, frame: pd.DataFrame, out: _Collector,
                           sub: Submission) -> tuple[pd.DataFrame, list[tuple[str, Optional[str]]]]:
    """Report a key found in two tables — files, or sheets of one workbook — naming both places; keep the first.

    Returns the frame without the later copies and the (file, sheet) of each copy dropped.
    """
    table = spec.name
    key = key_series(frame, spec.key)
    dup = key.duplicated(keep=False) & key.notna()
    if not dup.any():
        return frame, []
    for k, group in frame[dup.to_numpy(dtype=bool)].groupby(key[dup].to_numpy(), sort=True):
        if len(group[["_file", "_sheet"]].astype(str).drop_duplicates()) < 2:
            continue  # repeats inside one table were reported (and rejected) with that table
        first = group.iloc[0]
        where0 = _other_row(f"{first['_file']}" + (f"[{first['_sheet']}]" if first["_sheet"] else ""),
                            int(first["_row"]))
        for _, r in group.iloc[1:].iterrows():
            sheet = r["_sheet"] or None
            src = sub.source(str(r["_file"]), sheet, table)
            last = spec.key[-1]
            header, cell = src.locate(last, int(r["_row"]), spec.column(last).zh) if src else (spec.column(last).zh, None)
            out.add(E.make("duplicate_key", file=r["_file"], sheet=sheet, row=int(r["_row"]),
                           column=header, value=str(k).replace("\x1f", " / "), cell=cell, **where0))
    # keep the first occurrence only, so no school is counted twice
    keep = (~key.duplicated(keep="first") | key.isna()).to_numpy(dtype=bool)
    dropped = [(str(f), str(sh) or None) for f, sh in zip(frame["_file"][~keep], frame["_sheet"][~keep])]
    return frame[keep].reset_index(drop=True), dropped


# ------------------------------------------------------------------ from paths
Paths = list[tuple[Optional[str], Path]]   # (the table a file is said to hold, or None: its header decides; path)


def _pairs(paths) -> Paths:
    """``paths`` as (role, path) pairs: a list of pairs, or a mapping table -> path (None: not given)."""
    if isinstance(paths, dict):
        return [(role, path) for role, path in paths.items() if path is not None]
    return list(paths)


def expand_paths(paths: Paths) -> Paths:
    """(role, file) for every file to read: a folder gives each CSV/Excel file in it."""
    out: Paths = []
    for role, path in _pairs(paths):
        out.extend((role, f) for f in (list_folder(path) if path.is_dir() else [path]))
    return out


def read_paths(paths: Paths, contract: "Contract",
               progress: Optional[Callable[[int, int, Path], None]] = None) -> tuple[list[RawTable], list[Problem]]:
    """Read the files given (each a CSV, a workbook or a folder), finding the plan's tables in them.

    ``progress(done, total, file)`` is called after each file (the CLI drives a progress bar with it).
    """
    raws: list[RawTable] = []
    problems: list[Problem] = []
    seen: set[tuple[str, Optional[str]]] = set()
    paths = _pairs(paths)
    folders = sorted({path for _, path in paths if path.is_dir()})
    for path in folders:
        problems.extend(E.make("file_skipped", file=str(f)) for f in skipped_in_folder(path))
        if not list_folder(path):
            problems.append(not_submission(str(path), contract, detail_zh="文件夹中没有 CSV 或 Excel 文件",
                                           detail_en="no CSV or Excel files in the folder"))
    jobs = expand_paths(paths)
    for done, (role, f) in enumerate(jobs, start=1):
        try:
            tables = read_file(f, contract.tables, expect=role)
        except ReadError as exc:
            problems.extend(exc.problems)
            tables = None
        if tables == []:
            problems.append(not_submission(str(f), contract))
        for t in tables or []:
            if (t.file, t.sheet) not in seen:
                seen.add((t.file, t.sheet))
                raws.append(t)
        if progress is not None:
            progress(done, len(jobs), f)
    return raws, problems


def validate_paths(paths: Paths, contract: "Contract", milestone_ids: Optional[set[str]] = None,
                   max_problems: int = DEFAULT_MAX_PROBLEMS,
                   progress: Optional[Callable[[int, int, Path], None]] = None) -> Submission:
    raws, problems = read_paths(paths, contract, progress)
    return validate_tables(raws, contract, milestone_ids, max_problems, problems)
