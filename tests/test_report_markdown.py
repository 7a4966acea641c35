"""The Markdown meeting summary: golden documents, escaping of hostile names, structure."""

from __future__ import annotations

import os
import re

import pytest

from plancheck.engine import FAIL, PASS
from plancheck.report import markdown
from plancheck.report.markdown import md_escape
from report_helpers import GOLDEN, golden_context, hostile_context, sample_context

UPDATE = os.environ.get("PLANCHECK_UPDATE_GOLDEN") == "1"
LARGE_CLASSES = "Oversized classes in compulsory education"
HOSTILE = ["<script>alert(1)</script>", "a|b|c 小学", "`rm -rf` 幼儿园", "*bold* _x_ [link](http://e.x)",
           "line\nbreak\r\n学校", "&amp; & <b>", "- 1. # heading", "\\| escaped pipe"]


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; rerun with PLANCHECK_UPDATE_GOLDEN=1 and review"


@pytest.fixture
def in_golden(monkeypatch):
    monkeypatch.chdir(GOLDEN)


def test_golden_zh_with_term_breakdown_and_baseline(in_golden):
    _check_golden("summary.zh.md", markdown.render(golden_context("zh")))


def test_golden_en_plain(in_golden):
    _check_golden("summary.en.md", markdown.render(golden_context("en", term=None, by=(), with_baseline=False)))


def _table_rows(text: str, header_start: str) -> list[list[str]]:
    """Cells of the table whose header row starts with ``header_start`` (split on unescaped pipes)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def test_section_tables_and_heading_facts(in_golden):
    text = markdown.render(golden_context("zh"))
    assert text.startswith("# 正安县教育局2021年工作要点 目标核查报告（2021秋季）\n")
    assert "核查日期：2021-12-31" in text
    for section in ("一、", "二、", "三、", "四、", "五、", "六、", "七、"):
        assert f"\n### {section}" in text
    # every row of every table has as many cells as its header
    for header in ("| 条目 |", "| 学校 |", "| 部分 |", "| 目标 |", "| 乡镇 |", "| 级别 |", "| 文件 |"):
        rows = _table_rows(text, header)
        assert len({len(r) for r in rows}) == 1, header
    sources = _table_rows(text, "| 文件 |")
    assert [r[:2] for r in sources[2:]] == [["input/schools.csv", "8"], ["input/population.csv", "2"],
                                             ["input/milestones.csv", "3"]]
    assert all(re.fullmatch(r"`[0-9a-f]{64}`", r[2]) for r in sources[2:])


def test_verdict_counts_match_results(in_golden):
    ctx = golden_context("en", with_baseline=False)
    text = markdown.render(ctx)
    fails = sum(r.status == FAIL for r in ctx.results)
    passes = sum(r.status == PASS for r in ctx.results)
    assert f"{passes} pass, {fails} fail" in text
    assert "Gross enrolment rate, three years of preschool (86.67%, goal ≥ 96%)" in text


def test_holders_back_names_towns_and_what_each_needs(in_golden):
    text = markdown.render(golden_context("zh"))
    towns = _table_rows(text, "| 乡镇 | 本乡镇数值 |")
    # 安场镇: 80 of 100 -> needs 96, +16; 凤仪街道: 180 of 200 -> needs 192, +12
    assert towns[2:] == [["安场镇", "80.0%", "+16 名幼儿"], ["凤仪街道", "90.0%", "+12 名幼儿"]]
    assert "| 安场镇中心小学 | 安场镇 | 2 | −2 个大班额班级 | input/schools.csv 第 6 行 |" in text


def test_data_quality_notes_at_the_end(in_golden):
    text = markdown.render(golden_context("en", with_baseline=False))
    notes = text[text.index("## Data quality notes"):]
    assert "input/schools.csv row 9" in notes and "“合计”" in notes
    assert "60.0 pupils per class on average" in notes
    assert text.index("## Data quality notes") > text.index("## Milestones")


def test_baseline_section(in_golden):
    text = markdown.render(golden_context("en", with_baseline=True))
    rows = {r[0]: r for r in _table_rows(text, "| target | before |")[2:]}
    assert rows[LARGE_CLASSES][1:] == ["5 (fail)", "**2 (fail)**", "↓", "improved"]
    assert rows["Attrition rate of secondary vocational students"][3:] == ["↓", "newly passing"]
    assert rows["Share of kindergarten children in public kindergartens"][3:] == ["↓", "**newly failing**"]
    assert rows["Teachers meeting training hours"][4] == "target removed"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_names_cannot_break_tables_or_inject_html(tmp_path, monkeypatch, lang):
    monkeypatch.chdir(tmp_path)
    text = markdown.render(hostile_context(HOSTILE, lang, tmp_path))
    assert "<script" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "a\\|b\\|c 小学" in text
    assert "\\`rm -rf\\` 幼儿园" in text
    for header in (("| 条目 |", "| 学校 |", "| 部分 |") if lang == "zh" else ("| item |", "| school |", "| section |")):
        rows = _table_rows(text, header)
        assert len({len(r) for r in rows}) == 1, header
    # a newline in a name becomes a space: the table row stays on one line
    assert "line break 学校" in text


@pytest.mark.parametrize("raw, shown", [
    ("a|b", "a\\|b"), ("<script>", "&lt;script&gt;"), ("x & y", "x &amp; y"), ("`code`", "\\`code\\`"),
    ("*a* _b_", "\\*a\\* \\_b\\_"), ("[x](y)", "\\[x\\](y)"), ("one\ntwo\r\nthree", "one two three"),
    ("正安县第一中学", "正安县第一中学"),
])
def test_md_escape(raw, shown):
    assert md_escape(raw) == shown


def test_md_escape_line_start():
    assert md_escape("- x", line_start=True) == "\\- x"
    assert md_escape("1. x", line_start=True) == "1\\. x"
    assert md_escape("98.5%") == "98.5%"


def test_sample_county_summary_names_the_designed_failures():
    text = markdown.render(sample_context("en"))
    assert "| 正安县安场镇中心小学 | 安场镇 | 2 | −2 " in text
    for name in ("正安县庙塘镇复兴小学", "正安县流渡镇和平小学", "正安县瑞溪镇中学"):
        assert name in text
    assert "## By town" in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rendered_by_a_markdown_parser_tables_hold_and_no_html_gets_through(tmp_path, monkeypatch, lang):
    """Through a CommonMark parser with GFM tables (markdown-it-py, rich's dependency), as GitHub renders it."""
    markdown_it = pytest.importorskip("markdown_it")
    from html.parser import HTMLParser

    monkeypatch.chdir(tmp_path)
    ctx = hostile_context(HOSTILE, lang, tmp_path)
    rendered = markdown_it.MarkdownIt("commonmark").enable("table").render(markdown.render(ctx))

    class Tables(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.rows = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            if tag == "tr":
                self.rows.append(0)
            if tag in ("td", "th"):
                self.rows[-1] += 1

    seen = Tables()
    seen.feed(rendered)
    assert not {"script", "b", "img", "a", "em"} & set(seen.tags)
    # every row of every table has the header's width: no name split a row
    tables = rendered.split("<table>")[1:]
    assert len(tables) >= 5
    for t in tables:
        widths = {row.count("<td") + row.count("<th") for row in t.split("</table>")[0].split("<tr>")[1:]}
        assert len(widths) == 1, widths
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert "a|b|c 小学" in rendered and "`rm -rf` 幼儿园" in rendered


def test_school_type_breakdown_in_the_readers_words(in_golden):
    text = markdown.render(golden_context("zh", by=("school_type",), with_baseline=False))
    rows = _table_rows(text, "| 学校类型 |")
    assert sorted(r[0] for r in rows[2:]) == sorted(["幼儿园", "小学", "初中", "中职"])
    # kindergartens: 60 of 260 children in private inclusive + 120 public = 180 -> 69.23%, as county-wide
    kg = next(r for r in rows if r[0] == "幼儿园")
    assert kg[2] == "**✘ 69.23%**"
