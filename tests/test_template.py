"""The fill-in template: what the reader expects, with drop-downs and pre-filled milestones; filled, it validates."""

from __future__ import annotations

from openpyxl import load_workbook

from plan2021 import CONTRACT
from plancheck.plan.targets import load_targets
from plancheck.template import write_csv_templates, write_template
from plancheck.check.validate import validate_paths
from sheet_fixtures import SCHOOL_HEADERS, balanced, compact, kindergarten, school


def fill(path, targets):
    wb = load_workbook(path)
    ws = wb["学校"]
    for r, row in enumerate([school(), kindergarten(ownership="民办")], start=2):
        row = dict(row, 是否普惠="是" if row["学校类型"] == "幼儿园" else "")
        for j, h in enumerate(SCHOOL_HEADERS, start=1):
            ws.cell(r, j, row[h] or None)
    pop = wb["适龄人口"]
    pop.cell(2, 1, "安场镇")
    pop.cell(2, 2, 180)
    ms = wb["重点项目"]
    status_col = 3  # 项目编号, 项目名称, 进展状态, 备注
    for r in range(2, 2 + len(targets.milestones)):
        ms.cell(r, status_col, "已完成")
    wb.save(path)


def test_template_has_headers_dropdowns_and_milestones(tmp_path):
    targets = load_targets()
    f = tmp_path / "t.xlsx"
    write_template(f, targets)
    wb = load_workbook(f)
    assert wb.sheetnames == ["说明", "学校", "适龄人口", "重点项目"]
    ws = wb["学校"]
    assert [c.value for c in ws[1]] == SCHOOL_HEADERS
    assert ws["A1"].comment.text.startswith("school_id")
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert '"是,否"' in lists and '"公办,民办"' in lists and any("幼儿园" in x for x in lists)
    ms = wb["重点项目"]
    assert [ms.cell(r, 1).value for r in range(2, 2 + len(targets.milestones))] == [m.id for m in targets.milestones]
    assert [c.value for c in ms[1]] == ["项目编号", "项目名称", "进展状态", "备注"]
    assert ms.cell(2, 2).value == targets.milestones[0].title_zh
    assert any("已完成" in dv.formula1 for dv in ms.data_validations.dataValidation)


def test_blank_template_is_no_submission_and_prefilled_milestones_are_not_reported(tmp_path):
    targets = load_targets()
    f = tmp_path / "t.xlsx"
    write_template(f, targets)
    sub = validate_paths({"schools": f}, CONTRACT, {m.id for m in targets.milestones})
    assert not [p for p in sub.problems if p.code == "required"]
    # nothing filled in anywhere: every sheet is still an error, so a blank template never passes
    assert sorted((p.sheet, p.code) for p in sub.errors) == [("学校", "no_data_rows"), ("适龄人口", "no_data_rows"),
                                                             ("重点项目", "no_data_rows")]
    [note] = [p for p in sub.problems if p.code == "milestones_not_reported"]
    assert dict(note.params)["count"] == len(targets.milestones) and note.row == 2 and not note.is_error
    assert balanced(sub) and sub.counts("milestones").skipped == len(targets.milestones)


def test_one_school_appended_to_the_template_validates(tmp_path):
    targets = load_targets()
    f = tmp_path / "t.xlsx"
    write_template(f, targets)
    wb = load_workbook(f)
    ws = wb["学校"]
    ws.append([school()[h] or None for h in SCHOOL_HEADERS])
    wb.save(f)
    assert ws.max_row == 2  # append() lands right under the header, not under 1000 styled empty rows
    sub = validate_paths({"schools": f}, CONTRACT, {m.id for m in targets.milestones})
    assert sub.ok, compact(sub.problems)
    assert sorted((p.sheet, p.code) for p in sub.problems) == [("适龄人口", "sheet_not_submitted"),
                                                               ("重点项目", "milestones_not_reported")]
    assert sub.tables["schools"]["_row"].tolist() == [2] and balanced(sub)
    lists = {dv.formula1: str(dv.sqref) for dv in wb["学校"].data_validations.dataValidation}
    assert lists['"公办,民办"'].endswith("1001")  # the drop-downs still cover the form


def test_a_milestone_with_a_note_but_no_status_is_an_error(tmp_path):
    targets = load_targets()
    f = tmp_path / "t.xlsx"
    write_template(f, targets)
    fill(f, targets)
    wb = load_workbook(f)
    ms = wb["重点项目"]
    ms.cell(3, 3).value = None
    ms.cell(3, 4, "进行中，待验收")
    ms.cell(4, 3).value = None  # status cleared, nothing else: not reported
    wb.save(f)
    sub = validate_paths({"schools": f}, CONTRACT, {m.id for m in targets.milestones})
    assert [(p.row, p.column, p.code, p.cell) for p in sub.errors] == [(3, "进展状态", "required", "重点项目!C3")]
    assert [dict(p.params)["count"] for p in sub.problems if p.code == "milestones_not_reported"] == [1]
    assert balanced(sub)


def test_filled_template_validates_cleanly(tmp_path):
    targets = load_targets()
    f = tmp_path / "t.xlsx"
    write_template(f, targets)
    fill(f, targets)
    sub = validate_paths({"schools": f}, CONTRACT, {m.id for m in targets.milestones})
    assert sub.problems == [], compact(sub.problems)
    assert {k: len(v) for k, v in sub.tables.items()} == {"schools": 2, "population": 1,
                                                          "milestones": len(targets.milestones)}
    assert sub.tables["schools"]["school_id"].tolist() == ["5203240001", "5203240101"]
    assert balanced(sub)


def test_csv_templates(tmp_path):
    targets = load_targets()
    paths = write_csv_templates(tmp_path / "csv", targets)
    assert [p.name for p in paths] == ["学校.csv", "适龄人口.csv", "重点项目.csv"]
    raw = paths[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.endswith(b"\r\n")
    lines = paths[2].read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + len(targets.milestones)
    filled = [lines[0]] + [line.replace(",,", ",已完成,", 1) if line.count(",") >= 2 else line for line in lines[1:]]
    paths[2].write_text("\r\n".join(filled) + "\r\n", encoding="utf-8-sig")
    sub = validate_paths({"schools": paths[0], "milestones": paths[2]}, CONTRACT, {m.id for m in targets.milestones})
    assert [p.code for p in sub.problems] == ["no_data_rows"]  # the schools CSV is header-only
    assert len(sub.tables["milestones"]) == len(targets.milestones)
