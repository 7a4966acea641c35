"""Problems as values: stable codes with a title and a message template (zh and en).

A :class:`Problem` names where (file, sheet, spreadsheet row, column as written,
cell address), what (the value) and why (the code and its message). Problems sort
by place, compare equal by value, and tests assert them compactly as
``[(row, column, code), ...]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

ERROR, WARNING, INFO = "error", "warning", "info"


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


@dataclass(frozen=True)
class Problem:
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
    def ptype(self) -> ProblemType:
        return self.kind or CATALOGUE[self.code]

    @property
    def severity(self) -> str:
        return self.ptype.severity

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def sort_key(self) -> tuple:
        return (self.file, self.sheet or "", self.row or 0, self.column or "", self.code)

    def message(self, lang: str = "zh") -> str:
        kind = self.ptype
        template = kind.template_zh if lang == "zh" else kind.template_en
        try:
            return template.format_map(_Params({"value": self.value, **dict(self.params)}))
        except (KeyError, IndexError):
            return kind.title_zh if lang == "zh" else kind.title_en

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
