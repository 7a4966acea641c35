"""Problems as values: stable codes with a title and a message template (zh and en).

A :class:`Problem` names where (file, sheet, spreadsheet row, column as written,
cell address), what (the value) and why (the code and its message). Problems sort
by place, compare equal by value, and tests assert them compactly as
``[(row, column, code), ...]``.

A check that fires on many rows (45,000 values where a column does not apply) keeps its problems as
columns (:class:`ProblemColumns`), and a run's problems are a :class:`ProblemSet`: counted, sorted and
written (JSON, ``--errors-out``, annotations) from the columns, each made a :class:`Problem` only when
a reader asks for the objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Optional, Sequence, Union

ERROR, WARNING, INFO = "error", "warning", "info"


class _Typed:
    """The type of a problem (or of a column of problems) with a ``code`` and, for a code the plan file
    declares, its own ``kind``."""

    __slots__ = ()
    code: str
    kind: Optional[ProblemType]

    @property
    def ptype(self) -> ProblemType:
        return self.kind or CATALOGUE[self.code]

    @property
    def severity(self) -> str:
        return self.ptype.severity


@dataclass(frozen=True)
class ProblemType:
    code: str
    severity: str
    title_zh: str
    title_en: str
    template_zh: str
    template_en: str


def _t(code: str, severity: str, title_zh: str, title_en: str, zh: str, en: str) -> ProblemType:
    return ProblemType(code, severity, title_zh, title_en, zh, en)


#: The catalogue. Codes are stable: scripts, CI and tests rely on them.
CATALOGUE: dict[str, ProblemType] = {t.code: t for t in [
    # -- files
    _t("file_not_found", ERROR, "文件不存在", "File not found", "找不到文件", "no such file"),
    _t("file_unreadable", ERROR, "文件无法读取", "File cannot be read", "无法读取：{detail_zh}", "cannot be read: {detail_en}"),
    _t("unknown_format", ERROR, "文件格式不支持", "Unsupported file format",
       "不是 CSV 或 Excel 文件：{detail_zh}", "not a CSV or Excel file: {detail_en}"),
    _t("empty_file", ERROR, "空文件", "Empty file", "文件没有内容", "the file is empty"),
    _t("encoding_error", ERROR, "文件编码无法识别", "Unknown text encoding",
       "第 {offset} 字节处无法解码（已尝试 {tried}）", "cannot decode the byte at offset {offset} (tried {tried})"),
    _t("bad_csv", ERROR, "CSV 格式错误", "Malformed CSV", "{detail_zh}", "{detail_en}"),
    _t("too_large", ERROR, "超出范围", "Too large", "{detail_zh}", "{detail_en}"),
    _t("no_header", ERROR, "找不到表头", "No header row",
       "前 {scanned} 行中没有可识别的表头（例如“{example_zh}”）",
       "no recognisable header row in the first {scanned} rows (e.g. {example_zh} / {example_en})"),
    _t("no_data_rows", ERROR, "没有数据行", "No data rows", "表头下面没有数据", "there are no data rows under the header"),
    _t("duplicate_header", ERROR, "表头重复", "Duplicate header",
       "“{column}”与第 {other} 列表示同一项", "“{column}” means the same as column {other}"),
    _t("missing_column", ERROR, "缺少列", "Missing column",
       "缺少必填列“{zh}”（{en}）{hint_zh}", "required column “{zh}” ({en}) is missing{hint_en}"),
    _t("unknown_column", WARNING, "无法识别的列", "Unknown column",
       "无法识别的列，已忽略{hint_zh}", "column not recognised, ignored{hint_en}"),
    _t("sheet_missing", ERROR, "找不到工作表", "Sheet not found", "{detail_zh}", "{detail_en}"),
    _t("not_submission", ERROR, "不是报送表", "Not a submission",
       "没有找到计划中的任何一张表（{tables_zh}）", "none of the plan's tables found ({tables_en})"),
    _t("sheet_skipped", INFO, "工作表已跳过", "Sheet skipped",
       "此工作表没有计划中任何一张表的表头，未读取", "no header of the plan's tables on this sheet; not read"),
    _t("workbook_renamed", INFO, "扩展名与内容不符", "Workbook misnamed",
       "文件名是 {suffix}，内容却是 {real} 工作簿；已按 {real} 读取，建议改名",
       "named {suffix} but the content is a {real} workbook; read as {real} (rename it)"),
    _t("sheet_not_submitted", INFO, "工作表未填写", "Sheet not filled in",
       "此表只有表头，视为未报送", "only the header is filled in: this table is taken as not submitted"),
    _t("milestones_not_reported", INFO, "项目未填报", "Milestones not reported",
       "{count} 个预填项目未填写进展状态，视为未报告", "{count} pre-filled milestones have no status and are taken as not reported"),
    _t("file_skipped", INFO, "文件已跳过", "File skipped",
       "不是 CSV 或 Excel 文件，未读取", "not a CSV or Excel file; not read"),
    _t("table_missing", WARNING, "缺少数据表", "Table not supplied", "{detail_zh}", "{detail_en}"),
    # -- cells
    _t("required", ERROR, "必填项为空", "Required value missing", "此项必填{hint_zh}", "a value is required{hint_en}"),
    _t("not_integer", ERROR, "不是整数", "Not a whole number", "应为整数{hint_zh}", "must be a whole number{hint_en}"),
    _t("below_minimum", ERROR, "数值过小", "Value too small", "不能小于 {minimum}", "must be at least {minimum}"),
    _t("not_number", ERROR, "不是数字", "Not a number", "应为数字（如 12.5）{hint_zh}", "must be a number (e.g. 12.5){hint_en}"),
    _t("not_date", ERROR, "不是日期", "Not a date", "应为日期（如 2022-09-01）", "must be a date (e.g. 2022-09-01)"),
    _t("not_yes_no", ERROR, "不是“是/否”", "Not yes/no",
       "应填 是/否（或 有/无、√/×、1/0）", "must be yes/no (是/否, 有/无, √/×, 1/0)"),
    _t("not_in_choices", ERROR, "不在可选值中", "Not one of the choices",
       "可选值：{choices}{hint_zh}", "must be one of: {choices}{hint_en}"),
    _t("placeholder_in_applicable", ERROR, "适用的列填了“不适用”", "“Not applicable” in a column that applies",
       "“{value}”表示不适用，但此列适用于此行：{fix_zh}",
       "“{value}” means not applicable, but this column applies to this row: {fix_en}"),
    _t("key_scientific_notation", ERROR, "代码被显示成科学计数法", "Code in scientific notation",
       "{name_zh}被 Excel 显示成科学计数法，丢失了数字：把{name_zh}列设为文本后重新输入",
       "the {name_en} was shown in scientific notation by Excel and lost digits: format the {name_en} column "
       "as text and type the codes again"),
    _t("unknown_place", WARNING, "地名只出现一次", "Place found nowhere else",
       "“{value}”在报送的其他各行中都没有出现，可能是笔误{hint_zh}",
       "“{value}” appears in no other row of the submission: a typo?{hint_en}"),
    _t("exceeds_column", ERROR, "超过上限", "Exceeds its limit",
       "不能大于“{other}”（{other_value}）", "cannot exceed “{other}” ({other_value})"),
    _t("not_applicable", WARNING, "此项不适用", "Value not applicable",
       "此列不适用于{school_type_zh}，数值未计入", "does not apply to a {school_type_en}; the value is not counted"),
    # -- across rows
    _t("duplicate_key", ERROR, "编号重复", "Duplicate key",
       "与 {other_zh} 重复", "duplicates {other_en}"),
    _t("unknown_parent", ERROR, "上级记录不存在", "No such parent row",
       "{table_zh}中没有此编号", "no such key in table {table_en}"),
    _t("above_maximum", ERROR, "数值过大", "Value too large", "不能大于 {maximum}", "must be at most {maximum}"),
    _t("unknown_milestone", ERROR, "项目编号不存在", "Unknown milestone",
       "目标文件中没有此项目编号{hint_zh}", "no such milestone in the targets file{hint_en}"),
    _t("total_row_skipped", INFO, "合计行已跳过", "Total row skipped",
       "“{label}”行不计入统计", "the “{label}” row is not counted"),
    _t("footer_row_skipped", INFO, "表尾行已跳过", "Footer row skipped",
       "表尾“{label}”不计入统计", "footer “{label}” is not counted"),
    _t("header_row_skipped", INFO, "重复表头行已跳过", "Repeated header row skipped",
       "此行重复了表头（如英文表头行），不计入统计", "this row repeats the header (e.g. English names) and is not counted"),
    _t("total_mismatch", WARNING, "合计不符", "Total does not add up",
       "合计为 {stated}，上面各行之和为 {computed}", "the total says {stated}, the rows above add up to {computed}"),
    _t("school_not_submitted", WARNING, "学校未报送", "School did not submit",
       "名册中的学校未报送：{name}（{town}）", "school on the roster sent nothing: {name} ({town})"),
    _t("school_not_on_roster", WARNING, "学校不在名册中", "School not on the roster",
       "学校代码不在名册中：{name}", "school code not on the roster: {name}"),
    _t("roster_unreadable", ERROR, "名册无法使用", "Roster cannot be used", "{detail_zh}", "{detail_en}"),
    # -- what a workbook holds beyond its cells' values, and files that cannot be read as they are (issue 11)
    _t("encrypted_workbook", ERROR, "工作簿已加密", "Encrypted workbook",
       "加密的工作簿，请另存为不加密的文件", "the workbook is encrypted (password-protected): save a copy without a password"),
    _t("stdin_unusable", ERROR, "标准输入无法读取", "Standard input cannot be read", "{detail_zh}", "{detail_en}"),
    _t("hidden_sheet", WARNING, "隐藏的工作表未读取", "Hidden sheet not read",
       "此工作表是隐藏的{how_zh}，有 {rows} 行内容，未读取、未计入；如属报送数据，请取消隐藏后再报送",
       "this sheet is hidden{how_en} and holds {rows} row(s) of content: not read, not counted (unhide it if it "
       "belongs to the submission)"),
    _t("hidden_rows", WARNING, "有隐藏的行", "Hidden rows",
       "第 {rows} 行是隐藏的，但有数据：已照常读取并计入（共 {count} 行）",
       "rows {rows} are hidden but hold data: read and counted like the others ({count} rows)"),
    _t("hidden_columns", WARNING, "有隐藏的列", "Hidden columns",
       "{columns} 列是隐藏的，但有数据：已照常读取", "columns {columns} are hidden but hold data: read like the others"),
    _t("formula_not_computed", ERROR, "公式没有计算结果", "Formula not computed",
       "公式没有计算结果，请在 Excel/WPS 中打开并保存后再报送",
       "formula without a computed value: open and save the file in Excel/WPS before sending"),
]}


class _Params(dict):
    """A message's parameters: an optional part (``hint_zh``, ``hint_en``: a did-you-mean, how to fix it) not
    given is left out; any other missing parameter is a KeyError (the message falls back to the title)."""

    def __missing__(self, key: str) -> str:
        if key.startswith("hint"):
            return ""
        raise KeyError(key)


def problem_type(code: str) -> ProblemType:
    return CATALOGUE[code]


def _message(kind: ProblemType, lang: str, value: Optional[str], params: tuple) -> str:
    """A problem's message from its type's template, its value and params (its title when a param is missing)."""
    template = kind.template_zh if lang == "zh" else kind.template_en
    try:
        return template.format_map(_Params({"value": value, **dict(params)}))
    except (KeyError, IndexError):
        return kind.title_zh if lang == "zh" else kind.title_en


@dataclass(frozen=True)
class Problem(_Typed):
    """One located finding."""

    code: str
    file: str = ""
    sheet: Optional[str] = None
    row: Optional[int] = None          # row number as the spreadsheet shows it (1-based, title rows counted)
    column: Optional[str] = None       # the header as written in the file
    value: Optional[str] = None
    cell: Optional[str] = None         # e.g. "学校!G17" for workbooks
    params: tuple[tuple[str, Any], ...] = field(default=(), compare=False)
    #: a code the plan file declares (its rules, references, obligations) carries its own type
    kind: Optional[ProblemType] = field(default=None, compare=False, repr=False)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def sort_key(self) -> tuple:
        return (self.file, self.sheet or "", self.row or 0, self.column or "", self.code)

    def message(self, lang: str = "zh") -> str:
        return _message(self.ptype, lang, self.value, self.params)

    def title(self, lang: str = "zh") -> str:
        kind = self.ptype
        return kind.title_zh if lang == "zh" else kind.title_en

    def location(self) -> str:
        parts = [self.file or "-"]
        if self.sheet:
            parts.append(f"[{self.sheet}]")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"“{self.column}”")
        if self.cell:
            parts.append(f"({self.cell})")
        return " ".join(parts)

    def compact(self) -> tuple:
        """``(row, column, code)``: what tests compare."""
        return (self.row, self.column, self.code)


def make(code: str, **kw: Any) -> Problem:
    """Build a Problem; keyword arguments that are not Problem fields become message params."""
    fields = {k: kw.pop(k) for k in ("file", "sheet", "row", "column", "value", "cell") if k in kw}
    if fields.get("value") is not None:
        fields["value"] = str(fields["value"])
    return Problem(code=code, params=tuple(sorted(kw.items())), **fields)


def declared(kind: ProblemType, **kw: Any) -> Problem:
    """A Problem of a code the plan file declares (a rule, a reference, an obligation)."""
    p = make(kind.code, **kw)
    return Problem(code=p.code, file=p.file, sheet=p.sheet, row=p.row, column=p.column, value=p.value, cell=p.cell,
                   params=p.params, kind=kind)


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=Problem.sort_key)


def count_by_severity(problems: Iterable[Problem]) -> dict[str, int]:
    out = {ERROR: 0, WARNING: 0, INFO: 0}
    for p in problems:
        out[p.severity] += 1
    return out


#: what a writer (JSON, ``--errors-out``) reads of each problem, in this order: severity, code, file, sheet,
#: row, column, cell, value, message, title
Record = tuple


def record_of(p: Problem, lang: str = "zh") -> Record:
    """One problem's :data:`Record`."""
    return p.severity, p.code, p.file, p.sheet, p.row, p.column, p.cell, p.value, p.message(lang), p.title(lang)


class ProblemColumns(_Typed):
    """The problems of one code at one column of one file's sheet, found by one vectorized pass, kept as
    columns: their spreadsheet rows (an int64 array), the cells as written (numbered by their distinct texts),
    the message params (numbered by their distinct sets). :class:`Problem` objects are made only when
    iterated; a writer reads :meth:`records`, each message formatted once per distinct (params, value)."""

    __slots__ = ("code", "kind", "file", "sheet", "column", "rows", "values", "value_codes", "params",
                 "param_codes", "cell_prefix")

    def __init__(self, code: str, rows: Any, file: str = "", sheet: Optional[str] = None,
                 column: Optional[str] = None, values: Sequence[Optional[str]] = (None,), value_codes: Any = None,
                 params: Sequence[tuple] = ((),), param_codes: Any = None, cell_prefix: Optional[str] = None,
                 kind: Optional[ProblemType] = None):
        """``values[value_codes[k]]``: row k's cell as written (no codes: ``values[0]`` on every row), the same
        for ``params`` (each a sorted tuple of (name, value)); ``cell_prefix``: a workbook cell's sheet and
        column letter (``学校!G``), the row's number appended."""
        self.code = kind.code if kind is not None else code
        self.kind = kind
        self.file, self.sheet, self.column, self.cell_prefix = file, sheet, column, cell_prefix
        self.rows = rows
        self.values, self.value_codes = list(values), value_codes
        self.params, self.param_codes = list(params), param_codes

    def __len__(self) -> int:
        return len(self.rows)

    def _codes(self, codes: Any) -> list[int]:
        return [0] * len(self) if codes is None else codes.tolist()

    def _make(self, row: int, v: int, p: int) -> Problem:
        """The Problem at spreadsheet row ``row`` with the ``v``-th value and the ``p``-th params."""
        return Problem(code=self.code, file=self.file, sheet=self.sheet, row=row, column=self.column,
                       value=self.values[v], cell=None if self.cell_prefix is None else f"{self.cell_prefix}{row}",
                       params=self.params[p], kind=self.kind)

    def __iter__(self) -> Iterator[Problem]:
        for row, v, p in zip(self.rows.tolist(), self._codes(self.value_codes), self._codes(self.param_codes)):
            yield self._make(row, v, p)

    def problem(self, k: int) -> Problem:
        return self._make(int(self.rows[k]), 0 if self.value_codes is None else int(self.value_codes[k]),
                          0 if self.param_codes is None else int(self.param_codes[k]))

    def value_list(self) -> list[Optional[str]]:
        """Each row's cell as written."""
        if self.value_codes is None:
            return [self.values[0]] * len(self)
        return _objects(self.values)[self.value_codes].tolist()

    def messages(self, lang: str = "zh") -> list[str]:
        """Each row's message, formatted once per distinct (params, value)."""
        import numpy as np

        n, width = len(self), len(self.values)
        pair = np.zeros(n, dtype=np.int64)
        if self.param_codes is not None:
            pair += self.param_codes.astype(np.int64) * width
        if self.value_codes is not None:
            pair += self.value_codes
        distinct, inverse = np.unique(pair, return_inverse=True)
        kind = self.ptype
        texts = [_message(kind, lang, self.values[u % width], self.params[u // width]) for u in distinct.tolist()]
        return _objects(texts)[inverse.reshape(-1)].tolist()

    def records(self, lang: str = "zh") -> list[Record]:
        """(severity, code, file, sheet, row, column, cell, value, message, title) of every row."""
        from itertools import repeat

        n, kind = len(self), self.ptype
        rows = self.rows.tolist()
        cells = [None] * n if self.cell_prefix is None else [f"{self.cell_prefix}{r}" for r in rows]
        title = kind.title_zh if lang == "zh" else kind.title_en
        return list(zip(repeat(kind.severity, n), repeat(self.code, n), repeat(self.file, n), repeat(self.sheet, n),
                        rows, repeat(self.column, n), cells, self.value_list(), self.messages(lang),
                        repeat(title, n)))

    def sort_keys(self) -> tuple:
        """(file, sheet, rows, column, code) as :meth:`Problem.sort_key` orders them; the rows an array."""
        return self.file, self.sheet or "", self.rows, self.column or "", self.code

    def severities(self) -> list[str]:
        return [self.severity] * len(self)


def _objects(items: Sequence) -> Any:
    """``items`` as a numpy object array (to be taken by codes)."""
    import numpy as np

    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


class _Listed:
    """Problem objects as a part of a :class:`ProblemSet` (the interface of :class:`ProblemColumns`)."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Problem]):
        self.items = list(items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)

    def problem(self, k: int) -> Problem:
        return self.items[k]

    def records(self, lang: str = "zh") -> list[Record]:
        return [record_of(p, lang) for p in self.items]

    def sort_keys(self) -> tuple:
        keys = [p.sort_key() for p in self.items]
        return tuple([k[i] for k in keys] for i in range(5))

    def severities(self) -> list[str]:
        return [p.severity for p in self.items]


Part = Union[ProblemColumns, _Listed]


class ProblemSet:
    """A run's problems: parts (:class:`ProblemColumns` and lists of :class:`Problem`) in the order they were
    found, and the order they are shown in (:func:`sort_problems`' order, found by one ``np.lexsort``). Counts,
    the first few and the writers' records come from the columns; :meth:`list` makes every Problem (once)."""

    def __init__(self, parts: Iterable[Union[ProblemColumns, Iterable[Problem]]] = (), order: Any = None):
        self.parts: list[Part] = [p if isinstance(p, (ProblemColumns, _Listed)) else _Listed(p) for p in parts]
        self.parts = [p for p in self.parts if len(p)]
        self.order = order     # indices into the parts' problems taken one after another; None: as they are
        self._list: Optional[list[Problem]] = None

    @classmethod
    def sorted(cls, parts: Iterable[Union[ProblemColumns, Iterable[Problem]]]) -> "ProblemSet":
        found = cls(parts)
        found.order = _sort_order(found.parts)
        return found

    def plus(self, problems: Iterable[Problem]) -> "ProblemSet":
        """These problems and more, in order (as ``sort_problems(self.list() + problems)``)."""
        return ProblemSet.sorted([*self.parts, list(problems)])

    def __len__(self) -> int:
        return sum(len(p) for p in self.parts)

    def __bool__(self) -> bool:
        return bool(self.parts)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.list())

    def _ordered(self, items: list) -> list:
        return items if self.order is None else [items[i] for i in self.order.tolist()]

    def list(self) -> list[Problem]:
        """Every problem, in order (made once)."""
        if self._list is None:
            self._list = self._ordered([q for part in self.parts for q in part])
        return self._list

    def records(self, lang: str = "zh") -> list[Record]:
        """(severity, code, file, sheet, row, column, cell, value, message, title) of every problem, in order."""
        if self._list is not None:
            return _Listed(self._list).records(lang)
        return self._ordered([r for part in self.parts for r in part.records(lang)])

    def head(self, n: Optional[int]) -> list[Problem]:
        """The first ``n`` problems (None: all), without making the others."""
        if n is None or self._list is not None:
            return self.list()[:n]
        return self._take(self._positions()[:n])

    def count_by_severity(self) -> dict[str, int]:
        out = {ERROR: 0, WARNING: 0, INFO: 0}
        for part in self.parts:
            if isinstance(part, ProblemColumns):
                out[part.severity] += len(part)
            else:
                for p in part.items:
                    out[p.severity] += 1
        return out

    def has_errors(self) -> bool:
        return any(part.severity == ERROR if isinstance(part, ProblemColumns) else any(p.is_error for p in part.items)
                   for part in self.parts)

    def errors(self) -> list[Problem]:
        """The errors, in order (the other problems are not made)."""
        if not self.has_errors():
            return []
        if self._list is not None:
            return [p for p in self._list if p.is_error]
        import numpy as np

        error = np.array([s == ERROR for part in self.parts for s in part.severities()], dtype=bool)
        positions = self._positions()
        return self._take(positions[error[positions]])

    def _positions(self) -> Any:
        import numpy as np

        return np.arange(len(self)) if self.order is None else self.order

    def _take(self, positions: Any) -> list[Problem]:
        """The problems at ``positions`` (indices into the parts' problems taken one after another)."""
        import numpy as np

        ends = np.cumsum([len(p) for p in self.parts])
        which = np.searchsorted(ends, positions, side="right").tolist()
        starts = [0, *ends.tolist()]
        return [self.parts[w].problem(i - starts[w]) for w, i in zip(which, positions.tolist())]


def _sort_order(parts: list[Part]) -> Any:
    """The order :func:`sort_problems` puts the parts' problems in (file, sheet, row, column, code, then the
    order they were found), as indices into the parts' problems taken one after another."""
    import numpy as np

    if not parts:
        return np.zeros(0, dtype=np.int64)
    keys = [part.sort_keys() for part in parts]
    sizes = [len(part) for part in parts]
    files, sheets, columns, codes = (_ranks([k[i] for k in keys], sizes) for i in (0, 1, 3, 4))
    rows = np.concatenate([np.asarray(k[2], dtype=np.int64) for k in keys])
    return np.lexsort((np.arange(len(rows)), codes, columns, rows, sheets, files))


def _ranks(texts: list, sizes: list[int]) -> Any:
    """Each problem's rank among the distinct texts of one key; ``texts``: per part, one text for all its
    problems or a list of one per problem."""
    import numpy as np

    distinct: set[str] = set()
    for t in texts:
        distinct.update([t] if isinstance(t, str) else t)
    rank = {t: i for i, t in enumerate(sorted(distinct))}
    return np.concatenate([np.full(n, rank[t], dtype=np.int64) if isinstance(t, str)
                           else np.array([rank[x] for x in t], dtype=np.int64) for t, n in zip(texts, sizes)])
