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
from dataclasses import dataclass
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

from ..check.schema import TABLES

__all__ = [
    "Aggregate", "Section", "Plan", "MetricTarget", "MilestoneTarget", "Target", "TargetsFile",
    "TargetsProblem", "TargetsError", "default_targets_path", "load_targets", "parse_targets",
    "MAX_BYTES",
]

#: Larger files are refused unread (the real file is a few kB).
MAX_BYTES = 2 * 1024 * 1024

#: Tables an aggregate may read (``milestones`` is checked by milestone targets, not aggregated).
AGG_TABLES = ("schools", "population")


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
    """One side of a figure: ``agg`` over the rows of ``table`` that pass ``where``."""

    table: Literal["schools", "population"]
    agg: Literal["sum", "count", "count_true"]
    column: Optional[str] = None
    where: dict[str, list[Union[str, bool]]] = Field(default_factory=dict)

    @field_validator("column")
    @classmethod
    def _column_exists(cls, value: Optional[str], info: ValidationInfo) -> Optional[str]:
        table, agg = info.data.get("table"), info.data.get("agg")
        if value is None or table is None:
            return value
        spec = TABLES[table]
        if value not in spec.columns_by_name:
            raise _problem(f"unknown column {value!r} in table {table!r}{_suggest(value, spec.columns_by_name)}")
        kind = spec.column(value).kind
        if agg == "sum" and kind != "int":
            raise _problem(f"'sum' needs an int column; {table}.{value} is {kind}"
                           + (" (use agg: count_true)" if kind == "bool" else ""))
        if agg == "count_true" and kind != "bool":
            raise _problem(f"'count_true' needs a bool column; {table}.{value} is {kind}"
                           + (" (use agg: sum)" if kind == "int" else ""))
        return value

    @field_validator("where", mode="before")
    @classmethod
    def _where_valid(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            return value  # the type check reports it
        table = info.data.get("table")
        out: dict[Any, Any] = {}
        issues: list[tuple[tuple, str]] = []
        for key, allowed in value.items():
            values = allowed if isinstance(allowed, list) else [allowed]
            out[key] = values
            if not isinstance(key, str):
                issues.append(((key,), f"filter key must be a column name, not {key!r}"))
                continue
            if table is None:
                continue
            spec = TABLES[table]
            if key not in spec.columns_by_name:
                issues.append(((key,), f"unknown column {key!r} in table {table!r}"
                               f"{_suggest(key, spec.columns_by_name)}"))
                continue
            column = spec.column(key)
            if not values:
                issues.append(((key,), f"no values for {key!r}: the filter would match no row"))
            for i, v in enumerate(values):
                at = (key, i) if isinstance(allowed, list) else (key,)
                if column.kind == "bool":
                    if not isinstance(v, bool):
                        issues.append((at, f"{table}.{key} is a yes/no column: write true or false, not {v!r}"))
                elif column.kind == "enum":
                    choices = [m.value for m in column.enum] if column.enum else []
                    if not isinstance(v, str) or v not in choices:
                        issues.append((at, f"{v!r} is not a value of {table}.{key}; "
                                           f"expected one of {', '.join(choices)}"))
                elif column.kind == "text":
                    if not isinstance(v, str):
                        issues.append((at, f"{table}.{key} is a text column: write a string, not {v!r}"))
                else:
                    issues.append((at, f"cannot filter on {column.kind} column {table}.{key}"))
        if issues:
            (at, first), more = issues[0], issues[1:]
            raise _problem(first, at, more)
        return out

    @model_validator(mode="after")
    def _column_needed(self) -> "Aggregate":
        if self.agg == "count" and self.column is not None:
            raise _problem("'count' counts rows: remove 'column' (or use count_true for a yes/no column)", ("column",))
        if self.agg != "count" and self.column is None:
            raise _problem(f"{self.agg!r} needs a 'column'", ("column",))
        return self

    def describe(self) -> str:
        """Short text such as ``sum(schools.students | school_type=kindergarten)``."""
        inner = f"{self.table}.{self.column}" if self.column else self.table
        if self.where:
            conds = ", ".join(f"{k}={'|'.join(str(v).lower() if isinstance(v, bool) else v for v in vs)}"
                              for k, vs in self.where.items())
            inner += f" | {conds}"
        return f"{self.agg}({inner})"


# ------------------------------------------------------------- plan, sections
class Section(_Model):
    number: Annotated[StrictInt, Field(ge=1, le=7)]
    title_zh: NonEmpty
    title_en: NonEmpty


class Plan(_Model):
    id: NonEmpty
    title_zh: NonEmpty
    title_en: NonEmpty
    year: Annotated[StrictInt, Field(ge=1949, le=2100)]
    source_file: NonEmpty


# ------------------------------------------------------------------- targets
def _parse_goal(value: Any) -> tuple[Decimal, bool]:
    """(value, written_as_percent). Accepts 0.96, 0, "0.96" and "96%"."""
    if isinstance(value, bool):
        raise _problem("goal must be a number such as 0.96 or 96%, not true/false")
    percent = False
    if isinstance(value, (int, float)):
        text = repr(value) if isinstance(value, float) else str(value)
    elif isinstance(value, (str, Decimal)):
        text = str(value).strip().replace("％", "%")
        if text.endswith("%"):
            percent, text = True, text[:-1].strip()
    else:
        raise _problem(f"goal must be a number such as 0.96 or 96%, not {type(value).__name__}")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _problem(f"goal {value!r} is not a number; write e.g. 0.96 or 96%") from None
    if not number.is_finite():
        raise _problem(f"goal {value!r} is not a finite number")
    return (number.scaleb(-2) if percent else number), percent


class _Target(_Model):
    """What every target has: a stable id, its place in the plan and the plan's words."""

    id: TargetId
    section: StrictInt
    item: Annotated[StrictInt, Field(ge=1)]
    title_zh: NonEmpty
    title_en: NonEmpty
    source: NonEmpty


class MetricTarget(_Target):
    """A figure computed from the tables, compared with a goal."""

    kind: Literal["metric"]
    numerator: Aggregate
    denominator: Optional[Aggregate] = None
    # op and unit come before goal so that the goal's checks can see them.
    op: Literal[">=", "<=", "==", ">", "<"]
    unit: Literal["percent", "count"]
    goal: Decimal
    gap_unit_zh: NonEmpty
    gap_unit_en: NonEmpty

    @field_validator("goal", mode="before")
    @classmethod
    def _goal(cls, value: Any, info: ValidationInfo) -> Decimal:
        number, percent = _parse_goal(value)
        unit, op = info.data.get("unit"), info.data.get("op")
        if unit == "count":
            if percent:
                raise _problem(f"goal {value!r} is a percentage but unit is 'count'; write a whole number")
            if number < 0:
                raise _problem(f"a count goal cannot be negative ({number})")
            if number != number.to_integral_value():
                raise _problem(f"a count goal must be a whole number, not {number}")
            if op == "<" and number <= 0:
                raise _problem(f"'< {number}' can never be met: a count is never negative")
            if op == ">=" and number <= 0:
                raise _problem(f"'>= {number}' is always met: a count is never negative")
        elif unit == "percent":
            if number > 1 and not percent:
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
        return number

    @model_validator(mode="after")
    def _denominator(self) -> "MetricTarget":
        if self.unit == "percent" and self.denominator is None:
            raise _problem("a percent target needs a 'denominator'", ("denominator",))
        if self.unit == "count" and self.denominator is not None:
            raise _problem("a count target takes no 'denominator' (use unit: percent for a ratio)", ("denominator",))
        return self

    @property
    def goal_fraction(self) -> Fraction:
        """The goal as an exact fraction (0.96 -> 24/25) for exact comparison."""
        return Fraction(self.goal)

    def goal_text(self) -> str:
        """The goal as people write it: ``>= 96%`` or ``== 0``."""
        shown = _pct(self.goal) if self.unit == "percent" else str(self.goal)
        return f"{self.op} {shown}"


class MilestoneTarget(_Target):
    """A named project, appraisal or application that must reach a status this year."""

    kind: Literal["milestone"]
    required_status: Literal["started", "completed"]
    category: Literal["construction", "appraisal", "application", "demonstration_site", "other"]
    place_zh: Optional[NonEmpty] = None


Target = Annotated[Union[MetricTarget, MilestoneTarget], Field(discriminator="kind")]


class TargetsFile(_Model):
    plan: Plan
    sections: list[Section]
    targets: list[Target]

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> "TargetsFile":
        if info.context and info.context.get("skip_file_checks"):
            return self  # parse_targets runs them itself, on the raw data, to report all at once
        problems = _file_checks(self.model_dump(mode="python"))
        if problems:
            loc, message = problems[0]
            raise _problem(message, loc)
        return self

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

    def section(self, number: int) -> Section:
        for s in self.sections:
            if s.number == number:
                return s
        raise KeyError(number)


def _file_checks(data: Any) -> list[tuple[tuple, str]]:
    """Checks across the file (unique ids, known sections), tolerant of a partly invalid file."""
    out: list[tuple[tuple, str]] = []
    if not isinstance(data, dict):
        return out
    numbers: set[int] = set()
    sections = data.get("sections")
    sections_ok = isinstance(sections, list)
    for i, s in enumerate(sections if sections_ok else []):
        n = s.get("number") if isinstance(s, dict) else None
        if isinstance(n, int) and not isinstance(n, bool):
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
        if sections_ok and isinstance(n, int) and not isinstance(n, bool) and n not in numbers:
            out.append((("targets", i, "section"),
                        f"section {n} is not among the sections ({', '.join(map(str, sorted(numbers)))})"))
    return out


def _pct(number: Decimal) -> str:
    text = format((number * 100).normalize(), "f")
    return f"{text}%"


_ALL_KEYS = sorted({k for m in (Aggregate, Section, Plan, MetricTarget, MilestoneTarget, TargetsFile)
                    for k in m.model_fields})


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


def _compose(text: str, name: str) -> tuple[Any, Any]:
    """(root node, data) with safe_load semantics and no aliases.

    A text without ``&`` or ``*`` can hold no anchor or alias: libyaml's parser reads it
    (about 10× faster than the pure-Python one); any other text goes through the
    pure-Python loader that refuses anchors and aliases at their line.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    loader = fast(text) if fast is not None and "&" not in text and "*" not in text else _SafeNoAliasLoader(text)
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
        raise TargetsError(name, [TargetsProblem(line, col, "", f"expected a mapping with plan, sections and targets; "
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
