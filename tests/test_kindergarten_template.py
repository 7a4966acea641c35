"""A kindergarten fills in the bureau's own template and checks it before sending (issue 12, item 1): the empty
population sheet is a table not provided, and one school's file never needs the county's population."""

from __future__ import annotations

from openpyxl import load_workbook
from typer.testing import CliRunner

from plancheck.cli import app


def _fill(path, row: dict) -> None:
    wb = load_workbook(path)
    ws = wb["学校"]
    headers = [c.value for c in ws[1]]
    for j, h in enumerate(headers, start=1):
        if h in row:
            ws.cell(2, j, row[h])
    wb.save(path)


KINDERGARTEN = {"学校代码": "5203240101", "学校名称": "安场镇中心幼儿园", "乡镇（街道）": "安场镇", "学校类型": "幼儿园",
                "办学性质": "公办", "在校生数": 150, "班级数": 6, "专职保安配备到位": "是", "封闭化管理达标": "是",
                "一键报警及视频监控联网": "是", "反恐怖防范达标": "是", "校园欺凌事件数": 0, "挂牌督学到位": "是"}


def test_a_kindergartens_filled_in_template_validates(tmp_path):
    book = tmp_path / "kg.xlsx"
    runner = CliRunner()
    assert runner.invoke(app, ["template", "-o", str(book)]).exit_code == 0
    _fill(book, KINDERGARTEN)
    result = runner.invoke(app, ["validate", str(book), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "population_missing" not in result.output
    assert "sheet_not_submitted" in result.output          # the empty 适龄人口 sheet: said, not an error


def test_the_county_run_still_needs_the_population_of_a_kindergartens_town(tmp_path):
    book = tmp_path / "kg.xlsx"
    runner = CliRunner()
    runner.invoke(app, ["template", "-o", str(book)])
    _fill(book, KINDERGARTEN)
    pop = tmp_path / "pop.csv"
    pop.write_text("乡镇（街道）,3-5岁适龄儿童数\n安场镇街道,300\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(book), "--table", f"population={pop}", "--lang", "en",
                                 "--problems", "lines"])
    assert result.exit_code == 3
    # located at the kindergarten's own 乡镇 cell, with the closest town the population table has
    assert "kg.xlsx[学校]:2:乡镇（街道）: error population_missing" in result.output
    assert "did you mean “安场镇街道”" in result.output
