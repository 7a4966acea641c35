"""``plancheck template``: a fill-in workbook (and a CSV variant) that schools get right the first time.

The workbook has the plan's declared tables as sheets with their Chinese headers in row 1 (the English name and what to enter are in each
header cell's comment, so the reader finds one header row), drop-down lists for
every choice column, the plan's milestones pre-filled, and a
说明 (instructions) sheet that the reader skips.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Optional

from .check.schema import ColumnSpec, TableSpec
from .plan.targets import TargetsFile

#: Rows of the data sheets that carry drop-downs (a county has a few hundred schools).
FORM_ROWS = 1000
YES_NO = ("是", "否")


def instructions(targets: TargetsFile, lang: str) -> list[str]:
    """The 说明 sheet: what the workbook holds and how to fill it, from the plan's own tables."""
    tables = list(targets.contract.tables.values())
    names_zh = "、".join(t.zh for t in tables)
    names_en = ", ".join(f"{t.zh} ({t.en or t.name})" for t in tables)
    ms = targets.contract.milestones
    zh = [
        f"填表说明（plancheck 报送模板：{targets.plan.title_zh}）",
        f"1. 本工作簿含 {len(tables)} 张表：{names_zh}。请勿修改表头（第 1 行）；表头批注中有英文名称和填写要求。",
        "2. 每个单位（学校）填写一行。代码按文本填写（如 5203240001），不要加空格。",
        "3. 有下拉列表的列（类型、性质、是/否、状态等）请从下拉列表中选择。",
        "4. 批注写明“仅适用于”的列，不适用于本单位类型时请留空。",
        "5. 数字只填数字，不填单位（填 12，不填“12人”）。",
        "6. 可以在数据下方加“合计”行和“填表人、审核人、填报日期”等表尾，系统会识别并跳过，并核对合计是否与各行之和一致。",
    ]
    if ms is not None:
        zh.append(f"7. {targets.contract.tables[ms.table].zh}表已预填计划中的全部项目编号与名称，只需填写进展状态和备注。")
    zh.append("8. 报送前可运行：plancheck validate 本文件.xlsx —— 会列出每个问题所在的工作表、行号、列名和原因。")
    en = [
        f"Instructions (plancheck submission template: {targets.plan.title_en})",
        f"The sheets: {names_en}. Keep the headers in row 1; each header's comment gives its English name and what "
        "to enter. Leave columns that do not apply to a row's type blank. Numbers only, no units. "
        "Check the file with: plancheck validate FILE.xlsx",
    ]
    return zh + [""] + en if lang == "zh" else en + [""] + zh


def choices(column: ColumnSpec) -> Optional[tuple[str, ...]]:
    """The drop-down values of a column (Chinese labels), or None for free entry."""
    if column.kind == "bool":
        return YES_NO
    if column.kind == "enum" and column.choices is not None:
        return tuple(column.choices.label(v, "zh") for v in column.choices.values)
    return None


_KIND_NOTE = {"int": "whole number / 整数", "decimal": "number / 数字", "bool": "是/否 (yes/no)",
              "enum": "choose from the list / 下拉选择", "text": "text / 文本", "date": "date / 日期 (2022-09-01)"}


def header_note(column: ColumnSpec, spec: Optional[TableSpec] = None) -> str:
    """The comment on a header cell: English name, type, who fills it."""
    lines = [column.en or column.name, _KIND_NOTE[column.kind]]
    if column.applies_to:
        labels = spec.column(spec.type_column).choices if spec is not None and spec.type_column else None
        shown = [labels.label(t, "zh") if labels else t for t in column.applies_to]
        lines.append("仅适用于 / only for: " + "、".join(shown))
    if column.required:
        lines.append("必填 / required")
    if column.description:
        lines.append(column.description)
    return "\n".join(lines)


def _name_header(targets: TargetsFile, spec: TableSpec) -> Optional[str]:
    """The milestones sheet's extra column for each project's name (read by people; the id decides)."""
    ms = targets.contract.milestones
    return ms.name_header if ms is not None and ms.table == spec.name else None


def headers(spec: TableSpec, name_header: Optional[str] = None) -> list[str]:
    names = [c.zh for c in spec.columns]
    return names[:1] + [name_header] + names[1:] if name_header else names


def milestone_rows(targets: TargetsFile, spec: TableSpec) -> list[list[str]]:
    """One row per milestone target: id, name, then blanks."""
    blanks = [""] * (len(spec.columns) - 1)
    return [[m.id, m.title_zh, *blanks] for m in targets.milestones]


def _rows(targets: TargetsFile, spec: TableSpec) -> list[list[str]]:
    ms = targets.contract.milestones
    return milestone_rows(targets, spec) if ms is not None and ms.table == spec.name else []


def write_template(path: Path, targets: TargetsFile, lang: str = "zh") -> None:
    """Write the fill-in workbook to ``path`` (.xlsx): a sheet per declared table."""
    from openpyxl import Workbook

    wb = Workbook()
    _instructions(wb.active, targets, lang)
    for spec in targets.contract.tables.values():
        rows = _rows(targets, spec)
        _table_sheet(wb.create_sheet(spec.zh), spec, rows, max(len(rows), FORM_ROWS if not rows else 0),
                     _name_header(targets, spec))
    from .output import atomic_open

    with atomic_open(path, "wb") as fh:  # whole or not at all: a temporary file moved into place
        wb.save(fh)


def _instructions(ws, targets: TargetsFile, lang: str) -> None:
    ws.title = "说明"
    lines = instructions(targets, lang)
    for line in lines:
        ws.append([line])  # one cell per row: never taken for a header
    ws.column_dimensions["A"].width = 120


def _table_sheet(ws, spec: TableSpec, rows: list[list[str]], form_rows: int, name_header: Optional[str]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ws.append(headers(spec, name_header))
    for line in rows:
        ws.append(line)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    last = 1 + max(form_rows, 1)
    columns = list(spec.columns)
    if name_header:
        columns.insert(1, ColumnSpec(name="title", zh=name_header, kind="text",
                                     description="项目名称仅供参考，以项目编号为准 / for reference; the id decides"))
    for j, column in enumerate(columns, start=1):
        cell = ws.cell(1, j)
        cell.font, cell.fill = bold, fill
        cell.comment = Comment(header_note(column, spec), "plancheck", width=260, height=120)
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(12, 2 * len(column.zh) + 4)
        values = choices(column)
        if values:
            dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                                showErrorMessage=True, errorTitle="plancheck",
                                error="请从下拉列表中选择 / choose a value from the list")
            dv.add(f"{letter}2:{letter}{last}")
            ws.add_data_validation(dv)
        if column.kind == "text":
            # a column style, not styled empty cells: ws.append() (and Excel users) then write right under the
            # header; school codes typed in Excel stay text, never 5.2e+09
            ws.column_dimensions[letter].number_format = "@"
    ws.freeze_panes = "A2"


def write_csv_templates(folder: Path, targets: TargetsFile) -> list[Path]:
    """The CSV variant: one file per declared table, named by its Chinese name (UTF-8 with BOM, CRLF: Excel
    opens them as they are)."""
    from .output import atomic_open

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in targets.contract.tables.values():
        path = folder / f"{spec.zh}.csv"
        with atomic_open(path, "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh, lineterminator="\r\n")
            w.writerow(headers(spec, _name_header(targets, spec)))
            w.writerows(_rows(targets, spec))
        written.append(path)
    return written
