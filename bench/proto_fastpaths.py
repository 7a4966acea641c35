#!/usr/bin/env python3
"""Scratch prototypes for issue 5 (NOT used by plancheck): measured candidates for the hot spots.

    python bench/proto_fastpaths.py bench/out/schools-1m.csv [--runs 3]

Times, in this one process (each best of --runs):

1. the current reader: ``readers.read_file`` (Python ``csv`` module, list of lists, object frame);
2. a pyarrow.csv fast path: bytes -> Arrow table of string columns -> pandas ``string[pyarrow]``
   frame with positional columns, row numbers computed, falling back (returns None) when the file
   has blank lines or a ragged/unparseable row, so the slow path keeps its exact row numbering;
3. ``_norm`` (NFKC + strip) on one numeric column: pandas ``.str.normalize`` (per-element Python)
   vs an ASCII guard (``pyarrow.compute.string_is_ascii``: NFKC only on the non-ASCII cells);
4. engine holders-back: an ``Offender`` per failing row via ``df.loc[i]`` vs building only the
   first ``MAX_OFFENDERS`` from column arrays and counting the rest.

Every fast variant is checked equal to the slow one on the same data before it is timed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv


def best(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


# ------------------------------------------------------------------ 2. pyarrow CSV fast path
class Fallback(Exception):
    """The file needs the exact (slow) reader: blank lines, ragged rows, broken quoting."""


def arrow_frame(raw: bytes, header_index: int, headers: list[str], delimiter: str = ",",
                encoding: str = "utf8") -> tuple[pd.DataFrame, np.ndarray]:
    """(positional string frame, spreadsheet row of each data row) or raise Fallback.

    ``header_index``/``headers``: the header record and its cells, as find_header found them on the
    first lines. Every column is read as text (no inference: "007" stays "007"). Blank lines would
    be skipped by Arrow and shift every row number after them, so a line count that differs from the
    record count sends the file to the exact reader; so does any row whose cell count differs from
    the header's, and any parse error. (A CR-only file would need the same check on b"\r".)
    """
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    width = len(headers)
    invalid: list[int] = []

    def on_invalid(row) -> str:
        invalid.append(row.actual_columns)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(skip_rows=header_index + 1, autogenerate_column_names=True,
                                           encoding=encoding, block_size=1 << 24),
            # quoted cells may hold newlines: the slower parser mode only when the file has quotes
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=b'"' in body,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(width)},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise Fallback(str(exc)[:120]) from None
    if invalid:
        raise Fallback(f"{len(invalid)} ragged rows")
    # one record per line, or the row numbers would drift: blank lines (skipped by Arrow) and
    # cells holding newlines both break it; bytes.count is a memchr-speed pass (~0.03 s for 120 MB)
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if lines != header_index + 1 + table.num_rows:
        raise Fallback(f"{lines} lines for {header_index + 1 + table.num_rows} records (blank lines?)")
    if table.num_columns != width:
        raise Fallback(f"{table.num_columns} columns, header has {width}")
    frame = pd.DataFrame({i: pd.Series(pd.arrays.ArrowStringArray(c)) for i, c in enumerate(table.columns)})
    rows = np.arange(header_index + 2, header_index + 2 + table.num_rows, dtype=np.int64)
    return frame, rows


def arrow_all_text(raw: bytes, header_index: int, width: int) -> pa.Table:
    """Same read with every column forced to string (no type inference at all)."""
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    return pacsv.read_csv(
        pa.py_buffer(body),
        read_options=pacsv.ReadOptions(skip_rows=header_index + 1, autogenerate_column_names=True,
                                       block_size=1 << 24),
        parse_options=pacsv.ParseOptions(newlines_in_values=b'"' in body),
        convert_options=pacsv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(width)},
                                             strings_can_be_null=False, quoted_strings_can_be_null=False),
    )


# ------------------------------------------------------------------ 3. NFKC only where needed
def norm_slow(s: pd.Series) -> pd.Series:
    return s.astype("string").str.normalize("NFKC").str.strip()


def norm_fast(s: pd.Series) -> pd.Series:
    """NFKC is the identity on ASCII: normalise only the non-ASCII cells (usually none in numbers)."""
    text = s.astype("string[pyarrow]")
    arr = pa.chunked_array(text.array._pa_array) if hasattr(text.array, "_pa_array") else pa.array(text)
    non_ascii = pc.invert(pc.fill_null(pc.string_is_ascii(arr), True))
    if pc.any(non_ascii).as_py():
        mask = pd.Series(non_ascii.to_numpy(zero_copy_only=False), index=s.index)
        text = text.where(~mask, text[mask].str.normalize("NFKC"))
    return text.str.strip()


# ------------------------------------------------------------------ 4. holders-back
def offenders_slow(df: pd.DataFrame, idx: pd.Index) -> tuple[int, list[tuple]]:
    out = []
    for i in idx:
        r = df.loc[i]
        out.append((str(r.get("school_name", "")), r.get("town"), r.get("school_id"), r.get("_row")))
    return len(out), out[:50]


def offenders_fast(df: pd.DataFrame, idx: pd.Index, limit: int = 50) -> tuple[int, list[tuple]]:
    head = df.loc[idx[:limit], ["school_name", "town", "school_id", "_row"]]
    return len(idx), list(head.itertuples(index=False, name=None))


# ------------------------------------------------------------------ main
def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("csv", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    from plancheck import readers

    path: Path = args.csv
    raw = path.read_bytes()
    print(f"{path} ({len(raw) / 1e6:.1f} MB), best of {args.runs}")

    t_cur, cur = best(lambda: readers.read_file(path, "schools")[0], args.runs)
    print(f"  readers.read_file (current)           {t_cur:7.3f} s   rows {len(cur.data)}")
    t_pd, _ = best(lambda: pd.read_csv(path), args.runs)
    print(f"  pandas.read_csv (C engine, inferred)  {t_pd:7.3f} s")
    t_pda, _ = best(lambda: pd.read_csv(path, engine="pyarrow", dtype="string[pyarrow]", keep_default_na=False),
                    args.runs)
    print(f"  pandas.read_csv engine=pyarrow, str   {t_pda:7.3f} s")
    t_raw, tbl = best(lambda: arrow_all_text(raw, 0, len(cur.headers)), args.runs)
    print(f"  pyarrow.csv all-string Arrow table    {t_raw:7.3f} s")
    headers = cur.headers
    t_fast, (frame, rows) = best(lambda: arrow_frame(raw, 0, headers), args.runs)
    print(f"  pyarrow fast path -> pandas frame     {t_fast:7.3f} s   ({t_cur / t_fast:.1f}× faster than current)")
    same = (len(frame) == len(cur.data) and list(rows) == list(cur.rows)
            and all((frame[i].astype(str).to_numpy() == cur.data[i].astype(str).to_numpy()).all()
                    for i in range(len(headers))))
    print(f"    same cells and row numbers as the current reader: {same}")
    blank = raw.replace(b"\r\n", b"\r\n\r\n", 1)
    try:
        arrow_frame(blank, 0, headers)
        print("    blank-line file: NOT sent to the exact reader (bug)")
    except Fallback as exc:
        print(f"    blank-line file -> Fallback({exc})")
    ragged = raw.replace(b"\r\n", b",extra\r\n", 3)
    try:
        arrow_frame(ragged, 0, headers)
        print("    ragged file: NOT sent to the exact reader (bug)")
    except Fallback as exc:
        print(f"    ragged file -> Fallback({exc})")

    col = cur.data[cur.headers.index("在校生数")]
    t_ns, slow = best(lambda: norm_slow(col), args.runs)
    t_nf, fast = best(lambda: norm_fast(col), args.runs)
    print(f"  _norm one int column: .str.normalize {t_ns:.3f} s, ASCII-guarded {t_nf:.3f} s "
          f"(×{t_ns / t_nf:.0f}); equal: {bool((slow.fillna('') == fast.fillna('')).all())}")
    name = cur.data[cur.headers.index("学校名称")]
    t_ns2, slow2 = best(lambda: norm_slow(name), args.runs)
    t_nf2, fast2 = best(lambda: norm_fast(name), args.runs)
    print(f"  _norm Chinese name column: .str.normalize {t_ns2:.3f} s, ASCII-guarded {t_nf2:.3f} s; "
          f"equal: {bool((slow2.fillna('') == fast2.fillna('')).all())}")

    df = pd.DataFrame({"school_name": name.astype("string"), "town": cur.data[2].astype("string"),
                       "school_id": cur.data[0].astype("string"),
                       "_row": np.asarray(cur.rows, dtype=np.int64)})
    idx = df.index[::6]          # ~1 row in 6 holds a target back (as 16k of 100k in the sample-based data)
    t_os, a = best(lambda: offenders_slow(df, idx), 1)
    t_of, b = best(lambda: offenders_fast(df, idx), args.runs)
    print(f"  holders-back for {len(idx)} rows: df.loc per row {t_os:.3f} s, first 50 + count {t_of:.4f} s; "
          f"same: {a[0] == b[0] and [x[:3] for x in a[1]] == [x[:3] for x in b[1]]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
