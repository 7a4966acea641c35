"""Issue 12: Chinese everywhere in Chinese mode (the default) — the --errors-out CSV, "output rejected",
click's usage errors and every --help text — with the language from --lang, else $PLANCHECK_LANG (honoured
by plancheck itself), and ``-h`` as ``--help``."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plancheck import i18n
from plancheck.cli import app
from plancheck.clitext import COMMAND_HELP_ZH, HELP_ZH, PlancheckGroup, usage_error_zh
from plancheck.runner import RunOptions

CJK = re.compile(r"[\u4e00-\u9fff]")
PLANCHECK = shutil.which("plancheck", path=str(Path(sys.executable).parent))


@pytest.fixture(autouse=True)
def _no_lang_in_env(monkeypatch):
    monkeypatch.delenv("PLANCHECK_LANG", raising=False)


def invoke(*args, env=None):
    r = CliRunner(env={"COLUMNS": "200", **(env or {})}).invoke(app, [str(a) for a in args], prog_name="plancheck")
    assert "Traceback" not in r.output
    return r


# ------------------------------------------------------------------ choosing the language


def test_language_from_argv_then_environment():
    assert i18n.argv_lang(["run", "x.csv", "--lang", "en"]) == "en"
    assert i18n.argv_lang(["run", "--lang=en", "--lang", "zh"]) == "zh"   # the last one wins
    assert i18n.argv_lang(["run", "--lang", "xx"]) is None                # not a language: ignored here
    assert i18n.argv_lang(["run", "--", "--lang", "en"]) is None
    assert i18n.command_line_lang(["run"], {"PLANCHECK_LANG": "en"}) == "en"
    assert i18n.command_line_lang(["run", "--lang", "zh"], {"PLANCHECK_LANG": "en"}) == "zh"
    assert i18n.command_line_lang([], {}) == "zh"
    assert i18n.default_lang({"PLANCHECK_LANG": "en_US.UTF-8"}) == "en"
    assert i18n.default_lang({"PLANCHECK_LANG": "fr"}) == "zh"             # neither zh nor en: ignored


def test_library_default_language_follows_the_environment(monkeypatch):
    default = RunOptions.__dataclass_fields__["lang"].default_factory   # RunOptions(...).lang when not given
    assert default() == "zh"
    monkeypatch.setenv("PLANCHECK_LANG", "en")
    assert default() == "en"


def test_plancheck_lang_env_is_honoured_by_the_program(bad_csv, monkeypatch):
    monkeypatch.setenv("PLANCHECK_LANG", "en")
    r = invoke("validate", bad_csv, "--problems", "lines")
    assert r.exit_code == 3
    assert "error not_integer Not a whole number" in r.stdout and "错误" not in r.stdout
    r = invoke("validate", bad_csv, "--problems", "lines", "--lang", "zh")   # the option wins
    assert "错误 not_integer 不是整数" in r.stdout


# ------------------------------------------------------------------ --errors-out


def test_errors_out_in_chinese_by_default_and_english_with_lang_en(bad_csv, tmp_path):
    out = tmp_path / "问题清单.csv"
    assert invoke("validate", bad_csv, "--errors-out", out).exit_code == 3
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["严重程度", "代码", "文件", "工作表", "行", "列", "单元格", "值", "说明"]
    assert {r[0] for r in rows[1:]} <= {"错误", "警告", "提示"} and "错误" in {r[0] for r in rows[1:]}
    assert any(r[1] == "not_integer" and r[4] == "2" and r[8].startswith("不是整数") for r in rows[1:])
    assert invoke("validate", bad_csv, "--errors-out", out, "--lang", "en").exit_code == 3
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["severity", "code", "file", "sheet", "row", "column", "cell", "value", "message"]
    assert "error" in {r[0] for r in rows[1:]}


# ------------------------------------------------------------------ output rejected


def test_output_rejected_message_in_the_chosen_language(bad_csv, tmp_path):
    target = tmp_path / "没有这个文件夹" / "r.json"
    r = invoke("run", bad_csv, "-o", target)
    assert r.exit_code == 3
    err = "".join(r.stderr.split())
    assert "输出被拒绝：无法写出" in err and "不存在" in err and "output rejected" not in r.stderr
    r = invoke("run", bad_csv, "-o", target, "--lang", "en")
    err = " ".join(r.stderr.split())
    assert "output rejected: cannot write" in err and "does not exist" in err and "无法写出" not in err
    r = invoke("template", "--csv", bad_csv, env={"PLANCHECK_LANG": "en"})
    assert r.exit_code == 3 and "it is a file, not a folder" in r.stderr


# ------------------------------------------------------------------ usage errors


@pytest.mark.parametrize(("args", "zh"), [
    (["run"], "缺少参数"),
    (["run", "x.csv", "--lang", "xx"], "不是可选值之一"),
    (["run", "x.csv", "--format", "pdf"], "不是可选值之一"),
    (["targets", "--format", "junit"], "“junit”不是可选值之一，可选：'table'、'json'"),
    (["runn"], "没有“runn”这个命令。是不是要用 'run'"),
    (["run", "x.csv", "--nope"], "没有 --nope 这个选项"),
    (["run", "x.csv", "-f"], "需要一个值"),
    (["targets", "extra"], "多余的参数"),
    (["report", "x.csv"], "缺少选项 '--output' / '-o'"),
    (["report", "x.csv", "-o", "a.doc"], "无法从扩展名“.doc”判断报告格式"),
])
def test_usage_errors_in_chinese_exit_2(args, zh):
    r = invoke(*args)
    assert r.exit_code == 2, r.output
    assert zh in r.stderr, r.stderr
    assert "错误" in r.stderr
    assert "用法：plancheck" in r.stderr or args[-1] == "-f"   # click gives no usage line for that one
    assert "Invalid value" not in r.stderr and "Missing" not in r.stderr and "No such" not in r.stderr


def test_usage_errors_in_english_when_asked():
    r = invoke("run", "x.csv", "--lang", "en", "--format", "pdf")
    assert r.exit_code == 2 and "Invalid value for '--format'" in r.stderr and "Usage:" in r.stderr
    r = invoke("run", env={"PLANCHECK_LANG": "en"})
    assert r.exit_code == 2 and "Missing argument" in r.stderr


def test_unknown_messages_stay_as_they_are():
    assert usage_error_zh("Something new from click.") == "Something new from click."


# ------------------------------------------------------------------ --help and -h


def _all_commands(group, path=""):
    yield path, group
    for name, cmd in (getattr(group, "commands", None) or {}).items():
        yield from _all_commands(cmd, f"{path} {name}".strip())


def test_every_help_text_has_its_chinese():
    from typer.main import get_command

    root = get_command(app)
    assert isinstance(root, PlancheckGroup)
    for path, cmd in _all_commands(root):
        if path:
            assert path in COMMAND_HELP_ZH, f"no Chinese help for command {path!r}"
        for param in cmd.params:
            if getattr(param, "help", None):
                assert param.help in HELP_ZH, f"{path or 'plancheck'} {param.name}: no Chinese for {param.help!r}"
                assert CJK.search(HELP_ZH[param.help])


@pytest.mark.parametrize("command", ["", "run", "report", "validate", "targets", "template"])
def test_help_is_chinese_by_default_and_h_is_help(command):
    args = [command] if command else []
    long = invoke(*args, "--help")
    short = invoke(*args, "-h")
    assert long.exit_code == short.exit_code == 0
    assert long.stdout == short.stdout
    text = long.stdout
    assert "用法：plancheck" in text and "选项" in text and "显示本帮助并退出。" in text
    assert "Show this message" not in text and "Usage:" not in text
    if command == "run":
        assert "提示和表格的语言" in text and "输出格式" in text and "[默认：table]" in text


@pytest.mark.parametrize("how", [["--lang", "en"], ["--lang=en"], "env"])
def test_help_in_english_from_lang_in_argv_or_environment(how):
    if how == "env":
        r = invoke("run", "-h", env={"PLANCHECK_LANG": "en"})
    else:
        r = invoke("run", *how, "-h")
    assert r.exit_code == 0
    assert "Usage:" in r.stdout and "Language of messages and tables" in r.stdout and "用法" not in r.stdout


def test_help_language_does_not_stick_between_calls():
    assert "Usage:" in invoke("run", "-h", "--lang", "en").stdout
    assert "用法：" in invoke("run", "-h").stdout
    assert "Usage:" in invoke("run", "-h", "--lang", "en").stdout


@pytest.mark.skipif(PLANCHECK is None, reason="the plancheck console script is not installed beside this python")
def test_console_script_speaks_chinese_and_english():
    env = {k: v for k, v in os.environ.items() if k != "PLANCHECK_LANG"}
    env["COLUMNS"] = "200"
    proc = subprocess.run([PLANCHECK, "run"], capture_output=True, text=True, encoding="utf-8", timeout=120, env=env)
    assert proc.returncode == 2 and "缺少参数" in proc.stderr and "用法：plancheck run" in proc.stderr
    proc = subprocess.run([PLANCHECK, "-h"], capture_output=True, text=True, encoding="utf-8", timeout=120, env=env)
    assert proc.returncode == 0 and "显示本帮助并退出" in proc.stdout
    env["PLANCHECK_LANG"] = "en"
    proc = subprocess.run([PLANCHECK, "run", "--format", "pdf", "x.csv"], capture_output=True, text=True,
                          encoding="utf-8", timeout=120, env=env)
    assert proc.returncode == 2 and "Invalid value for '--format'" in proc.stderr
