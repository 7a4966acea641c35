#!/usr/bin/env python3
"""plancheck benchmark (issue 5): generate inputs, time whole processes against their baselines.

    python bench/run.py                      # 1k, 100k, 1M CSVs + 100k xlsx, 3 runs each (~10 min on 2 cores)
    python bench/run.py --sizes 1k,100k      # fewer sizes
    python bench/run.py --quick              # 1k/10k smoke run (xlsx of 10k rows), 1 run
    python bench/run.py --runs 5 --no-xlsx   # more runs, skip the workbook

Inputs go to ``bench/out/`` (git-ignored) and are reused while the generator is unchanged. Every
timed command is a fresh process; its wall time is taken around ``Popen``/``os.wait4`` and its peak
memory is the ``ru_maxrss`` that ``wait4`` reports for that one child. Commands under comparison
run alternately (A B A B ...) and the median is reported. The per-stage split (read, validate,
aggregate, report) calls the library in a fresh child process (``STAGES_CODE``).

Only the standard library is used here, plus the project's own dependencies in the child commands
(pandas, python-calamine) and xlsxwriter (falls back to openpyxl) to write the workbook.
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


def school_rows(n: int):
    """n schools: the sample county's 319 schools repeated, one county copy after another."""
    header, rows, _ = load_template()
    i_id, i_town = header.index("学校代码"), header.index("乡镇（街道）")
    for k in range(n):
        county, j = divmod(k, len(rows))
        row = list(rows[j])
        row[i_id] = f"9{county:06d}{j:04d}"
        row[i_town] = county_town(county, row[i_town])
        yield row


def counties_for(n: int) -> int:
    _, rows, _ = load_template()
    return -(-n // len(rows))


def write_schools_csv(path: Path, n: int, bad: dict[int, int]) -> None:
    """UTF-8 with BOM and CRLF, as Excel's "CSV UTF-8"; rows in ``bad`` get corruption ``bad[k]``."""
    header, _, _ = load_template()
    cols = {h: header.index(h) for h, _, _ in CORRUPTIONS}
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(header)
        for k, row in enumerate(school_rows(n)):
            if k in bad:
                h, value, _ = CORRUPTIONS[bad[k]]
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


@dataclass
class Inputs:
    label: str
    n: int
    valid: Path
    invalid: Path
    population: Path
    bad: dict[int, int]


def _fresh(path: Path) -> bool:
    stamp = path.with_suffix(path.suffix + ".stamp")
    want = f"{GEN_VERSION} {TEMPLATE.stat().st_size}"
    return path.exists() and stamp.exists() and stamp.read_text() == want


def _stamp(path: Path) -> None:
    path.with_suffix(path.suffix + ".stamp").write_text(f"{GEN_VERSION} {TEMPLATE.stat().st_size}")


def generate(label: str, n: int) -> Inputs:
    OUT.mkdir(parents=True, exist_ok=True)
    inp = Inputs(label, n, OUT / f"schools-{label}.csv", OUT / f"schools-{label}-invalid.csv",
                 OUT / f"population-{label}.csv", bad_rows(n))
    for path, writer in ((inp.valid, lambda p: write_schools_csv(p, n, {})),
                         (inp.invalid, lambda p: write_schools_csv(p, n, inp.bad)),
                         (inp.population, lambda p: write_population_csv(p, counties_for(n)))):
        if not _fresh(path):
            t0 = time.perf_counter()
            writer(path)
            _stamp(path)
            log(f"  wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - t0:.1f} s)")
    return inp


def generate_xlsx(label: str, n: int) -> tuple[Path, Path]:
    path, pop = OUT / f"schools-{label}.xlsx", OUT / f"population-{label}.csv"
    if not _fresh(path):
        t0 = time.perf_counter()
        write_schools_xlsx(path, n)
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
    """Compile plancheck's modules to bytecode, as ``pip install`` does at install time.

    An editable install writes it on first import, unless PYTHONDONTWRITEBYTECODE is set (some sandboxes
    set it): then every run would compile the package from source (~40 ms here) and measure what no
    installed copy pays. Python still reads bytecode under that variable; it only does not write it."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("plancheck")
    if spec is None or not spec.submodule_search_locations:
        return
    folder = Path(list(spec.submodule_search_locations)[0])
    if not compileall.compile_dir(str(folder), quiet=1):
        log(f"note: could not compile {folder} to bytecode; plancheck runs compile it from source")


def py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def run_argv(schools: Path, population: Path, output: str = "/dev/null") -> list[str]:
    return plancheck_argv() + ["run", str(schools), "--table", f"population={population}", "--format", "json",
                               "--output", output]


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
        "for p in ('plancheck','pandas','pyarrow','numpy','python-calamine','pydantic','typer','rich'):\n"
        "    try: print(p, m.version(p))\n"
        "    except m.PackageNotFoundError: print(p, '-')"), capture_output=True, text=True).stdout.split("\n")
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram": ram, "python": platform.python_version(),
            "os": platform.platform(), "packages": ", ".join(v for v in versions if v)}


def verdict(ratio: float, bound: float) -> str:
    return "met" if ratio <= bound else "NOT met"


class Report:
    def __init__(self) -> None:
        self.timing: list[tuple] = []     # (case, command, median s, ratio, peak MB, mem ratio, exit codes)
        self.stage_rows: list[tuple] = []
        self.goals: list[tuple] = []      # (goal, bound, measured, verdict)

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
        lines += ["", "| goal (issue 5) | bound | measured | verdict |", "|---|---|---|---|"]
        lines += [f"| {g} | {b} | {m} | {v} |" for g, b, m, v in self.goals]
        return "\n".join(lines)


# ================================================================== the run
def bench_csv(inp: Inputs, runs: int, report: Report, largest: bool) -> None:
    log(f"[{inp.label}] CSV {inp.n} rows: plancheck run vs pandas.read_csv ({runs} runs, alternating)")
    json_out = OUT / f"result-{inp.label}-invalid.json"
    run_valid = Measure("plancheck run (valid)", run_argv(inp.valid, inp.population))
    pd_valid = Measure("pandas.read_csv (valid)", pandas_argv(inp.valid), warm=True)
    run_bad = Measure("plancheck run (0.1% bad)", run_argv(inp.invalid, inp.population, str(json_out)))
    pd_bad = Measure("pandas.read_csv (0.1% bad)", pandas_argv(inp.invalid), warm=True)
    alternate([run_valid, pd_valid, run_bad, pd_bad], runs)
    r_valid, m_valid = report.pair(f"{inp.label} CSV", run_valid, pd_valid)
    r_bad, _ = report.pair(f"{inp.label} CSV", run_bad, pd_bad)
    check = check_invalid(json_out, inp)
    tag = f"{inp.label}"
    report.goal(f"{tag} valid CSV: run exits 0/1 (not 2 or 3)", None, str(sorted(run_valid.codes)),
                run_valid.codes <= {0, 1})
    report.goal(f"{tag} valid CSV: plancheck run vs pandas.read_csv", 1.5, f"{r_valid:.2f}×", r_valid <= 1.5)
    report.goal(f"{tag} 0.1%-bad CSV: every bad row reported (count exact), exit 3", None,
                check["detail"] + f"; exit {sorted(run_bad.codes)}", check["ok"] and run_bad.codes == {3})
    report.goal(f"{tag} 0.1%-bad CSV: plancheck run vs pandas.read_csv", 1.5, f"{r_bad:.2f}×", r_bad <= 1.5)
    report.goal(f"{tag} peak memory vs pandas.read_csv", 1.5, f"{m_valid:.2f}× ({run_valid.rss:.0f} / "
                f"{pd_valid.rss:.0f} MB)", m_valid <= 1.5)
    if largest:
        for path in (inp.valid, inp.invalid):
            log(f"[{inp.label}] stage split of {path.name}")
            report.stage_rows.append((path.name, stages(path, inp.population)))


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
    t_start = time.perf_counter()
    report = Report()
    ensure_bytecode()
    log("generating inputs in bench/out/ (reused when up to date)")
    inputs = [generate(label, SIZES[label]) for label in labels]
    if not args.no_startup:
        bench_startup(args.runs, report)
    for inp in inputs:
        bench_csv(inp, args.runs, report, largest=inp.n == max(i.n for i in inputs) and inp.n >= 10_000)
    if not args.no_xlsx:
        bench_xlsx(args.xlsx.lower(), SIZES[args.xlsx.lower()], args.runs, report)
    text = report.markdown(machine(), args.runs)
    print(text)
    print(f"\ntotal benchmark time: {time.perf_counter() - t_start:.0f} s")
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
