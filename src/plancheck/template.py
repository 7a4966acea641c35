"""``plancheck template``: a fill-in workbook (and a CSV variant) that schools get right the first time.

The workbook has the three tables as sheets with the Chinese headers of
:mod:`plancheck.check.schema` in row 1 (the English name and what to enter are in each
header cell's comment, so the reader finds one header row), drop-down lists for
every choice column, the milestones of the targets file pre-filled, and a
说明 (instructions) sheet that the reader skips.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Optional

from .check.schema import ENUM_ZH, TABLES, ColumnSpec, TableSpec
from .plan.targets import TargetsFile

#: Rows of the schools / population sheets that carry drop-downs (a county has a few hundred schools).
FORM_ROWS = 1000
YES_NO = ("是", "否")

INSTRUCTIONS_ZH = [
    "填表说明（plancheck 报送模板）",
    "1. 本工作簿含三张表：学校、适龄人口、重点项目。请勿修改表头（第 1 行）；表头批注中有英文名称和填写要求。",
    "2. 每所学校填写一行。学校代码按文本填写（如 5203240001），不要加空格。",
    "3. 学校类型、办学性质、是/否、进展状态请从下拉列表中选择。",
    "4. 不适用于本校类型的列请留空（如小学不填“是否普惠”，非中职学校不填“流失学生数”）。公办幼儿园“是否普惠”可留空，视为“是”。",
    "5. 数字只填整数，不填单位（填 12，不填“12人”）。",
    "6. 可以在数据下方加“合计”行和“填表人、审核人、填报日期”等表尾，系统会识别并跳过，并核对合计是否与各行之和一致。",
    "7. 重点项目表已预填目标文件中的全部项目编号与名称，只需填写进展状态和备注。",
    "8. 报送前可运行：plancheck validate 本文件.xlsx —— 会列出每个问题所在的工作表、行号、列名和原因。",
]
INSTRUCTIONS_EN = [
    "Instructions (plancheck submission template)",
    "Fill one row per school on 学校 (schools), one row per town on 适龄人口 (population), and the status of each "
    "pre-filled project on 重点项目 (milestones). Keep the headers in row 1; each header's comment gives its "
    "English name and what to enter. Leave columns that do not apply to a school type blank. Whole numbers only. "
    "Check the file with: plancheck validate FILE.xlsx",
]


def choices(column: ColumnSpec) -> Optional[tuple[str, ...]]:
    """The drop-down values of a column (Chinese labels), or None for free entry."""
    if column.kind == "bool":
        return YES_NO
    if column.kind == "enum" and column.enum is not None:
        return tuple(ENUM_ZH[column.enum][m.value] for m in column.enum)
    return None


def header_note(column: ColumnSpec) -> str:
    """The comment on a header cell: English name, type, who fills it."""
    kind = {"int": "whole number / 整数", "bool": "是/否 (yes/no)", "enum": "choose from the list / 下拉选择",
            "text": "text / 文本"}[column.kind]
    lines = [column.name, kind]
    if column.applies_to:
        zh = ENUM_ZH[next(e for e in ENUM_ZH if e.__name__ == "SchoolType")]
        lines.append("仅适用于 / only for: " + "、".join(zh.get(t, t) for t in column.applies_to))
    if column.required:
        lines.append("必填 / required")
    if column.description:
        lines.append(column.description)
    return "\n".join(lines)


#: The milestones sheet: the id, then the project's name (read by people; see schema.INFO_HEADERS), then the rest.
MILESTONE_NAME = "项目名称"


def headers(spec: TableSpec) -> list[str]:
    names = [c.zh for c in spec.columns]
    return names[:1] + [MILESTONE_NAME] + names[1:] if spec.name == "milestones" else names


def milestone_rows(targets: TargetsFile) -> list[list[str]]:
    """One row per milestone target: id, name, blank status, blank note."""
    blanks = [""] * (len(TABLES["milestones"].columns) - 1)
    return [[m.id, m.title_zh, *blanks] for m in targets.milestones]


def write_template(path: Path, targets: TargetsFile, lang: str = "zh") -> None:
    """Write the fill-in workbook to ``path`` (.xlsx)."""
    from openpyxl import Workbook

    wb = Workbook()
    _instructions(wb.active, lang)
    for name in ("schools", "population", "milestones"):
        spec = TABLES[name]
        rows = milestone_rows(targets) if name == "milestones" else []
        _table_sheet(wb.create_sheet(spec.zh), spec, rows, max(len(rows), FORM_ROWS if name != "milestones" else 0))
    from .output import atomic_open

    with atomic_open(path, "wb") as fh:  # whole or not at all: a temporary file moved into place
        wb.save(fh)


def _instructions(ws, lang: str) -> None:
    ws.title = "说明"
    lines = INSTRUCTIONS_ZH + [""] + INSTRUCTIONS_EN if lang == "zh" else INSTRUCTIONS_EN + [""] + INSTRUCTIONS_ZH
    for line in lines:
        ws.append([line])  # one cell per row: never taken for a header
    ws.column_dimensions["A"].width = 120


def _table_sheet(ws, spec: TableSpec, rows: list[list[str]], form_rows: int) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ws.append(headers(spec))
    for line in rows:
        ws.append(line)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    last = 1 + max(form_rows, 1)
    columns = list(spec.columns)
    if spec.name == "milestones":
        columns.insert(1, ColumnSpec(name="title", zh=MILESTONE_NAME, kind="text",
                                     description="项目名称仅供参考，以项目编号为准 / for reference; the id decides"))
    for j, column in enumerate(columns, start=1):
        cell = ws.cell(1, j)
        cell.font, cell.fill = bold, fill
        cell.comment = Comment(header_note(column), "plancheck", width=260, height=120)
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
    """The CSV variant: 学校.csv, 适龄人口.csv, 重点项目.csv (UTF-8 with BOM, CRLF: Excel opens them as they are)."""
    from .output import atomic_open

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ("schools", "population", "milestones"):
        spec = TABLES[name]
        path = folder / f"{spec.zh}.csv"
        with atomic_open(path, "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh, lineterminator="\r\n")
            w.writerow(headers(spec))
            if name == "milestones":
                w.writerows(milestone_rows(targets))
        written.append(path)
    return written
