"""runner.Background: work done in a thread hands back its value, or its exception, to the caller."""

from __future__ import annotations

import pytest

from plancheck.runner import Background


def test_background_gives_the_value() -> None:
    assert Background(sum, [1, 2, 3]).result() == 6


def test_background_raises_the_error_in_the_caller() -> None:
    def fails(path: str) -> None:
        raise FileNotFoundError(path)

    job = Background(fails, "gone.csv")
    with pytest.raises(FileNotFoundError, match="gone.csv"):
        job.result()
