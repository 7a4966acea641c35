#!/usr/bin/env python3
"""A whole-process peer of ``plancheck run``, written with polars (issue 13: the benchmark's "fastest peer").

    python bench/peer_polars.py SCHOOLS.csv POPULATION.csv [-o OUT.json] [--plan targets.yaml]

What a competent engineer would write to check the bench's CSVs against the bundled 2021 plan, tuned
for speed: every cell read as text by polars' multi-threaded CSV reader, the number / yes-no / choice
columns parsed once per *distinct* cell text (with the same spellings plancheck accepts) and taken
back to the rows in polars, every check a vectorised expression, the problems one frame.

It checks, per table (schools, population), what plancheck checks on these files:

* headers: every spelling the plan lists (NFKC, spaces removed, lower case); an unknown header is a
  warning, a missing required column an error;
* cells: text columns stripped (school codes and towns NFKC-normalised), integers (``12``, ``+12``,
  ``12.0``, ``1,234``, full-width digits; more than 10 digits or above 10^9 ``too_large``), yes/no
  (the same spellings as ``plancheck.check.schema.YES``/``NO``), choices (value, Chinese, English
  and alias spellings, case-insensitive);
* applicability by school type: a value in a column that does not apply to the row's type is a
  warning (``not_applicable``) and is not counted; a blank in one that applies is ``required``
  (unless the column's default covers the row: a public kindergarten's blank 是否普惠 is yes);
* required cells, ``min`` bounds, ``max_column`` (流失 ≤ 学年初在籍, 大班额 ≤ 班级数, when the
  limit itself is valid), repeated keys (school code, town: every later copy, naming the first);
* the plan's row rules: errors ``classes_needed``, ``public_not_inclusive``; the plausibility
  warnings ``class_size_high``, ``kindergarten_class_size_high`` on accepted rows;
* the plan's reference ``population_missing`` (a kindergarten's town with no population row);
* then, when no row is in error, the plan's metric targets: numerator and denominator (sum, count,
  count_true over the accepted rows matching ``where``), each compared exactly with its goal.

Every problem is located by spreadsheet row (a CSV's line), column header as written, cell text as
written, with its code and severity. Exit codes as plancheck's: 3 when a row is in error (no
figures are computed from partial data), 1 when a target fails or has no data (the plan's 33
milestone targets have no data here: no milestones table is given), 0 otherwise.

The contract — columns, kinds, spellings, bounds, applicability, defaults, the reference and the
metric targets — is read from the plan file (``targets.yaml``) with PyYAML. **Hard-coded for the
2021 plan**: the four row rules (their ``when`` expressions are written here as polars expressions
instead of parsing the plan's expression language), the yes/no spellings (plancheck's code, not the
plan, lists them), and the file layout: the header on the first line, UTF-8 (with or without BOM),
one record per line. Not done, because the bench's files have none: title/total/footer rows,
other encodings, workbooks, cross-file duplicates; problems carry a code, not a sentence.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional

import polars as pl
import yaml

HERE = Path(__file__).resolve().parent
PLAN = HERE.parent / "targets.yaml"

# -------------------------------------------------------------------- per-value parsers (plancheck's spellings)
YES = frozenset({"是", "有", "√", "✓", "✔", "y", "yes", "true", "1", "t", "对", "已", "达标", "到位"})
NO = frozenset({"否", "无", "×", "✗", "✘", "x", "n", "no", "false", "0", "f", "没有", "未", "不达标", "未到位"})
INT_RE = re.compile(r"^[+-]?[0-9]+(\.0*)?$")
THOUSANDS_RE = re.compile(r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.0*)?$")
BOOL_NUMBER_RE = re.compile(r"^([01])\.0*$")
MAX_INT = 10**9
PLAIN_INT = re.compile(r"^-?[0-9]{1,9}$")
UNSPACE = re.compile(r"[\s\u3000*＊:：]+")


class Bad(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def clean(text: Optional[str]) -> Optional[str]:
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text).strip()
    return text or None


def parse_int(text: Optional[str]) -> Optional[int]:
    text = clean(text)
    if text is None:
        return None
    if THOUSANDS_RE.match(text):
        text = text.replace(",", "")
    if not INT_RE.match(text):
        raise Bad("not_integer")
    digits = text.split(".")[0]
    if len(digits.lstrip("+-")) > 10 or abs(int(digits)) > MAX_INT:
        raise Bad("too_large")
    return int(digits)


def parse_bool(text: Optional[str]) -> Optional[bool]:
    text = clean(text)
    if text is None:
        return None
    low = BOOL_NUMBER_RE.sub(r"\1", text.lower())
    if low in YES:
        return True
    if low in NO:
        return False
    raise Bad("not_yes_no")


def choice_parser(values: list[dict]):
    lookup: dict[str, str] = {}
    for c in values:
        lookup.setdefault(str(c["value"]).lower(), c["value"])
    for c in values:
        for spelling in (c.get("zh"), c.get("en"), *c.get("aliases", ())):
            if spelling:
                lookup.setdefault(str(spelling).lower(), c["value"])

    def parse(text: Optional[str]) -> Optional[str]:
        text = clean(text)
        if text is None:
            return None
        try:
            return lookup[text.lower()]
        except KeyError:
            raise Bad("not_in_choices") from None
    return parse


def norm_header(text: str) -> str:
    return UNSPACE.sub("", unicodedata.normalize("NFKC", text)).lower()


# -------------------------------------------------------------------- the plan
def load_plan(path: Path) -> dict:
    with path.open("rb") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def fraction(goal: Any) -> Fraction:
    if isinstance(goal, str) and goal.strip().endswith("%"):
        return Fraction(goal.strip()[:-1]) / 100
    return Fraction(str(goal))


# -------------------------------------------------------------------- problems
PROBLEM_SCHEMA = {"severity": pl.String, "code": pl.String, "row": pl.Int64, "column": pl.String,
                  "value": pl.String}


class Problems:
    """The checks of one table as boolean mask columns (``_m<k>``) computed in a few parallel passes over the
    frame; only the masks that hold somewhere are turned into problem rows, in one pass at the end."""

    def __init__(self, file: str):
        self.file = file
        self.masks: list[tuple[str, str, str, Optional[str], pl.Expr]] = []   # (mask column, code, field, header, expr)
        self.severity: dict[str, str] = {}
        self.parts: list[pl.DataFrame] = []

    def mask(self, expr: pl.Expr, code: str, column: str, header: Optional[str], severity: str = "error") -> str:
        name = f"_m{len(self.masks)}"
        self.masks.append((name, code, column, header, expr.fill_null(False).alias(name)))
        self.severity[name] = severity
        return name

    def pending(self, since: int) -> list[pl.Expr]:
        return [m[4] for m in self.masks[since:]]

    def errors(self) -> pl.Expr:
        names = [m[0] for m in self.masks if self.severity[m[0]] == "error"]
        return pl.any_horizontal([pl.col(n) for n in names]) if names else pl.lit(False)

    def one(self, severity: str, code: str, row: Optional[int], column: Optional[str], value: Optional[str]) -> None:
        self.parts.append(pl.DataFrame([{"severity": severity, "code": code, "row": row, "column": column,
                                         "value": value}], schema=PROBLEM_SCHEMA))

    def collect(self, df: pl.DataFrame) -> None:
        """One problem per row where a mask holds, at its column's cell as written (``_raw_<field>``)."""
        if not self.masks:
            return
        counts = df.select([pl.col(m[0]).sum() for m in self.masks]).row(0)
        hits = [m for m, k in zip(self.masks, counts) if k]
        lazy = df.lazy()
        frames = []
        for name, code, column, header, _ in hits:
            raw = f"_raw_{column}"
            value = pl.col(raw) if raw in df.columns else pl.lit(None, dtype=pl.String)
            frames.append(lazy.filter(pl.col(name)).select(
                pl.lit(self.severity[name]).alias("severity"), pl.lit(code).alias("code"),
                pl.col("_row").alias("row"), pl.lit(header, dtype=pl.String).alias("column"), value.alias("value")))
        if frames:
            self.parts.extend(pl.collect_all(frames))

    def frame(self) -> pl.DataFrame:
        if not self.parts:
            return pl.DataFrame(schema={"file": pl.String, **PROBLEM_SCHEMA})
        return pl.concat(self.parts).with_columns(pl.lit(self.file).alias("file")).select("file", *PROBLEM_SCHEMA)


# -------------------------------------------------------------------- one table
def check_table(path: Path, name: str, plan: dict) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    """Read and check one table; returns (accepted rows, problems, row counts)."""
    spec = plan["tables"][name]
    columns = {c["name"]: c for c in spec["columns"]}
    out = Problems(str(path))
    raw = pl.read_csv(path, infer_schema=False, encoding="utf8", low_memory=False)
    n = raw.height

    # headers -> field names
    lookup: dict[str, str] = {}
    for c in spec["columns"]:
        for h in (c["name"], c.get("zh"), c.get("en"), *c.get("aliases", ())):
            if h:
                lookup.setdefault(norm_header(str(h)), c["name"])
    info = {norm_header(str(h)) for h in spec.get("info_headers", ())}
    where: dict[str, str] = {}
    for h in raw.columns:
        key = norm_header(h)
        if key in info:
            continue
        field = lookup.get(key)
        if field is None:
            out.one("warning", "unknown_column", 1, h, None)
        elif field not in where:
            where[field] = h
    header = {c: where.get(c, columns[c]["zh"]) for c in columns}
    missing_required = [c for c, col in columns.items() if col.get("required") and c not in where]
    for c in missing_required:
        out.one("error", "missing_column", 1, columns[c]["zh"], None)
    if missing_required:
        return raw.clear(), out.frame(), {"read": n, "accepted": 0, "rejected": n}

    # one pass: the distinct texts of the typed columns; whether the compared text columns are all ASCII
    typed_cols = [c for c in where if columns[c]["kind"] != "text"]
    compared = [c for c in where if columns[c]["kind"] == "text"
                and (c in (spec.get("key") or ()) or c == spec.get("place"))]
    key = spec.get("key") or []
    digit_key = key[0] if len(key) == 1 and key[0] in where else None
    first = raw.select([pl.col(where[c]).unique().implode().alias(c) for c in typed_cols + compared] +
                       ([pl.col(where[digit_key]).str.contains(r"^[0-9]{1,17}$").all().alias("_digits")]
                        if digit_key else [])).row(0, named=True)

    # cells: typed columns parsed once per distinct text, taken back to the rows; text columns cleaned
    parsers = {"integer": parse_int, "yes_no": parse_bool}
    choice_lists = plan.get("choices", {})
    exprs: list[pl.Expr] = [pl.int_range(2, n + 2, dtype=pl.Int64).alias("_row")]
    bad_cells: dict[str, tuple[list[str], list[str]]] = {}   # column -> (bad texts, their codes)
    for c in typed_cols:
        col = columns[c]
        parse = choice_parser(choice_lists[col["choices"]]) if col["kind"] == "choice" else parsers[col["kind"]]
        old, new, bad, codes = [], [], [], []
        for t in first[c]:
            if t is None:
                continue
            try:
                v = parse(t)
            except Bad as exc:
                bad.append(t)
                codes.append(exc.code)
                continue
            if v is not None:
                old.append(t)
                new.append(v)
        dtype = {"integer": pl.Int64, "yes_no": pl.Boolean}.get(col["kind"], pl.String)
        e = pl.col(where[c])
        if col["kind"] == "integer" and not bad and all(PLAIN_INT.match(t) for t in old):
            exprs.append(e.cast(pl.Int64).alias(c))      # every text is a plain number: a cast reads it alike
        elif len(set(new)) <= 16:                        # yes/no, choices: a few values, each a few spellings
            chain = pl
            for v in dict.fromkeys(new):
                chain = chain.when(e.is_in([t for t, w in zip(old, new) if w == v])).then(pl.lit(v, dtype=dtype))
            exprs.append((chain.otherwise(pl.lit(None, dtype=dtype)) if old else pl.lit(None, dtype=dtype)).alias(c))
        else:
            exprs.append(e.replace_strict(old, new, default=None, return_dtype=dtype).alias(c))
        if bad:
            bad_cells[c] = (bad, codes)
    for c in where:
        if columns[c]["kind"] == "text":
            e = pl.col(where[c]).str.strip_chars()
            if c in compared and not all(unicodedata.is_normalized("NFKC", t) for t in first[c] if t is not None):
                e = e.str.normalize("NFKC").str.strip_chars()      # only when some distinct text needs it
            exprs.append(pl.when(e != "").then(e).alias(c))
    for c in columns:
        if c not in where:
            kind = columns[c]["kind"]
            exprs.append(pl.lit(None, dtype={"integer": pl.Int64, "yes_no": pl.Boolean}.get(kind, pl.String)).alias(c))
    exprs += [pl.col(h).alias(f"_raw_{c}") for c, h in where.items()]   # cells as written, for the problems

    # cells that do not parse
    bad_cell: dict[str, pl.Expr] = {}
    for c, (texts, codes) in bad_cells.items():
        for code in sorted(set(codes)):
            picked = [t for t, k in zip(texts, codes) if k == code]
            out.mask(pl.col(f"_raw_{c}").is_in(picked), code, c, header[c])
        bad_cell[c] = pl.col(f"_raw_{c}").is_in(texts)

    def not_bad(c: str) -> pl.Expr:
        return ~bad_cell[c] if c in bad_cell else pl.lit(True)

    df = raw.select(exprs)
    del raw

    # applicability by the row's type, defaults; masks and fixed values in one pass
    type_col = spec.get("type_column")
    fixes: list[pl.Expr] = []
    stage = 0          # (the masks of the cells that do not parse are computed in this pass too)
    missing_applicable: list[pl.Expr] = []
    if type_col:
        known = pl.col(type_col).is_not_null()
        for c, col in columns.items():
            applies = col.get("applies_to")
            if applies is None:
                continue
            applicable = pl.col(type_col).is_in(applies)
            stray = known & ~applicable & pl.col(c).is_not_null()
            if c in where:
                out.mask(stray, "not_applicable", c, header[c], "warning")
            value = pl.when(stray).then(None).otherwise(pl.col(c))
            blank = known & applicable & pl.col(c).is_null()
            default = col.get("default")
            if default is not None:
                covered = blank & pl.all_horizontal([pl.col(k).is_in(v) for k, v in default["where"].items()])
                value = pl.when(covered.fill_null(False)).then(pl.lit(default["value"])).otherwise(value)
                blank = blank & ~covered.fill_null(False)
            if c in where:
                out.mask(blank & not_bad(c), "required", c, header[c])
            else:
                missing_applicable.append(blank.any().alias(c))
            fixes.append(value.alias(c))
    df = df.with_columns(out.pending(stage) + fixes)
    if missing_applicable:   # a column the file lacks that some row needs: an error at the header
        for c, needed in df.select(missing_applicable).row(0, named=True).items():
            if needed:
                out.one("error", "missing_column", 1, columns[c]["zh"], None)
                df = df.with_columns(pl.lit(True).alias("_lacks"))

    # required cells, bounds, one column within another, the plan's error rules, repeated keys: one pass
    stage = len(out.masks)
    for c, col in columns.items():
        if c not in where:
            continue
        if col.get("required"):
            out.mask(pl.col(c).is_null() & not_bad(c), "required", c, header[c])
        if col.get("min") is not None:
            out.mask(pl.col(c) < col["min"], "below_minimum", c, header[c])
        if col.get("max") is not None:
            out.mask(pl.col(c) > col["max"], "above_maximum", c, header[c])
        other = col.get("max_column")
        if other:
            floor = columns[other].get("min")
            valid = pl.col(other) >= floor if floor is not None else pl.col(other).is_not_null()
            out.mask((pl.col(c) > pl.col(other)) & valid, "exceeds_column", c, header[c])
    k12 = ["primary", "junior", "nine_year", "complete_secondary"]
    if name == "schools":       # the 2021 plan's error rules, hard-coded
        out.mask((pl.col("students") > 0) & (pl.col("classes") == 0), "classes_needed", "classes", header["classes"])
        out.mask((pl.col("school_type") == "kindergarten") & (pl.col("ownership") == "public")
                 & ~pl.col("inclusive"), "public_not_inclusive", "inclusive", header["inclusive"])
    if digit_key:   # every later copy of a key; codes of 1-17 digits hashed as numbers (with their length)
        k = pl.col(digit_key)
        if first["_digits"]:
            k = k.cast(pl.Int64) + k.str.len_bytes().cast(pl.Int64) * 10**17
        out.mask(pl.col(digit_key).is_not_null() & ~k.is_first_distinct(), "duplicate_key", digit_key,
                 header[digit_key])
    df = df.with_columns(out.pending(stage))

    # the rows in error; the plausibility warnings on the others (the 2021 plan's, hard-coded)
    df = df.with_columns(out.errors().alias("_bad"))
    stage = len(out.masks)
    if name == "schools":
        out.mask(~pl.col("_bad") & pl.col("school_type").is_in(k12) & (pl.col("large_classes") == 0)
                 & (pl.col("classes") > 0) & (pl.col("students") > 55 * pl.col("classes")),
                 "class_size_high", "classes", header["classes"], "warning")
        out.mask(~pl.col("_bad") & (pl.col("school_type") == "kindergarten") & (pl.col("classes") > 0)
                 & (pl.col("students") > 35 * pl.col("classes")),
                 "kindergarten_class_size_high", "classes", header["classes"], "warning")
    if len(out.masks) > stage:
        df = df.with_columns(out.pending(stage))

    out.collect(df)
    if "_lacks" in df.columns:   # a missing column rejects the whole table, as in plancheck
        df = df.with_columns(pl.lit(True).alias("_bad"))
    rejected = int(df.get_column("_bad").sum())
    accepted = df.filter(~pl.col("_bad")) if rejected else df
    return accepted.select(["_row", *columns]), out.frame(), {"read": n, "accepted": n - rejected, "rejected": rejected}


# -------------------------------------------------------------------- across tables, metrics
def references(plan: dict, tables: dict[str, pl.DataFrame], paths: dict[str, Path]) -> pl.DataFrame:
    parts = []
    for ref in plan.get("references", ()):
        src, dst = ref["from"], ref["to"]
        if src["table"] not in tables or dst["table"] not in tables:
            continue
        frame = tables[src["table"]]
        mask = pl.all_horizontal([pl.col(k).is_in(v) for k, v in (src.get("where") or {}).items()] or [pl.lit(True)])
        known = tables[dst["table"]].get_column(dst["column"]).drop_nulls().unique()
        zh = next(c["zh"] for c in plan["tables"][src["table"]]["columns"] if c["name"] == src["column"])
        hit = frame.filter(mask & pl.col(src["column"]).is_not_null() & ~pl.col(src["column"]).is_in(known.implode()))
        if hit.height:
            parts.append(hit.select(pl.lit(str(paths[src["table"]])).alias("file"), pl.lit("error").alias("severity"),
                                    pl.lit(ref["code"]).alias("code"), pl.col("_row").alias("row"),
                                    pl.lit(zh).alias("column"), pl.col(src["column"]).alias("value")))
    return pl.concat(parts) if parts else pl.DataFrame()


def where_expr(where: Optional[dict]) -> pl.Expr:
    if not where:
        return pl.col("_row").is_not_null()       # every row (a bare literal would not broadcast in a sum)
    return pl.all_horizontal([pl.any_horizontal([pl.col(c) == v for v in values]).fill_null(False)
                              for c, values in where.items()])


def agg_exprs(agg: dict, tag: str) -> list[pl.Expr]:
    mask = where_expr(agg.get("where"))
    out = [mask.sum().alias(f"{tag}:rows")]
    if agg["agg"] == "sum":
        out.append(pl.col(agg["column"]).filter(mask).sum().alias(f"{tag}:value"))
    elif agg["agg"] == "count_true":
        out.append((pl.col(agg["column"]).fill_null(False) & mask).sum().alias(f"{tag}:value"))
    else:
        out.append(mask.sum().alias(f"{tag}:value"))
    return out


def metrics(plan: dict, tables: dict[str, pl.DataFrame]) -> dict[str, dict]:
    targets = [t for t in plan["targets"] if t.get("kind") == "metric"]
    per_table: dict[str, list[pl.Expr]] = {}
    for t in targets:
        for part in ("numerator", "denominator"):
            agg = t.get(part)
            if agg and agg["table"] in tables:
                per_table.setdefault(agg["table"], []).extend(agg_exprs(agg, f"{t['id']}:{part}"))
    got: dict[str, Any] = {}
    for table, exprs in per_table.items():     # one parallel pass per table
        got.update(tables[table].select(exprs).row(0, named=True))

    def figure(t: dict, part: str) -> Optional[int]:
        if not t.get(part) or t[part]["table"] not in tables or not got[f"{t['id']}:{part}:rows"]:
            return None
        return int(got[f"{t['id']}:{part}:value"])

    ops = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "==": lambda a, b: a == b,
           ">": lambda a, b: a > b, "<": lambda a, b: a < b}
    out = {}
    for t in targets:
        num, den = figure(t, "numerator"), figure(t, "denominator")
        if num is None or (t.get("denominator") and not den):
            status, actual = "no_data", None
        else:
            actual = Fraction(num, den) if t.get("denominator") else Fraction(num)
            status = "pass" if ops[t["op"]](actual, fraction(t["goal"])) else "fail"
        out[t["id"]] = {"numerator": num, "denominator": den, "status": status,
                        "actual": None if actual is None else float(actual)}
    return out


# -------------------------------------------------------------------- the command
def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("schools", type=Path)
    ap.add_argument("population", type=Path)
    ap.add_argument("-o", "--output", type=Path, help="write the JSON report here (default: standard output)")
    ap.add_argument("--plan", type=Path, default=PLAN)
    args = ap.parse_args(argv)
    plan = load_plan(args.plan)
    paths = {"schools": args.schools, "population": args.population}
    tables, problems, counts = {}, [], {}
    for name, path in paths.items():
        tables[name], found, counts[name] = check_table(path, name, plan)
        problems.append(found)
    refs = references(plan, tables, paths)
    if refs.height:
        problems.append(refs.select("file", *PROBLEM_SCHEMA))
        counts["schools"]["reference_errors"] = refs.height
    found = pl.concat(problems).sort("file", "row", "column", nulls_last=False, maintain_order=True)
    errors = int((found.get_column("severity") == "error").sum())
    figures = metrics(plan, tables) if not errors else {}
    milestones = sum(1 for t in plan["targets"] if t.get("kind") == "milestone")
    if errors:
        code = 3
    elif milestones or any(f["status"] != "pass" for f in figures.values()):
        code = 1      # no milestones table given: those targets have no data
    else:
        code = 0
    head = json.dumps({"peer": "polars " + pl.__version__, "exit": code, "rows": counts, "errors": errors,
                       "warnings": found.height - errors, "figures": figures}, ensure_ascii=False)
    text = head[:-1] + ', "problems": ' + (found.write_json() if found.height else "[]") + "}\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    print(f"{args.schools}: {counts['schools']['read']} rows, {errors} errors, {found.height - errors} warnings",
          file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
