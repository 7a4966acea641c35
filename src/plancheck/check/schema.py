"""Kinds of columns and tables: cell parsers, column and table specs, row models built from them.

Nothing here knows a plan's content: the plan file declares its tables and columns
(:mod:`plancheck.plan.tables` turns the declaration into :class:`TableSpec` values),
and :func:`row_model` builds a pydantic model of a row from a spec. The vectorized
validator (``check/validate.py``) runs the same per-value parsers as the row models,
so the two cannot drift apart; a property test holds them equal.

This module imports no pandas: ``plancheck targets`` and ``--help`` stay fast.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Annotated, Any, Optional

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field


YES = frozenset({"是", "有", "√", "✓", "✔", "y", "yes", "true", "1", "t", "对", "已", "达标", "到位"})
NO = frozenset({"否", "无", "×", "✗", "✘", "x", "n", "no", "false", "0", "f", "没有", "未", "不达标", "未到位"})

_INT_RE = re.compile(r"^[+-]?[0-9]+(\.0*)?$")
_THOUSANDS_RE = re.compile(r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.0*)?$")
_BOOL_NUMBER_RE = re.compile(r"^([01])\.0*$")
#: Integers beyond this are not plausible head counts (and would overflow int64 sums).
MAX_INT = 10**9


# ------------------------------------------------------------------ cell clean-up
def clean_text(value: Any) -> Optional[str]:
    """NFKC-normalise (full-width -> half-width), strip; blank -> None."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


class CellError(ValueError):
    """A cell that cannot be read as its column's type; ``code`` is an errors.py code."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(detail or code)
        self.code = code


def parse_int(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        raise CellError("not_integer")
    if isinstance(value, int):
        return value
    text = clean_text(value)
    if text is None:
        return None
    if _THOUSANDS_RE.match(text):
        text = text.replace(",", "")
    if not _INT_RE.match(text):
        raise CellError("not_integer")
    digits = text.split(".")[0]
    if len(digits.lstrip("+-")) > 10 or abs(int(digits)) > MAX_INT:
        raise CellError("too_large")
    return int(digits)


def parse_bool(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    text = clean_text(value)
    if text is None:
        return None
    low = _BOOL_NUMBER_RE.sub(r"\1", text.lower())
    if low in YES:
        return True
    if low in NO:
        return False
    raise CellError("not_yes_no")


def parse_choice(choices: "Choices", value: Any) -> Optional[str]:
    text = clean_text(value)
    if text is None:
        return None
    found = choices.lookup.get(text.lower())
    if found is None:
        raise CellError("not_in_choices")
    return found


_DECIMAL_RE = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
_THOUSANDS_DECIMAL_RE = re.compile(r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$")
_DATE_RE = re.compile(r"^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?"
                      r"(\s+0{1,2}:0{2}(:0{2}(\.0+)?)?)?$")


def parse_decimal(value: Any) -> Optional[float]:
    """A decimal number (``12.5``, ``1,234.5``, full-width digits); no exponents, no units."""
    if isinstance(value, bool):
        raise CellError("not_number")
    if isinstance(value, (int, float)):
        if value != value:
            return None
        return float(value)
    text = clean_text(value)
    if text is None:
        return None
    if _THOUSANDS_DECIMAL_RE.match(text):
        text = text.replace(",", "")
    if not _DECIMAL_RE.match(text):
        raise CellError("not_number")
    number = float(text)
    if abs(number) > MAX_INT:
        raise CellError("too_large")
    return number


def parse_date(value: Any) -> Optional[str]:
    """A calendar date as ``YYYY-MM-DD``: ``2022-09-01``, ``2022/9/1``, ``2022年9月1日``, Excel's
    ``2022-09-01 00:00:00``."""
    import datetime as _dt

    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    text = clean_text(value)
    if text is None:
        return None
    m = _DATE_RE.match(text)
    if not m:
        raise CellError("not_date")
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        raise CellError("not_date") from None


#: How Chinese forms write 不适用 in a cell (compared after :func:`clean_text`, lower-cased). In a column that
#: does not apply to a row's type such a cell is a blank; where the column applies it is an error with a hint.
#: Only a cell its column's parser refuses counts (无 in a yes/no column is “no”).
PLACEHOLDERS = frozenset({"/", "\\", "-", "--", "—", "——", "–", "无", "不适用", "n/a", "na"})


def is_placeholder(value: Any) -> bool:
    text = clean_text(value) if isinstance(value, str) else None
    return text is not None and text.lower() in PLACEHOLDERS


def refuses(spec: "ColumnSpec", value: Any) -> bool:
    """The column's parser refuses the cell (too large included)."""
    try:
        value_parser(spec)(value)
        return False
    except CellError:
        return True


#: A code Excel showed in scientific notation (5.20324E+09) and that was saved or copied that way: digits lost.
SCIENTIFIC_RE = r"^[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+$"
_SCIENTIFIC = re.compile(SCIENTIFIC_RE)


def parse_key(value: Any) -> Optional[str]:
    """A text cell of a table's key (a school code): :func:`clean_text`, without the leading apostrophe that
    marks text in Excel when it was typed literally ('5203240001); a code in scientific notation is refused."""
    text = clean_text(value)
    if text is not None and text.startswith("'"):
        text = text[1:].strip() or None
    if text is not None and _SCIENTIFIC.match(text):
        raise CellError("key_scientific_notation")
    return text


#: The per-value parser of each kind of column (the same functions the row models run).
def value_parser(spec: "ColumnSpec"):
    if spec.kind == "text":
        return clean_text
    if spec.kind == "int":
        return parse_int
    if spec.kind == "decimal":
        return parse_decimal
    if spec.kind == "bool":
        return parse_bool
    if spec.kind == "date":
        return parse_date
    if spec.kind == "enum":
        assert spec.choices is not None
        return lambda v: parse_choice(spec.choices, v)
    raise ValueError(spec.kind)


# ---------------------------------------------------------------- column specs
@dataclass(frozen=True)
class Choices:
    """A list of values a choice column takes (in the plan's order), with their labels and spellings."""
    name: str
    values: tuple[str, ...]
    zh: dict[str, str] = field(default_factory=dict, compare=False)
    en: dict[str, str] = field(default_factory=dict, compare=False)
    lookup: dict[str, str] = field(default_factory=dict, compare=False)   # lower-cased spelling -> value

    def label(self, value: Optional[str], lang: str = "zh") -> str:
        if value is None:
            return ""
        return (self.zh if lang == "zh" else self.en).get(value, value)

    def rank(self, value: Optional[str]) -> int:
        return self.values.index(value) if value in self.values else -1

    def describe(self) -> str:
        """``幼儿园/kindergarten、小学/primary…``: what a message lists as the accepted values."""
        return "、".join(f"{self.zh.get(v, v)}/{v}" if self.zh.get(v, v) != v else v for v in self.values)


@dataclass(frozen=True)
class ColumnSpec:
    name: str                      # the field name (scripts, targets and rules use it)
    zh: str                        # Chinese header
    kind: str                      # text | int | decimal | bool | enum | date
    en: str = ""                   # English header (default: the name)
    aliases: tuple[str, ...] = ()
    applies_to: tuple[str, ...] | None = None   # values of the table's type column; None = every row
    required: bool = False
    ge: int | float | None = None
    le: int | float | None = None
    le_column: str | None = None
    unique: bool = False
    choices: Choices | None = None
    description: str = ""
    default: Any = None            # the value a blank cell takes on rows matching default_where
    default_where: tuple[tuple[str, tuple], ...] | None = None

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.name, self.zh, *((self.en,) if self.en else ()), *self.aliases)


@dataclass(frozen=True)
class TableSpec:
    name: str
    zh: str
    columns: tuple[ColumnSpec, ...]
    en: str = ""
    aliases: tuple[str, ...] = ()
    key: tuple[str, ...] = ()
    type_column: str | None = None     # the choice column that decides which columns apply to a row
    label: str | None = None           # the column that names a row in messages and lists (a school's name)
    place: str | None = None           # the column that places a row (a town): lists, per-place comparisons
    parent: tuple[str, str] | None = None   # (table, column): each row belongs to a row of that table
    info_headers: tuple[str, ...] = ()   # columns read by people, not checked (序号, a project's name…)
    columns_by_name: dict[str, ColumnSpec] = field(default_factory=dict, compare=False)

    def column(self, name: str) -> ColumnSpec:
        return self.columns_by_name[name]

    def title(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else (self.en or self.name)


def table_spec(name: str, zh: str, columns: tuple[ColumnSpec, ...], **kw: Any) -> TableSpec:
    return TableSpec(name=name, zh=zh, columns=columns, columns_by_name={c.name: c for c in columns}, **kw)


def row_model(spec: TableSpec, rules: tuple = ()) -> type[BaseModel]:
    """A pydantic model of one row of ``spec``, built from the declaration: each field accepts its name,
    headers and aliases and runs the same per-value parser as the vectorized validator; after the fields,
    the table's rules (required and applicable columns, bounds, one column within another, the plan's
    error rules in ``rules``) run on the row, as :func:`plancheck.check.rules.row_violations` says."""
    from pydantic import create_model, model_validator

    def check_row(self):
        from .rules import row_violations

        problems = [code for _, code in row_violations(self.model_dump(), spec, rules)]
        if problems:
            raise ValueError(",".join(sorted(set(problems))))
        return self

    def blank_placeholders(cls, data: Any) -> Any:
        """A placeholder (/, 无, 不适用…) in a column that does not apply to the row's type is a blank cell."""
        if not isinstance(data, dict) or spec.type_column is None:
            return data
        tcol = spec.column(spec.type_column)
        given = next((h for h in dict.fromkeys(tcol.headers) if h in data), None)
        try:
            rtype = value_parser(tcol)(data[given]) if given is not None else None
        except CellError:
            rtype = None
        if rtype is None:
            return data
        data = dict(data)
        for c in spec.columns:
            if c.applies_to is not None and rtype not in c.applies_to:
                h = next((h for h in dict.fromkeys(c.headers) if h in data), None)
                if h is not None and is_placeholder(data[h]) and refuses(c, data[h]):
                    data[h] = None
        return data

    fields: dict[str, Any] = {}
    for c in spec.columns:
        parse = parse_key if c.kind == "text" and c.name in spec.key else value_parser(c)

        def check(v: Any, _parse=parse) -> Any:
            try:
                return _parse(v)
            except CellError as exc:
                raise ValueError(exc.code) from None

        pytype = {"int": Optional[int], "decimal": Optional[float], "bool": Optional[bool]}.get(c.kind, Optional[str])
        fields[c.name] = (Annotated[pytype, BeforeValidator(check)],
                          Field(default=None, validation_alias=AliasChoices(*dict.fromkeys(c.headers)),
                                description=c.description or None))
    return create_model(f"{spec.name.title().replace('_', '')}Row",
                        __config__=ConfigDict(populate_by_name=True, extra="ignore", frozen=True),
                        __validators__={"_rules": model_validator(mode="after")(check_row),
                                        "_placeholders": model_validator(mode="before")(classmethod(blank_placeholders))},
                        **fields)



def normalize_header(text: Any) -> str:
    """Header key for matching: NFKC (full-width brackets -> half-width), no spaces, lower-case."""
    if text is None:
        return ""
    t = unicodedata.normalize("NFKC", str(text))
    t = _UNSPACE.sub("", t)
    return t.lower()


_UNSPACE = re.compile(r"[\s\u3000*＊:：]+")
#: The same class for Arrow's RE2: Python's ``\s`` on text is exactly these characters (tested).
_UNSPACE_RE2 = (r"[\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}"
                r"\x{205f}\x{3000}*＊:：]+")


#: The UTF-8 bytes of text that NFKC and ``str.strip`` leave as it is (:func:`clean_text`): printable ASCII but the
#: space (21-7E), and U+4000-U+9FFF (lead bytes E4-E9: CJK ideographs, extension A, Yijing hexagrams, which have no
#: decomposition, are not white space and compose with nothing); 80-BF are only ever continuation bytes in valid
#: UTF-8.
CLEAN_BYTES = bytes(range(0x21, 0x7F)) + bytes(range(0x80, 0xC0)) + bytes(range(0xE4, 0xEA))
#: Those of them :func:`normalize_header` also leaves as they are: not * : (taken out) nor A-Z (lower-cased).
KEY_BYTES = bytes(b for b in CLEAN_BYTES if b not in b"*:" and not 0x41 <= b <= 0x5A)


#: A code (school code...) is ASCII digits, or digits joined by these separators (5203240002-7, 9_001, 17/002).
CODE_SEPARATORS = "-_./"
#: The bytes a code is written with.
CODE_BYTES = b"0123456789" + CODE_SEPARATORS.encode()


def text_buffers(cells) -> Optional[list]:
    """Each chunk of an Arrow (large) string array or chunked array as (its cells' offsets into the data: one more
    than its cells, the data buffer or None); None when a chunk is not text."""
    import numpy as np
    import pyarrow as pa

    out = []
    for chunk in cells.chunks if isinstance(cells, pa.ChunkedArray) else [cells]:
        if not (pa.types.is_large_string(chunk.type) or pa.types.is_string(chunk.type)):
            return None
        _, offsets, data = chunk.buffers()
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        ends = np.frombuffer(offsets, dtype=width, count=chunk.offset + len(chunk) + 1) if offsets else np.zeros(1)
        out.append((ends[chunk.offset:], data))
    return out


def only_bytes(cells, kept: bytes) -> bool:
    """Whether every byte of every cell of an Arrow (large) string array or chunked array is one of ``kept``: a
    pass over the column's bytes (~5 ms per million short cells). False only means "look closer"."""
    buffers = text_buffers(cells)
    if buffers is None:
        return False
    for ends, data in buffers:
        if data is None:
            continue
        text, stop = memoryview(data), int(ends[-1])
        for start in range(int(ends[0]), stop, _PIECE):   # (a piece at a time: no copy of the column)
            if bytes(text[start:min(start + _PIECE, stop)]).translate(None, kept):
                return False
    return True


_PIECE = 1 << 20


def written_as_codes(cells) -> bool:
    """Whether every cell of an Arrow text column is a code as written (ASCII digits, or digits joined by
    :data:`CODE_SEPARATORS`, a digit first): its bytes are all :data:`CODE_BYTES`, and no cell is empty or starts
    with a separator (read from each cell's first byte)."""
    import numpy as np

    buffers = text_buffers(cells)
    if buffers is None or not only_bytes(cells, CODE_BYTES):
        return False
    for ends, data in buffers:
        if len(ends) < 2:
            continue
        if data is None or (ends[1:] <= ends[:-1]).any():
            return False      # (an empty cell)
        first = np.frombuffer(data, dtype=np.uint8)[ends[:-1]]
        if ((first < ord("0")) | (first > ord("9"))).any():
            return False
    return True


def normalize_headers(cells):
    """:func:`normalize_header` of every cell of an Arrow string array (no nulls), in Arrow.

    Only the cells NFKC would change or whose lower-casing touches a non-ASCII letter go through
    :func:`normalize_header` itself; for the others (digits, plain Chinese, ASCII) the three steps
    are the same in Arrow: NFKC leaves them alone, the removed characters are the same class, and
    lower-casing ASCII is the same everywhere."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if only_bytes(cells, KEY_BYTES):   # (town names, school names: their own keys)
        return cells
    unspaced = pc.replace_substring_regex(cells, pattern=_UNSPACE_RE2, replacement="")
    keys = pc.utf8_lower(unspaced)
    odd = pc.or_(pc.not_equal(pc.utf8_normalize(cells, form="NFKC"), cells),
                 pc.and_not(pc.not_equal(keys, unspaced), pc.string_is_ascii(cells)))
    if pc.any(odd).as_py():
        rest = pc.filter(cells, odd).to_pylist()
        exact = pa.array([normalize_header(v) for v in rest], type=keys.type)
        keys = pc.replace_with_mask(keys, odd, exact)
    return keys


def header_lookup(spec: TableSpec) -> dict[str, str]:
    """normalized header spelling -> field name."""
    out: dict[str, str] = {}
    for c in spec.columns:
        for h in c.headers:
            out.setdefault(normalize_header(h), c.name)
    return out


