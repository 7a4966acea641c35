"""The language of everything plancheck says: ``--lang zh|en``, else ``$PLANCHECK_LANG``, else Chinese.

Also what click (vendored by typer) says in English — ``--help`` pages and usage errors — put into
Chinese when the language is ``zh``. ``--help`` and usage errors come before the options are parsed,
so their language is read from the command line itself (:func:`argv_lang`: a ``--lang`` among the
arguments), else from ``$PLANCHECK_LANG``.

Imports nothing heavy: the console command's ``--help`` and usage errors stay fast.
"""

from __future__ import annotations

import os
import re
from typing import Mapping, Optional, Sequence

LANGS = ("zh", "en")
DEFAULT = "zh"
ENV = "PLANCHECK_LANG"


def normalise(value: Optional[str]) -> Optional[str]:
    """``zh``/``en`` from a language setting (``zh_CN.UTF-8``, ``EN``, ``en-GB`` too); None if neither."""
    text = (value or "").strip().lower()
    for lang in LANGS:
        if text == lang or text.startswith((lang + "_", lang + "-", lang + ".")):
            return lang
    return None


def env_lang(environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The language ``$PLANCHECK_LANG`` asks for, or None (unset or neither zh nor en: ignored)."""
    return normalise((os.environ if environ is None else environ).get(ENV))


def default_lang(environ: Optional[Mapping[str, str]] = None) -> str:
    """The language when ``--lang`` is not given: ``$PLANCHECK_LANG``, else Chinese."""
    return env_lang(environ) or DEFAULT


def argv_lang(argv: Sequence[str]) -> Optional[str]:
    """The valid ``--lang X`` / ``--lang=X`` on a command line (the last one wins, as click's does)."""
    found = None
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            found = normalise(args[i + 1]) or found
        elif arg.startswith("--lang="):
            found = normalise(arg.split("=", 1)[1]) or found
    return found


def command_line_lang(argv: Sequence[str], environ: Optional[Mapping[str, str]] = None) -> str:
    """The language of ``--help`` and usage errors, decided before click parses ``argv``."""
    return argv_lang(argv) or default_lang(environ)


# ------------------------------------------------------------------ click's texts in Chinese

#: typer.rich_utils module constants (read when help or an error is printed) -> Chinese
RICH_TEXTS_ZH = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEPRECATED_STRING": "（已弃用）",
    "ABORTED_TEXT": "已中止。",
    "RICH_HELP": "用 [blue]'{command_path} {help_option}'[/] 查看帮助。",
}
_rich_en: dict[str, str] = {}

HELP_OPTION_ZH = "显示本帮助并退出。"
HELP_OPTION_EN = "Show this message and exit."
USAGE_ZH = "用法："


def rich_texts(lang: str) -> None:
    """Set typer's help and error panel texts to ``lang`` (they are module constants, read at use).

    Only when they are about to be used: importing ``typer.rich_utils`` costs a run ~0.1 s."""
    import sys

    if lang != "zh" and "typer.rich_utils" not in sys.modules:
        return  # never imported, so never changed: nothing to put back
    from typer import rich_utils

    if not _rich_en:
        _rich_en.update({k: getattr(rich_utils, k) for k in RICH_TEXTS_ZH if hasattr(rich_utils, k)})
    for name, en in _rich_en.items():
        setattr(rich_utils, name, RICH_TEXTS_ZH[name] if lang == "zh" else en)


def _choices(text: str) -> str:
    return "、".join(x.strip() for x in text.split(","))


def _option_names(text: str) -> str:
    return " / ".join(x.strip() for x in text.split(" / "))


#: (English message of click/typer, its Chinese) — the common usage errors; others stay English
_INNER = [
    (re.compile(r"^(?:Value error, )?'(.*)' is not one of (.+)\.$", re.S),
     lambda m: f"“{m[1]}”不是可选值之一，可选：{_choices(m[2])}。"),
    (re.compile(r"^(?:Value error, )?'(.*)' is not a valid integer( range)?\.$", re.S),
     lambda m: f"“{m[1]}”不是整数。"),
    (re.compile(r"^(?:Value error, )?(.*)$", re.S), lambda m: m[1]),
]
_USAGE = [
    (re.compile(r"^Missing argument (.+)\.$", re.S), lambda m: f"缺少参数 {m[1]}。"),
    (re.compile(r"^Missing option (.+?)\.(?: (.*))?$", re.S),
     lambda m: f"缺少选项 {_option_names(m[1])}。" + (f" {_inner(m[2])}" if m[2] else "")),
    (re.compile(r"^Missing parameter(?::)? ?(.*?)\.?$", re.S), lambda m: f"缺少参数 {m[1]}。"),
    (re.compile(r"^Missing command\.$"), lambda m: "缺少命令（run、report、validate、template、targets 等）。"),
    (re.compile(r"^No such command '(.+?)'\.(?: Did you mean (.+)\?)?$", re.S),
     lambda m: f"没有“{m[1]}”这个命令。" + (f"是不是要用 {_choices(m[2])}？" if m[2] else "")),
    (re.compile(r"^No such option: (\S+)(?: Did you mean (.+)\?)?(?: \(Possible options: (.+)\))?$", re.S),
     lambda m: f"没有 {m[1]} 这个选项。" + (f"是不是要用 {m[2]}？" if m[2] else "")
     + (f"（可能的选项：{_choices(m[3])}）" if m[3] else "")),
    (re.compile(r"^Option '(.+)' requires an argument\.$"), lambda m: f"选项 {m[1]} 后面需要一个值。"),
    (re.compile(r"^Option '(.+)' requires (\d+) arguments\.$"), lambda m: f"选项 {m[1]} 后面需要 {m[2]} 个值。"),
    (re.compile(r"^Option '(.+)' does not take a value\.$"), lambda m: f"选项 {m[1]} 不接受值。"),
    (re.compile(r"^Got unexpected extra arguments? ?\((.+)\)$", re.S), lambda m: f"多余的参数：{m[1]}"),
    (re.compile(r"^Invalid value for (.+?): (.*)$", re.S), lambda m: f"{_option_names(m[1])} 的值无效：{_inner(m[2])}"),
    (re.compile(r"^Invalid value: (.*)$", re.S), lambda m: f"值无效：{_inner(m[1])}"),
]


def _translated(table: list, text: str) -> str:
    """``text`` in Chinese by the first pattern of ``table`` it matches (``text`` itself when none does)."""
    for pattern, zh in table:
        m = pattern.match(text)
        if m:
            return zh(m)
    return text


def _inner(text: str) -> str:
    return _translated(_INNER, text)


def usage_error_zh(message: str) -> str:
    """A click usage error's message in Chinese (the message itself when it is not a known one)."""
    return _translated(_USAGE, message)
