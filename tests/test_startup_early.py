"""Input files read from the disk while the command line is parsed (startup.read_early)."""

from __future__ import annotations

import os
from pathlib import Path

from plancheck import startup


def test_a_reading_command_s_text_files_are_read_early_and_taken_once(tmp_path: Path) -> None:
    schools, population = tmp_path / "s.csv", tmp_path / "p.CSV"
    schools.write_bytes(b"a,b\n1,2\n")
    population.write_bytes(b"town,n\nx,3\n")
    startup.read_early(["run", str(schools), "--table", f"population={population}", "--format", "json"])
    assert startup.take_early(population) == b"town,n\nx,3\n"
    assert startup.take_early(schools) == b"a,b\n1,2\n"
    assert startup.take_early(schools) is None          # taken once
    startup.drop_early()


def test_other_commands_and_other_files_are_not_read(tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_bytes(b"a\n1\n")
    startup.read_early(["template", str(f)])
    startup.read_early(["run", str(tmp_path / "missing.csv"), str(tmp_path)])
    assert startup.take_early(f) is None
    assert not startup._early


def test_a_file_changed_after_it_was_read_early_is_not_taken(tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_bytes(b"old\n")
    startup.read_early(["validate", str(f)])
    f.write_bytes(b"newer\n")
    os.utime(f, ns=(1, 1))
    assert startup.take_early(f) is None                # read_ahead then reads the file itself
    startup.drop_early()


def test_a_file_read_early_is_hashed_there_and_its_digest_taken_while_it_is_unchanged(tmp_path: Path) -> None:
    import hashlib

    from plancheck.plan.find import sha256_of

    f = tmp_path / "s.csv"
    f.write_bytes(b"a,b\n1,2\n")
    startup.read_early(["run", str(f), "--format", "json"])
    assert startup.hashed_early(f)
    assert startup.early_digest(f) == hashlib.sha256(b"a,b\n1,2\n").hexdigest() == sha256_of(f)
    assert startup.take_early(f) == b"a,b\n1,2\n"
    assert startup.early_digest(f) == hashlib.sha256(b"a,b\n1,2\n").hexdigest()   # (the bytes taken: digest kept)
    f.write_bytes(b"a,b\n3,4\n")
    os.utime(f, ns=(1, 1))
    assert not startup.hashed_early(f) and startup.early_digest(f) is None
    assert sha256_of(f) == hashlib.sha256(b"a,b\n3,4\n").hexdigest()     # the file as it is now
    startup.drop_early()
