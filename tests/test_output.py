"""Issue 11: every file plancheck writes appears whole or not at all (plancheck.output).

Fault injection: a writer process killed with SIGKILL at random moments, and two writers at once
to the same path, while the file is read; then a write that fails (full disk, permission) through
each of the program's writers: the old file survives, no temporary file is left, and the message
names the file.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from plancheck import output, runner

#: A child that rewrites PATH with a complete JSON document (a few MB, ending in "end": true) forever.
WRITER = r"""
import json, sys
from plancheck.output import write_text
path, tag = sys.argv[1], sys.argv[2]
rows = [{"school_id": f"{k:010d}", "name": "学校" * 8, "students": k} for k in range(40000)]
body = json.dumps({"rows": rows, "end": True}, ensure_ascii=False)[1:]
i = 0
while True:  # (all its time in writing: the document is made once)
    write_text(path, '{"tag": "%s", "i": %d, ' % (tag, i) + body)
    if i == 0:
        print("ready", flush=True)  # one whole file written: from now on every kill lands mid-write or between
    i += 1
"""

OLD = {"tag": "old", "i": -1, "rows": [], "end": True}


def _whole(path: Path) -> dict:
    """The document at ``path``, which must parse fully and be one a writer wrote whole."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["end"] is True
    assert doc["tag"] == "old" or len(doc["rows"]) == 40000, doc["tag"]
    return doc


def _writer(path: Path, tag: str, ready: bool = False) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag], stdout=subprocess.PIPE)
    if ready:
        assert proc.stdout.readline() == b"ready\n"  # (however loaded the machine, its first write is done)
    return proc


def _leftovers(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != name)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_a_writer_killed_at_random_moments_leaves_the_old_file_or_a_whole_new_one(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    out.write_text(json.dumps(OLD), encoding="utf-8")
    rng = random.Random(11)
    tags = set()
    for attempt in range(8):
        proc = _writer(out, f"w{attempt}", ready=True)
        time.sleep(rng.uniform(0, 0.1))   # the writer rewrites the file every few ms: a kill lands mid-write
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
        tags.add(_whole(out)["tag"])
    assert tags - {"old"}
    # what a kill can leave behind is its own temporary file, never a damaged out.json
    assert all(n.startswith(".out.json.") and n.endswith(".tmp") for n in _leftovers(tmp_path, "out.json"))


def test_two_writers_at_once_leave_one_whole_file(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    out.write_text(json.dumps(OLD), encoding="utf-8")
    procs = [_writer(out, "a"), _writer(out, "b")]
    seen = set()
    try:
        for proc in procs:
            assert proc.stdout.readline() == b"ready\n"
        stop = time.monotonic() + 0.8
        while time.monotonic() < stop:
            seen.add(_whole(out)["tag"])  # a reader during the writes sees only whole files
            time.sleep(0.005)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(timeout=10)
            proc.stdout.close()
    seen.add(_whole(out)["tag"])
    assert seen & {"a", "b"}


def test_write_text_replaces_and_keeps_the_permissions(tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    out.write_text("old", encoding="utf-8")
    os.chmod(out, 0o640)
    output.write_text(out, "新的")
    assert out.read_text(encoding="utf-8") == "新的"
    if os.name == "posix":
        assert (out.stat().st_mode & 0o777) == 0o640
    assert _leftovers(tmp_path, "r.md") == []


def test_a_symlink_keeps_pointing_at_the_new_file(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    try:
        link.symlink_to(real)
    except OSError:
        pytest.skip("no symlinks here")
    output.write_text(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"


def test_a_device_is_written_in_place(tmp_path: Path) -> None:
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null")
    output.write_text("/dev/null", "x")  # never replaced by a regular file, whoever runs it
    assert not Path("/dev/null").is_file()


# ------------------------------------------------------------ a failed write: old file kept, file named

def _full_disk(monkeypatch) -> None:
    def fsync(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output.os, "fsync", fsync)


def _replace_refused(monkeypatch) -> None:
    def replace(src, dst):  # e.g. Windows, where Excel holds the old file open
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(output.os, "replace", replace)


def _run_targets(out: Path) -> int:
    return runner.execute_targets(None, "json", "en", out)


def _run_errors_csv(out: Path) -> int:
    @runner.guarded
    def go(lang: str = "en") -> int:  # guarded speaks the command's language (Chinese by default)
        runner.write_problems_csv([], out, lang)
        return 0

    return go()


def _run_template(out: Path) -> int:
    return runner.execute_template(out, None, None, "en")


@pytest.mark.parametrize("fault", [_full_disk, _replace_refused], ids=["disk_full", "permission"])
@pytest.mark.parametrize(("name", "command"), [("report.json", _run_targets), ("problems.csv", _run_errors_csv),
                                               ("模板.xlsx", _run_template)])
def test_a_failed_write_names_the_file_and_keeps_the_old_one(tmp_path: Path, monkeypatch, capsys,
                                                            fault, name, command) -> None:
    out = tmp_path / name
    out.write_bytes(b"the old file")
    fault(monkeypatch)
    assert command(out) == runner.EXIT_INPUT
    err = "".join(capsys.readouterr().err.split())  # (rich wraps long lines; the message may be in Chinese)
    assert str(out).replace(" ", "") in err, err
    reasons = ("Nospaceleft", "磁盘已满") if fault is _full_disk else ("ermission", "权限")
    assert any(r in err for r in reasons), err
    assert "Traceback" not in err
    assert out.read_bytes() == b"the old file"
    assert _leftovers(tmp_path, name) == []


def test_the_csv_templates_are_written_whole(tmp_path: Path, monkeypatch, capsys) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "学校.csv").write_bytes(b"old")
    _full_disk(monkeypatch)
    assert runner.execute_template(None, folder, None) == runner.EXIT_INPUT
    assert "学校.csv" in capsys.readouterr().err
    assert (folder / "学校.csv").read_bytes() == b"old"
    assert _leftovers(folder, "学校.csv") == []


def test_write_pieces_writes_in_order_and_raises_a_failed_write_in_the_caller(tmp_path: Path, monkeypatch) -> None:
    from plancheck.output import _Syncing, write_pieces

    monkeypatch.setattr(_Syncing, "SYNC_EVERY", 10)    # (the disk's writing started along the way too)
    out = tmp_path / "r.bin"
    with open(out, "wb") as fh:
        write_pieces(fh, (b"%d," % i * 7 for i in range(500)))
    assert out.read_bytes() == b"".join(b"%d," % i * 7 for i in range(500))

    made = []

    def pieces():
        for i in range(100):
            made.append(i)
            yield b"x" * 1000

    class Full:
        def __init__(self):
            self.written = 0

        def write(self, piece):
            if self.written >= 3:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.written += 1

        def fileno(self):
            raise OSError("no descriptor")

    with pytest.raises(OSError) as info:
        write_pieces(Full(), pieces())
    assert info.value.errno == errno.ENOSPC
    assert len(made) < 100                              # no more pieces made once a write failed

    def broken():
        yield b"a"
        raise ValueError("bad piece")

    got = []

    class Keep:
        def write(self, piece):
            got.append(piece)

    with pytest.raises(ValueError):
        write_pieces(Keep(), broken())
    assert got == [b"a"]                                 # what was made is written, then the error is raised
