"""SHA-256 of the inputs a report names: computed ahead (while the file is checked) or on demand, the same."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from typer.testing import CliRunner

from plancheck.cli import app
from plancheck.plan import find

ROOT = Path(__file__).resolve().parent.parent


def test_hash_ahead_gives_the_file_digest(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_bytes(b"x,y\n1,2\n" * 100_000)
    find.hash_ahead(f)
    assert find.sha256_of(f) == hashlib.sha256(f.read_bytes()).hexdigest()
    assert not [v for v in find._ahead if v[0] == str(f)]    # taken once


def test_a_file_changed_after_hashing_ahead_is_hashed_again(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_bytes(b"old\n")
    find.hash_ahead(f)
    f.write_bytes(b"new content\n")
    os.utime(f, ns=(1, 1))                     # another version, whatever the clock's resolution
    assert find.sha256_of(f) == hashlib.sha256(b"new content\n").hexdigest()


def test_a_missing_file_hashed_ahead_is_no_error(tmp_path: Path) -> None:
    find.hash_ahead(tmp_path / "nothing.csv")  # nothing started, nothing raised
    assert not [v for v in find._ahead if v[0] == str(tmp_path / "nothing.csv")]


def test_json_report_names_each_input_with_its_sha256(tmp_path: Path) -> None:
    schools, population = ROOT / "sample_data" / "schools.csv", ROOT / "sample_data" / "population.csv"
    out = tmp_path / "r.json"
    result = CliRunner().invoke(app, ["run", str(schools), "--table", f"population={population}", "--format", "json",
                                      "--output", str(out)])
    assert result.exit_code in (0, 1), result.output
    inputs = {Path(i["path"]).name: i["sha256"] for i in json.loads(out.read_text(encoding="utf-8"))["inputs"]}
    assert inputs == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (schools, population)}
    assert not find._ahead                     # nothing left behind by the run
