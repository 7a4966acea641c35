"""runner.reading: outputs checked first, input files read ahead for the time of the command, and a
read the command did not take dropped when it ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from plancheck.read import ahead
from plancheck.runner import EXIT_INPUT, OutputError, RunOptions, reading

from sheet_fixtures import grid, schools, write_xlsx


def test_reading_parses_the_workbooks_for_the_time_of_the_command(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "county.xlsx", {"学校": grid(schools(3))})
    seen = []

    @reading
    def command(opts: RunOptions, targets) -> int:   # reading gives the plan it loaded
        seen.append(sorted(ahead._pending))
        return EXIT_INPUT  # stops before reading, e.g. a rejected targets file

    assert command(RunOptions(path=book, tables={"population": tmp_path / "pop.csv", "milestones": tmp_path})) == EXIT_INPUT
    assert seen == [[(str(book.resolve()), None)]]
    assert not ahead._pending  # the parse nobody took is let go


def test_reading_refuses_an_unwritable_output_before_any_work(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "county.xlsx", {"学校": grid(schools(3))})

    @reading
    def command(opts: RunOptions, targets) -> int:   # reading gives the plan it loaded
        raise AssertionError("must not run")

    with pytest.raises(OutputError):
        command(RunOptions(path=book, output=tmp_path / "no" / "such" / "r.json"))
    assert not ahead._pending
