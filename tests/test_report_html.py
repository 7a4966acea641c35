"""The self-contained HTML report: well-formed, charts present, escaping, and (with Chromium) really drawn."""

from __future__ import annotations

import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from plancheck.engine import FAIL, NO_DATA, PASS
from plancheck.report import html as html_report
from report_helpers import GOLDEN, golden_context, hostile_context, sample_context

HOSTILE = ["<script>alert(1)</script>", "a|b \" ' 小学", "&amp; <img src=x onerror=alert(1)>", "ctl\x01\x07 学校"]
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
GREEN, RED = bytes.fromhex("43a047"), bytes.fromhex("e53935")


@pytest.fixture
def in_golden(monkeypatch):
    monkeypatch.chdir(GOLDEN)


def parse(text: str) -> ET.Element:
    assert text.startswith("<!DOCTYPE html>\n")
    return ET.fromstring(text.split("\n", 1)[1])


def by_class(root: ET.Element, tag: str, css: str) -> list[ET.Element]:
    return [e for e in root.iter(tag) if css in (e.get("class") or "").split()]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]


def test_well_formed_and_self_contained(in_golden):
    text = html_report.render(golden_context("zh"))
    root = parse(text)
    assert root.tag == "html" and root.get("lang") == "zh-CN"
    tags = _Tags()
    tags.feed(text)
    assert "script" not in tags.tags and "link" not in tags.tags and "img" not in tags.tags
    assert not [v for k, v in tags.attrs if k in ("src", "href")]
    assert root.find("head/style") is not None


def test_one_bar_and_goal_line_per_metric(in_golden):
    ctx = golden_context("en")
    root = parse(html_report.render(ctx))
    metrics = [r for r in ctx.results if r.kind == "metric"]
    chart = by_class(root, "svg", "metrics")
    assert len(chart) == 1
    rows = by_class(chart[0], "g", "metric")
    assert [g.get("data-target") for g in rows] == [r.target_id for r in metrics]
    for g, r in zip(rows, metrics):
        bars = by_class(g, "rect", "bar")
        assert len(bars) == 1 and r.status in bars[0].get("class").split()
        assert len(by_class(g, "line", "goal")) == 1
        width = float(bars[0].get("width"))
        assert (width > 0) == (r.actual is not None and r.actual > 0)


def test_bar_lengths_follow_the_figures(in_golden):
    ctx = golden_context("en")
    root = parse(html_report.render(ctx))
    width = {g.get("data-target"): float(by_class(g, "rect", "bar")[0].get("width"))
             for g in by_class(root, "g", "metric")}
    # percent rows share one scale: 86.67% enrolment is drawn longer than 46.15% public share
    assert width["preschool_gross_enrolment"] > width["public_kindergarten_share"] > 0
    ratio = width["public_kindergarten_share"] / width["preschool_gross_enrolment"]
    assert abs(ratio - (6 / 13) / (13 / 15)) < 0.01


def test_town_grid_coloured_per_town_and_target(in_golden):
    ctx = golden_context("zh", by=("town",))
    root = parse(html_report.render(ctx))
    grid = [s for s in by_class(root, "svg", "grid") if s.get("data-column") == "town"]
    assert len(grid) == 1
    rows = by_class(grid[0], "g", "group-row")
    assert [g.get("data-group") for g in rows] == list(ctx.groups["town"])
    for g, results in zip(rows, ctx.groups["town"].values()):
        statuses = [next(c for c in cell.get("class").split() if c in (PASS, FAIL, NO_DATA))
                    for cell in by_class(g, "rect", "cell")]
        assert statuses == [r.status for r in results]
    anchang = next(g for g in rows if g.get("data-group") == "安场镇")
    assert sum("fail" in c.get("class") for c in by_class(anchang, "rect", "cell")) >= 5


def test_no_grid_without_groups(in_golden):
    root = parse(html_report.render(golden_context("en", by=())))
    assert not by_class(root, "svg", "grid")


def test_same_content_as_markdown(in_golden):
    ctx = golden_context("zh")
    root = parse(html_report.render(ctx))
    text = "".join(root.itertext())
    for needle in ("核查日期：2021-12-31", "安场镇春苗幼儿园", "还需增加 28 名幼儿", "重点项目进展", "与上次核查对比",
                   "数据质量说明", "平均每班 60.0 人"):
        assert needle in text
    assert len(root.findall(".//h3")) >= 7


def test_hostile_names_escaped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = html_report.render(hostile_context(HOSTILE, "zh", tmp_path))
    root = parse(text)  # control characters and quotes cannot break well-formedness
    tags = _Tags()
    tags.feed(text)
    assert "script" not in tags.tags and "img" not in tags.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>alert(1)</script>" in "".join(root.itertext())  # shown as text
    groups = [g.get("data-group") for g in by_class(root, "g", "group-row")]
    assert groups == ["凤仪街道", "安场镇"]


# ------------------------------------------------------------------ in a real browser
def _chromium(*args: str) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--no-first-run", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def read_png(path: Path) -> tuple[int, int, int, list[bytes]]:
    """A minimal PNG reader (8-bit RGB/RGBA, not interlaced): width, height, bytes per pixel, rows."""
    data = path.read_bytes()
    pos, idat, header = 8, [], None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
    width, height, depth, ctype, _, _, interlace = header
    assert depth == 8 and ctype in (2, 6) and interlace == 0
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(b"".join(idat)), width * bpp
    prev, rows = bytearray(stride), []
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def _count(rows: list[bytes], bpp: int, colour: bytes) -> int:
    return sum(1 for row in rows for i in range(0, len(row), bpp) if row[i:i + 3] == colour)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_console_check_can_fail(tmp_path):
    """The console check below is not vacuous: a page with a script error is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>undefinedFunction();</script></body></html>", encoding="utf-8")
    assert _console(_chromium("--dump-dom", bad.as_uri()).stderr)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_chromium_loads_without_console_errors_and_draws_charts(tmp_path, monkeypatch):
    monkeypatch.chdir(GOLDEN)
    ctx = golden_context("en")
    page = tmp_path / "report.html"
    page.write_text(html_report.render(ctx), encoding="utf-8")
    dom = _chromium("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert not _console(dom.stderr), _console(dom.stderr)
    assert dom.stdout.count('class="bar ') == sum(r.kind == "metric" for r in ctx.results)
    assert "Who holds the failing targets back" in dom.stdout
    shot = tmp_path / "report.png"
    run = _chromium(f"--screenshot={shot}", "--window-size=1000,1100", "--hide-scrollbars", page.as_uri())
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    width, height, bpp, rows = read_png(shot)
    assert (width, height) == (1000, 1100)
    # the bars are drawn: passing (green) and failing (red) bars cover many pixels in the first screen
    assert _count(rows, bpp, GREEN) > 2000
    assert _count(rows, bpp, RED) > 2000


def test_sample_county_html_has_twenty_towns():
    ctx = sample_context("zh")
    root = parse(html_report.render(ctx))
    grid = by_class(root, "svg", "grid")[0]
    assert len(by_class(grid, "g", "group-row")) == 20
    assert len(by_class(grid, "rect", "cell")) == 20 * sum(r.kind == "metric" for r in ctx.results)
