"""One column of text cells -> typed values, a mask of bad cells and their code.

Each distinct cell text goes once through the per-value parser that the pydantic
models of :mod:`plancheck.check.schema` run (``parse_int``, ``parse_decimal``, ``parse_bool``,
``parse_choice``, ``parse_date``, ``clean_text``), and the results are taken back to the rows: near C speed for the
few distinct values of number, yes/no and choice columns; text columns are cleaned
in Arrow. So the fast path and the models cannot disagree on a cell.

Typed columns: whole numbers ``Int64``, decimals ``Float64``, yes/no ``boolean``, text Arrow-backed strings, and
a choice column a Categorical of the plan's choices (in the plan's order; each row a small code, so the checks
and figures that ask which rows hold which choice never hash a million texts).
"""

from __future__ import annotations

import unicodedata
from typing import Any, Iterable, Optional

import numpy as np
import pandas as pd

from .schema import CLEAN_BYTES, CellError, ColumnSpec, only_bytes, value_parser

#: The one code a bad cell of each kind gets (numbers may also be too_large, reported apart).
_BAD_CODE = {"int": "not_integer", "decimal": "not_number", "bool": "not_yes_no", "enum": "not_in_choices",
             "date": "not_date"}


def arrow_cells(s: pd.Series):
    """The cells of a column as one Arrow (large) string array or chunked array, without copying an
    Arrow-backed column; None when a cell is not text (then the per-value path reads it)."""
    import pyarrow as pa

    if isinstance(s.array, pd.arrays.ArrowStringArray):
        cells = s.array.__arrow_array__()
        return cells if pa.types.is_large_string(cells.type) else cells.cast(pa.large_string())
    try:
        return pa.array(s.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None


def string_series(cells, index: Optional[pd.Index] = None) -> pd.Series:
    """Arrow text (an array or a chunked array) as a pandas Series of the ``string`` dtype, without a copy."""
    import pyarrow as pa

    chunked = cells if isinstance(cells, pa.ChunkedArray) else pa.chunked_array([cells])
    return pd.Series(pd.arrays.ArrowStringArray(chunked), index=index, copy=False)


def _clean_arrow(cells):
    """:func:`schema.clean_text` over an Arrow string column: NFKC, strip, a blank cell missing.

    A column of ASCII text (NFKC leaves it alone) is trimmed in Arrow, whose ``utf8_trim_whitespace`` strips
    exactly what ``str.strip`` strips; any other is cleaned once per distinct text, by ``clean_text``'s own
    steps in Python (a county's towns and school names repeat row after row).

    A column that cleaning leaves as it is (the usual case) is returned as ``cells`` itself, sharing its
    buffers, so the typed column costs no memory beside the raw one."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if only_bytes(cells, CLEAN_BYTES):   # (Chinese names, codes: the usual column)
        cleaned = cells
    elif pc.all(pc.fill_null(pc.string_is_ascii(cells), True)).as_py():
        cleaned = _trimmed(cells)
    else:
        cleaned = _cleaned_by_value(cells)
    blank = pc.equal(cleaned, "")
    if not pc.any(blank).as_py():
        return cleaned
    return pc.if_else(blank, pa.scalar(None, pa.large_string()), cleaned)


def _trimmed(cells):
    """``str.strip`` of every cell in Arrow; ``cells`` itself when no cell has white space to strip."""
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim_whitespace(cells)
    return cells if _byte_size(trimmed) == _byte_size(cells) else trimmed   # (trimming only removes bytes)


def _nfkc_strip(text: str) -> str:
    return (text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)).strip()


def _cleaned_by_value(cells):
    """NFKC then ``str.strip`` of each distinct cell, taken back to the rows; ``cells`` itself when no
    cell changes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    distinct = pc.drop_null(pc.unique(cells))
    values = distinct.to_pylist()
    cleaned = [_nfkc_strip(v) for v in values]
    if cleaned == values:
        return cells
    return pc.take(pa.array(cleaned, type=pa.large_string()), pc.index_in(cells, value_set=distinct))


class Distinct:
    """A column's rows numbered by their distinct values, once, so that a membership test looks each
    distinct value up once instead of every row (school types, towns, the ``where`` of a target)."""

    def __init__(self, column: pd.Series):
        self.codes, self.values = pd.factorize(column)   # code -1: a missing cell

    def known(self) -> np.ndarray:
        return self.codes >= 0

    def isin(self, allowed: Iterable[Any]) -> np.ndarray:
        """Rows holding one of ``allowed`` (a missing cell: never)."""
        return np.append(pd.Index(self.values).isin(list(allowed)), False)[self.codes]  # -1 reads the last


def rows_holding(column: pd.Series, allowed: Iterable[Any]) -> Optional[np.ndarray]:
    """Rows of a yes/no column (``allowed``: True/False) or a whole-number column (``allowed``: ints) that hold one
    of ``allowed`` (a missing cell: never), read from the column's values in one pass; None for any other
    column or values (then :class:`Distinct` numbers it). pandas' ``isin`` of a yes/no column takes ~13 ms at
    1M rows, this ~1 ms."""
    allowed = list(allowed)
    dtype = str(column.dtype)
    if dtype == "boolean" and all(isinstance(v, (bool, np.bool_)) for v in allowed):
        wanted = {bool(v) for v in allowed}
        if wanted == {True}:
            return column.to_numpy(dtype=bool, na_value=False, copy=True)
        if wanted == {False}:
            return ~column.to_numpy(dtype=bool, na_value=True)
        return column.notna().to_numpy(dtype=bool, copy=True) if wanted else np.zeros(len(column), dtype=bool)
    if dtype == "Int64" and all(type(v) is int for v in allowed):
        held = np.isin(column.to_numpy(dtype=np.int64, na_value=0), allowed)
        if column.hasnans:
            held &= column.notna().to_numpy(dtype=bool)
        return held
    return None


def _byte_size(cells) -> int:
    """Bytes of text held by the cells of an Arrow string (chunked) array."""
    import pyarrow.compute as pc

    return int(pc.sum(pc.binary_length(cells)).as_py() or 0)


def one_array(arrow):
    """One contiguous Arrow array (a chunked array's chunks joined)."""
    import pyarrow as pa

    return arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow


def _distinct(s: pd.Series) -> tuple[np.ndarray, list]:
    """(index of each cell's value in the distinct values, the distinct values); a missing cell's index is -1."""
    import pyarrow.compute as pc

    if isinstance(s.dtype, pd.CategoricalDtype):  # read dictionary-encoded: the distinct values are known
        categories = s.cat.categories
        if categories.is_unique and all(isinstance(v, str) for v in categories):
            return np.asarray(s.cat.codes, dtype=np.intp), categories.tolist()
    cells = arrow_cells(s)
    if cells is None:
        codes, uniques = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=True)
        return np.asarray(codes, dtype=np.intp), list(uniques)
    distinct = pc.drop_null(pc.unique(cells))
    codes = one_array(pc.fill_null(pc.index_in(cells, value_set=distinct), -1))
    return codes.to_numpy(zero_copy_only=False).astype(np.intp, copy=False), distinct.to_pylist()


def parse_column(raw: pd.Series, spec: ColumnSpec) -> tuple[pd.Series, pd.Series, Optional[str], pd.Series]:
    """Parse one column: (typed values, mask of bad cells, error code for bad cells, mask of too-large numbers)."""
    return parse_column_blank(raw, spec)[:4]


def parse_column_blank(raw: pd.Series, spec: ColumnSpec
                       ) -> tuple[pd.Series, pd.Series, Optional[str], pd.Series, pd.Series]:
    """:func:`parse_column` plus the mask of blank cells.

    Each distinct cell value is parsed once, by the same function the pydantic model runs on it
    (schema.value_parser), and the results are taken back to the
    rows by index; a text column (mostly distinct values) is cleaned in Arrow instead.
    """
    return parse_written(raw, spec)[:5]


def parse_written(raw: pd.Series, spec: ColumnSpec
                   ) -> tuple[pd.Series, pd.Series, Optional[str], pd.Series, pd.Series, "Written"]:
    """:func:`parse_column_blank` plus the column's cells as written (for messages), which outlive ``raw``."""
    index = raw.index
    none = pd.Series(np.zeros(len(raw), dtype=bool), index=index, copy=False)
    if spec.kind == "text":
        cells = arrow_cells(raw)
        if cells is not None:
            values = string_series(_clean_arrow(cells), index)
            return values, none, None, none, values.isna().astype(bool), Written(cells=cells)
    codes, uniques = _distinct(raw)
    parse = value_parser(spec)
    results, errors = [], []
    for v in uniques:
        try:
            results.append(parse(v))
            errors.append(None)
        except CellError as exc:
            results.append(None)
            errors.append(exc.code)
    results.append(None)   # the missing cells (index -1 takes the last entry)
    errors.append(None)
    return (*_take_back(spec, results, errors, codes, index, none), Written(codes=codes, uniques=uniques))


class Written:
    """The cells of one column as written, kept for the messages once the raw column is let go: the Arrow
    array of the cells (a text column, whose cleaned values mostly share its buffers), or each cell's index
    among the distinct texts, in the smallest integer type that holds it (-1: a missing cell)."""

    def __init__(self, cells: Any = None, codes: Optional[np.ndarray] = None, uniques: Optional[list] = None):
        self.cells = cells
        self.uniques = uniques
        if codes is not None:
            small = _small_int(len(uniques))
            codes = codes.astype(small)
        self.codes = codes

    def matching(self, test) -> Optional[np.ndarray]:
        """Rows whose cell as written passes ``test``, asked once per distinct text (None: a text column's
        cells, not numbered)."""
        if self.codes is None:
            return None
        per_value = np.array([bool(test(u)) for u in self.uniques] + [False], dtype=bool)
        return per_value[self.codes] if per_value.any() else np.zeros(len(self.codes), dtype=bool)  # -1: the last

    def at(self, pos: int) -> Any:
        if self.cells is not None:
            return self.cells[int(pos)].as_py()
        code = int(self.codes[pos])
        return self.uniques[code] if code >= 0 else None


def _take_back(spec: ColumnSpec, results: list, errors: list, codes: np.ndarray, index: pd.Index,
               none: pd.Series) -> tuple[pd.Series, pd.Series, Optional[str], pd.Series, pd.Series]:
    missing = np.array([r is None for r in results], dtype=bool)
    bad_u = np.array([e is not None and e != "too_large" for e in errors], dtype=bool)
    large_u = np.array([e == "too_large" for e in errors], dtype=bool)
    blank_u = missing & ~bad_u & ~large_u

    def per_row(per_value: np.ndarray) -> np.ndarray:
        """A per-distinct-value flag taken to the rows (a flag that is never set costs no pass)."""
        return np.take(per_value, codes) if per_value.any() else np.zeros(len(codes), dtype=bool)

    # (every array here is new: the Series take them as they are; pandas would copy each by default)
    blank_rows = per_row(blank_u)
    blank = pd.Series(blank_rows, index=index, copy=False)
    bad = pd.Series(per_row(bad_u), index=index, copy=False)
    large = pd.Series(per_row(large_u), index=index, copy=False) if spec.kind in ("int", "decimal") else none

    def missing_rows() -> np.ndarray:
        """The rows holding no value (the usual column: exactly its blank cells, copied rather than taken again)."""
        return blank_rows.copy() if np.array_equal(blank_u, missing) else per_row(missing)

    if spec.kind == "decimal":
        numbers = np.array([0.0 if r is None else r for r in results], dtype=np.float64)
        values = pd.Series(pd.arrays.FloatingArray(np.take(numbers, codes), missing_rows()), index=index, copy=False)
    elif spec.kind == "int":
        numbers = np.array([0 if r is None else r for r in results], dtype=np.int64)
        values = pd.Series(pd.arrays.IntegerArray(np.take(numbers, codes), missing_rows()), index=index, copy=False)
    elif spec.kind == "bool":
        flags = np.array([bool(r) for r in results], dtype=bool)
        values = pd.Series(pd.arrays.BooleanArray(np.take(flags, codes), missing_rows()), index=index, copy=False)
    elif spec.kind == "enum" and spec.choices is not None:
        values = _choice_values(spec, results, codes, index)
    else:
        import pyarrow as pa

        labels = pa.array(results, type=pa.large_string())
        values = string_series(labels.take(pa.array(np.where(codes < 0, len(results) - 1, codes))), index)
    return values, bad, _BAD_CODE.get(spec.kind), large, blank


def _choice_values(spec: ColumnSpec, results: list, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """A choice column as a Categorical of the plan's choices (in the plan's order), each row the code of its
    value: built from the distinct cells' codes with a table of a few entries, never a million texts."""
    dtype = choice_dtype(spec)
    at = {v: i for i, v in enumerate(dtype.categories)}
    per_value = np.array([at.get(r, -1) if r is not None else -1 for r in results],
                         dtype=_small_int(len(dtype.categories)))
    return pd.Series(pd.Categorical.from_codes(per_value[codes], dtype=dtype, validate=False), index=index,
                     copy=False)


def choice_dtype(spec: ColumnSpec) -> pd.CategoricalDtype:
    """The dtype of a typed choice column: a Categorical of the plan's choices, in the plan's order."""
    return pd.CategoricalDtype(list(spec.choices.values))


def _small_int(count: int) -> type:
    """The smallest integer type that numbers ``count`` values and -1 (as pandas keeps a Categorical's codes)."""
    return np.int8 if count < 127 else np.int16 if count < 32767 else np.int32
