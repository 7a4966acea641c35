"""The README's data contract and quick start stay true to the code."""

from pathlib import Path

from plan2021 import TABLES

ROOT = Path(__file__).resolve().parents[1]


def test_every_column_is_documented_in_both_readmes():
    for name in ("README.md", "README.zh.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        for spec in TABLES.values():
            for col in spec.columns:
                assert f"| {col.name} |" in text, f"{name} does not document {col.name}"
                assert col.zh in text, f"{name} does not document {col.zh}"


def test_quick_start_runs_the_bundled_sample():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = "sample_data/county-2021-autumn.xlsx"
    assert sample in text and (ROOT / sample).is_file()
    assert ".venv/bin/python -m pytest" in text
    assert ".venv/bin/python -m pytest" in (ROOT / ".ci/run").read_text(encoding="utf-8")


def test_every_metric_id_is_documented():
    from plancheck.plan.targets import load_targets

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for t in load_targets().metrics:
        assert t.id in text, t.id
