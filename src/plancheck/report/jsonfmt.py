"""JSON output: machine-readable results. Rates are fractions (0.9597), never percents.

Written by orjson, two-space indented: the standard library's encoder falls back to pure Python as
soon as an indent is asked for, which took ~25 s for a country-size ``--by town`` report (62,700
towns, 645 MB); orjson writes the same text (numbers in exponent form are written ``3e-6``, not
``3e-06``) some 30 times faster. ``run --by … --format json`` builds its breakdowns from columns
(:func:`engine.evaluate_by_columns`, no Result per group and target) and writes them a row per line as each
row is built (:func:`write`), so a country's report is never held whole in memory."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .. import __version__
from ..engine import Breakdown, Figures, Offender, Result, summary
from ..errors import Problem
from ..check.validate import Submission
from .context import ReportContext

SCHEMA_VERSION = 1


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


def figure_rows(f: Figures, column: str, names: list[str]):
    """Each group's :func:`result_dict` of one target, built from the columns (no Result per group)."""
    t = f.target
    tid, section, item, zh, en, unit, op, goal = t.id, t.section, t.item, t.title_zh, t.title_en, t.unit, t.op, _num(f.goal)
    gzh, gen, side = t.gap_unit_zh, t.gap_unit_en, t.gap_side
    holders, implausible, none = f.holders, f.implausible, (0, [])
    for k, (value, status, actual, num, den, gap) in enumerate(zip(names, f.status, f.actual, f.numerator,
                                                                    f.denominator, f.gap)):
        n_found, listed = holders.get(k, none)
        d = {"id": tid, "kind": "metric", "section": section, "item": item, "title_zh": zh, "title_en": en,
             "status": status, "unit": unit, "op": op, "goal": goal, "actual": actual, "numerator": num,
             "denominator": den, "gap": gap, "gap_unit_zh": gzh, "gap_unit_en": gen,
             "holders_back": listed, "holders_back_count": n_found}
        if side != "numerator":
            d["gap_side"] = side
        if k in implausible:
            where, bound = implausible[k]
            d["implausible"] = {"side": where, "bound": _num(bound)}
        d["group"] = {column: value}
        yield d


def breakdown_rows(b: Breakdown):
    """(group, its rows in targets-file order), group by group."""
    per_target = [figure_rows(f, b.column, b.names) if isinstance(f, Figures) else map(result_dict, f)
                  for f in b.targets]
    for value in b.names:
        yield value, [next(rows) for rows in per_target]


_HOLE = "\x00breakdowns\x00"


def render(ctx: ReportContext) -> str:
    return b"".join(chunks(ctx)).decode("utf-8")


def write(ctx: ReportContext, fh) -> None:
    """The report into a binary file, piece by piece: a country's breakdown is never held whole in memory."""
    for piece in chunks(ctx):
        fh.write(piece)


def chunks(ctx: ReportContext):
    """The report as UTF-8 pieces. Breakdowns from :func:`engine.evaluate_by_columns` (``ctx.breakdowns``)
    are written a row per line, each row as it is built."""
    doc = _doc(ctx)
    if not ctx.breakdowns:
        yield _dump(doc)
        return
    import orjson

    head, tail = _dump(doc).split(orjson.dumps(_HOLE), 1)
    yield head + b"{"
    for i, (column, b) in enumerate(ctx.breakdowns.items()):
        yield b"%s\n    %s: {" % (b"," if i else b"", orjson.dumps(column))
        out: list[bytes] = []
        for j, (value, rows) in enumerate(breakdown_rows(b)):
            out.append(b"%s\n      %s: [" % (b"," if j else b"", orjson.dumps(value)))
            out.append(b",".join(b"\n        " + orjson.dumps(r) for r in rows))
            out.append(b"\n      ]" if rows else b"]")
            if len(out) > 3000:
                yield b"".join(out)
                out.clear()
        yield b"".join(out) + (b"\n    }" if b.names else b"}")
    yield b"\n  }" + tail


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
    if ctx.breakdowns:
        doc["breakdowns"] = _HOLE    # written by :func:`chunks`, row by row
    elif ctx.groups:
        doc["breakdowns"] = {col: {value: [result_dict(r) for r in rs] for value, rs in by.items()}
                             for col, by in ctx.groups.items()}
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
