"""The data contract a plan file declares: choice lists, tables and their columns, row rules,
references between tables, each school's own obligations, and where milestones are reported.

The pydantic models here check the declaration (every name a rule uses exists, every
``applies_to`` value is a choice of the table's type column…); :func:`build_contract` turns
it into the :class:`~plancheck.check.schema.TableSpec` values and rule objects that the
readers, the validator and the engine use. Nothing of any one plan is written here.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Annotated, Iterable, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ..check.schema import Choices, ColumnSpec, TableSpec, table_spec
from ..errors import ERROR, WARNING, ProblemType
from . import expr as X

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
Scalar = Union[bool, int, float, str]

#: The kinds a plan may declare, and the kind the validator knows each by.
KINDS = {"text": "text", "integer": "int", "decimal": "decimal", "yes_no": "bool", "choice": "enum", "date": "date"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChoiceDecl(_Model):
    """One value of a choice list: how scripts write it, its Chinese and English labels, more spellings."""
    value: NonEmpty
    zh: Optional[NonEmpty] = None
    en: Optional[NonEmpty] = None
    aliases: list[NonEmpty] = Field(default_factory=list)


class DefaultDecl(_Model):
    """A blank cell takes ``value`` on the rows that match ``where`` (a public kindergarten is inclusive)."""
    value: Scalar
    where: dict[str, list[Scalar]] = Field(default_factory=dict)


class ColumnDecl(_Model):
    name: Name
    zh: NonEmpty
    en: Optional[NonEmpty] = None
    kind: Literal["text", "integer", "decimal", "yes_no", "choice", "date"]
    required: bool = False
    aliases: list[NonEmpty] = Field(default_factory=list)
    applies_to: Optional[list[NonEmpty]] = None
    choices: Optional[Name] = None
    min: Optional[Union[int, float]] = None
    max: Optional[Union[int, float]] = None
    max_column: Optional[Name] = None
    default: Optional[DefaultDecl] = None
    description: str = ""


class MessageDecl(_Model):
    """What a declared problem says: a stable code, its title and message in both languages."""
    code: Name
    title_zh: NonEmpty
    title_en: NonEmpty
    message_zh: NonEmpty
    message_en: NonEmpty


class RuleDecl(MessageDecl):
    """A check of each row: the rows matching ``where`` and ``when`` get the problem, at ``column``."""
    severity: Literal["error", "warning"] = "error"
    column: Name
    where: dict[str, list[Scalar]] = Field(default_factory=dict)
    when: NonEmpty
    #: message parameters computed from the row, e.g. ``average: students / classes`` (one decimal)
    params: dict[Name, NonEmpty] = Field(default_factory=dict)


class TableDecl(_Model):
    zh: NonEmpty
    en: Optional[NonEmpty] = None
    aliases: list[NonEmpty] = Field(default_factory=list)
    key: list[Name] = Field(min_length=1)
    type_column: Optional[Name] = None
    label: Optional[Name] = None
    place: Optional[Name] = None
    parent: Optional[dict[Name, Name]] = None      # {table: column of this table holding the parent's key}
    info_headers: list[NonEmpty] = Field(default_factory=list)
    columns: list[ColumnDecl] = Field(min_length=1)
    rules: list[RuleDecl] = Field(default_factory=list)


class SideDecl(_Model):
    table: Name
    column: Name
    where: dict[str, list[Scalar]] = Field(default_factory=dict)


class ReferenceDecl(MessageDecl):
    """Every value of ``from`` must be among the values of ``to`` (checked when ``to``'s table was given)."""
    severity: Literal["error", "warning"] = "error"
    from_: SideDecl = Field(alias="from")
    to: SideDecl


class ObligationDecl(MessageDecl):
    """What each row (a school) must meet, for ``validate``: a row matching ``where`` and ``when`` falls short."""
    table: Name
    column: Name
    where: dict[str, list[Scalar]] = Field(default_factory=dict)
    when: NonEmpty


class MilestonesDecl(_Model):
    """Where milestone targets are reported: a table with the milestone's id and its status (a choice column,
    whose choices are the statuses in order, first = not started)."""
    table: Name
    id_column: Name
    status_column: Name
    #: a column the template adds after the id with each project's name (read by people, never checked)
    name_header: Optional[NonEmpty] = None


# ------------------------------------------------------------------- the contract
class _Declared:
    """A declared check's problem type carries its code."""
    kind: ProblemType

    @property
    def code(self) -> str:
        return self.kind.code


@dataclass(frozen=True)
class RowRule(_Declared):
    table: str
    column: str
    where: tuple[tuple[str, tuple], ...]
    when: X.Expr
    params: tuple[tuple[str, X.Expr], ...]
    kind: ProblemType

    @property
    def severity(self) -> str:
        return self.kind.severity


@dataclass(frozen=True)
class Reference(_Declared):
    table: str
    column: str
    where: tuple[tuple[str, tuple], ...]
    to_table: str
    to_column: str
    to_where: tuple[tuple[str, tuple], ...]
    kind: ProblemType


@dataclass(frozen=True)
class Obligation(_Declared):
    table: str
    column: str
    where: tuple[tuple[str, tuple], ...]
    when: X.Expr
    kind: ProblemType


@dataclass(frozen=True)
class Milestones:
    table: str
    id_column: str
    status_column: str
    statuses: Choices
    name_header: Optional[str] = None


@dataclass(frozen=True)
class Contract:
    """Everything the readers, the validator and the engine need to know of a plan's data."""
    tables: dict[str, TableSpec]
    choices: dict[str, Choices] = field(default_factory=dict)
    rules: tuple[RowRule, ...] = ()
    references: tuple[Reference, ...] = ()
    obligations: tuple[Obligation, ...] = ()
    milestones: Optional[Milestones] = None

    def columns_of(self, table: str) -> list[str]:
        """The columns a target, rule or ``--by`` may name on ``table``: its own, then its parent's."""
        spec = self.tables[table]
        names = [c.name for c in spec.columns]
        if spec.parent is not None:
            names += [n for n in self.columns_of(spec.parent[0]) if n not in names]
        return names

    def column(self, table: str, name: str) -> ColumnSpec:
        spec = self.tables[table]
        if name in spec.columns_by_name:
            return spec.column(name)
        if spec.parent is not None:
            return self.column(spec.parent[0], name)
        raise KeyError(name)

    def row_model(self, table: str):
        """The pydantic model of one row of ``table``, with the table's declared error rules."""
        from ..check.schema import row_model

        cache = self.__dict__.setdefault("_models", {})
        if table not in cache:
            cache[table] = row_model(self.tables[table], tuple(r for r in self.rules if r.table == table))
        return cache[table]

    def data_tables(self) -> list[str]:
        """Tables targets aggregate over (the milestones table is read by milestone targets)."""
        return [t for t in self.tables if self.milestones is None or t != self.milestones.table]


def _where(where: dict[str, list]) -> tuple[tuple[str, tuple], ...]:
    return tuple((k, tuple(v)) for k, v in where.items())


def _kind(m: MessageDecl, severity: str) -> ProblemType:
    return ProblemType(m.code, ERROR if severity == "error" else WARNING, m.title_zh, m.title_en,
                       m.message_zh, m.message_en)


def _choices(name: str, values: list[ChoiceDecl]) -> Choices:
    lookup: dict[str, str] = {}
    for c in values:
        lookup.setdefault(c.value.lower(), c.value)
    for c in values:
        for spelling in (c.zh, c.en, *c.aliases):
            if spelling:
                lookup.setdefault(spelling.lower(), c.value)
    return Choices(name=name, values=tuple(c.value for c in values), zh={c.value: c.zh or c.value for c in values},
                   en={c.value: c.en or c.value for c in values}, lookup=lookup)


def build_contract(choices: dict[str, list[ChoiceDecl]], tables: dict[str, TableDecl],
                   references: Iterable[ReferenceDecl] = (), obligations: Iterable[ObligationDecl] = (),
                   milestones: Optional[MilestonesDecl] = None) -> Contract:
    """The runtime form of a checked declaration (see :func:`contract_problems` for the checks)."""
    lists = {name: _choices(name, values) for name, values in choices.items()}
    specs: dict[str, TableSpec] = {}
    rules: list[RowRule] = []
    for tname, t in tables.items():
        cols = []
        for c in t.columns:
            cols.append(ColumnSpec(
                name=c.name, zh=c.zh, en=c.en or "", kind=KINDS[c.kind], aliases=tuple(c.aliases),
                applies_to=tuple(c.applies_to) if c.applies_to is not None else None, required=c.required,
                ge=c.min, le=c.max, le_column=c.max_column, choices=lists.get(c.choices) if c.choices else None,
                description=c.description, default=c.default.value if c.default else None,
                default_where=_where(c.default.where) if c.default else None))
        parent = next(iter(t.parent.items())) if t.parent else None
        info = list(t.info_headers)
        if milestones is not None and milestones.table == tname and milestones.name_header:
            info.append(milestones.name_header)
        specs[tname] = table_spec(tname, t.zh, tuple(cols), en=t.en or "", aliases=tuple(t.aliases),
                                  key=tuple(t.key), type_column=t.type_column, label=t.label, place=t.place,
                                  parent=parent, info_headers=tuple(dict.fromkeys(info)))
        names = [c.name for c in t.columns]
        for r in t.rules:
            rules.append(RowRule(tname, r.column, _where(r.where), X.parse(r.when, names),
                                 tuple((k, X.parse(v, names)) for k, v in r.params.items()), _kind(r, r.severity)))
    refs = tuple(Reference(r.from_.table, r.from_.column, _where(r.from_.where), r.to.table, r.to.column,
                           _where(r.to.where), _kind(r, r.severity)) for r in references)
    obls = tuple(Obligation(o.table, o.column, _where(o.where),
                            X.parse(o.when, [c.name for c in tables[o.table].columns]), _kind(o, "warning"))
                 for o in obligations)
    ms = None
    if milestones is not None:
        status = specs[milestones.table].column(milestones.status_column)
        assert status.choices is not None
        ms = Milestones(milestones.table, milestones.id_column, milestones.status_column, status.choices,
                        milestones.name_header)
    return Contract(tables=specs, choices=lists, rules=tuple(rules), references=refs, obligations=obls,
                    milestones=ms)


# ------------------------------------------------------------------- checks
def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


Found = list[tuple[tuple, str]]   # (location in the file, message)


def contract_problems(choices: dict[str, list[ChoiceDecl]], tables: dict[str, TableDecl],
                      references: list[ReferenceDecl], obligations: list[ObligationDecl],
                      milestones: Optional[MilestonesDecl]) -> Found:
    """Every name the declaration uses, checked against what it declares: [(location, message)]."""
    out: Found = []
    _choice_problems(choices, out)
    for tname, t in tables.items():
        _column_problems(tname, t, choices, tables, out)
        _table_role_problems(tname, t, tables, out)
        _rule_problems(tname, t, choices, tables, out)
    _reference_problems(references, choices, tables, out)
    _obligation_problems(obligations, choices, tables, out)
    _milestone_problems(milestones, tables, out)
    _code_problems(tables, references, obligations, out)
    return out


def _choice_problems(choices: dict[str, list[ChoiceDecl]], out: Found) -> None:
    """A spelling of two values of one list would make a cell ambiguous."""
    for cname, values in choices.items():
        seen: dict[str, int] = {}
        for i, c in enumerate(values):
            for spelling in (c.value, c.zh, c.en, *c.aliases):
                if spelling is None:
                    continue
                other = seen.get(spelling.lower())
                if other is not None and other != i:
                    out.append((("choices", cname, i), f"{spelling!r} is also a spelling of "
                                                       f"{values[other].value!r}: a cell would be ambiguous"))
                seen.setdefault(spelling.lower(), i)


def _where_problems(at: tuple, table: str, where: dict[str, list], choices: dict[str, list[ChoiceDecl]],
                    tables: dict[str, TableDecl], out: Found) -> None:
    """A ``where``: known columns (its own or its parent's), values of the column's kind."""
    names = _all_columns(tables, table)
    for k, vals in where.items():
        if k not in names:
            out.append((at + ("where", k), f"unknown column {k!r} in table {table!r}{_suggest(k, names)}"))
            continue
        col = _find_column(tables, table, k)
        if col is None:
            continue
        for i, v in enumerate(vals):
            if col.kind == "choice" and col.choices in choices:
                allowed = [c.value for c in choices[col.choices]]
                if v not in allowed:
                    out.append((at + ("where", k, i), f"{v!r} is not a value of {table}.{k}; expected one of "
                                                      f"{', '.join(allowed)}"))
            elif col.kind == "yes_no" and not isinstance(v, bool):
                out.append((at + ("where", k, i), f"{table}.{k} is a yes/no column: write true or false, not {v!r}"))
            elif col.kind in ("integer", "decimal") and (isinstance(v, bool) or not isinstance(v, (int, float))):
                out.append((at + ("where", k, i), f"{table}.{k} is a number column: write a number, not {v!r}"))


def _expr_problem(at: tuple, table: str, text: str, tables: dict[str, TableDecl], out: Found) -> None:
    """A row expression reading only the table's own columns."""
    try:
        X.parse(text, [c.name for c in tables[table].columns])
    except X.ExprError as exc:
        out.append((at, str(exc)))


def _column_problems(tname: str, t: TableDecl, choices: dict[str, list[ChoiceDecl]],
                     tables: dict[str, TableDecl], out: Found) -> None:
    names = [c.name for c in t.columns]
    seen_cols: set[str] = set()
    for i, c in enumerate(t.columns):
        at = ("tables", tname, "columns", i)
        if c.name in seen_cols:
            out.append((at + ("name",), f"column {c.name!r} is declared twice in table {tname!r}"))
        seen_cols.add(c.name)
        if c.kind == "choice" and c.choices is None:
            out.append((at, "a choice column needs 'choices' (the name of a list under 'choices:')"))
        if c.choices is not None:
            if c.kind != "choice":
                out.append((at + ("choices",), f"'choices' goes with kind: choice, not {c.kind}"))
            elif c.choices not in choices:
                out.append((at + ("choices",), f"no choice list {c.choices!r}{_suggest(c.choices, choices)}"))
        if c.max_column is not None:
            other = next((o for o in t.columns if o.name == c.max_column), None)
            if other is None:
                out.append((at + ("max_column",), f"unknown column {c.max_column!r}{_suggest(c.max_column, names)}"))
            elif other.kind not in ("integer", "decimal") or c.kind not in ("integer", "decimal"):
                out.append((at + ("max_column",), "max_column compares two number columns"))
        if (c.min is not None or c.max is not None) and c.kind not in ("integer", "decimal"):
            out.append((at, f"min/max go with number columns, not {c.kind}"))
        if c.applies_to is not None:
            _applies_to_problems(at, tname, t, c, choices, out)
        if c.default is not None:
            _where_problems(at + ("default",), tname, c.default.where, choices, tables, out)


def _applies_to_problems(at: tuple, tname: str, t: TableDecl, c: ColumnDecl, choices: dict[str, list[ChoiceDecl]],
                         out: Found) -> None:
    if t.type_column is None:
        out.append((at + ("applies_to",), "applies_to needs the table's 'type_column'"))
        return
    tc = next((o for o in t.columns if o.name == t.type_column), None)
    allowed = [v.value for v in choices.get(tc.choices or "", [])] if tc is not None else []
    for j, v in enumerate(c.applies_to or []):
        if allowed and v not in allowed:
            out.append((at + ("applies_to", j), f"{v!r} is not a value of {tname}.{t.type_column}"
                                                f"{_suggest(v, allowed)}"))


def _table_role_problems(tname: str, t: TableDecl, tables: dict[str, TableDecl], out: Found) -> None:
    """The columns a table names for its roles (type, label, place, key) and its parent."""
    names = [c.name for c in t.columns]
    at_t = ("tables", tname)
    for role in ("type_column", "label", "place"):
        value = getattr(t, role)
        if value is not None and value not in names:
            out.append((at_t + (role,), f"unknown column {value!r}{_suggest(value, names)}"))
    if t.type_column is not None and t.type_column in names:
        if next(c for c in t.columns if c.name == t.type_column).kind != "choice":
            out.append((at_t + ("type_column",), "the type column must be a choice column"))
    for j, k in enumerate(t.key):
        if k not in names:
            out.append((at_t + ("key", j), f"unknown column {k!r}{_suggest(k, names)}"))
    if t.parent is None:
        return
    for ptable, pcol in t.parent.items():
        if ptable not in tables:
            out.append((at_t + ("parent", ptable), f"unknown table {ptable!r}{_suggest(ptable, tables)}"))
        elif pcol not in names:
            out.append((at_t + ("parent", ptable), f"unknown column {pcol!r}{_suggest(pcol, names)}"))
        elif len(tables[ptable].key) != 1:
            out.append((at_t + ("parent",), f"table {ptable!r} needs a one-column key to be a parent"))
    if len(t.parent) != 1:
        out.append((at_t + ("parent",), "parent names one table: {table: column}"))


def _rule_problems(tname: str, t: TableDecl, choices: dict[str, list[ChoiceDecl]], tables: dict[str, TableDecl],
                   out: Found) -> None:
    names = [c.name for c in t.columns]
    for i, r in enumerate(t.rules):
        at = ("tables", tname, "rules", i)
        if r.column not in names:
            out.append((at + ("column",), f"unknown column {r.column!r}{_suggest(r.column, names)}"))
        _where_problems(at, tname, r.where, choices, tables, out)
        _expr_problem(at + ("when",), tname, r.when, tables, out)
        for k, v in r.params.items():
            _expr_problem(at + ("params", k), tname, v, tables, out)


def _reference_problems(references: list[ReferenceDecl], choices: dict[str, list[ChoiceDecl]],
                        tables: dict[str, TableDecl], out: Found) -> None:
    for i, r in enumerate(references):
        for side, s in (("from", r.from_), ("to", r.to)):
            at = ("references", i, side)
            if s.table not in tables:
                out.append((at + ("table",), f"unknown table {s.table!r}{_suggest(s.table, tables)}"))
                continue
            cols = [c.name for c in tables[s.table].columns]
            if s.column not in cols:
                out.append((at + ("column",), f"unknown column {s.column!r}{_suggest(s.column, cols)}"))
            _where_problems(at, s.table, s.where, choices, tables, out)


def _obligation_problems(obligations: list[ObligationDecl], choices: dict[str, list[ChoiceDecl]],
                         tables: dict[str, TableDecl], out: Found) -> None:
    for i, o in enumerate(obligations):
        at = ("obligations", i)
        if o.table not in tables:
            out.append((at + ("table",), f"unknown table {o.table!r}{_suggest(o.table, tables)}"))
            continue
        cols = [c.name for c in tables[o.table].columns]
        if o.column not in cols:
            out.append((at + ("column",), f"unknown column {o.column!r}{_suggest(o.column, cols)}"))
        _where_problems(at, o.table, o.where, choices, tables, out)
        _expr_problem(at + ("when",), o.table, o.when, tables, out)


def _milestone_problems(milestones: Optional[MilestonesDecl], tables: dict[str, TableDecl], out: Found) -> None:
    if milestones is None:
        return
    at = ("milestones",)
    if milestones.table not in tables:
        out.append((at + ("table",), f"unknown table {milestones.table!r}{_suggest(milestones.table, tables)}"))
        return
    cols = {c.name: c for c in tables[milestones.table].columns}
    for role in ("id_column", "status_column"):
        value = getattr(milestones, role)
        if value not in cols:
            out.append((at + (role,), f"unknown column {value!r}{_suggest(value, cols)}"))
    status = cols.get(milestones.status_column)
    if status is not None and status.kind != "choice":
        out.append((at + ("status_column",), "the status column must be a choice column (the statuses in order)"))


def _code_problems(tables: dict[str, TableDecl], references: list[ReferenceDecl], obligations: list[ObligationDecl],
                   out: Found) -> None:
    """A declared code is the plan's own: not one of the program's, and not declared twice (obligations may
    share one: one message for several items)."""
    from ..errors import CATALOGUE

    codes: dict[str, tuple] = {}
    places = [(("tables", tn, "rules", i), r.code) for tn, t in tables.items() for i, r in enumerate(t.rules)]
    places += [(("references", i), r.code) for i, r in enumerate(references)]
    places += [(("obligations", i), o.code) for i, o in enumerate(obligations)]
    for at, code in places:
        if code in CATALOGUE:
            out.append((at + ("code",), f"code {code!r} is one of the program's own problem codes; choose another"))
        elif code in codes and "obligations" not in at:
            out.append((at + ("code",), f"code {code!r} is declared twice"))
        codes.setdefault(code, at)


def _all_columns(tables: dict[str, TableDecl], table: str) -> list[str]:
    t = tables.get(table)
    if t is None:
        return []
    names = [c.name for c in t.columns]
    if t.parent:
        for ptable in t.parent:
            if ptable in tables and ptable != table:
                names += [n for n in _all_columns(tables, ptable) if n not in names]
    return names


def _find_column(tables: dict[str, TableDecl], table: str, name: str) -> Optional[ColumnDecl]:
    t = tables.get(table)
    if t is None:
        return None
    for c in t.columns:
        if c.name == name:
            return c
    for ptable in (t.parent or {}):
        if ptable in tables and ptable != table:
            found = _find_column(tables, ptable, name)
            if found is not None:
                return found
    return None
