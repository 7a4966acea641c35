"""The synthetic county in sample_data/: reproducible, committed as generated, and designed to pass/fail.

Figures are recomputed here with ``csv`` and plain sums (independently of
plancheck's own engine), so the sample data stay a fixed point for the engine's tests.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
GENERATE = SAMPLE / "generate.py"
TARGETS = ROOT / "targets.yaml"
CSVS = ("schools.csv", "population.csv", "milestones.csv")
XLSX = "county-2021-autumn.xlsx"
REGEN = "run `python sample_data/generate.py` and commit sample_data/"


def run_generator(out: Path, *extra: str) -> None:
    subprocess.run([sys.executable, str(GENERATE), "--out", str(out), "--quiet", *extra],
                   check=True, capture_output=True, cwd=ROOT)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def milestone_targets() -> list[dict]:
    if not TARGETS.exists():
        return []
    data = yaml.safe_load(TARGETS.read_text(encoding="utf-8")) or {}
    targets = data.get("targets", []) if isinstance(data, dict) else data
    return [t for t in targets or [] if isinstance(t, dict) and t.get("kind") == "milestone"]


def xlsx_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample_a")
    run_generator(out)
    return out


@pytest.fixture(scope="module")
def schools(fresh) -> list[dict[str, str]]:
    return read_csv(fresh / "schools.csv")


def test_two_runs_are_byte_identical(fresh, tmp_path):
    run_generator(tmp_path)
    for name in CSVS + (XLSX,):
        assert (fresh / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_other_seed_gives_other_data(fresh, tmp_path):
    run_generator(tmp_path, "--seed", "7")
    assert (fresh / "schools.csv").read_bytes() != (tmp_path / "schools.csv").read_bytes()


def test_committed_files_match_the_generator(fresh):
    for name in CSVS:
        committed = SAMPLE / name
        assert committed.exists(), f"{name} missing; {REGEN}"
        assert committed.read_bytes() == (fresh / name).read_bytes(), f"{name} drifted from generate.py; {REGEN}"
    # xlsx: compare the unzipped parts (deflate bytes may differ between zlib builds)
    assert xlsx_members(SAMPLE / XLSX) == xlsx_members(fresh / XLSX), f"{XLSX} drifted; {REGEN}"


def test_csv_encoding_and_headers(fresh):
    from plan2021 import TABLES

    for name, table in (("schools.csv", "schools"), ("population.csv", "population"),
                        ("milestones.csv", "milestones")):
        raw = (fresh / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), f"{name} lacks the UTF-8 BOM"
        header = raw[3:].split(b"\r\n", 1)[0].decode("utf-8").split(",")
        assert header == [c.zh for c in TABLES[table].columns], name


def test_rows_satisfy_the_contract(fresh):
    from plan2021 import CONTRACT

    for name, table in (("schools.csv", "schools"), ("population.csv", "population"),
                        ("milestones.csv", "milestones")):
        model = CONTRACT.row_model(table)   # the row model with the plan's error rules
        for row in read_csv(fresh / name):
            model.model_validate({k: (v if v != "" else None) for k, v in row.items()})


def test_workbook_layout(fresh):
    from openpyxl import load_workbook

    wb = load_workbook(fresh / XLSX, read_only=False)
    assert wb.sheetnames == ["学校", "适龄人口", "重点项目"]
    ws = wb["学校"]
    assert ws.cell(1, 1).value == "正安县2021年秋季学期学校基础数据统计表"
    assert any(str(r) .startswith("A1:") for r in ws.merged_cells.ranges)
    assert ws.cell(2, 1).value == "学校代码"
    n_schools = len(read_csv(fresh / "schools.csv"))
    assert ws.max_row == n_schools + 2
    assert isinstance(ws.cell(3, 1).value, str)  # codes stay text
    assert wb["适龄人口"].cell(1, 1).value == "乡镇（街道）"
    assert wb["重点项目"].cell(1, 1).value == "项目编号"


def test_school_ids_unique(schools):
    ids = [r["学校代码"] for r in schools]
    assert len(ids) == len(set(ids))
    assert all(len(i) == 10 and i.isdigit() for i in ids)


def test_county_shape(schools, fresh):
    types = {r["学校类型"] for r in schools}
    assert types == {"幼儿园", "小学", "初中", "九年一贯制", "普通高中", "完全中学", "中职", "特殊教育"}
    assert len(schools) >= 300
    towns = [r["乡镇（街道）"] for r in read_csv(fresh / "population.csv")]
    assert len(towns) == len(set(towns)) >= 19
    assert {r["乡镇（街道）"] for r in schools} == set(towns)


def test_every_milestone_has_a_row(fresh):
    targets = milestone_targets()
    if not targets:
        pytest.skip("targets.yaml has no milestone targets yet")
    rows = read_csv(fresh / "milestones.csv")
    assert sorted(r["项目编号"] for r in rows) == sorted(str(t["id"]) for t in targets)
    order = ["未启动", "已启动", "已完成"]
    need = {"started": "已启动", "completed": "已完成", "已启动": "已启动", "已完成": "已完成"}
    req = {str(t["id"]): need.get(str(t.get("required_status", "completed")), "已完成") for t in targets}
    short = [r for r in rows if order.index(r["进展状态"]) < order.index(req[r["项目编号"]])]
    assert len(short) == min(3, len(rows))


def test_designed_figures(schools, fresh):
    def num(v: str) -> int:
        return int(v) if v else 0

    kg = [r for r in schools if r["学校类型"] == "幼儿园"]
    kids = sum(num(r["在校生数"]) for r in kg)
    pop = sum(num(r["3-5岁适龄儿童数"]) for r in read_csv(fresh / "population.csv"))
    public = sum(num(r["在校生数"]) for r in kg if r["办学性质"] == "公办")
    inclusive = sum(num(r["在校生数"]) for r in kg if r["是否普惠"] == "是"
                    or (r["是否普惠"] == "" and r["办学性质"] == "公办"))
    voc = [r for r in schools if r["学校类型"] == "中职"]
    attrition = sum(num(r["流失学生数"]) for r in voc) / sum(num(r["学年初在籍学生数"]) for r in voc)

    gross, coverage, share = kids / pop, inclusive / kids, public / kids
    assert 0.96 <= gross < 0.98                     # >= 96 %: pass
    assert 0.95 <= coverage < 0.97                  # >= 95 %: pass
    assert 0.60 < share < 0.65                      # >= 65 %: FAIL
    assert share < 0.65 < 0.95 <= coverage < gross
    assert 0.05 < attrition <= 0.10                 # <= 10 %: pass

    def count(col: str, value: str) -> int:
        return sum(1 for r in schools if r[col] == value)

    assert count("体质健康数据已上报", "否") == 3       # FAIL
    assert all(r["体质健康数据已上报"] == "" for r in kg)
    assert count("专职保安配备到位", "否") == 0         # pass
    assert count("封闭化管理达标", "否") == 2           # FAIL
    assert count("一键报警及视频监控联网", "否") == 0   # pass
    assert count("挂牌督学到位", "否") == 0             # pass
    antiterror = count("反恐怖防范达标", "是") / len(schools)
    assert 0.80 <= antiterror < 0.90                # >= 80 %: pass

    large = [r for r in schools if num(r["大班额班级数"]) > 0]
    assert sum(num(r["大班额班级数"]) for r in large) == 4 and len(large) == 2   # FAIL
    assert all(r["乡镇（街道）"].endswith(("镇", "乡")) for r in large)
    assert sum(num(r["辍学学生数"]) for r in schools) == 0                      # pass
    assert sum(num(r["校园欺凌事件数"]) for r in schools) == 1                  # FAIL


def test_plausible_sizes(schools):
    for r in schools:
        students, classes = int(r["在校生数"]), int(r["班级数"])
        assert classes >= 1
        if r["学校类型"] != "特殊教育" and students >= 300:
            assert 20 <= students / classes <= 55, r["学校名称"]
    voc = [r for r in schools if r["学校类型"] == "中职"]
    assert len(voc) == 1 and voc[0]["学校名称"] == "正安县中等职业学校"
    assert 2000 <= int(voc[0]["在校生数"]) <= 3000
