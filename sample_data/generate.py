#!/usr/bin/env python3
"""Generate the synthetic 正安县 sample county used by plancheck's examples and tests.

Everything here is invented (school sizes, codes, flags, population); only the
town names and a few school names follow the real county. The output is
reproducible: the same ``--seed`` gives byte-identical CSVs and xlsx.

    python sample_data/generate.py [--out DIR] [--seed N]

Writes into DIR (default: this folder):

* ``schools.csv``, ``population.csv``, ``milestones.csv`` - UTF-8 with BOM, CRLF;
* ``county-2021-autumn.xlsx`` - the same three tables as sheets 学校 / 适龄人口 / 重点项目.

The milestone ids are read from ``targets.yaml`` (repository root) at run time.
Some targets pass and some fail *by design*; the script prints the county
figures at the end (see README.md in this folder).

Only the standard library, PyYAML and openpyxl are used; all randomness comes
from one ``random.Random(seed)``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import random
import sys
import zipfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_SEED = 2021
XLSX_NAME = "county-2021-autumn.xlsx"
XLSX_TITLE = "正安县2021年秋季学期学校基础数据统计表"
#: Fixed timestamp for workbook properties and zip entries (keeps the xlsx byte-stable).
FIXED_TIME = dt.datetime(2021, 10, 15, 9, 0, 0)

# ----------------------------------------------------------------- the contract
SCHOOL_HEADERS = [
    "学校代码", "学校名称", "乡镇（街道）", "学校类型", "办学性质", "是否普惠", "在校生数", "班级数",
    "大班额班级数", "辍学学生数", "学年初在籍学生数", "流失学生数", "体质健康数据已上报",
    "专职保安配备到位", "封闭化管理达标", "一键报警及视频监控联网", "反恐怖防范达标", "校园欺凌事件数",
    "挂牌督学到位",
]
POPULATION_HEADERS = ["乡镇（街道）", "3-5岁适龄儿童数"]
MILESTONE_HEADERS = ["项目编号", "进展状态", "备注"]

TYPE_ZH = {
    "kindergarten": "幼儿园", "primary": "小学", "junior": "初中", "nine_year": "九年一贯制",
    "senior": "普通高中", "complete_secondary": "完全中学", "vocational": "中职", "special": "特殊教育",
}
COMPULSORY = ("primary", "junior", "nine_year", "complete_secondary")
STATUS_ZH = {"not_started": "未启动", "started": "已启动", "completed": "已完成"}
STATUS_FROM = {**{v: k for k, v in STATUS_ZH.items()}, **{k: k for k in STATUS_ZH}}
STATUS_ORDER = ["not_started", "started", "completed"]

# ------------------------------------------------------------------- the county
# (name, short name used in school names, kind) - 3 subdistricts, 15 towns, 2 ethnic townships.
TOWNS = [
    ("凤仪街道", "凤仪街道", "urban"),
    ("瑞濠街道", "瑞濠街道", "urban"),
    ("桴焉街道", "桴焉街道", "suburb"),
    ("安场镇", "安场镇", "big"),
    ("土坪镇", "土坪镇", "big"),
    ("流渡镇", "流渡镇", "town"),
    ("格林镇", "格林镇", "town"),
    ("新州镇", "新州镇", "town"),
    ("庙塘镇", "庙塘镇", "town"),
    ("小雅镇", "小雅镇", "town"),
    ("中观镇", "中观镇", "town"),
    ("杨兴镇", "杨兴镇", "town"),
    ("碧峰镇", "碧峰镇", "town"),
    ("瑞溪镇", "瑞溪镇", "town"),
    ("和溪镇", "和溪镇", "town"),
    ("乐俭镇", "乐俭镇", "town"),
    ("班竹镇", "班竹镇", "town"),
    ("芙蓉江镇", "芙蓉江镇", "small"),
    ("市坪苗族仡佬族乡", "市坪乡", "small"),
    ("谢坝仡佬族苗族乡", "谢坝乡", "small"),
]

VILLAGES = [
    "大坪", "新华", "石门", "青山", "永安", "太平", "长坝", "龙井", "白果", "桃园", "红岩", "田坝",
    "高峰", "新民", "光明", "双河", "金竹", "茶园", "三合", "柏香", "团结", "和平", "楠木", "松林",
    "银杏", "梨坝", "杉木", "水井", "凉风", "岩门", "黄泥", "马鞍", "观音", "沙坝", "新田", "尖山",
    "河坝", "堰塘", "青杠", "大塘", "花园", "枫香", "桂花", "关口", "石龙", "庙坝", "龙泉", "回龙",
    "合心", "文家", "杨柳", "复兴", "新春", "凤凰", "万兴", "鱼塘", "兴隆", "朝阳", "民主", "长青",
]
PRIVATE_KG = [
    "金太阳", "小天使", "童心", "启明星", "蓝天", "阳光", "七彩虹", "贝贝", "育苗", "快乐宝贝",
    "博雅", "新星", "春苗", "金色童年", "爱心", "彩虹桥", "智慧树", "小太阳", "红苹果", "星星",
    "未来星", "小博士", "苗苗", "开心果",
]

# Schools by design: (town, name, type, ownership, students, class size, extra)
COUNTY_SCHOOLS = [
    ("凤仪街道", "正安县第一中学", "senior", "公办", 3860, 52),
    ("凤仪街道", "正安县第二中学", "senior", "公办", 3240, 51),
    ("瑞濠街道", "正安县第三中学", "complete_secondary", "公办", 2580, 49),
    ("凤仪街道", "正安县第四中学", "junior", "公办", 2160, 49),
    ("瑞濠街道", "正安县第五中学", "junior", "公办", 1780, 48),
    ("桴焉街道", "正安县第六中学", "senior", "公办", 2420, 50),
    ("土坪镇", "正安县第七中学", "complete_secondary", "公办", 1860, 48),
    ("安场镇", "正安县第八中学", "senior", "公办", 2910, 51),
    ("凤仪街道", "正安县博文中学", "complete_secondary", "民办", 1150, 46),
    ("凤仪街道", "正安县育英实验学校", "nine_year", "民办", 1620, 45),
    ("凤仪街道", "正安县第一小学", "primary", "公办", 3020, 49),
    ("凤仪街道", "正安县第二小学", "primary", "公办", 2640, 48),
    ("瑞濠街道", "正安县第三小学", "primary", "公办", 2250, 48),
    ("桴焉街道", "正安县第四小学", "primary", "公办", 1830, 47),
    ("瑞濠街道", "正安县第五小学", "primary", "公办", 1560, 46),
    ("凤仪街道", "正安县特殊教育学校", "special", "公办", 158, 12),
    ("瑞濠街道", "正安县中等职业学校", "vocational", "公办", None, 46),
]
COUNTY_KINDERGARTENS = [  # public county kindergartens
    ("凤仪街道", "正安县第一幼儿园", 620),
    ("凤仪街道", "正安县第二幼儿园", 540),
    ("瑞濠街道", "正安县第三幼儿园", 480),
    ("瑞濠街道", "正安县瑞濠幼儿园", 510),
]
#: Two town schools with two 56+ classes each (target "no large classes" fails by design).
LARGE_CLASS_SCHOOLS = {"正安县安场镇中心小学": 2, "正安县流渡镇中学": 2}
#: Towns whose junior school is a public nine-year school instead of a 中学.
NINE_YEAR_TOWNS = {"芙蓉江镇", "市坪苗族仡佬族乡"}

# Designed county figures.
GOAL_GROSS_ENROLMENT = 0.97
GOAL_PUBLIC_SHARE = 0.62
GOAL_NON_INCLUSIVE_SHARE = 0.04   # -> inclusive coverage ~96 %
VOC_START = 2700
VOC_ATTRITION = 0.07
HEALTH_NOT_REPORTED = 3
NOT_CLOSED_CAMPUS = 2
ANTITERROR_RATE = 0.85
BULLYING_INCIDENTS = 1
MILESTONES_SHORT = 3
#: Words in a milestone title that mark it as not a building project (for the 备注 text only).
NON_WORKS = ("申创", "复评", "申报", "设立", "创建", "监测")


# ------------------------------------------------------------------- helpers
def apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(math.floor(r)) for r in raw]
    rest = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[:rest]:
        out[i] += 1
    return out


def yn(flag: bool | None) -> str:
    return "" if flag is None else ("是" if flag else "否")


def classes_for(students: int, size: float) -> int:
    return max(1, math.ceil(students / size))


def load_milestones(targets_path: Path) -> list[dict]:
    """Milestone targets (id, required_status, title_zh) from targets.yaml, in file order."""
    if not targets_path.exists():
        return []
    data = yaml.safe_load(targets_path.read_text(encoding="utf-8")) or {}
    targets = data.get("targets", []) if isinstance(data, dict) else data
    if isinstance(targets, dict):  # tolerate a mapping id -> target
        targets = [{"id": k, **(v or {})} for k, v in targets.items()]
    out = []
    for t in targets or []:
        if isinstance(t, dict) and t.get("kind") == "milestone":
            status = STATUS_FROM.get(str(t.get("required_status", "completed")).strip(), "completed")
            out.append({"id": str(t["id"]), "required_status": status, "title_zh": t.get("title_zh") or ""})
    return out


# ------------------------------------------------------------------ generation
def generate(seed: int, targets_path: Path) -> dict:
    rng = random.Random(seed)
    schools: list[dict] = []

    def add(town, name, stype, ownership, students, classes, **extra):
        row = {
            "town": town, "name": name, "type": stype, "ownership": ownership,
            "students": students, "classes": classes, "inclusive": None, "large": None, "dropouts": None,
            "start": None, "lost": None, "health": None, "guards": True, "closed": True, "alarm": True,
            "antiterror": True, "bullying": 0, "supervisor": True,
        }
        row.update(extra)
        schools.append(row)
        return row

    # --- county-level schools (city proper)
    by_town: dict[str, list] = {t[0]: [] for t in TOWNS}
    for town, name, stype, own, students, size in COUNTY_SCHOOLS:
        by_town[town].append((name, stype, own, students, size))

    kg_public: list[dict] = []
    kg_private: list[dict] = []
    for town, short, kind in TOWNS:
        villages = rng.sample(VILLAGES, 24)
        # kindergartens: county kindergartens, the town's central kindergarten, village kindergartens
        for t, name, n in COUNTY_KINDERGARTENS:
            if t == town:
                kg_public.append(add(town, name, "kindergarten", "公办", n + rng.randint(-30, 30), 0))
        central_kg = {"urban": (380, 460), "suburb": (300, 380), "big": (330, 420), "town": (180, 300),
                      "small": (120, 180)}[kind]
        kg_public.append(add(town, f"正安县{short}中心幼儿园", "kindergarten", "公办", rng.randint(*central_kg), 0))
        n_village_kg = {"urban": 0, "suburb": 1, "big": 3, "town": rng.randint(1, 3), "small": 1}[kind]
        for v in villages[:n_village_kg]:
            kg_public.append(add(town, f"正安县{short}{v}幼儿园", "kindergarten", "公办", rng.randint(35, 110), 0))
        n_private_kg = {"urban": rng.randint(5, 6), "suburb": 3, "big": 3, "town": rng.randint(1, 2),
                        "small": 1}[kind]
        for p in rng.sample(PRIVATE_KG, n_private_kg):
            kg_private.append(add(town, f"正安县{short}{p}幼儿园", "kindergarten", "民办", 0, 0))

        # county schools located in this town
        for name, stype, own, students, size in by_town[town]:
            if stype == "vocational":
                continue
            s = students + rng.randint(-40, 40) if students > 300 else students
            add(town, name, stype, own, s, classes_for(s, size + rng.uniform(-1.5, 1.0)))

        # central primary and village primaries
        central = {"urban": (1100, 1400), "suburb": (900, 1200), "big": (1300, 1600), "town": (520, 1100),
                   "small": (380, 560)}[kind]
        s = rng.randint(*central)
        add(town, f"正安县{short}中心小学", "primary", "公办", s, classes_for(s, rng.uniform(44, 49)))
        n_village = {"urban": 2, "suburb": 5, "big": rng.randint(10, 12), "town": rng.randint(8, 11),
                     "small": rng.randint(6, 8)}[kind]
        for v in villages[:n_village]:
            s = rng.randint(30, 200)
            add(town, f"正安县{short}{v}小学", "primary", "公办", s, min(6, max(3, math.ceil(s / 18))))

        # the town's junior school (or nine-year school)
        if kind != "urban":
            if town in NINE_YEAR_TOWNS:
                s = rng.randint(780, 1050)
                add(town, f"正安县{short}九年一贯制学校", "nine_year", "公办", s, classes_for(s, rng.uniform(40, 46)))
            else:
                rng_j = {"suburb": (900, 1200), "big": (1200, 1500), "town": (500, 1100), "small": (500, 700)}[kind]
                s = rng.randint(*rng_j)
                add(town, f"正安县{short}中学", "junior", "公办", s, classes_for(s, rng.uniform(44, 49)))

        if town == "瑞濠街道":  # the vocational school
            lost = round(VOC_START * VOC_ATTRITION) + rng.randint(-3, 3)
            add(town, "正安县中等职业学校", "vocational", "公办", VOC_START - lost,
                classes_for(VOC_START - lost, 46), start=VOC_START, lost=lost)

    # --- kindergarten sizes: public share and inclusive coverage by design
    public_total = sum(r["students"] for r in kg_public)
    kg_total = round(public_total / (GOAL_PUBLIC_SHARE + rng.uniform(-0.004, 0.004)))
    private_total = kg_total - public_total
    non_inclusive = rng.sample(kg_private, 4)
    ni_total = round(kg_total * (GOAL_NON_INCLUSIVE_SHARE + rng.uniform(-0.003, 0.003)))
    for row, n in zip(non_inclusive, apportion(ni_total, [rng.uniform(0.7, 1.3) for _ in non_inclusive])):
        row["students"] = n
    inclusive_private = [r for r in kg_private if r not in non_inclusive]
    weights = [rng.uniform(0.5, 2.5) for _ in inclusive_private]
    for row, n in zip(inclusive_private, apportion(private_total - ni_total, weights)):
        row["students"] = n
    for row in kg_public + kg_private:
        row["classes"] = classes_for(row["students"], rng.uniform(27, 33))
        row["inclusive"] = None if (row["ownership"] == "公办" and rng.random() < 0.3) else True
    for row in non_inclusive:
        row["inclusive"] = False

    # --- per-type columns
    for row in schools:
        t = row["type"]
        if t in COMPULSORY:
            row["large"] = LARGE_CLASS_SCHOOLS.get(row["name"], 0)
        if t in COMPULSORY or t == "special":
            row["dropouts"] = 0
        if t != "kindergarten":
            row["health"] = True
    for name, n in LARGE_CLASS_SCHOOLS.items():
        row = next(r for r in schools if r["name"] == name)
        row["classes"] = classes_for(row["students"], rng.uniform(51, 53))  # crowded, some classes 56+

    # --- flags that fail by design
    village_primaries = [r for r in schools if r["type"] == "primary" and r["students"] <= 200]
    for row in rng.sample(village_primaries, HEALTH_NOT_REPORTED):
        row["health"] = False
    for row in rng.sample([r for r in village_primaries if r["health"]], NOT_CLOSED_CAMPUS):
        row["closed"] = False
    n_antiterror_fail = round(len(schools) * (1 - ANTITERROR_RATE))
    weak = [r for r in schools if (r["type"] == "primary" and r["students"] <= 200)
            or (r["type"] == "kindergarten" and r["students"] < 150)]
    for row in rng.sample(weak, n_antiterror_fail):
        row["antiterror"] = False
    juniors = [r for r in schools if r["type"] == "junior" and r["town"] not in ("凤仪街道", "瑞濠街道")]
    rng.choice(juniors)["bullying"] = BULLYING_INCIDENTS

    # --- school codes: 520324 + 4 digits, in table order with small gaps
    code = 0
    for row in schools:
        code += rng.randint(1, 3)
        row["id"] = f"520324{code:04d}"

    # --- population 3-5: each town's kindergarten children over a local enrolment rate
    towns = [t[0] for t in TOWNS]
    kids = {t: sum(r["students"] for r in schools if r["type"] == "kindergarten" and r["town"] == t) for t in towns}
    local = {t: rng.uniform(1.05, 1.25) if t in ("凤仪街道", "瑞濠街道") else rng.uniform(0.86, 0.98)
             for t in towns}
    pop_total = round(sum(kids.values()) / (GOAL_GROSS_ENROLMENT + rng.uniform(-0.004, 0.004)))
    population = dict(zip(towns, apportion(pop_total, [kids[t] / local[t] for t in towns])))

    # --- milestones: most on track, MILESTONES_SHORT one step short of the requirement
    milestones = []
    ms = load_milestones(targets_path)
    short = set(rng.sample(range(len(ms)), min(MILESTONES_SHORT, len(ms))))
    for i, m in enumerate(ms):
        req = STATUS_ORDER.index(m["required_status"])
        # appraisals, applications, set-ups and monitoring get different remarks from building works
        works = not any(w in m["title_zh"] for w in NON_WORKS)
        if i in short:
            level = max(0, req - 1)
            note = rng.choice(["受资金拨付影响，进度滞后", "用地手续未完成，进度滞后", "设计变更，工期顺延"] if works
                              else ["申报材料准备中，进度滞后", "筹备工作未完成，顺延至下半年"])
        else:
            level = 2 if req == 2 or rng.random() < 0.4 else req
            note = {2: rng.choice(["已竣工验收", "已完成并通过验收", "已交付使用"] if works
                                  else ["已完成", "已通过评审", "已按要求完成"]),
                    1: rng.choice(["主体施工中", "按计划推进", "已开工建设"] if works
                                  else ["按计划推进", "材料已报送，等待评审"]),
                    0: "按计划暂未启动"}[level]
        if i in short and level == req:  # required 'not_started' cannot be short
            note = "按计划暂未启动"
        milestones.append({"id": m["id"], "status": STATUS_ORDER[level], "note": note,
                           "required": m["required_status"], "title": m["title_zh"]})

    return {"schools": schools, "population": population, "milestones": milestones}


# ------------------------------------------------------------------- writing
def school_cells(row: dict) -> list:
    def num(v):
        return "" if v is None else v

    return [
        row["id"], row["name"], row["town"], TYPE_ZH[row["type"]], row["ownership"], yn(row["inclusive"]),
        row["students"], row["classes"], num(row["large"]), num(row["dropouts"]), num(row["start"]),
        num(row["lost"]), yn(row["health"]), yn(row["guards"]), yn(row["closed"]), yn(row["alarm"]),
        yn(row["antiterror"]), row["bullying"], yn(row["supervisor"]),
    ]


def tables(data: dict) -> dict[str, tuple[list[str], list[list]]]:
    return {
        "schools": (SCHOOL_HEADERS, [school_cells(r) for r in data["schools"]]),
        "population": (POPULATION_HEADERS, [[t, n] for t, n in data["population"].items()]),
        "milestones": (MILESTONE_HEADERS, [[m["id"], STATUS_ZH[m["status"]], m["note"]] for m in data["milestones"]]),
    }


def write_csv(path: Path, headers: list[str], rows: list[list]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(headers)
        w.writerows(rows)


def write_xlsx(path: Path, tabs: dict) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    wb.remove(wb.active)
    sheet_names = {"schools": "学校", "population": "适龄人口", "milestones": "重点项目"}
    for key, sheet_name in sheet_names.items():
        headers, rows = tabs[key]
        ws = wb.create_sheet(sheet_name)
        first = 1
        if key == "schools":
            ws.cell(row=1, column=1, value=XLSX_TITLE).font = Font(bold=True, size=14)
            ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
            first = 2
        for j, h in enumerate(headers, start=1):
            c = ws.cell(row=first, column=j, value=h)
            c.font = Font(bold=True)
            c.alignment = Alignment(horizontal="center", wrap_text=True)
        for i, r in enumerate(rows, start=first + 1):
            for j, v in enumerate(r, start=1):
                c = ws.cell(row=i, column=j, value=None if v == "" else v)
                if key in ("schools", "milestones") and j == 1:
                    c.number_format = "@"  # codes are text
        for j, h in enumerate(headers, start=1):
            width = 28 if h in ("学校名称", "备注") else (14 if h in ("学校代码", "乡镇（街道）", "项目编号") else 11)
            ws.column_dimensions[get_column_letter(j)].width = width
        ws.freeze_panes = ws.cell(row=first + 1, column=1)

    props = wb.properties
    props.creator = "plancheck sample_data/generate.py (synthetic data)"
    props.lastModifiedBy = props.creator
    props.title = XLSX_TITLE
    props.created = FIXED_TIME
    props.modified = FIXED_TIME

    # Write with ExcelWriter (save_workbook would stamp 'modified' with now), then
    # re-pack the zip with fixed entry timestamps so the bytes are stable.
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    path.write_bytes(out.getvalue())


# ------------------------------------------------------------------- summary
def summary(data: dict) -> list[tuple[str, float | int, str, bool]]:
    """County figures with plain sums: (label, value, goal, passes)."""
    s = data["schools"]
    kg = [r for r in s if r["type"] == "kindergarten"]
    kids = sum(r["students"] for r in kg)
    public = sum(r["students"] for r in kg if r["ownership"] == "公办")
    inclusive = sum(r["students"] for r in kg if r["inclusive"] is not False)
    pop = sum(data["population"].values())
    voc = [r for r in s if r["type"] == "vocational"]
    lost = sum(r["lost"] for r in voc)
    start = sum(r["start"] for r in voc)
    health = [r for r in s if r["health"] is not None]
    share = lambda key: sum(1 for r in s if r[key]) / len(s)  # noqa: E731
    ms = data["milestones"]
    ms_ok = sum(1 for m in ms if STATUS_ORDER.index(m["status"]) >= STATUS_ORDER.index(m["required"]))
    out = [
        ("学前三年毛入园率 gross enrolment", kids / pop, ">= 96%", kids / pop >= 0.96),
        ("普惠性幼儿园覆盖率 inclusive coverage", inclusive / kids, ">= 95%", inclusive / kids >= 0.95),
        ("公办园幼儿占比 public share", public / kids, ">= 65%", public / kids >= 0.65),
        ("中职流失率 vocational attrition", lost / start, "<= 10%", lost / start <= 0.10),
        ("体质健康数据上报率 health data reported", sum(1 for r in health if r["health"]) / len(health),
         "= 100%", all(r["health"] for r in health)),
        ("专职保安配备 security guards", share("guards"), "= 100%", share("guards") == 1),
        ("封闭化管理 closed campus", share("closed"), "= 100%", share("closed") == 1),
        ("一键报警及视频监控联网 alarm linked", share("alarm"), "= 100%", share("alarm") == 1),
        ("反恐怖防范达标 anti-terror standard", share("antiterror"), ">= 80%", share("antiterror") >= 0.80),
        ("挂牌督学 supervisor assigned", share("supervisor"), "= 100%", share("supervisor") == 1),
        ("大班额班级数 large classes", sum(r["large"] or 0 for r in s), "= 0", sum(r["large"] or 0 for r in s) == 0),
        ("辍学学生数 dropouts", sum(r["dropouts"] or 0 for r in s), "= 0", sum(r["dropouts"] or 0 for r in s) == 0),
        ("校园欺凌事件数 bullying incidents", sum(r["bullying"] for r in s), "= 0", sum(r["bullying"] for r in s) == 0),
        (f"重点项目达到要求 milestones on track ({ms_ok}/{len(ms)})", ms_ok, f"= {len(ms)}", ms_ok == len(ms)),
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: this script's folder)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    ap.add_argument("--targets", type=Path, default=ROOT / "targets.yaml", help="targets.yaml to read milestones from")
    ap.add_argument("--quiet", action="store_true", help="do not print the summary")
    args = ap.parse_args(argv)

    data = generate(args.seed, args.targets)
    if not data["milestones"]:
        print(f"warning: no milestone targets in {args.targets}; milestones.csv has only its header", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    tabs = tables(data)
    for key, (headers, rows) in tabs.items():
        write_csv(args.out / f"{key}.csv", headers, rows)
    write_xlsx(args.out / XLSX_NAME, tabs)

    if not args.quiet:
        s = data["schools"]
        counts = {}
        for r in s:
            counts[TYPE_ZH[r["type"]]] = counts.get(TYPE_ZH[r["type"]], 0) + 1
        print(f"wrote {args.out}: {len(s)} schools ({', '.join(f'{k} {v}' for k, v in counts.items())}), "
              f"{len(data['population'])} towns, {len(data['milestones'])} milestones")
        for label, value, goal, ok in summary(data):
            shown = f"{value:.2%}" if isinstance(value, float) else str(value)
            print(f"  {'PASS' if ok else 'FAIL'}  {label}: {shown} (goal {goal})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
