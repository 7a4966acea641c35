"""What every report format is given: one value, so formats stay one function each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Optional

from ..engine import Result
from ..plan.find import sha256_of
from ..plan.targets import TargetsFile
from ..check.validate import Submission


@dataclass(frozen=True)
class InputFile:
    """A data source, for traceability: name, rows, SHA-256."""
    path: str
    sha256: str
    rows: int


@dataclass
class ReportContext:
    results: list[Result]                       # county-wide, in targets-file order
    targets: TargetsFile
    submission: Optional[Submission] = None
    groups: dict[str, dict[str, list[Result]]] = field(default_factory=dict)  # column -> value -> results
    breakdowns: dict[str, Any] = field(default_factory=dict)   # column -> engine.Breakdown (the JSON report's)
    lang: str = "zh"
    term: Optional[str] = None                  # e.g. "秋季学期"
    today: date = field(default_factory=date.today)
    inputs: list[InputFile] = field(default_factory=list)
    baseline: Optional[dict[str, dict[str, Any]]] = None   # target id -> that target's dict in an earlier JSON run


def input_files(sub: Submission) -> list[InputFile]:
    """One entry per file read (rows summed over its sheets)."""
    rows: dict[str, int] = {}
    for s in sub.sources:
        rows[s.file] = rows.get(s.file, 0) + s.counts.read
    out = []
    for name, n in rows.items():
        p = Path(name)
        out.append(InputFile(path=name, sha256=sha256_of(p) if p.is_file() else "", rows=n))
    return out
