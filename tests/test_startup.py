"""Fast start (issue 5): commands that do no data work must not import pandas.

Each command runs in a fresh interpreter (``sys.modules`` of the test process is
full of pandas already). The child records the import stack the moment pandas is
first looked up, so a failure names the module chain that pulled it in.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CHILD = r"""
import json, sys, traceback

chain = []

class Spy:
    def find_spec(self, name, path=None, target=None):
        if name == "pandas" and not chain:
            chain.extend(line.strip() for line in traceback.format_stack()[:-1]
                         if "<frozen importlib" not in line)
        return None

sys.meta_path.insert(0, Spy())
sys.argv = ["plancheck", *json.loads(sys.argv[1])]
import plancheck.startup
def leave(code):  # the real one skips interpreter teardown (os._exit); this child must report first
    raise SystemExit(code)
plancheck.startup.exit_now = leave
from plancheck.cli import main
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
sys.stdout.flush()
sys.stderr.write("\n@@RESULT@@" + json.dumps({"code": code, "pandas": "pandas" in sys.modules,
                                               "chain": chain}) + "\n")
"""


def run_cli(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(args)], capture_output=True, text=True,
                          encoding="utf-8", timeout=120)
    marker = [line for line in proc.stderr.splitlines() if line.startswith("@@RESULT@@")]
    assert marker, f"child crashed (exit {proc.returncode}):\n{proc.stderr[-2000:]}"
    result = json.loads(marker[-1][len("@@RESULT@@"):])
    result["stdout"] = proc.stdout
    return result


@pytest.mark.parametrize(("args", "expected_code"), [
    (["--help"], 0),
    (["targets"], 0),
    (["targets", "--format", "json"], 0),
    (["run"], 2),                     # usage error: the PATH argument is missing
    (["run", "--format", "nope", "x.csv"], 2),
])
def test_no_pandas_import(args: list[str], expected_code: int) -> None:
    result = run_cli(args)
    assert result["code"] == expected_code, result
    assert not result["pandas"], "pandas was imported by `plancheck {}`; import chain:\n{}".format(
        " ".join(args), "\n".join(result["chain"][-16:]))


def test_targets_json_is_complete_without_pandas() -> None:
    """The fast path still produces the real listing, not an empty document."""
    result = run_cli(["targets", "--format", "json"])
    doc = json.loads(result["stdout"])
    json.dumps(doc, ensure_ascii=False)
    assert len(doc["targets"]) >= 13 and "sections" in doc
    assert not result["pandas"]


# ------------------------------------------------------------ the console command's own start and exit

ENTRY = "import sys; from plancheck.cli import main; sys.argv[0] = 'plancheck'; main()"
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "county-2021-autumn.xlsx"


def entry(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", ENTRY, *args], capture_output=True, timeout=120)


def test_entry_flushes_everything_before_its_fast_exit() -> None:
    """main() ends with os._exit: a large report piped to stdout must still arrive whole, with the exit code."""
    proc = entry("run", str(SAMPLE), "--format", "json", "--by", "town", "--by", "school_type")
    assert proc.returncode == 1  # the sample county fails some targets by design
    assert len(proc.stdout) > 100_000
    doc = json.loads(proc.stdout.decode("utf-8"))
    assert {t["status"] for t in doc["targets"]} >= {"pass", "fail"}
    assert proc.stderr.decode("utf-8").strip()  # the row counts on stderr arrived too


@pytest.mark.parametrize(("args", "code"), [(["--version"], 0), (["run"], 2), (["targets", "--lang", "xx"], 2)])
def test_entry_exit_codes(args: list[str], code: int) -> None:
    assert entry(*args).returncode == code


def test_gc_pause_is_restored_and_never_forced_on() -> None:
    import gc

    from plancheck import startup

    assert gc.isenabled()
    startup.pause_gc()
    assert not gc.isenabled()
    startup.imports_done()
    assert gc.isenabled()
    startup.imports_done()  # a second call changes nothing
    assert gc.isenabled()
    gc.disable()  # a library user who turned the collector off keeps it off
    try:
        startup.pause_gc()
        startup.imports_done()
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


@pytest.mark.parametrize(("code", "status"), [(None, 0), (0, 0), (2, 2), ("bad things", 1)])
def test_exit_code_of(code, status, capsys) -> None:
    from plancheck.startup import exit_code_of

    assert exit_code_of(SystemExit(code)) == status
    if isinstance(code, str):
        assert "bad things" in capsys.readouterr().err


def test_closed_standard_output_is_a_message_not_a_traceback() -> None:
    """`plancheck run … -f json >&-`: exit 3 with a message saying where to write instead."""
    import shlex

    cmd = " ".join(shlex.quote(a) for a in [sys.executable, "-c", ENTRY, "run", str(SAMPLE), "--format", "json",
                                            "--lang", "en"])
    proc = subprocess.run(["bash", "-c", cmd + " >&-"], capture_output=True, timeout=120)
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == 3, err
    assert "standard output is closed" in err and "Traceback" not in err
