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
       "前 {scanned} 行中没有可识别的表头（例如“学校代码”“学校名称”）",
       "no recognisable header row in the first {scanned} rows (e.g. 学校代码 / school_id)"),
    _t("no_data_rows", ERROR, "没有数据行", "No data rows", "表头下面没有数据", "there are no data rows under the header"),
    _t("duplicate_header", ERROR, "表头重复", "Duplicate header",
       "“{column}”与第 {other} 列表示同一项", "“{column}” means the same as column {other}"),
    _t("missing_column", ERROR, "缺少列", "Missing column",
       "缺少必填列“{zh}”（{en}）", "required column “{zh}” ({en}) is missing"),
    _t("unknown_column", WARNING, "无法识别的列", "Unknown column",
       "无法识别的列，已忽略{hint_zh}", "column not recognised, ignored{hint_en}"),
    _t("sheet_missing", ERROR, "找不到工作表", "Sheet not found", "{detail_zh}", "{detail_en}"),
    _t("not_submission", ERROR, "不是报送表", "Not a submission",
       "没有找到学校、适龄人口或重点项目表", "no schools, population or milestones table found"),
    _t("sheet_skipped", INFO, "工作表已跳过", "Sheet skipped",
       "此工作表没有学校、适龄人口或重点项目表头，未读取", "no schools, population or milestones header on this sheet; not read"),
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
    _t("required", ERROR, "必填项为空", "Required value missing", "此项必填", "a value is required"),
    _t("not_integer", ERROR, "不是整数", "Not a whole number", "应为整数", "must be a whole number"),
    _t("below_minimum", ERROR, "数值过小", "Value too small", "不能小于 {minimum}", "must be at least {minimum}"),
    _t("not_yes_no", ERROR, "不是“是/否”", "Not yes/no",
       "应填 是/否（或 有/无、√/×、1/0）", "must be yes/no (是/否, 有/无, √/×, 1/0)"),
    _t("not_in_choices", ERROR, "不在可选值中", "Not one of the choices",
       "可选值：{choices}", "must be one of: {choices}"),
    _t("exceeds_column", ERROR, "超过上限", "Exceeds its limit",
       "不能大于“{other}”（{other_value}）", "cannot exceed “{other}” ({other_value})"),
    _t("classes_needed", ERROR, "班级数为 0", "No classes",
       "有在校生时班级数至少为 1", "must be at least 1 when there are students"),
    _t("public_not_inclusive", ERROR, "公办园应为普惠", "Public kindergarten marked not inclusive",
       "公办幼儿园按规定即为普惠性幼儿园，不能填“否”",
       "a public kindergarten is inclusive by definition and cannot be “no”"),
    _t("not_applicable", WARNING, "此项不适用", "Value not applicable",
       "此列不适用于{school_type_zh}，数值未计入", "does not apply to a {school_type_en}; the value is not counted"),
    # -- across rows
    _t("duplicate_key", ERROR, "编号重复", "Duplicate key",
       "与 {other_zh} 重复", "duplicates {other_en}"),
    _t("population_missing", ERROR, "缺少适龄人口", "Population missing for a town",
       "乡镇“{town}”有幼儿园，但适龄人口表中没有该乡镇", "town “{town}” has kindergartens but no population row"),
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
    _t("class_size_high", WARNING, "平均班额偏大", "Large average class size",
       "平均每班 {average} 人，但大班额班级数为 0", "{average} pupils per class on average, yet 0 oversized classes"),
    _t("kindergarten_class_size_high", WARNING, "幼儿园班额偏大", "Large kindergarten classes",
       "平均每班 {average} 名幼儿（超过 35）", "{average} children per class on average (over 35)"),
    _t("school_not_submitted", WARNING, "学校未报送", "School did not submit",
       "名册中的学校未报送：{name}（{town}）", "school on the roster sent nothing: {name} ({town})"),
    _t("school_not_on_roster", WARNING, "学校不在名册中", "School not on the roster",
       "学校代码不在名册中：{name}", "school code not on the roster: {name}"),
    _t("roster_unreadable", ERROR, "名册无法使用", "Roster cannot be used", "{detail_zh}", "{detail_en}"),
    # -- a school's own obligations (plancheck validate)
    _t("obligation_large_classes", WARNING, "存在大班额", "Oversized classes",
       "{name}有 {count} 个大班额班级（目标：0）", "{name} has {count} oversized classes (target: 0)"),
    _t("obligation_dropouts", WARNING, "存在辍学学生", "Dropouts",
       "{name}有 {count} 名辍学学生（目标：0）", "{name} has {count} dropouts (target: 0)"),
    _t("obligation_bullying", WARNING, "发生校园欺凌事件", "Bullying incidents",
       "{name}发生 {count} 起校园欺凌事件（目标：0）", "{name} reported {count} bullying incidents (target: 0)"),
    _t("obligation_security", WARNING, "安全项未达标", "Security item not in place",
       "{name}：“{item}”未达标（目标：全部学校达标）", "{name}: “{item}” is not in place (target: every school)"),
    _t("obligation_antiterror", WARNING, "反恐怖防范未达标", "Anti-terror standard not met",
       "{name}：反恐怖防范标准未达标（全县目标：80% 以上学校达标，三年内全部达标）",
       "{name}: anti-terror standard not met (county goal: at least 80% of schools, all within three years)"),
    _t("obligation_health_data", WARNING, "体质健康数据未上报", "Health data not reported",
       "{name}未上报学生体质健康数据（目标：100% 上报）", "{name} has not reported pupils' health data (target: 100%)"),
]}


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

    @property
    def severity(self) -> str:
        return CATALOGUE[self.code].severity

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def sort_key(self) -> tuple:
        return (self.file, self.sheet or "", self.row or 0, self.column or "", self.code)

    def message(self, lang: str = "zh") -> str:
        kind = CATALOGUE[self.code]
        template = kind.template_zh if lang == "zh" else kind.template_en
        try:
            return template.format(**dict(self.params))
        except (KeyError, IndexError):
            return kind.title_zh if lang == "zh" else kind.title_en

    def title(self, lang: str = "zh") -> str:
        kind = CATALOGUE[self.code]
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


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=Problem.sort_key)


def count_by_severity(problems: Iterable[Problem]) -> dict[str, int]:
    out = {ERROR: 0, WARNING: 0, INFO: 0}
    for p in problems:
        out[p.severity] += 1
    return out
