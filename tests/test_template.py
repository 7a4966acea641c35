"""The fill-in template: what the reader expects, with drop-downs and pre-filled milestones; filled, it validates."""

from __future__ import annotations

from openpyxl import load_workbook

from plancheck.targets import load_targets
from plancheck.template import write_csv_templates, write_template
from plancheck.validate import validate_paths
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


def test_blank_template_asks_for_every_status(tmp_path):
    targets = load_targets()
    f = tmp_path / "t.xlsx"
    write_template(f, targets)
    sub = validate_paths({"schools": f}, {m.id for m in targets.milestones})
    required = [p for p in sub.problems if p.code == "required"]
    assert len(required) == len(targets.milestones) and all(p.column == "进展状态" for p in required)
    assert required[0].cell == "重点项目!C2"  # the status column, after 项目名称
    assert "no_data_rows" in {p.code for p in sub.problems}  # 学校 and 适龄人口 still empty


def test_filled_template_validates_cleanly(tmp_path):
    targets = load_targets()
    f = tmp_path / "t.xlsx"
    write_template(f, targets)
    fill(f, targets)
    sub = validate_paths({"schools": f}, {m.id for m in targets.milestones})
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
    sub = validate_paths({"schools": paths[0], "milestones": paths[2]}, {m.id for m in targets.milestones})
    assert [p.code for p in sub.problems] == ["no_data_rows"]  # the schools CSV is header-only
    assert len(sub.tables["milestones"]) == len(targets.milestones)
