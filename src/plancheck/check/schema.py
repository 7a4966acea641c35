"""The submission contract: pydantic models of the three tables, with zh/en headers.

The models are the single declaration of the contract. Each field carries its
Chinese header, extra header spellings clerks really type, and the school types
it applies to (``json_schema_extra``). :func:`table_spec` turns a model into the
column specs that the vectorized validator (``validate.py``) uses, so the model
and the fast path cannot drift apart; a property test holds them equal.

This module imports no pandas: ``plancheck targets`` and ``--help`` stay fast.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any, ClassVar, Optional

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, model_validator


# --------------------------------------------------------------------------- enums
class SchoolType(str, Enum):
    kindergarten = "kindergarten"
    primary = "primary"
    junior = "junior"
    nine_year = "nine_year"
    senior = "senior"
    complete_secondary = "complete_secondary"
    vocational = "vocational"
    special = "special"


class Ownership(str, Enum):
    public = "public"
    private = "private"


class MilestoneStatus(str, Enum):
    not_started = "not_started"
    started = "started"
    completed = "completed"


#: Chinese labels of enum values (what county staff type); English values are accepted too.
ENUM_ZH: dict[type[Enum], dict[str, str]] = {
    SchoolType: {
        "kindergarten": "幼儿园",
        "primary": "小学",
        "junior": "初中",
        "nine_year": "九年一贯制",
        "senior": "普通高中",
        "complete_secondary": "完全中学",
        "vocational": "中职",
        "special": "特殊教育",
    },
    Ownership: {"public": "公办", "private": "民办"},
    MilestoneStatus: {"not_started": "未启动", "started": "已启动", "completed": "已完成"},
}

#: More spellings a clerk may write for an enum value (after NFKC + strip + lower-case).
ENUM_EXTRA: dict[type[Enum], dict[str, str]] = {
    SchoolType: {
        "九年一贯制学校": "nine_year", "高中": "senior", "普高": "senior", "中等职业学校": "vocational",
        "职校": "vocational", "特殊教育学校": "special", "特教": "special", "完中": "complete_secondary",
        "nine-year": "nine_year", "complete-secondary": "complete_secondary",
    },
    Ownership: {"公立": "public", "私立": "private"},
    MilestoneStatus: {
        "未开工": "not_started", "未开始": "not_started", "已开工": "started", "在建": "started",
        "进行中": "started", "推进中": "started", "完成": "completed", "已竣工": "completed",
        "竣工": "completed", "已建成": "completed", "not started": "not_started",
    },
}

COMPULSORY = ("primary", "junior", "nine_year", "complete_secondary")
ALL_BUT_KINDERGARTEN = tuple(t.value for t in SchoolType if t is not SchoolType.kindergarten)

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


def enum_lookup(enum: type[Enum]) -> dict[str, str]:
    """Every accepted spelling (lower-cased) -> the enum's English value."""
    table = {m.value.lower(): m.value for m in enum}
    table.update({zh: en for en, zh in ENUM_ZH[enum].items()})
    table.update({k.lower(): v for k, v in ENUM_EXTRA.get(enum, {}).items()})
    return table


def parse_enum(enum: type[Enum], value: Any) -> Optional[str]:
    text = clean_text(value)
    if text is None:
        return None
    found = enum_lookup(enum).get(text.lower())
    if found is None:
        raise CellError("not_in_choices")
    return found


def _int(v: Any) -> Optional[int]:
    try:
        return parse_int(v)
    except CellError as exc:
        raise ValueError(exc.code) from None


def _bool(v: Any) -> Optional[bool]:
    try:
        return parse_bool(v)
    except CellError as exc:
        raise ValueError(exc.code) from None


def _enum(enum: type[Enum]):
    def check(v: Any) -> Optional[str]:
        try:
            return parse_enum(enum, v)
        except CellError as exc:
            raise ValueError(exc.code) from None

    return check


Text = Annotated[Optional[str], BeforeValidator(clean_text)]
Int = Annotated[Optional[int], BeforeValidator(_int)]
Bool = Annotated[Optional[bool], BeforeValidator(_bool)]


def col(zh: str, *, kind: str, aliases: tuple[str, ...] = (), applies_to: tuple[str, ...] | None = None,
        required: bool = False, ge: int | None = None, le_column: str | None = None,
        enum: type[Enum] | None = None, unique: bool = False, description: str = "") -> Any:
    """Declare a column: its Chinese header, accepted spellings, type and rules."""
    extra = {
        "zh": zh, "kind": kind, "aliases": list(aliases), "applies_to": list(applies_to) if applies_to else None,
        "required": required, "ge": ge, "le_column": le_column, "unique": unique,
        "enum": enum.__name__ if enum else None,
    }
    return Field(default=None, description=description, json_schema_extra=extra)


# ------------------------------------------------------------------- the models
class _Row(BaseModel):
    """A row of one table; the cross-column rules of that table run after the fields."""

    # built on first use (after _spec has set the zh/en aliases): a run that only uses the
    # vectorized validator never pays for building the row validators
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True, defer_build=True)
    table: ClassVar[str]

    @model_validator(mode="after")
    def _rules(self) -> "_Row":
        problems = [code for _, code in row_rule_violations(self.model_dump(), self.table)]
        if problems:
            raise ValueError(",".join(sorted(set(problems))))
        return self


class SchoolRow(_Row):
    """Table ``schools`` (学校): one row per school per reporting term."""

    table: ClassVar[str] = "schools"
    school_id: Text = col("学校代码", kind="text", required=True, unique=True,
                          aliases=("学校编码", "学校标识码", "学校识别码", "代码", "school_code", "id"))
    school_name: Text = col("学校名称", kind="text", required=True, aliases=("校名", "学校", "单位名称", "name"))
    town: Text = col("乡镇（街道）", kind="text", required=True,
                     aliases=("所属乡镇", "乡镇", "乡镇(街道)", "乡镇街道", "镇（乡、街道）", "所在乡镇"))
    school_type: Annotated[Optional[str], BeforeValidator(_enum(SchoolType))] = col(
        "学校类型", kind="enum", enum=SchoolType, required=True, aliases=("类型", "学段", "办学类型", "type"))
    ownership: Annotated[Optional[str], BeforeValidator(_enum(Ownership))] = col(
        "办学性质", kind="enum", enum=Ownership, required=True, aliases=("性质", "公办/民办", "举办者性质"))
    inclusive: Bool = col("是否普惠", kind="bool", applies_to=("kindergarten",),
                          aliases=("普惠性", "是否普惠性幼儿园", "普惠"),
                          description="public kindergartens are inclusive by definition (blank = yes)")
    students: Int = col("在校生数", kind="int", ge=0, required=True,
                        aliases=("在校学生数", "在园幼儿数", "学生数", "在校生", "在籍学生数", "幼儿数"))
    classes: Int = col("班级数", kind="int", ge=0, required=True, aliases=("班数", "教学班数", "班级"))
    large_classes: Int = col("大班额班级数", kind="int", ge=0, le_column="classes", applies_to=COMPULSORY,
                             aliases=("大班额", "大班额数", "56人以上班级数"))
    dropouts: Int = col("辍学学生数", kind="int", ge=0, applies_to=COMPULSORY + ("special",),
                        aliases=("辍学生数", "辍学人数", "辍学学生"))
    students_start: Int = col("学年初在籍学生数", kind="int", ge=0, applies_to=("vocational",),
                              aliases=("学年初学生数", "年初在籍学生数", "学年初在校生数"))
    students_lost: Int = col("流失学生数", kind="int", ge=0, le_column="students_start", applies_to=("vocational",),
                             aliases=("流失人数", "流失学生"))
    health_data_reported: Bool = col("体质健康数据已上报", kind="bool", applies_to=ALL_BUT_KINDERGARTEN,
                                     aliases=("体质健康数据上报", "体质健康数据是否上报", "体测数据已上报"))
    guards_in_place: Bool = col("专职保安配备到位", kind="bool", required=True,
                                aliases=("专职保安配备", "专职保安", "保安配备到位"))
    closed_campus: Bool = col("封闭化管理达标", kind="bool", required=True, aliases=("封闭化管理", "封闭管理达标"))
    alarm_linked: Bool = col("一键报警及视频监控联网", kind="bool", required=True,
                             aliases=("一键报警和视频监控联网", "一键报警与视频监控联网", "一键报警"))
    antiterror_standard: Bool = col("反恐怖防范达标", kind="bool", required=True,
                                    aliases=("反恐达标", "反恐怖防范标准达标", "反恐防范达标"))
    bullying_incidents: Int = col("校园欺凌事件数", kind="int", ge=0, required=True,
                                  aliases=("欺凌事件数", "校园欺凌事件", "欺凌事件"))
    supervisor_assigned: Bool = col("挂牌督学到位", kind="bool", required=True,
                                    aliases=("挂牌督学", "挂牌督导", "督学到位"))


class PopulationRow(_Row):
    """Table ``population`` (适龄人口): resident children aged 3-5, one row per town."""

    table: ClassVar[str] = "population"
    town: Text = col("乡镇（街道）", kind="text", required=True, unique=True,
                     aliases=("所属乡镇", "乡镇", "乡镇(街道)", "乡镇街道", "所在乡镇"))
    children_3_5: Int = col("3-5岁适龄儿童数", kind="int", ge=1, required=True,
                            aliases=("3-5岁儿童数", "适龄儿童数", "3至5岁适龄儿童数", "3~5岁适龄儿童数", "学前适龄儿童数"))


class MilestoneRow(_Row):
    """Table ``milestones`` (重点项目): status of each named project or appraisal."""

    table: ClassVar[str] = "milestones"
    milestone_id: Text = col("项目编号", kind="text", required=True, unique=True,
                             aliases=("项目代码", "编号", "项目id", "id"))
    status: Annotated[Optional[str], BeforeValidator(_enum(MilestoneStatus))] = col(
        "进展状态", kind="enum", enum=MilestoneStatus, required=True, aliases=("状态", "进展", "进度", "项目进展"))
    note: Text = col("备注", kind="text", aliases=("说明", "notes", "remark"))


# ---------------------------------------------------------------- column specs
@dataclass(frozen=True)
class ColumnSpec:
    name: str                      # English header = field name
    zh: str                        # Chinese header
    kind: str                      # text | int | bool | enum
    aliases: tuple[str, ...] = ()
    applies_to: tuple[str, ...] | None = None   # school types; None = every row
    required: bool = False
    ge: int | None = None
    le_column: str | None = None
    unique: bool = False
    enum: type[Enum] | None = None
    description: str = ""


@dataclass(frozen=True)
class TableSpec:
    name: str
    zh: str
    model: type[BaseModel]
    columns: tuple[ColumnSpec, ...]
    aliases: tuple[str, ...] = ()
    key: str | None = None
    columns_by_name: dict[str, ColumnSpec] = field(default_factory=dict, compare=False)

    def column(self, name: str) -> ColumnSpec:
        return self.columns_by_name[name]


_ENUMS = {e.__name__: e for e in (SchoolType, Ownership, MilestoneStatus)}


def _spec(name: str, zh: str, model: type[BaseModel], aliases: tuple[str, ...]) -> TableSpec:
    cols = []
    for fname, info in model.model_fields.items():
        extra = dict(info.json_schema_extra or {})
        cols.append(ColumnSpec(
            name=fname, zh=extra["zh"], kind=extra["kind"], aliases=tuple(extra["aliases"]),
            applies_to=tuple(extra["applies_to"]) if extra["applies_to"] else None,
            required=extra["required"], ge=extra["ge"], le_column=extra["le_column"], unique=extra["unique"],
            enum=_ENUMS.get(extra["enum"]) if extra["enum"] else None, description=info.description or "",
        ))
        # The model accepts the English name, the Chinese header and every alias.
        info.validation_alias = AliasChoices(fname, extra["zh"], *extra["aliases"])
    key = next((c.name for c in cols if c.unique), None)
    return TableSpec(name=name, zh=zh, model=model, columns=tuple(cols), aliases=aliases, key=key,
                     columns_by_name={c.name: c for c in cols})


TABLES: dict[str, TableSpec] = {
    "schools": _spec("schools", "学校", SchoolRow, ("学校基础数据", "学校信息", "school")),
    "population": _spec("population", "适龄人口", PopulationRow, ("人口", "适龄儿童", "学前适龄人口")),
    "milestones": _spec("milestones", "重点项目", MilestoneRow, ("项目", "项目进展", "重点项目进展", "projects")),
}


def table_spec(name: str) -> TableSpec:
    return TABLES[name]


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


def normalize_headers(cells):
    """:func:`normalize_header` of every cell of an Arrow string array (no nulls), in Arrow.

    Only the cells NFKC would change or whose lower-casing touches a non-ASCII letter go through
    :func:`normalize_header` itself; for the others (digits, plain Chinese, ASCII) the three steps
    are the same in Arrow: NFKC leaves them alone, the removed characters are the same class, and
    lower-casing ASCII is the same everywhere."""
    import pyarrow as pa
    import pyarrow.compute as pc

    unspaced = pc.replace_substring_regex(cells, pattern=_UNSPACE_RE2, replacement="")
    keys = pc.utf8_lower(unspaced)
    odd = pc.or_(pc.not_equal(pc.utf8_normalize(cells, form="NFKC"), cells),
                 pc.and_not(pc.not_equal(keys, unspaced), pc.string_is_ascii(cells)))
    if pc.any(odd).as_py():
        rest = pc.filter(cells, odd).to_pylist()
        exact = pa.array([normalize_header(v) for v in rest], type=keys.type)
        keys = pc.replace_with_mask(keys, odd, exact)
    return keys


#: Columns a sheet may carry that are read by people, not checked: a row counter, the milestone's name
#: (the template pre-fills it next to the id; the id decides). Keys are normalize_header() spellings.
INFO_HEADERS: dict[str, frozenset[str]] = {
    "schools": frozenset({"序号", "no", "no.", "#"}),
    "population": frozenset({"序号", "no", "no.", "#"}),
    "milestones": frozenset({"序号", "no", "no.", "#", "项目名称", "名称", "title", "name"}),
}


def header_lookup(spec: TableSpec) -> dict[str, str]:
    """normalized header spelling -> field name."""
    out: dict[str, str] = {}
    for c in spec.columns:
        for h in (c.name, c.zh, *c.aliases):
            out.setdefault(normalize_header(h), c.name)
    return out


def applies(column: ColumnSpec, school_type: Optional[str]) -> bool:
    return column.applies_to is None or school_type in column.applies_to


def row_rule_violations(row: dict[str, Any], table: str) -> list[tuple[str, str]]:
    """Cross-column rules of one (already typed) row: [(column, code), ...].

    The vectorized validator implements the same rules over whole columns; a
    property test holds them equal.
    """
    spec = TABLES[table]
    out: list[tuple[str, str]] = []
    stype = row.get("school_type")
    for c in spec.columns:
        value = row.get(c.name)
        applicable = table != "schools" or stype is None or applies(c, stype)
        if value is None:
            public_kg = c.name == "inclusive" and row.get("ownership") == "public"
            if c.required or (c.applies_to is not None and applicable and stype is not None and not public_kg):
                out.append((c.name, "required"))
            continue
        if c.kind == "int" and c.ge is not None and value < c.ge and applicable:
            out.append((c.name, "below_minimum"))
        if c.le_column and applicable:
            other = row.get(c.le_column)
            floor = spec.column(c.le_column).ge
            if other is not None and value > other and (floor is None or other >= floor):
                out.append((c.name, "exceeds_column"))
    if table == "schools":
        if (row.get("students") or 0) > 0 and row.get("classes") == 0:
            out.append(("classes", "classes_needed"))
        if stype == "kindergarten" and row.get("ownership") == "public" and row.get("inclusive") is False:
            out.append(("inclusive", "public_not_inclusive"))
    return out
