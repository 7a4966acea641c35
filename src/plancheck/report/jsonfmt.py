"""JSON output: machine-readable results. Rates are fractions (0.9597), never percents.

Written by orjson, two-space indented: the standard library's encoder falls back to pure Python as
soon as an indent is asked for, which took ~25 s for a country-size ``--by town`` report (62,700
towns, 645 MB); orjson writes the same text (numbers in exponent form are written ``3e-6``, not
``3e-06``) some 30 times faster. Breakdowns (``--by``) are written a row per line, a block of groups at a
time (:func:`breakdown_text`), so a country's report is never held whole in memory: ``run --by … --format
json`` builds them from columns (:func:`engine.evaluate_by_columns`, no Result per group and target), each
field of a block encoded at once; Results (:func:`engine.evaluate_by`) give the same text. A breakdown row
holds a target's figures in its group, not the target's descriptive fields (schema 2)."""

from __future__ import annotations

from bisect import bisect_left
from fractions import Fraction
from typing import Any

import numpy as np

from .. import __version__
from ..engine import STATUSES, Breakdown, Figures, Offender, Result, summary
from ..errors import Problem
from ..check.validate import Submission
from .context import ReportContext

#: 2: a breakdown row holds a target's figures in its group, not the target's descriptive fields again
SCHEMA_VERSION = 2


def _num(v: Any) -> Any:
    if isinstance(v, Fraction):
        return int(v) if v.denominator == 1 else float(v)
    return v


def offender_dict(o: Offender) -> dict[str, Any]:
    return {"name": o.name, "town": o.town, "school_id": o.school_id, "value": _num(o.value),
            "needed": o.needed, "file": o.file, "row": o.row}


def result_dict(r: Result) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": r.target_id, "kind": r.kind, "section": r.section, "item": r.item,
        "title_zh": r.title_zh, "title_en": r.title_en, "status": r.status,
    }
    if r.kind == "metric":
        d.update(unit=r.unit, op=r.op, goal=_num(r.goal), actual=_num(r.actual), numerator=r.numerator,
                 denominator=r.denominator, gap=r.gap, gap_unit_zh=r.gap_unit_zh, gap_unit_en=r.gap_unit_en,
                 holders_back=[offender_dict(o) for o in r.offenders], holders_back_count=r.offender_count)
        if r.change is not None:   # a goal relative to a previous figure (only then: earlier outputs keep their keys)
            d.update(goal_previous=_num(r.previous), goal_change=_num(r.change))
        if r.gap_side != "numerator":
            d["gap_side"] = r.gap_side
        if r.implausible is not None:
            d["implausible"] = {"side": r.implausible, "bound": _num(r.plausible_bound)}
    else:
        d.update(unit="status", op=">=", goal=r.goal, actual=r.reported_status, numerator=None, denominator=None,
                 required_status=r.goal, reported_status=r.reported_status, note=r.note)
        if r.due is not None:
            d.update(due=r.due, overdue=r.overdue)
    if r.group:
        d["group"] = {r.group[0]: r.group[1]}
    return d


def problem_dict(p: Problem, lang: str = "zh") -> dict[str, Any]:
    return {"severity": p.severity, "code": p.code, "file": p.file, "sheet": p.sheet, "row": p.row,
            "column": p.column, "cell": p.cell, "value": p.value, "message": p.message(lang)}


def problem_dicts(sub: Submission, lang: str = "zh") -> list[dict[str, Any]]:
    """Every problem's :func:`problem_dict`, read from the problems' columns (no Problem made; each message
    formatted once per distinct params and value)."""
    return [{"severity": severity, "code": code, "file": file, "sheet": sheet, "row": row, "column": column,
             "cell": cell, "value": value, "message": message}
            for severity, code, file, sheet, row, column, cell, value, message, _title in sub.found.records(lang)]


def submission_dict(sub: Submission, lang: str = "zh") -> dict[str, Any]:
    return {
        "sources": [{"file": s.file, "sheet": s.sheet, "table": s.table, "encoding": s.encoding,
                     "rows": vars(s.counts)} for s in sub.sources],
        "rows": vars(sub.counts()),
        "problems": problem_dicts(sub, lang),
        "problems_not_listed": sub.problems_dropped,
    }


def breakdown_dict(r: Result, goal: Any = None) -> dict[str, Any]:
    """A metric's row in a breakdown: its figures in one group. The target's own fields (kind, section, item,
    titles, unit, op, gap units and side) are in the report's ``targets`` entry of the same ``id``, written
    once; ``goal`` is written only when it differs from that entry's (``goal``)."""
    d: dict[str, Any] = {"id": r.target_id, "status": r.status}
    if _num(r.goal) != goal:
        d["goal"] = _num(r.goal)
    d.update(actual=_num(r.actual), numerator=r.numerator, denominator=r.denominator, gap=r.gap,
             holders_back=[offender_dict(o) for o in r.offenders], holders_back_count=r.offender_count)
    if r.implausible is not None:
        d["implausible"] = {"side": r.implausible, "bound": _num(r.plausible_bound)}
    d["group"] = {r.group[0]: r.group[1]}
    return d


#: groups of a breakdown built and written together (a country's 62,700 towns: 31 pieces)
_BLOCK = 2048
_NUMPY = 1 << 4      # orjson.OPT_SERIALIZE_NUMPY (orjson is imported when a report is written)
_STATUS = np.array([b'"%s"' % s.encode() for s in STATUSES], dtype=object)
_ABSENT = object()   # no target of that id in ``targets``: every row writes its goal


def breakdown_text(b: Breakdown, goals: dict[str, Any]):
    """A breakdown's groups, ``"value": [ rows ]`` one row per line, as UTF-8 pieces of ``_BLOCK`` groups.
    ``goals``: each target's goal as ``targets`` writes it. Rows of :class:`Figures` are written column by
    column: each field of a block of groups encoded at once, then every row of the block laid out by one
    ``%`` over a template (a row's fixed text is in the template; a row of a target served by Results is
    :func:`breakdown_dict`'s)."""
    import orjson

    column = orjson.dumps(b.column)
    implausible = [sorted(f.implausible) if isinstance(f, Figures) else None for f in b.targets]
    for lo in range(0, len(b.names), _BLOCK):
        names = [orjson.dumps(v) for v in b.names[lo:lo + _BLOCK]]
        hi = lo + len(names)
        parts: list[Any] = [[b"%s\n      %s: [" % (b"," if lo + j else b"", v) for j, v in enumerate(names)]]
        group = [b',"group":{%s:%s}}' % (column, v) for v in names]
        for i, f in enumerate(b.targets):
            lead = b",\n        " if i else b"\n        "
            if isinstance(f, Figures):
                parts += _figure_columns(f, lo, hi, lead, goals.get(f.target.id, _ABSENT), group, implausible[i])
            else:
                parts.append([lead + orjson.dumps(breakdown_dict(r, goals.get(r.target_id, _ABSENT))) for r in f[lo:hi]])
        parts.append(b"\n      ]" if b.targets else b"]")
        yield _laid_out(parts, len(names))


def _laid_out(parts: list[Any], rows: int) -> bytes:
    """``rows`` rows, each the concatenation of ``parts`` (a constant, or a column: one piece per row)."""
    columns = [p for p in parts if not isinstance(p, bytes)]
    template = b"".join(b"%s" if not isinstance(p, bytes) else p.replace(b"%", b"%%") for p in parts)
    grid = np.empty((rows, len(columns)), dtype=object)
    for j, c in enumerate(columns):
        grid[:, j] = c
    return (template * rows) % tuple(grid.ravel().tolist())


def _figure_columns(f: Figures, lo: int, hi: int, lead: bytes, goal: Any, group: list[bytes],
                    implausible: list[int]) -> list[Any]:
    """The rows of one target for groups ``lo:hi`` as parts of :func:`_laid_out`: what :func:`breakdown_dict`
    writes, in its order. ``implausible``: the groups that have such a figure, in order."""
    import orjson

    own = _num(f.goal)
    settled = f.status[lo:hi] != 0
    a, b = (x[lo:hi] for x in f.figure)
    return [lead + b'{"id":%s,"status":' % orjson.dumps(f.target.id), _STATUS[f.status[lo:hi]],
            b"" if own == goal else b',"goal":' + orjson.dumps(own),
            b',"actual":', _figure_text(a, b, settled),
            b',"numerator":', _ints_text(f.numerator[lo:hi], settled),
            b',"denominator":', b"null" if f.denominator is None else _ints_text(f.denominator[lo:hi], settled),
            _tail_text(f, lo, hi), _implausible_text(f.implausible, _within(implausible, lo, hi), lo, hi), group]


def _within(keys: list[int], lo: int, hi: int) -> list[int]:
    """The sorted ``keys`` in ``lo:hi``."""
    return keys[bisect_left(keys, lo):bisect_left(keys, hi)]


def _each(values: np.ndarray) -> np.ndarray:
    """Each number of an int64 or float64 array as orjson writes it (one call for the whole array)."""
    import orjson

    if not len(values):
        return np.empty(0, dtype=object)
    out = np.empty(len(values), dtype=object)
    out[:] = orjson.dumps(np.ascontiguousarray(values), option=_NUMPY)[1:-1].split(b",")
    return out


def _ints_text(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    out = _each(values)
    out[~known] = b"null"
    return out


def _figure_text(a: np.ndarray, b: np.ndarray, known: np.ndarray) -> np.ndarray:
    """The figure ``a / b`` as ``_num`` writes its fraction: an int when whole, else the nearest float."""
    whole = a % b == 0
    out = _each(a // b)
    out[~whole] = _each(a[~whole] / b[~whole])
    out[~known] = b"null"
    return out


#: the end of a row's figures (gap and holders-back) where the status decides it, by status; a failing row's
_TAILS = np.array([b',"gap":null,"holders_back":[],"holders_back_count":0', None,
                   b',"gap":0,"holders_back":[],"holders_back_count":0'], dtype=object)
_TAIL = b',"gap":%s,"holders_back":%s,"holders_back_count":%d'


def _tail_text(f: Figures, lo: int, hi: int) -> np.ndarray:
    """Each row's gap, listed holders-back and their count, as text: written out for failing groups only
    (only they have a gap above 0 and holders-back)."""
    import orjson

    status = f.status[lo:hi]
    out = _TAILS[status]
    failing = np.flatnonzero(status == 1)
    if len(failing):
        gap = f.gap[lo:hi][failing]
        none = (0, [])
        out[failing] = [_TAIL % (g, orjson.dumps(rows), n) for g, (n, rows) in
                        zip(_ints_text(gap, gap >= 0), (f.holders.get(k, none) for k in (failing + lo).tolist()))]
    return out


def _implausible_text(implausible: dict[int, tuple[str, Any]], keys: list[int], lo: int, hi: int) -> Any:
    import orjson

    if not keys:
        return b""
    out = np.full(hi - lo, b"", dtype=object)
    for k in keys:
        side, bound = implausible[k]
        out[k - lo] = b',"implausible":' + orjson.dumps({"side": side, "bound": _num(bound)})
    return out


_HOLE = "\x00breakdowns\x00"


def render(ctx: ReportContext) -> str:
    return b"".join(chunks(ctx)).decode("utf-8")


def write(ctx: ReportContext, fh) -> None:
    """The report into a binary file, piece by piece: a country's breakdown is never held whole in memory, and
    each block is written while the next is formatted (output.write_pieces)."""
    from ..output import write_pieces

    write_pieces(fh, chunks(ctx))


def chunks(ctx: ReportContext):
    """The report as UTF-8 pieces. Breakdowns (from :func:`engine.evaluate_by_columns`, ``ctx.breakdowns``, or
    from Results, ``ctx.groups``: the same text) are written a row per line, a block of groups at a time."""
    doc = _doc(ctx)
    breakdowns = ctx.breakdowns or {col: _from_results(col, by) for col, by in ctx.groups.items()}
    if not breakdowns:
        yield _dump(doc)
        return
    import orjson

    goals = {r.target_id: _num(r.goal) for r in ctx.results}
    head, tail = _dump(doc).split(orjson.dumps(_HOLE), 1)
    yield head + b"{"
    for i, (column, b) in enumerate(breakdowns.items()):
        yield b"%s\n    %s: {" % (b"," if i else b"", orjson.dumps(column))
        yield from breakdown_text(b, goals)
        yield b"\n    }" if b.names else b"}"
    yield b"\n  }" + tail


def _from_results(column: str, by: dict[str, list[Result]]) -> Breakdown:
    """:func:`engine.evaluate_by`'s Results (group -> its results) as a Breakdown (target -> its results)."""
    return Breakdown(column, list(by), [list(rs) for rs in zip(*by.values())])


def _doc(ctx: ReportContext) -> dict[str, Any]:
    results, targets = ctx.results, ctx.targets
    doc: dict[str, Any] = {
        "plancheck": __version__, "schema_version": SCHEMA_VERSION,
        "plan": {"id": targets.plan.id, "title_zh": targets.plan.title_zh, "title_en": targets.plan.title_en,
                 "year": targets.plan.year},
        "term": ctx.term,
        "date": ctx.today.isoformat(),
        "inputs": [{"path": i.path, "sha256": i.sha256, "rows": i.rows} for i in ctx.inputs],
        "summary": summary(results),
        "targets": [result_dict(r) for r in results],
    }
    if ctx.breakdowns or ctx.groups:
        doc["breakdowns"] = _HOLE    # written by :func:`chunks`, row by row
    if ctx.submission is not None:
        doc["submission"] = submission_dict(ctx.submission, ctx.lang)
    return doc


def render_problems(sub: Submission, lang: str = "zh") -> str:
    return dump({"plancheck": __version__, "ok": sub.ok, **submission_dict(sub, lang)})


def dump(doc: dict[str, Any]) -> str:
    """``doc`` as indented JSON text (UTF-8 characters as they are), ending with a newline."""
    return _dump(doc).decode("utf-8")


def _dump(doc: dict[str, Any]) -> bytes:
    import orjson

    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
