"""Row expressions of a plan file: ``students > 55 * classes``, ``inclusive == false and ownership == "public"``.

An expression is parsed with Python's own :mod:`ast` and only a small, safe subset is
accepted: column names, numbers, quoted text, ``true``/``false``, ``+ - * /``,
comparisons (``== != < <= > >=``, chains allowed), ``and``/``or``/``not`` and brackets.
No calls, attributes or subscripts: an expression can read the row's cells, nothing else.

Evaluated over whole columns (numpy): a comparison with a missing cell is false, so a
rule never fires on a blank it cannot judge (blanks are the ``required`` check's concern).
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

#: Names that read as constants rather than columns.
CONSTANTS = {"true": True, "false": False, "True": True, "False": False, "是": True, "否": False}

_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}
_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


class ExprError(ValueError):
    """An expression the plan file cannot use; the message says why."""


@dataclass(frozen=True)
class Expr:
    text: str
    tree: ast.expr
    columns: tuple[str, ...]

    def __str__(self) -> str:
        return self.text


def parse(text: str, known: Optional[Iterable[str]] = None) -> Expr:
    """Parse and check an expression; ``known`` (column names) catches unknown names with a suggestion."""
    if not isinstance(text, str) or not text.strip():
        raise ExprError("an expression must be non-empty text such as 'students > 55 * classes'")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ExprError(f"cannot read {text!r}: {exc.msg}") from None
    names: list[str] = []
    _check(tree, names)
    if known is not None:
        known = list(known)
        for name in names:
            if name not in known:
                import difflib

                close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ExprError(f"unknown column {name!r} in {text!r}{hint}")
    return Expr(text.strip(), tree, tuple(dict.fromkeys(names)))


def _check(node: ast.AST, names: list[str]) -> None:
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            _check(v, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        _check(node.operand, names)
    elif isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
        _check(node.left, names)
        _check(node.right, names)
    elif isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        _check(node.left, names)
        for c in node.comparators:
            _check(c, names)
    elif isinstance(node, ast.Name):
        if node.id not in CONSTANTS:
            names.append(node.id)
    elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
        pass
    else:
        what = type(node).__name__
        raise ExprError(f"{what} is not allowed in a row expression (only columns, numbers, text, "
                        "+ - * /, comparisons, and/or/not)")


def _compare_objects(compare, left, right, both):
    """Text compared element by element: numpy's own loop, or (mixed kinds that cannot be ordered) a Python one."""
    import numpy as np

    try:
        with np.errstate(invalid="ignore"):
            return np.asarray(compare(left, right), dtype=bool) & both
    except TypeError:
        return np.array([compare(a, b) if ok else False for a, b, ok in zip(left, right, both)], dtype=bool)


def evaluate(expr: Expr, column: Callable[[str], "object"], n: int):
    """The value of ``expr`` on each of ``n`` rows; ``column(name)`` gives a numpy array: float with NaN for
    a missing number or yes/no (1.0/0.0), or object holding str/None for text. Returns a bool array for a
    condition (missing -> False), else a float array."""
    import numpy as np

    def constant(value):
        """A constant as a read-only view of one value over the rows (no array of n copies)."""
        return np.broadcast_to(np.array(value, dtype=object if isinstance(value, str) else float), (n,))

    def known(a):
        if a.dtype == object:
            return np.array([v is not None for v in a], dtype=bool)
        if a.dtype.kind == "f":
            return ~np.isnan(a)
        return np.ones(len(a), dtype=bool)

    def ev(node):
        if isinstance(node, ast.Name):
            if node.id in CONSTANTS:
                return constant(float(CONSTANTS[node.id]))
            return column(node.id)
        if isinstance(node, ast.Constant):
            return constant(node.value if isinstance(node.value, str) else float(node.value))
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand)
            if isinstance(node.op, ast.Not):
                return ~_as_bool(v)
            return -np.asarray(v, dtype=float)
        if isinstance(node, ast.BinOp):
            with np.errstate(divide="ignore", invalid="ignore"):
                out = _ARITH[type(node.op)](np.asarray(ev(node.left), dtype=float),
                                            np.asarray(ev(node.right), dtype=float))
            inf = np.isinf(out)
            return np.where(inf, np.nan, out) if inf.any() else out   # (x/0: missing, as a blank)
        if isinstance(node, ast.BoolOp):
            parts = [_as_bool(ev(v)) for v in node.values]
            out = parts[0]
            for p in parts[1:]:
                out = (out & p) if isinstance(node.op, ast.And) else (out | p)
            return out
        if isinstance(node, ast.Compare):
            left = ev(node.left)
            out = np.ones(n, dtype=bool)
            for op, right_node in zip(node.ops, node.comparators):
                right = ev(right_node)
                both = known(left) & known(right)
                if left.dtype == object or right.dtype == object:
                    res = _compare_objects(_COMPARE[type(op)], left, right, both)
                else:
                    with np.errstate(invalid="ignore"):
                        res = _COMPARE[type(op)](left, right)
                out &= res & both
                left = right
            return out
        raise ExprError(type(node).__name__)  # pragma: no cover - _check refused it

    def _as_bool(v):
        if v.dtype == bool:
            return v
        if v.dtype == object:
            return np.array([bool(x) for x in v], dtype=bool)
        return np.nan_to_num(v, nan=0.0) != 0

    result = ev(expr.tree)
    return result
