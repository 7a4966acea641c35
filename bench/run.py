#!/usr/bin/env python3
"""plancheck benchmark (issues 5 and 13): generate inputs, time whole processes against their baselines and peers.

    python bench/run.py                      # 1k, 100k, 1M CSVs (4 shapes) + 100k xlsx, 3 runs each
    python bench/run.py --sizes 1k,100k      # fewer sizes
    python bench/run.py --quick              # 1k/10k smoke run (xlsx of 10k rows), 1 run
    python bench/run.py --runs 5 --no-xlsx   # more runs, skip the workbook
    python bench/run.py --sizes 1m --shapes valid,warnings --no-startup --no-xlsx

Each CSV size comes in four shapes of data (``--shapes``): ``valid``; ``bad`` (0.1 % of rows with one
error each); ``codes`` (valid, school codes that are not pure digits, ``900000000012-3``);
``warnings`` (valid, ~4.5 % of rows with a value in a column that does not apply to their school
type: a warning each, not counted). For each, ``plancheck run`` is timed against a whole-process
polars peer (``bench/peer_polars.py``: same contract, same problems, same 13 figures; issue 13),
a bare ``pandas.read_csv`` and ``python -c "import pandas"`` (issue 5), alternating; the peer's
result is compared with plancheck's ("peer agrees").

Inputs go to ``bench/out/`` (git-ignored) and are reused while the generator is unchanged. Every
timed command is a fresh process; its wall time is taken around ``Popen``/``os.wait4`` and its peak
memory is the ``ru_maxrss`` that ``wait4`` reports for that one child. Commands under comparison
run alternately (A B A B ...) and the median is reported. The per-stage split (read, validate,
aggregate, report) calls the library in a fresh child process (``STAGES_CODE``).

Only the standard library is used here, plus the project's own dependencies in the child commands
(pandas, python-calamine, polars for the peer: the ``bench`` extra) and xlsxwriter (falls back to
openpyxl) to write the workbook. Without polars the peer is skipped, with a note.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
TEMPLATE = ROOT / "sample_data" / "schools.csv"
POP_TEMPLATE = ROOT / "sample_data" / "population.csv"
GEN_VERSION = "2"          # bump when the generated files change; stale files are rewritten
INVALID_RATE = 0.001
COUNTY_ROWS = 400
SEED = 5

#: (column header, bad value, expected error code): each corrupted row gets exactly one of these.
CORRUPTIONS = (
    ("在校生数", "abc", "not_integer"),
    ("学校类型", "大学", "not_in_choices"),
    ("校园欺凌事件数", "-1", "below_minimum"),
    ("专职保安配备到位", "也许", "not_yes_no"),
    ("学校名称", "", "required"),
)

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}

#: The shapes of data each CSV size comes in (issue 13): name -> how the report names it.
SHAPES = {"valid": "valid", "bad": "0.1% bad", "codes": "non-digit codes", "warnings": "4.5% warnings"}
STRAY_RATE = 0.045
#: school type -> (column, value) written into a column that does not apply to it (a valid value: a warning,
#: not an error); a type with two takes them in turn.
STRAY = {"幼儿园": (("体质健康数据已上报", "是"), ("大班额班级数", "0")),
         "小学": (("学年初在籍学生数", "0"), ("是否普惠", "否")),
         "初中": (("是否普惠", "是"),), "九年一贯制": (("流失学生数", "0"),),
         "完全中学": (("学年初在籍学生数", "0"),), "普通高中": (("辍学学生数", "0"),),
         "中职": (("大班额班级数", "0"),), "特殊教育": (("是否普惠", "是"),)}
PEER = HERE / "peer_polars.py"


# ================================================================== generation
def load_template() -> tuple[list[str], list[list[str]], list[tuple[str, str]]]:
    with TEMPLATE.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    with POP_TEMPLATE.open(encoding="utf-8-sig", newline="") as fh:
        pop = [(r[0], r[1]) for r in list(csv.reader(fh))[1:] if r]
    return rows[0], rows[1:], pop


def county_town(county: int, town: str) -> str:
    """County 0 keeps the real names; the others are copies with a county prefix."""
    return town if county == 0 else f"第{county}县{town}"


def school_rows(n: int, codes: bool = False):
    """n schools: the sample county's 319 schools repeated, one county copy after another. ``codes``: school
    codes that are not pure digits (``900000000012-3``, a check digit after a hyphen)."""
    header, rows, _ = load_template()
    i_id, i_town = header.index("学校代码"), header.index("乡镇（街道）")
    for k in range(n):
        county, j = divmod(k, len(rows))
        row = list(rows[j])
        row[i_id] = f"9{county:06d}{j:04d}-{(county + j) % 10}" if codes else f"9{county:06d}{j:04d}"
        row[i_town] = county_town(county, row[i_town])
        yield row


def counties_for(n: int) -> int:
    _, rows, _ = load_template()
    return -(-n // len(rows))


def towns_in(n: int) -> int:
    """Distinct towns of a run on the first ``n`` rows of :func:`school_rows` with its population file: each
    county copy has its own towns, and the population file covers every town of the last county too."""
    header, rows, pop = load_template()
    i_town = header.index("乡镇（街道）")
    return counties_for(n) * len({r[i_town] for r in rows} | {t for t, _ in pop})


def write_schools_csv(path: Path, n: int, bad: dict[int, int], codes: bool = False,
                      stray: Optional[dict[int, tuple[str, str]]] = None) -> None:
    """UTF-8 with BOM and CRLF, as Excel's "CSV UTF-8"; rows in ``bad`` get corruption ``bad[k]``, rows in
    ``stray`` the value ``stray[k]`` in a column that does not apply to them."""
    header, _, _ = load_template()
    cols = {h: header.index(h) for h in header}
    stray = stray or {}
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(header)
        for k, row in enumerate(school_rows(n, codes)):
            if k in bad:
                h, value, _ = CORRUPTIONS[bad[k]]
                row[cols[h]] = value
            if k in stray:
                h, value = stray[k]
                assert row[cols[h]] == "", (k, h)      # the column does not apply: blank in the template
                row[cols[h]] = value
            w.writerow(row)


def write_population_csv(path: Path, counties: int) -> None:
    _, _, pop = load_template()
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(["乡镇（街道）", "3-5岁适龄儿童数"])
        for c in range(counties):
            for town, count in pop:
                w.writerow([county_town(c, town), count])


def write_schools_xlsx(path: Path, n: int) -> None:
    header, _, _ = load_template()
    numeric = {i for i, h in enumerate(header) if h.endswith("数")}
    try:
        import xlsxwriter
    except ImportError:
        return _write_xlsx_openpyxl(path, n, header, numeric)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("学校")
    ws.write_row(0, 0, header)
    for r, row in enumerate(school_rows(n), start=1):
        for c, v in enumerate(row):
            if c in numeric and v:
                ws.write_number(r, c, int(v))
            elif v:
                ws.write_string(r, c, v)
    wb.close()


def _write_xlsx_openpyxl(path: Path, n: int, header: list[str], numeric: set[int]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("学校")
    ws.append(header)
    for row in school_rows(n):
        ws.append([int(v) if c in numeric and v else (v or None) for c, v in enumerate(row)])
    wb.save(str(path))


def bad_rows(n: int) -> dict[int, int]:
    """Data-row index -> corruption index, 0.1 % of rows (at least one), reproducible."""
    k = max(1, round(n * INVALID_RATE))
    picked = sorted(random.Random(SEED + n).sample(range(n), k))
    return {row: i % len(CORRUPTIONS) for i, row in enumerate(picked)}


def stray_rows(n: int) -> dict[int, tuple[str, str]]:
    """Data-row index -> (column, value) not applying to the row's school type, ~4.5 % of rows, reproducible."""
    header, rows, _ = load_template()
    i_type = header.index("学校类型")
    picked = sorted(random.Random(SEED + 2 * n + 1).sample(range(n), max(1, round(n * STRAY_RATE))))
    out = {}
    for i, k in enumerate(picked):
        options = STRAY[rows[k % len(rows)][i_type]]
        out[k] = options[i % len(options)]
    return out


@dataclass
class Inputs:
    label: str
    n: int
    valid: Path
    invalid: Path
    population: Path
    bad: dict[int, int]
    codes: Optional[Path] = None
    warnings: Optional[Path] = None
    stray: dict[int, tuple[str, str]] = field(default_factory=dict)

    def path(self, shape: str) -> Path:
        return {"valid": self.valid, "bad": self.invalid, "codes": self.codes, "warnings": self.warnings}[shape]


def _fresh(path: Path) -> bool:
    stamp = path.with_suffix(path.suffix + ".stamp")
    want = f"{GEN_VERSION} {TEMPLATE.stat().st_size}"
    return path.exists() and stamp.exists() and stamp.read_text() == want


def _stamp(path: Path) -> None:
    path.with_suffix(path.suffix + ".stamp").write_text(f"{GEN_VERSION} {TEMPLATE.stat().st_size}")


def generate(label: str, n: int, shapes: tuple[str, ...] = ("valid", "bad")) -> Inputs:
    OUT.mkdir(parents=True, exist_ok=True)
    inp = Inputs(label, n, OUT / f"schools-{label}.csv", OUT / f"schools-{label}-invalid.csv",
                 OUT / f"population-{label}.csv", bad_rows(n), OUT / f"schools-{label}-codes.csv",
                 OUT / f"schools-{label}-warnings.csv", stray_rows(n))
    jobs = [(inp.population, lambda p: write_population_csv(p, counties_for(n)))]
    writers = {"valid": lambda p: write_schools_csv(p, n, {}), "bad": lambda p: write_schools_csv(p, n, inp.bad),
               "codes": lambda p: write_schools_csv(p, n, {}, codes=True),
               "warnings": lambda p: write_schools_csv(p, n, {}, stray=inp.stray)}
    jobs += [(inp.path(shape), writers[shape]) for shape in shapes]
    for path, writer in jobs:
        if not _fresh(path):
            t0 = time.perf_counter()
            writer(path)
            _stamp(path)
            log(f"  wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - t0:.1f} s)")
    return inp


def _in_child(work, *args) -> None:
    """``work(*args)`` in a forked child, so that whatever memory the work takes does not stay in this
    script's process: a child's ru_maxrss counts the memory it had from fork until exec, so a grown script
    would lend its size to every command it measures."""
    import multiprocessing

    proc = multiprocessing.get_context("fork").Process(target=work, args=args)
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"{getattr(work, '__name__', work)} failed (exit {proc.exitcode})")


def generate_xlsx(label: str, n: int) -> tuple[Path, Path]:
    path, pop = OUT / f"schools-{label}.xlsx", OUT / f"population-{label}.csv"
    if not _fresh(path):
        t0 = time.perf_counter()
        _in_child(write_schools_xlsx, path, n)
        _stamp(path)
        log(f"  wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - t0:.1f} s)")
    if not _fresh(pop):
        write_population_csv(pop, counties_for(n))
        _stamp(pop)
    return path, pop


# ================================================================== measuring
@dataclass
class Sample:
    seconds: float
    maxrss_mb: float
    code: int


@dataclass
class Measure:
    name: str
    argv: list[str]
    samples: list[Sample] = field(default_factory=list)
    stdout_path: Optional[Path] = None
    warm: bool = False

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def rss(self) -> float:
        return statistics.median(s.maxrss_mb for s in self.samples)

    @property
    def codes(self) -> set[int]:
        return {s.code for s in self.samples}


def run_once(argv: list[str], stdout_path: Optional[Path] = None) -> Sample:
    """One fresh process: wall seconds, its own peak RSS (MB, from wait4), exit code."""
    out = stdout_path.open("wb") if stdout_path else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdout_path:
            out.close()
    scale = 1024 if sys.platform != "darwin" else 1024 * 1024
    return Sample(seconds, usage.ru_maxrss / scale, proc.returncode)


def alternate(measures: list[Measure], runs: int) -> None:
    """A B A B ...: every command once per round, so drift hits all alike.

    One warm-up run of each baseline first (it reads the same file, so the page cache is warm for all).
    """
    for m in measures:
        if m.warm:
            run_once(m.argv)
    for _ in range(runs):
        for m in measures:
            m.samples.append(run_once(m.argv, m.stdout_path))


def plancheck_argv() -> list[str]:
    exe = Path(sys.executable).with_name("plancheck")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("plancheck")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from plancheck.cli import main; sys.argv[0] = 'plancheck'; main()"]


def ensure_bytecode() -> None:
    """Compile plancheck's modules and its dependencies to bytecode, as ``pip install`` does at install time.

    An editable install writes it on first import, unless PYTHONDONTWRITEBYTECODE is set (some sandboxes
    set it): then every run would compile the package from source (~40 ms here) and measure what no
    installed copy pays. Python still reads bytecode under that variable; it only does not write it."""
    import compileall
    import importlib.util

    for name in ("plancheck", "pandas", "numpy", "pyarrow", "pydantic", "pydantic_core", "rich", "typer", "click",
                 "yaml", "orjson", "fastexcel", "openpyxl", "charset_normalizer", "polars", "python_calamine"):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(list(spec.submodule_search_locations)[0])
        # pip compiles a package at install time, but not when PYTHONDONTWRITEBYTECODE is set (some sandboxes
        # set it): every run would then compile pandas from source (~1.3 s) and measure what no install pays
        if not compileall.compile_dir(str(folder), quiet=1, workers=2):
            log(f"note: could not compile {folder} to bytecode; runs compile it from source")


def py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def run_argv(schools: Path, population: Path, output: str = "/dev/null") -> list[str]:
    return plancheck_argv() + ["run", str(schools), "--table", f"population={population}", "--format", "json",
                               "--output", output]


def peer_argv(schools: Path, population: Path, output: str = "/dev/null") -> list[str]:
    return [sys.executable, str(PEER), str(schools), str(population), "--output", output]


def have_polars() -> bool:
    return subprocess.run(py("import polars"), capture_output=True).returncode == 0


def pandas_argv(path: Path) -> list[str]:
    return py(f"import pandas; pandas.read_csv({str(path)!r})")


def calamine_argv(path: Path) -> list[str]:
    return py("from python_calamine import CalamineWorkbook; "
              f"wb = CalamineWorkbook.from_path({str(path)!r}); "
              "rows = wb.get_sheet_by_name(wb.sheet_names[0]).to_python(skip_empty_area=False)")


# ================================================================== per-stage split
STAGES_CODE = r"""
import json, sys, time
from pathlib import Path
t = {}
t0 = time.perf_counter()
from plancheck import engine
from plancheck.read import readers
from plancheck.check import validate
from plancheck.report import jsonfmt
from plancheck.plan.targets import load_targets
t["import"] = time.perf_counter() - t0
schools, population = Path(sys.argv[1]), Path(sys.argv[2])
t0 = time.perf_counter()
targets = load_targets(None)
contract = targets.contract
raws = readers.read_file(schools, contract.tables, "schools") + readers.read_file(population, contract.tables, "population")
t["read"] = time.perf_counter() - t0
t0 = time.perf_counter()
sub = validate.validate_tables(raws, contract, {m.id for m in targets.milestones})
t["validate"] = time.perf_counter() - t0
t0 = time.perf_counter()
results = engine.evaluate(targets, sub.tables) if sub.ok else []   # as the CLI: exit 3 before the engine
t["aggregate"] = time.perf_counter() - t0
t0 = time.perf_counter()
if not sub.ok:
    text = jsonfmt.render_problems(sub)
else:
    try:  # report API since the ReportContext commit; older trees took (results, targets, sub)
        from plancheck.report.context import ReportContext, input_files
        text = jsonfmt.render(ReportContext(results=results, targets=targets, submission=sub,
                                            inputs=input_files(sub)))
    except ImportError:
        text = jsonfmt.render(results, targets, sub)
t["report"] = time.perf_counter() - t0
print(json.dumps(t))
"""


def stages(schools: Path, population: Path) -> dict:
    """Stage times of one in-process library run, in a fresh child (tracemalloc off)."""
    proc = subprocess.run([sys.executable, "-c", STAGES_CODE, str(schools), str(population)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": tail[:160]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ================================================================== checks
def problems_of(doc: dict) -> tuple[list[dict], int]:
    """(problems, problems_not_listed) from either JSON shape (results report or problems-only)."""
    part = doc.get("submission", doc)
    return part.get("problems", []), int(part.get("problems_not_listed", 0) or 0)


def check_invalid(json_path: Path, inp: Inputs) -> dict:
    """Every corrupted row reported: error count == corrupted rows, and on exactly those rows."""
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return {"ok": False, "detail": f"no JSON output ({exc})"}
    problems, not_listed = problems_of(doc)
    errors = [p for p in problems if p.get("severity") == "error"]
    want_rows = {k + 2 for k in inp.bad}           # spreadsheet row = data index + 2 (header in row 1)
    got_rows = {p.get("row") for p in errors}
    count = len(errors) + not_listed
    wrong_code = sum(1 for p in errors if p.get("row") in want_rows and
                     p.get("code") != CORRUPTIONS[inp.bad[p["row"] - 2]][2])
    ok = count == len(want_rows) and got_rows == want_rows and wrong_code == 0
    detail = (f"{count} errors ({len(errors)} listed + {not_listed} not listed) for {len(want_rows)} bad rows"
              f"; rows missed {len(want_rows - got_rows)}, extra {len(got_rows - want_rows)}, wrong code {wrong_code}")
    return {"ok": ok, "detail": detail}


def _load(path: Path) -> Optional[dict]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def check_warnings(json_path: Path, inp: Inputs) -> dict:
    """Every stray value reported as one not_applicable warning on its row, nothing else, and figures computed."""
    doc = _load(json_path)
    if doc is None:
        return {"ok": False, "detail": "no JSON output"}
    problems, not_listed = problems_of(doc)
    stray = [p for p in problems if p.get("code") == "not_applicable" and p.get("severity") == "warning"]
    want = {k + 2 for k in inp.stray}
    got = {p.get("row") for p in stray}
    others = len(problems) - len(stray)
    ok = len(stray) == len(want) and got == want and others == 0 and not not_listed and "targets" in doc
    return {"ok": ok, "detail": f"{len(stray)} not_applicable warnings for {len(want)} stray values; rows missed "
                                f"{len(want - got)}, extra {len(got - want)}; other problems {others + not_listed}"}


def peer_agrees(pc_json: Path, peer_json: Path, pc_codes: set[int], peer_codes: set[int]) -> dict:
    """The peer against plancheck, on the same file: exit codes, the 13 metric figures (numerator, denominator,
    status), and every problem's (row, code, severity, column, value) — a blank cell's value is '' or None."""
    pc, peer = _load(pc_json), _load(peer_json)
    if pc is None or peer is None:
        return {"ok": False, "detail": "no JSON output from " + ("plancheck" if pc is None else "the peer")}
    diffs = []
    if pc_codes != peer_codes:
        diffs.append(f"exit {sorted(pc_codes)} vs {sorted(peer_codes)}")
    metrics = [t for t in pc.get("targets", []) if t.get("kind") == "metric"]
    figures = peer.get("figures", {})
    wrong = [t["id"] for t in metrics if (t.get("numerator"), t.get("denominator"), t.get("status")) !=
             tuple(figures.get(t["id"], {}).get(k) for k in ("numerator", "denominator", "status"))]
    if len(metrics) != len(figures):
        diffs.append(f"{len(metrics)} figures vs {len(figures)}")
    if wrong:
        diffs.append("figures differ: " + ", ".join(wrong))
    problems, not_listed = problems_of(pc)

    def key(p: dict) -> tuple:
        return (p.get("row") or 0, p.get("code"), p.get("severity"), p.get("column") or "", p.get("value") or "")
    mine, theirs = sorted(map(key, problems)), sorted(map(key, peer.get("problems", [])))
    if not_listed:
        diffs.append(f"plancheck did not list {not_listed} problems")
    elif mine != theirs:
        a, b = set(mine), set(theirs)
        diffs.append(f"problems differ ({len(mine)} vs {len(theirs)}; only plancheck: {sorted(a - b)[:2]}, "
                     f"only peer: {sorted(b - a)[:2]})")
    detail = (f"{len(metrics)} figures, {len(problems)} problems, exit {sorted(pc_codes)}: same" if not diffs
              else "; ".join(diffs))
    return {"ok": not diffs, "detail": detail}


# ================================================================== report
def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        ram = f"{kb / 1024**2:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    versions = subprocess.run(py(
        "import importlib.metadata as m\n"
        "for p in ('plancheck','pandas','pyarrow','numpy','polars','python-calamine','pydantic','typer','rich','PyYAML'):\n"
        "    try: print(p, m.version(p))\n"
        "    except m.PackageNotFoundError: print(p, '-')"), capture_output=True, text=True).stdout.split("\n")
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram": ram, "python": platform.python_version(),
            "os": platform.platform(), "packages": ", ".join(v for v in versions if v)}


class LoadMeter:
    """How busy the machine was with other work while we measured: CPU time of every process (/proc/stat)
    minus this benchmark's own and its children's (getrusage), over the wall time; plus the load averages."""

    def __init__(self) -> None:
        self.start = self._snap()

    @staticmethod
    def _snap() -> Optional[tuple[float, float, float, float]]:
        import resource

        try:
            f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        except (OSError, ValueError):
            return None
        busy = sum(f[:8]) - f[3] - f[4]            # user..steal without idle and iowait (guest is inside user)
        own = sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                    resource.getrusage(resource.RUSAGE_CHILDREN)))
        return time.perf_counter(), busy / os.sysconf("SC_CLK_TCK"), own, os.getloadavg()[0]

    def summary(self) -> str:
        end = self._snap()
        if self.start is None or end is None:
            return ""
        wall = end[0] - self.start[0]
        others = max(0.0, (end[1] - self.start[1]) - (end[2] - self.start[2]))
        return (f"other processes kept {others / wall:.2f} of the {os.cpu_count()} cores busy on average over the "
                f"{wall:.0f} s of this run (1-min load average {self.start[3]:.2f} at its start, {end[3]:.2f} at its end)")


def verdict(ratio: float, bound: float) -> str:
    return "met" if ratio <= bound else "NOT met"


class Report:
    def __init__(self) -> None:
        self.timing: list[tuple] = []     # (case, command, median s, ratio, peak MB, mem ratio, exit codes)
        self.stage_rows: list[tuple] = []
        self.goals: list[tuple] = []      # (goal, bound, measured, verdict)
        self.peer_rows: list[tuple] = []  # (size, shape, plancheck, peer, pandas.read_csv, import pandas, agrees)
        self.load = ""

    def pair(self, case: str, a: Measure, base: Measure) -> tuple[float, float]:
        ratio, mem = a.median / base.median, a.rss / base.rss
        self.timing.append((case, a.name, a.median, ratio, a.rss, mem, sorted(a.codes)))
        self.timing.append((case, base.name, base.median, 1.0, base.rss, 1.0, sorted(base.codes)))
        return ratio, mem

    def goal(self, text: str, bound: Optional[float], measured: str, ok: bool) -> None:
        self.goals.append((text, "" if bound is None else f"≤ {bound}×", measured, "met" if ok else "NOT met"))

    def markdown(self, info: dict, runs: int) -> str:
        lines = [f"machine: {info['nproc']} cores, {info['cpu']}, {info['ram']} RAM; Python {info['python']} "
                 f"({info['os']})", f"packages: {info['packages']}", f"runs: median of {runs}, alternating", "",
                 "| case | command | median s | × baseline | peak RSS MB | × baseline RSS | exit |",
                 "|---|---|---:|---:|---:|---:|---|"]
        for case, name, sec, ratio, rss, mem, codes in self.timing:
            lines.append(f"| {case} | {name} | {sec:.3f} | {ratio:.2f} | {rss:.0f} | {mem:.2f} | {codes} |")
        if self.stage_rows:
            lines += ["", "per-stage split (in-process library calls, seconds):", "",
                      "| file | import | read | validate | aggregate | report |", "|---|---:|---:|---:|---:|---:|"]
            for name, st in self.stage_rows:
                if "error" in st:
                    lines.append(f"| {name} | failed: {st['error']} | | | | |")
                else:
                    lines.append(f"| {name} | " + " | ".join(f"{st.get(k, float('nan')):.3f}" for k in
                                                            ("import", "read", "validate", "aggregate", "report")) + " |")
        if self.peer_rows:
            lines += ["", "plancheck ÷ polars peer (issue 13; whole process, medians; the read_csv and import "
                      "pandas ratios are issue 5's, for the record):", "",
                      "| rows | shape | plancheck s | peer s | **× peer time** | plancheck MB | peer MB "
                      "| **× peer memory** | × read_csv time / memory | × import pandas time | exit plancheck / peer "
                      "| peer agrees |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
            for label, name, pc, pm, pdm, imp, agree in self.peer_rows:
                peer = (f"{pm.median:.3f} | **{pc.median / pm.median:.2f}** | {pc.rss:.0f} | {pm.rss:.0f} | "
                        f"**{pc.rss / pm.rss:.2f}**" if pm is not None else f"– | – | {pc.rss:.0f} | – | –")
                lines.append(f"| {label} | {name} | {pc.median:.3f} | {peer} | {pc.median / pdm.median:.2f} / "
                             f"{pc.rss / pdm.rss:.2f} | {pc.median / imp.median:.2f} | {sorted(pc.codes)} / "
                             f"{sorted(pm.codes) if pm is not None else '–'} | "
                             f"{('yes' if agree['ok'] else 'no') if agree is not None else '–'} |")
        if self.load:
            lines += ["", f"machine load during the measurements: {self.load}"]
        lines += ["", "| goal (issues 5, 13) | bound | measured | verdict |", "|---|---|---|---|"]
        lines += [f"| {g} | {b} | {m} | {v} |" for g, b, m, v in self.goals]
        return "\n".join(lines)


# ================================================================== the run
def bench_csv(inp: Inputs, runs: int, report: Report, largest: bool, shapes: tuple[str, ...], peer: bool) -> None:
    """Each shape of data: plancheck run, the polars peer, pandas.read_csv and import pandas, alternating."""
    for shape in shapes:
        path, name = inp.path(shape), SHAPES[shape]
        log(f"[{inp.label}] CSV {inp.n} rows, {name}: plancheck run vs polars peer vs pandas.read_csv vs "
            f"import pandas ({runs} runs, alternating)")
        pc_json, peer_json = OUT / f"result-{inp.label}-{shape}.json", OUT / f"peer-{inp.label}-{shape}.json"
        pc = Measure(f"plancheck run ({name})", run_argv(path, inp.population, str(pc_json)))
        pm = Measure(f"polars peer ({name})", peer_argv(path, inp.population, str(peer_json))) if peer else None
        pdm = Measure(f"pandas.read_csv ({name})", pandas_argv(path), warm=True)
        imp = Measure("python -c 'import pandas'", py("import pandas"), warm=True)
        alternate([m for m in (pc, pm, pdm, imp) if m is not None], runs)
        case = f"{inp.label} CSV"
        r_pd, m_pd = report.pair(case, pc, pdm)
        if pm is not None:
            report.timing.append((case, pm.name, pm.median, pm.median / pdm.median, pm.rss, pm.rss / pdm.rss,
                                  sorted(pm.codes)))
        tag = inp.label
        if shape == "valid":
            report.goal(f"{tag} valid CSV: run exits 0/1 (not 2 or 3)", None, str(sorted(pc.codes)), pc.codes <= {0, 1})
            report.goal(f"{tag} valid CSV: plancheck run vs pandas.read_csv", 1.5, f"{r_pd:.2f}×", r_pd <= 1.5)
            report.goal(f"{tag} peak memory vs pandas.read_csv", 1.5, f"{m_pd:.2f}× ({pc.rss:.0f} / "
                        f"{pdm.rss:.0f} MB)", m_pd <= 1.5)
        elif shape == "bad":
            check = check_invalid(pc_json, inp)
            report.goal(f"{tag} 0.1%-bad CSV: every bad row reported (count exact), exit 3", None,
                        check["detail"] + f"; exit {sorted(pc.codes)}", check["ok"] and pc.codes == {3})
            report.goal(f"{tag} 0.1%-bad CSV: plancheck run vs pandas.read_csv", 1.5, f"{r_pd:.2f}×", r_pd <= 1.5)
        elif shape == "codes":
            report.goal(f"{tag} non-digit-codes CSV: run exits 0/1 (not 2 or 3)", None, str(sorted(pc.codes)),
                        pc.codes <= {0, 1})
        elif shape == "warnings":
            check = check_warnings(pc_json, inp)
            report.goal(f"{tag} 4.5%-warnings CSV: every stray value one not_applicable warning, exit 0/1", None,
                        check["detail"] + f"; exit {sorted(pc.codes)}", check["ok"] and pc.codes <= {0, 1})
        agree = peer_agrees(pc_json, peer_json, pc.codes, pm.codes) if pm is not None else None
        if pm is not None:
            log(f"[{inp.label}] {name}: peer agrees: {'yes' if agree['ok'] else 'no'} ({agree['detail']})")
            r_peer, m_peer = pc.median / pm.median, pc.rss / pm.rss
            report.goal(f"{tag} {name}: polars peer agrees with plancheck", None, agree["detail"], agree["ok"])
            report.goal(f"{tag} {name}: plancheck run vs polars peer, time", 1.0, f"{r_peer:.2f}×", r_peer <= 1.0)
            report.goal(f"{tag} {name}: plancheck run vs polars peer, peak memory", 1.0,
                        f"{m_peer:.2f}× ({pc.rss:.0f} / {pm.rss:.0f} MB)", m_peer <= 1.0)
        report.peer_rows.append((inp.label, name, pc, pm, pdm, imp, agree))
        if largest:
            log(f"[{inp.label}] stage split of {path.name}")
            report.stage_rows.append((path.name, stages(path, inp.population)))


def by_argv(schools: Path, population: Path, column: str, output: str) -> list[str]:
    return run_argv(schools, population, output) + ["--by", column]


def check_by(json_path: Path, column: str, groups: int) -> dict:
    """Every group of the file in the breakdown, each with a row for every metric target of the county."""
    doc = _load(json_path)
    if doc is None:
        return {"ok": False, "detail": "no JSON report"}
    rows = (doc.get("breakdowns") or {}).get(column) or {}
    metrics = sum(1 for t in doc.get("targets", []) if t.get("kind") == "metric")
    short = sum(1 for v in rows.values() if len(v) < metrics)
    ok = len(rows) == groups and short == 0
    return {"ok": ok, "detail": f"{len(rows)} groups of {groups} expected, {short} with fewer than {metrics} rows"}


def bench_by(inp: Inputs, runs: int, report: Report) -> None:
    """``--by town --format json`` (a country's townships) against the same run without ``--by``, alternating."""
    log(f"[{inp.label}] --by town vs the plain run ({runs} runs, alternating)")
    by_json, plain_json = OUT / f"result-{inp.label}-by-town.json", OUT / f"result-{inp.label}-plain.json"
    by_m = Measure("plancheck run --by town", by_argv(inp.valid, inp.population, "town", str(by_json)))
    plain_m = Measure("plancheck run (valid)", run_argv(inp.valid, inp.population, str(plain_json)))
    alternate([by_m, plain_m], runs)
    ratio, mem = report.pair(f"{inp.label} --by town", by_m, plain_m)
    towns = towns_in(inp.n)
    check = check_by(by_json, "town", towns)
    size = by_json.stat().st_size / 1e6 if by_json.exists() else float("nan")
    report.goal(f"{inp.label} --by town: every town in the breakdown", None, check["detail"] + f"; report {size:.0f} MB",
                check["ok"] and by_m.codes <= {0, 1})
    report.goal(f"{inp.label} --by town ({towns:,} towns) vs the plain run, time", 3.0, f"{ratio:.2f}×", ratio <= 3.0)
    report.goal(f"{inp.label} --by town vs the plain run, peak memory", 2.0,
                f"{mem:.2f}× ({by_m.rss:.0f} / {plain_m.rss:.0f} MB)", mem <= 2.0)


def bench_startup(runs: int, report: Report) -> None:
    log(f"[startup] --help, county-size run vs import pandas ({runs} runs, alternating)")
    county = generate("county", COUNTY_ROWS)
    help_m = Measure("plancheck --help", plancheck_argv() + ["--help"])
    county_m = Measure(f"plancheck run ({COUNTY_ROWS} rows)", run_argv(county.valid, county.population))
    targets_m = Measure("plancheck targets", plancheck_argv() + ["targets"])
    imp = Measure("python -c 'import pandas'", py("import pandas"), warm=True)
    alternate([help_m, county_m, targets_m, imp], runs)
    r_help, _ = report.pair("startup", help_m, imp)
    r_county, _ = report.pair("startup", county_m, imp)
    r_targets = targets_m.median / imp.median
    report.timing.append(("startup", targets_m.name, targets_m.median, r_targets, targets_m.rss,
                          targets_m.rss / imp.rss, sorted(targets_m.codes)))
    report.goal("plancheck --help vs import pandas", 0.5, f"{r_help:.2f}×", r_help <= 0.5)
    report.goal(f"county-size run ({COUNTY_ROWS} rows) vs import pandas", 1.5, f"{r_county:.2f}×", r_county <= 1.5)


def bench_xlsx(label: str, n: int, runs: int, report: Report) -> None:
    log(f"[xlsx {label}] plancheck run vs bare python-calamine read ({runs} runs, alternating)")
    path, pop = generate_xlsx(label, n)
    run_m = Measure("plancheck run (xlsx)", run_argv(path, pop))
    cal = Measure("python-calamine to_python", calamine_argv(path), warm=True)
    alternate([run_m, cal], runs)
    ratio, _ = report.pair(f"{label} xlsx", run_m, cal)
    report.goal(f"{label}-row xlsx: plancheck run vs bare calamine", 1.3, f"{ratio:.2f}× (exit {sorted(run_m.codes)})",
                ratio <= 1.3 and run_m.codes <= {0, 1})
    report.stage_rows.append((path.name, stages(path, pop)))


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1k,100k,1m", help="comma list of 1k,10k,100k,1m (default: 1k,100k,1m)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per command (median; default 3)")
    ap.add_argument("--xlsx", default="100k", help="rows of the xlsx case (1k,10k,100k; default 100k)")
    ap.add_argument("--no-xlsx", action="store_true", help="skip the xlsx case")
    ap.add_argument("--no-startup", action="store_true", help="skip --help / county-size timings")
    ap.add_argument("--quick", action="store_true", help="smoke run: sizes 1k,10k, xlsx 10k, 1 run")
    ap.add_argument("--shapes", default=",".join(SHAPES), help=f"comma list of {','.join(SHAPES)} (default: all)")
    ap.add_argument("--no-peer", action="store_true", help="skip the polars peer")
    ap.add_argument("--no-by", action="store_true", help="skip --by town on the largest size")
    ap.add_argument("--markdown", type=Path, help="also write the results table to this file")
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes, args.xlsx, args.runs = "1k,10k", "10k", 1
    return args


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    labels = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in labels if s not in SIZES]
    if unknown or (not args.no_xlsx and args.xlsx.lower() not in SIZES):
        log(f"unknown size {unknown or args.xlsx}; use {', '.join(SIZES)}")
        return 2
    shapes = tuple(s.strip().lower() for s in args.shapes.split(",") if s.strip())
    if any(s not in SHAPES for s in shapes):
        log(f"unknown shape in {args.shapes!r}; use {', '.join(SHAPES)}")
        return 2
    t_start = time.perf_counter()
    report = Report()
    ensure_bytecode()
    peer = not args.no_peer and have_polars()
    if not args.no_peer and not peer:
        log("note: polars is not installed (pip install '.[bench]'): the polars peer is skipped")
    log("generating inputs in bench/out/ (reused when up to date)")
    inputs = [generate(label, SIZES[label], shapes) for label in labels]
    meter = LoadMeter()
    if not args.no_startup:
        bench_startup(args.runs, report)
    for inp in inputs:
        bench_csv(inp, args.runs, report, largest=inp.n == max(i.n for i in inputs) and inp.n >= 10_000,
                  shapes=shapes, peer=peer)
    if not args.no_xlsx:
        bench_xlsx(args.xlsx.lower(), SIZES[args.xlsx.lower()], args.runs, report)
    # last: checking the --by report loads it (~200 MB of JSON) into this process, which then lends its size
    # to the ru_maxrss of any command it starts after
    if not args.no_by and "valid" in shapes and inputs and max(i.n for i in inputs) >= 10_000:
        bench_by(max(inputs, key=lambda i: i.n), args.runs, report)
    report.load = meter.summary()
    text = report.markdown(machine(), args.runs)
    print(text)
    print(f"\ntotal benchmark time: {time.perf_counter() - t_start:.0f} s")
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
