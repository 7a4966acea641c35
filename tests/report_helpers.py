"""Report contexts for the report-format tests, built through the real pipeline (validate + engine)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

from plan2021 import CONTRACT
from plancheck import engine
from plancheck.report.baseline import load_baseline
from plancheck.report.context import ReportContext, input_files
from plancheck.plan.targets import load_targets
from plancheck.check.validate import validate_paths

GOLDEN = Path(__file__).parent / "data" / "golden"
REPO = Path(__file__).parent.parent
TODAY = date(2021, 12, 31)


def golden_submission():
    """The tiny two-town county in tests/data/golden/input; paths relative to GOLDEN (chdir there first)."""
    targets = load_targets()
    sub = validate_paths({"schools": Path("input/schools.csv"), "population": Path("input/population.csv"),
                          "milestones": Path("input/milestones.csv")}, CONTRACT, {m.id for m in targets.milestones})
    return targets, sub


def golden_context(lang: str = "zh", term: Optional[str] = "2021秋季", by: tuple[str, ...] = ("town",),
                   with_baseline: bool = True) -> ReportContext:
    targets, sub = golden_submission()
    assert sub.ok, sub.problems
    results = engine.evaluate(targets, sub.tables)
    groups = {col: engine.evaluate_by(targets, sub.tables, col) for col in by}
    baseline = load_baseline(Path("input/previous.json")) if with_baseline else None
    return ReportContext(results=results, targets=targets, submission=sub, groups=groups, lang=lang, term=term,
                         today=TODAY, inputs=input_files(sub), baseline=baseline)


def sample_context(lang: str = "zh", by: tuple[str, ...] = ("town",)) -> ReportContext:
    """The committed synthetic county (sample_data), county-wide and per group."""
    targets = load_targets()
    sub = validate_paths({"schools": REPO / "sample_data" / "county-2021-autumn.xlsx", "population": None,
                          "milestones": None}, CONTRACT, {m.id for m in targets.milestones})
    results = engine.evaluate(targets, sub.tables)
    groups = {col: engine.evaluate_by(targets, sub.tables, col) for col in by}
    return ReportContext(results=results, targets=targets, submission=sub, groups=groups, lang=lang,
                         term="2021秋季", today=TODAY, inputs=input_files(sub))


def hostile_context(names: list[str], lang: str = "zh", tmp: Optional[Path] = None) -> ReportContext:
    """The golden county with school names (and a note) replaced by hostile text; written under ``tmp``."""
    assert tmp is not None
    lines = (GOLDEN / "input" / "schools.csv").read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for i, line in enumerate(lines[1:]):
        cells = line.split(",")
        if cells[0]:
            cells[1] = '"' + names[i % len(names)].replace('"', '""') + '"'
        out.append(",".join(cells))
    (tmp / "input").mkdir(exist_ok=True)
    (tmp / "input" / "schools.csv").write_text("\n".join(out) + "\n", encoding="utf-8")
    (tmp / "input" / "population.csv").write_bytes((GOLDEN / "input" / "population.csv").read_bytes())
    note = names[0].replace('"', '""')
    (tmp / "input" / "milestones.csv").write_text(
        f'项目编号,进展状态,备注\nsetup_county_community_education_college,已启动,"{note}"\n', encoding="utf-8")
    return golden_context(lang=lang, with_baseline=False)
