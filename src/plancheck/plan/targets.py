"""The plan's targets as data: pydantic models of ``targets.yaml``, loading and checking it.

``targets.yaml`` is the single source of truth for what the plan asks: metric
targets (a ratio or a count over the submitted tables, compared with a goal)
and milestone targets (a named project, appraisal or application that must be
started or completed). This module reads it safely and reports every problem
at once, each located at the line and column of the offending YAML node.

This module imports no pandas: ``plancheck targets`` and ``--help`` stay fast.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Iterable, Literal, Optional, Union

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .tables import (ChoiceDecl, ColumnDecl, Contract, DefaultDecl, MilestonesDecl, ObligationDecl, ReferenceDecl,
                     RuleDecl, SideDecl, TableDecl, build_contract, contract_problems)

__all__ = [
    "Aggregate", "Section", "Plan", "MetricTarget", "MilestoneTarget", "Target", "TargetsFile",
    "TargetsProblem", "TargetsError", "default_targets_path", "load_targets", "parse_targets",
    "MAX_BYTES",
]

#: Larger files are refused unread (the real file is a few kB).
MAX_BYTES = 2 * 1024 * 1024

def _problem(message: str, at: Iterable[Union[str, int]] = (),
             more: Iterable[tuple[tuple, str]] = ()) -> PydanticCustomError:
    """A validation error; ``at`` extends the error's location (e.g. to the offending key).

    A validator can raise only one error; ``more`` carries further ``(at, message)``
    problems of the same value, which :func:`parse_targets` reports separately.
    """
    return PydanticCustomError("targets", "{message}",
                               {"message": message, "at": tuple(at), "more": tuple(more)})


NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
StrictInt = Annotated[int, Field(strict=True)]
TargetId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ------------------------------------------------------------------- aggregate
class Aggregate(_Model):
    """One side of a figure: ``agg`` over the rows of ``table`` that pass ``where`` (column -> allowed values)
    and ``when`` (a row expression such as ``students > 55 * classes``)."""

    table: NonEmpty
    agg: Literal["sum", "count", "count_true"]
    column: Optional[str] = None
    where: dict[str, list[Union[bool, int, float, str]]] = Field(default_factory=dict)
    when: Optional[NonEmpty] = None

    @field_validator("where", mode="before")
    @classmethod
    def _where_list(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, dict):
            return {k: v if isinstance(v, list) else [v] for k, v in value.items()}
        return value

    def describe(self) -> str:
        """Short text such as ``sum(schools.students | school_type=kindergarten)``."""
        inner = f"{self.table}.{self.column}" if self.column else self.table
        if self.where:
            conds = ", ".join(f"{k}={'|'.join(str(v).lower() if isinstance(v, bool) else str(v) for v in vs)}"
                              for k, vs in self.where.items())
            inner += f" | {conds}"
        if self.when:
            inner += f" | {self.when}"
        return f"{self.agg}({inner})"


def _aggregate_problems(agg: dict, at: tuple, contract: Contract) -> list[tuple[tuple, str]]:
    """An aggregate's names checked against the declared tables (the plan's own contract)."""
    from . import expr as X

    out: list[tuple[tuple, str]] = []
    table, kind, column = agg.get("table"), agg.get("agg"), agg.get("column")
    tables = contract.data_tables()
    if table not in contract.tables:
        out.append((at + ("table",), f"unknown table {table!r}{_suggest(str(table), tables)}"))
        return out
    if table not in tables:
        out.append((at + ("table",), f"{table!r} holds milestone reports: milestone targets read it, not aggregates"))
        return out
    names = contract.columns_of(table)
    if kind == "count" and column is not None:
        out.append((at + ("column",), "'count' counts rows: remove 'column' (or use count_true for a yes/no column)"))
    elif kind in ("sum", "count_true") and column is None:
        out.append((at + ("column",), f"{kind!r} needs a 'column'"))
    elif column is not None:
        if column not in names:
            out.append((at + ("column",), f"unknown column {column!r} in table {table!r}{_suggest(column, names)}"))
        else:
            ckind = contract.column(table, column).kind
            if kind == "sum" and ckind not in ("int", "decimal"):
                out.append((at + ("column",), f"'sum' needs a number column; {table}.{column} is {_KIND_NAMES[ckind]}"
                            + (" (use agg: count_true)" if ckind == "bool" else "")))
            if kind == "count_true" and ckind != "bool":
                out.append((at + ("column",), f"'count_true' needs a yes/no column; {table}.{column} is "
                            f"{_KIND_NAMES[ckind]}" + (" (use agg: sum)" if ckind == "int" else "")))
    for key, values in (agg.get("where") or {}).items():
        if key not in names:
            out.append((at + ("where", key), f"unknown column {key!r} in table {table!r}{_suggest(str(key), names)}"))
            continue
        spec = contract.column(table, key)
        if not values:
            out.append((at + ("where", key), f"no values for {key!r}: the filter would match no row"))
        for i, v in enumerate(values):
            here = at + ("where", key, i)
            if spec.kind == "bool" and not isinstance(v, bool):
                out.append((here, f"{table}.{key} is a yes/no column: write true or false, not {v!r}"))
            elif spec.kind == "enum" and (not isinstance(v, str) or v not in spec.choices.values):
                out.append((here, f"{v!r} is not a value of {table}.{key}; expected one of "
                                  f"{', '.join(spec.choices.values)}"))
            elif spec.kind in ("text", "date") and not isinstance(v, str):
                out.append((here, f"{table}.{key} is a text column: write a string, not {v!r}"))
            elif spec.kind in ("int", "decimal") and (isinstance(v, bool) or not isinstance(v, (int, float))):
                out.append((here, f"{table}.{key} is a number column: write a number, not {v!r}"))
    if agg.get("when"):
        try:
            X.parse(agg["when"], names)
        except X.ExprError as exc:
            out.append((at + ("when",), str(exc)))
    return out


_KIND_NAMES = {"int": "integer", "decimal": "decimal", "bool": "yes_no", "enum": "choice", "text": "text",
               "date": "date"}


# ------------------------------------------------------------- plan, sections
SectionId = Union[Annotated[StrictInt, Field(ge=0)], NonEmpty]


class Section(_Model):
    """A part of the plan (聚焦… / 一、…): any number of them, numbered or named in the plan's own way."""
    number: SectionId
    title_zh: NonEmpty
    title_en: NonEmpty


class Plan(_Model):
    id: NonEmpty
    title_zh: NonEmpty
    title_en: NonEmpty
    year: Annotated[StrictInt, Field(ge=1949, le=2100)]
    source_file: NonEmpty


# ------------------------------------------------------------------- targets
#: How each unit writes a goal and scales a figure: percent 96% = 0.96; per_thousand 5‰ = 5 (per 1000 of the
#: denominator); ratio 19:1 = 19 (numerator per one of the denominator); count: a whole number.
UNITS = ("percent", "count", "ratio", "per_thousand")
SCALE = {"percent": 1, "ratio": 1, "per_thousand": 1000, "count": 1}


def _parse_goal(value: Any, unit: Optional[str] = None) -> tuple[Decimal, bool]:
    """(value, written with its unit's sign). Accepts 0.96, "96%", "5‰", "19:1" and whole numbers."""
    if isinstance(value, bool):
        raise _problem("goal must be a number such as 0.96 or 96%, not true/false")
    marked = False
    if isinstance(value, (int, float)):
        text = repr(value) if isinstance(value, float) else str(value)
    elif isinstance(value, (str, Decimal)):
        text = str(value).strip().replace("％", "%").replace("：", ":")
        if text.endswith("%"):
            if unit not in (None, "percent"):
                raise _problem(f"goal {value!r} is a percentage but unit is {unit!r}")
            marked, text = True, text[:-1].strip()
        elif text.endswith("‰"):
            if unit != "per_thousand":
                raise _problem(f"goal {value!r} is per thousand (‰) but unit is {unit!r}")
            marked, text = True, text[:-1].strip()
        elif ":" in text:
            if unit != "ratio":
                raise _problem(f"goal {value!r} is a ratio but unit is {unit!r} (use unit: ratio)")
            left, _, right = text.partition(":")
            if right.strip() not in ("1", "1.0"):
                raise _problem(f"write a ratio goal as N:1 (e.g. 19:1), not {value!r}")
            marked, text = True, left.strip()
    else:
        raise _problem(f"goal must be a number such as 0.96 or 96%, not {type(value).__name__}")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _problem(f"goal {value!r} is not a number; write e.g. 0.96 or 96%") from None
    if not number.is_finite():
        raise _problem(f"goal {value!r} is not a finite number")
    return (number.scaleb(-2) if marked and unit in (None, "percent") else number), marked


class RelativeGoal(_Model):
    """A goal measured from a previous figure: ``previous`` (as the plan writes it, e.g. 52.3%) plus
    ``change`` in the unit's points (percentage points for a percent: -1 = 下降 1 个百分点). Without
    ``previous`` the figure is taken from ``--baseline`` (an earlier run's JSON); with neither: no data."""
    previous: Optional[Decimal] = None
    change: Decimal

    @field_validator("previous", "change", mode="before")
    @classmethod
    def _number(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None
        if isinstance(value, str) and value.strip().endswith(("%", "％")) and info.field_name == "previous":
            return _parse_goal(value)[0]
        if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
            raise _problem(f"{info.field_name} must be a number, not {value!r}")
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise _problem(f"{info.field_name} {value!r} is not a number") from None


class _Target(_Model):
    """What every target has: a stable id, its place in the plan and the plan's words."""

    id: TargetId
    section: SectionId
    item: Optional[Annotated[StrictInt, Field(ge=1)]] = None
    title_zh: NonEmpty
    title_en: NonEmpty
    source: NonEmpty


class MetricTarget(_Target):
    """A figure computed from the tables, compared with a goal (fixed, or relative to a previous figure)."""

    kind: Literal["metric"]
    numerator: Aggregate
    denominator: Optional[Aggregate] = None
    # op and unit come before goal so that the goal's checks can see them.
    op: Literal[">=", "<=", "==", ">", "<"]
    unit: Literal["percent", "count", "ratio", "per_thousand"]
    goal: Union[Decimal, RelativeGoal]
    gap_unit_zh: NonEmpty
    gap_unit_en: NonEmpty
    #: which side a gap is counted on: more (or fewer) of the numerator, or of the denominator (生师比: teachers)
    gap_side: Literal["numerator", "denominator"] = "numerator"
    #: the range a real figure lies in (a gross enrolment of 195% means a population table typed half size):
    #: a figure outside it keeps its verdict and is flagged for checking
    plausible_max: Optional[Decimal] = None
    plausible_min: Optional[Decimal] = None

    @field_validator("plausible_max", "plausible_min", mode="before")
    @classmethod
    def _bound(cls, value: Any, info: ValidationInfo) -> Any:
        return None if value is None else _parse_goal(value, info.data.get("unit"))[0]

    @field_validator("goal", mode="before")
    @classmethod
    def _goal(cls, value: Any, info: ValidationInfo) -> Any:
        unit, op = info.data.get("unit"), info.data.get("op")
        if isinstance(value, dict):
            if unit == "percent" and isinstance(value.get("previous"), (int, float)) and value["previous"] > 1:
                raise _problem(f"a previous percent is written {value['previous']}% (or as a fraction of 1)",
                               ("previous",))
            return value
        number, marked = _parse_goal(value, unit)
        if unit == "count":
            if number < 0:
                raise _problem(f"a count goal cannot be negative ({number})")
            if number != number.to_integral_value():
                raise _problem(f"a count goal must be a whole number, not {number}")
            if op == "<" and number <= 0:
                raise _problem(f"'< {number}' can never be met: a count is never negative")
            if op == ">=" and number <= 0:
                raise _problem(f"'>= {number}' is always met: a count is never negative")
        elif unit == "percent":
            if number > 1 and not marked:
                raise _problem(f"a percent goal is a fraction of 1: write {number}% or {number.scaleb(-2)}, not {number}")
            if number < 0 or number > 1:
                raise _problem(f"a percent goal must lie between 0% and 100%, not {_pct(number)}")
            if op == ">" and number >= 1:
                raise _problem(f"'> {_pct(number)}' can never be met")
            if op == "<" and number <= 0:
                raise _problem(f"'< {_pct(number)}' can never be met")
            if op == "<=" and number >= 1:
                raise _problem(f"'<= {_pct(number)}' is always met; the target checks nothing")
            if op == ">=" and number <= 0:
                raise _problem(f"'>= {_pct(number)}' is always met; the target checks nothing")
        elif unit in ("ratio", "per_thousand"):
            if number < 0:
                raise _problem(f"a {unit} goal cannot be negative ({number})")
            if op in ("<", ">=") and number <= 0:
                raise _problem(f"'{op} {number}' is {'never' if op == '<' else 'always'} met: the figure is never negative")
        return number

    @model_validator(mode="after")
    def _denominator(self) -> "MetricTarget":
        if self.unit != "count" and self.denominator is None:
            raise _problem(f"a {self.unit} target needs a 'denominator'", ("denominator",))
        if self.unit == "count" and self.denominator is not None:
            raise _problem("a count target takes no 'denominator' (use unit: percent, ratio or per_thousand)",
                           ("denominator",))
        if self.unit == "count" and self.gap_side == "denominator":
            raise _problem("a count has no denominator to count a gap on", ("gap_side",))
        return self

    @property
    def relative(self) -> Optional[RelativeGoal]:
        return self.goal if isinstance(self.goal, RelativeGoal) else None

    @property
    def scale(self) -> int:
        """The figure is numerator / denominator × scale (1000 for per thousand)."""
        return SCALE[self.unit]

    @property
    def goal_fraction(self) -> Optional[Fraction]:
        """A fixed goal as an exact fraction (0.96 -> 24/25); None for a relative goal (see goal_from)."""
        return None if self.relative is not None else Fraction(self.goal)

    def goal_from(self, previous: Optional[Fraction]) -> Optional[Fraction]:
        """The goal: fixed, or the previous figure (the plan's own, else ``previous``) plus the change."""
        rel = self.relative
        if rel is None:
            return Fraction(self.goal)
        base = Fraction(rel.previous) if rel.previous is not None else previous
        if base is None:
            return None
        change = Fraction(rel.change) / 100 if self.unit == "percent" else Fraction(rel.change)
        return base + change

    def goal_text(self) -> str:
        """The goal as people write it: ``>= 96%``, ``== 0``, ``<= 19:1``, ``<= 5‰``, ``<= previous -1``."""
        rel = self.relative
        if rel is not None:
            prev = show_number(rel.previous, self.unit) if rel.previous is not None else "baseline"
            sign = "+" if rel.change >= 0 else ""
            return f"{self.op} {prev} {sign}{format(rel.change.normalize(), 'f')}"
        return f"{self.op} {show_number(self.goal, self.unit)}"


def show_number(value: Any, unit: str) -> str:
    number = Decimal(value) if not isinstance(value, Decimal) else value
    if unit == "percent":
        return _pct(number)
    text = format(number.normalize(), "f")
    return {"ratio": f"{text}:1", "per_thousand": f"{text}‰"}.get(unit, text)


class MilestoneTarget(_Target):
    """A named project, appraisal or application that must reach a status (by a due date, if given)."""

    kind: Literal["milestone"]
    required_status: NonEmpty
    category: NonEmpty = "other"
    place_zh: Optional[NonEmpty] = None
    due: Optional[date] = None


Target = Annotated[Union[MetricTarget, MilestoneTarget], Field(discriminator="kind")]


class TargetsFile(_Model):
    """The whole plan file: the plan, its sections, its data contract and its targets."""

    plan: Plan
    sections: list[Section] = Field(min_length=1)
    choices: dict[str, list[ChoiceDecl]] = Field(default_factory=dict)
    tables: dict[str, TableDecl] = Field(min_length=1)
    milestones_table: Optional[MilestonesDecl] = Field(default=None, alias="milestones")
    references: list[ReferenceDecl] = Field(default_factory=list)
    obligations: list[ObligationDecl] = Field(default_factory=list)
    targets: list[Target]

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> "TargetsFile":
        if info.context and info.context.get("skip_file_checks"):
            return self  # parse_targets runs them itself, on the raw data, to report all at once
        problems = _file_checks(self.model_dump(mode="python", by_alias=True)) + plan_problems(self)
        if problems:
            loc, message = problems[0]
            raise _problem(message, loc)
        return self

    @functools.cached_property
    def contract(self) -> Contract:
        """The data contract the plan declares, as the readers, validator and engine use it."""
        return build_contract(self.choices, self.tables, self.references, self.obligations, self.milestones_table)

    @property
    def metrics(self) -> list[MetricTarget]:
        return [t for t in self.targets if isinstance(t, MetricTarget)]

    @property
    def milestones(self) -> list[MilestoneTarget]:
        return [t for t in self.targets if isinstance(t, MilestoneTarget)]

    def by_id(self, target_id: str) -> Union[MetricTarget, MilestoneTarget]:
        for t in self.targets:
            if t.id == target_id:
                return t
        raise KeyError(target_id)

    def section(self, number: Union[int, str]) -> Section:
        for s in self.sections:
            if s.number == number:
                return s
        raise KeyError(number)


#: The plan file's model under its own name; ``TargetsFile`` stays for the library's callers.
PlanFile = TargetsFile


def plan_problems(plan: TargetsFile) -> list[tuple[tuple, str]]:
    """Checks across the parts of a plan whose every part is valid on its own: the contract's names,
    each target's tables and columns, milestone statuses. [(location, message)]."""
    out = contract_problems(plan.choices, plan.tables, plan.references, plan.obligations, plan.milestones_table)
    if out:
        return out  # the targets are checked against a contract that holds together
    return _targets_problems(plan.contract, [(t.kind, {s: getattr(t, s) for s in ("numerator", "denominator")}
                                              if isinstance(t, MetricTarget) else {},
                                              getattr(t, "required_status", None)) for t in plan.targets])


class _ContractPart(_Model):
    """The contract's sections of a plan file, checked without its targets (see :func:`_partial_plan_problems`)."""
    choices: dict[str, list[ChoiceDecl]] = Field(default_factory=dict)
    tables: dict[str, TableDecl] = Field(min_length=1)
    milestones_table: Optional[MilestonesDecl] = Field(default=None, alias="milestones")
    references: list[ReferenceDecl] = Field(default_factory=list)
    obligations: list[ObligationDecl] = Field(default_factory=list)


_CONTRACT_KEYS = ("choices", "tables", "milestones", "references", "obligations")


def _partial_plan_problems(data: Any) -> list[tuple[tuple, str]]:
    """:func:`plan_problems` of a file whose model is invalid elsewhere (a bad year, a bad goal…): the contract,
    when its sections are valid, and each target's aggregates and status that are valid on their own, so that
    every problem is reported at once."""
    if not isinstance(data, dict):
        return []
    try:
        part = _ContractPart.model_validate({k: v for k, v in data.items() if k in _CONTRACT_KEYS})
    except ValidationError:
        return []  # the contract's own problems are reported by the whole model's validation
    out = contract_problems(part.choices, part.tables, part.references, part.obligations, part.milestones_table)
    if out:
        return out
    contract = build_contract(part.choices, part.tables, part.references, part.obligations, part.milestones_table)
    targets = data.get("targets")
    pieces: list[tuple[Any, dict, Any]] = []
    for t in targets if isinstance(targets, list) else []:
        if not isinstance(t, dict):
            pieces.append((None, {}, None))
            continue
        sides = {}
        for side in ("numerator", "denominator"):
            try:
                sides[side] = Aggregate.model_validate(t[side]) if t.get(side) is not None else None
            except ValidationError:
                sides[side] = None  # reported by the whole model's validation
        status = t.get("required_status")
        pieces.append((t.get("kind"), sides, status if isinstance(status, str) and status.strip() else None))
    return _targets_problems(contract, pieces)


def _targets_problems(contract: Contract, targets: list[tuple[Any, dict, Any]]) -> list[tuple[tuple, str]]:
    """Each target checked against the contract: [(kind, {side: Aggregate or None}, required_status)]."""
    out: list[tuple[tuple, str]] = []
    for i, (kind, sides, required_status) in enumerate(targets):
        if kind == "metric":
            for side in ("numerator", "denominator"):
                agg = sides.get(side)
                if agg is not None:
                    out.extend(_aggregate_problems(agg.model_dump(), ("targets", i, side), contract))
        elif kind == "milestone":
            ms = contract.milestones
            if ms is None:
                out.append((("targets", i), "a milestone target needs the plan's 'milestones:' (where they are reported)"))
            elif required_status is not None and required_status not in ms.statuses.values:
                out.append((("targets", i, "required_status"), f"{required_status!r} is not a status; expected one of "
                            f"{', '.join(ms.statuses.values)}{_suggest(required_status, ms.statuses.values)}"))
    return out


def _file_checks(data: Any) -> list[tuple[tuple, str]]:
    """Checks across the file (unique ids, known sections), tolerant of a partly invalid file."""
    out: list[tuple[tuple, str]] = []
    if not isinstance(data, dict):
        return out
    numbers: set = set()
    sections = data.get("sections")
    sections_ok = isinstance(sections, list)
    for i, s in enumerate(sections if sections_ok else []):
        n = s.get("number") if isinstance(s, dict) else None
        if (isinstance(n, int) and not isinstance(n, bool)) or isinstance(n, str):
            if n in numbers:
                out.append((("sections", i, "number"), f"section {n} is listed twice"))
            numbers.add(n)
        else:
            sections_ok = False
    seen: dict[str, int] = {}
    targets = data.get("targets")
    for i, t in enumerate(targets if isinstance(targets, list) else []):
        if not isinstance(t, dict):
            continue
        tid = t.get("id")
        if isinstance(tid, str):
            if tid in seen:
                out.append((("targets", i, "id"), f"duplicate id {tid!r} (first used by targets[{seen[tid]}])"))
            else:
                seen[tid] = i
        n = t.get("section")
        if sections_ok and isinstance(n, (int, str)) and not isinstance(n, bool) and n not in numbers:
            out.append((("targets", i, "section"),
                        f"section {n!r} is not among the sections ({', '.join(map(str, numbers))})"
                        f"{_suggest(str(n), [str(x) for x in numbers])}"))
    return out


def _pct(number: Decimal) -> str:
    text = format((number * 100).normalize(), "f")
    return f"{text}%"


_ALL_KEYS = sorted({(f.alias or k) for m in (Aggregate, Section, Plan, MetricTarget, MilestoneTarget, TargetsFile,
                                              RelativeGoal, ChoiceDecl, TableDecl, ColumnDecl, RuleDecl, ReferenceDecl,
                                              ObligationDecl, MilestonesDecl, DefaultDecl, SideDecl)
                    for k, f in m.model_fields.items()})


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ------------------------------------------------------------------- problems
@dataclass(frozen=True)
class TargetsProblem:
    line: Optional[int]        # 1-based
    column: Optional[int]      # 1-based
    where: str                 # dotted path such as "targets[3].goal" ("" = the whole file)
    message: str
    file: str = "targets.yaml"

    def __str__(self) -> str:
        pos = self.file
        if self.line is not None:
            pos += f":{self.line}"
            if self.column is not None:
                pos += f":{self.column}"
        return f"{pos}: {self.where}: {self.message}" if self.where else f"{pos}: {self.message}"


class TargetsError(Exception):
    """``targets.yaml`` cannot be used; ``problems`` lists every problem found."""

    def __init__(self, path: Union[str, Path], problems: list[TargetsProblem]):
        self.path = path
        self.problems = problems
        n = len(problems)
        head = f"{path}: {n} problem{'s' if n != 1 else ''}"
        super().__init__(head + "".join(f"\n  {p}" for p in problems))


# -------------------------------------------------------------------- loading
def default_targets_path() -> Path:
    """The shipped ``targets.yaml``: inside the installed package, else the repository root."""
    try:
        from importlib.resources import files

        candidate = files("plancheck") / "targets.yaml"
        if candidate.is_file():
            return Path(str(candidate))
    except (ModuleNotFoundError, TypeError, OSError):  # pragma: no cover - exotic loaders
        pass
    return Path(__file__).resolve().parents[3] / "targets.yaml"


def load_targets(path: Union[str, Path, None] = None) -> TargetsFile:
    """Read and check a targets file (default: the shipped one). Raises :class:`TargetsError`."""
    p = Path(path) if path is not None else default_targets_path()
    name = str(p)
    try:
        with open(p, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise TargetsError(name, [TargetsProblem(None, None, "", f"cannot read the file: {exc.strerror or exc}",
                                                 file=name)]) from exc
    if len(raw) > MAX_BYTES:
        raise TargetsError(name, [TargetsProblem(None, None, "", f"file is larger than {MAX_BYTES // (1024 * 1024)} MB",
                                                 file=name)])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise TargetsError(name, [TargetsProblem(line, col, "", "file is not UTF-8 text (save it as UTF-8)",
                                                 file=name)]) from None
    return parse_targets(text, name=name)


class _SafeNoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases (no alias bombs, no hidden sharing)."""

    def compose_node(self, parent, index):  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise yaml.MarkedYAMLError(problem="YAML aliases (*name) are not allowed in targets.yaml",
                                       problem_mark=event.start_mark)
        if getattr(event, "anchor", None) is not None:
            raise yaml.MarkedYAMLError(problem="YAML anchors (&name) are not allowed in targets.yaml",
                                       problem_mark=event.start_mark)
        return super().compose_node(parent, index)


def _yaml_problem(exc: yaml.YAMLError, name: str) -> TargetsProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    message = "; ".join(str(p) for p in parts if p) or str(exc)
    if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in message:
        message += " (only plain YAML is allowed: no !! tags)"
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    return TargetsProblem(line, column, "", f"invalid YAML: {message}", file=name)


def _plain(text: str, fast: Any) -> bool:
    """No anchor and no alias in ``text`` (a text libyaml cannot parse is left to the pure-Python loader,
    which says where it fails)."""
    if "&" not in text and "*" not in text:
        return True
    try:
        for event in yaml.parse(text, Loader=fast):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                return False
    except yaml.YAMLError:
        return False
    return True


def _compose(text: str, name: str) -> tuple[Any, Any]:
    """(root node, data) with safe_load semantics and no aliases.

    A text without ``&`` or ``*`` can hold no anchor or alias; nor can one whose events (libyaml's parser,
    about 10× faster than the pure-Python one) carry none — a row expression such as ``55 * classes`` holds
    a ``*``. Such a text is composed by libyaml; any other goes through the pure-Python loader that refuses
    anchors and aliases at their line.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    loader = fast(text) if fast is not None and _plain(text, fast) else _SafeNoAliasLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise TargetsError(name, [_yaml_problem(exc, name)]) from None
    except RecursionError:
        raise TargetsError(name, [TargetsProblem(None, None, "", "YAML nested too deeply", file=name)]) from None
    finally:
        loader.dispose()
    return node, data


def _duplicate_keys(node: Any, path: tuple = ()) -> list[tuple[tuple, Any, str]]:
    """Keys given twice in one mapping (YAML would silently keep the last)."""
    out = []
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for key, value in node.value:
            k = key.value if isinstance(key, yaml.ScalarNode) else None
            if k is not None and k in seen:
                out.append((path + (k,), key, f"key {k!r} is given twice in this mapping"))
            seen.add(k)
            out.extend(_duplicate_keys(value, path + (k,)))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out.extend(_duplicate_keys(item, path + (i,)))
    return out


def _locate(root: Any, loc: tuple, point_at_key: bool) -> tuple[Any, str]:
    """Walk the composed YAML by a pydantic ``loc``: (deepest node reached, dotted path)."""
    node, path, key_node = root, "", None
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, (str, int)) and not isinstance(part, bool):
            match = None
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                    match = (k, v)
            if match is None:
                kind = _mapping_get(node, "kind")
                if isinstance(part, str) and part == kind:
                    continue  # the discriminator tag pydantic puts into the loc
                path += f".{part}" if path else str(part)
                break  # a missing key: point at the mapping that should hold it
            key_node, node = match
            path += f".{part}" if path else str(part)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node, key_node = node.value[part], None
            path += f"[{part}]"
        else:
            break  # union member names etc. below a scalar
    if point_at_key and key_node is not None:
        return key_node, path
    return node, path


def _mapping_get(node: Any, key: str) -> Optional[str]:
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key and isinstance(v, yaml.ScalarNode):
            return v.value
    return None


def _problems_of(err: dict) -> list[tuple[tuple, bool, str]]:
    """[(loc, point at the key rather than the value, message)] of one pydantic error."""
    loc = tuple(err["loc"])
    etype = err.get("type")
    if etype == "targets":
        ctx = err["ctx"]
        return [(loc + tuple(at), bool(at), message)
                for at, message in ((ctx.get("at", ()), ctx["message"]), *ctx.get("more", ()))]
    if etype == "union_tag_invalid":
        return [(loc + ("kind",), False, err.get("msg", str(err)))]
    message, at_key = _message(err)
    return [(loc, at_key, message)]


def _message(err: dict) -> tuple[str, bool]:
    """(message, point at the key rather than the value)."""
    etype = err.get("type")
    if etype == "extra_forbidden":
        key = str(err["loc"][-1]) if err["loc"] else "?"
        return f"unknown key {key!r}{_suggest(key, _ALL_KEYS)}", True
    if etype == "missing":
        key = str(err["loc"][-1]) if err["loc"] else "?"
        return f"missing required key {key!r}", False
    return err.get("msg", str(err)), False


def parse_targets(text: str, name: str = "targets.yaml") -> TargetsFile:
    """Check the text of a targets file. Raises :class:`TargetsError` listing every problem."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise TargetsError(name, [TargetsProblem(None, None, "", f"file is larger than {MAX_BYTES // (1024 * 1024)} MB",
                                                 file=name)])
    root, data = _compose(text, name)
    if not isinstance(data, dict):
        line = root.start_mark.line + 1 if root is not None else None
        col = root.start_mark.column + 1 if root is not None else None
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise TargetsError(name, [TargetsProblem(line, col, "", f"expected a mapping with plan, sections, tables and targets; "
                                                                f"got {got}", file=name)])

    found: list[tuple[tuple, bool, str]] = []   # (loc, point_at_key, message)
    for path, _key, message in _duplicate_keys(root):
        found.append((path, True, message))
    model: Optional[TargetsFile] = None
    try:
        model = TargetsFile.model_validate(data, context={"skip_file_checks": True})
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            found.extend(_problems_of(err))
    for loc, message in _file_checks(data):
        found.append((loc, False, message))
    # the names each target uses, checked against the declared tables, beside every other problem
    problems = plan_problems(model) if model is not None else _partial_plan_problems(data)
    found.extend((loc, False, message) for loc, message in problems)

    if not found:
        assert model is not None
        return model
    problems: list[TargetsProblem] = []
    seen: set = set()
    for loc, at_key, message in found:
        node, where = _locate(root, loc, at_key)
        mark = node.start_mark
        p = TargetsProblem(mark.line + 1, mark.column + 1, where, message, file=name)
        if (p.line, p.column, p.where, p.message) not in seen:
            seen.add((p.line, p.column, p.where, p.message))
            problems.append(p)
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    raise TargetsError(name, problems)
