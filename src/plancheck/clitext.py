"""The command line in the user's language: ``--help`` pages and click's usage errors in Chinese.

click (vendored by typer) writes its help and its errors in English, before plancheck sees any option.
:class:`PlancheckGroup`, the root command, picks the language from the command line and the environment
first (:func:`plancheck.i18n.command_line_lang`), then, for Chinese, gives every command and option its
Chinese help (:data:`HELP_ZH`, keyed by the English help text written in cli.py; a text not listed stays
English), the help and error panels their Chinese titles, ``Usage:`` as ``用法：``, and turns the common
usage errors into Chinese (:func:`plancheck.i18n.usage_error_zh`). The exit code of a usage error stays 2.

Imports nothing heavy (typer only): ``--help`` and usage errors stay fast.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any, Iterator, Optional, Sequence

from typer.core import TyperGroup

from . import i18n

try:  # typer >= 0.16 vendors click
    from typer import _click as click
except ImportError:  # pragma: no cover - older typer on click
    import click  # type: ignore[no-redef]

#: the help option's names on every command (``-h`` as well as ``--help``)
HELP_NAMES = ["--help", "-h"]

ROOT_HELP_ZH = ("plancheck — 按工作要点（计划文件）中的量化目标核查学校报送数据。\n\n"
                "退出码：0 全部达标 · 1 有目标未达标或无数据 · 2 命令写错（用法错误）· "
                "3 输入或输出被拒绝（文件、数据行、目标文件有误，或报告无法写出）。\n\n"
                "语言：默认中文；--lang en 或环境变量 PLANCHECK_LANG=en 改为英文。")

#: command path -> its help in Chinese
COMMAND_HELP_ZH = {
    "run": "按工作要点逐项核查全县目标（运行核查）。",
    "report": "生成会议用的达标情况汇总，例如 -o 汇报.md（生成报告）。",
    "validate": "报送前自查：列出全部问题，再列出本校未达到工作要点要求的项目（校验报送表）。\n\n"
                "退出码：0 校验通过 · 3 未通过 · 加 --strict 时，校验通过但学校未达到工作要点要求为 1。",
    "targets": "列出工作要点的全部目标及原文（列出目标）。",
    "template": "生成学校填报模板：表头、下拉选项、重点项目清单（生成填报模板）。",
    "plan": "编写和检查计划文件：检查计划文件，输出其 JSON Schema。",
    "plan check": "检查计划文件：每个错误都给出行:列、所在路径和“是不是想写”（检查计划文件）。",
    "plan schema": "输出计划文件的 JSON Schema，供编辑器补全和检查（输出计划文件的 JSON Schema）。",
}

#: English help text of an option or argument (as written in cli.py) -> Chinese
HELP_ZH = {
    "Show the version and exit.": "显示版本号并退出。",
    "Files (CSV/xlsx) or folders; each table is found by its headers or sheet name.":
        "文件（CSV/xlsx）或文件夹；每张表按表头或工作表名识别。",
    "A file said to hold the plan's table NAME (repeatable), e.g. --table population=人口.csv.":
        "指定一个文件为计划中名为 NAME 的表（可重复），例如 --table population=人口.csv。",
    "Plan file (default: plancheck.toml / pyproject.toml [tool.plancheck] from here upward, then $PLANCHECK_PLAN, "
    "else the bundled plan).":
        "计划文件（默认：从当前文件夹向上查找 plancheck.toml / pyproject.toml [tool.plancheck]，"
        "再看环境变量 $PLANCHECK_PLAN，否则用自带的计划）。",
    "The day milestones' due dates are judged against (default: today).": "判断重点项目是否到期所用的日期（默认：今天）。",
    "Language of messages and tables: zh (default) or en; also PLANCHECK_LANG.":
        "提示和表格的语言：zh（默认，中文）或 en（英文）；也可用环境变量 PLANCHECK_LANG。",
    "Language of messages and tables (zh default).": "提示和表格的语言（默认 zh，中文）。",
    "Write every problem to this CSV (opens in Excel).": "把全部问题写入此 CSV 文件（可用 Excel 打开）。",
    "Write the report to this file instead of the screen.": "把报告写入此文件，而不是显示在屏幕上。",
    "Official list of the county's schools: report every school that sent nothing.":
        "全县学校名册：列出名册中没有报送的每一所学校。",
    "Reporting term shown in reports, e.g. 秋季学期.": "报告中显示的报送学期，例如 秋季学期。",
    "Which statuses make the exit code 1: fail; no_data (fail or no data, default); never.":
        "哪些结果使退出码为 1：fail（未达标）；no_data（未达标或无数据，默认）；never（从不）。",
    "An earlier run's --format json output: show each target's change.":
        "上一次运行的 --format json 输出：显示每项目标的变化。",
    "Also compute every target per value of a column, e.g. town or school_type (repeatable).":
        "同时按某一列的每个值分别统计每项目标，例如 town（乡镇）或 school_type（学校类型）（可重复）。",
    "How problems are printed: table, or lines (file:row:column: … one per problem). "
    "Default: table on a terminal, lines elsewhere (CI logs, pipes, files); also PLANCHECK_PROBLEMS.":
        "问题清单的显示方式：table（表格），或 lines（每个问题一行：文件:行:列: …）。"
        "默认：在终端中用表格，其他情况（CI 日志、管道、文件）用 lines；也可用环境变量 PLANCHECK_PROBLEMS。",
    "Output format.": "输出格式。",
    "Output format (table or json).": "输出格式（table 或 json）。",
    "Report file; its suffix picks the format (.md, .html, .xml JUnit, .json).":
        "报告文件；按扩展名决定格式（.md、.html、.xml 即 JUnit、.json）。",
    "Exit code policy (default never: a report was written).": "退出码规则（默认 never：报告已写出即为 0）。",
    "Exit 1 when a school falls short of its own obligations.": "学校未达到工作要点对本校的要求时，退出码为 1。",
    "Workbook to write (default plancheck-template.xlsx).": "要写出的工作簿（默认 plancheck-template.xlsx）。",
    "Also (or only) write the three CSV templates here.": "（同时或只）在此文件夹中写出三个 CSV 模板。",
    "The plan file (YAML) to check.": "要检查的计划文件（YAML）。",
}

#: our own usage errors (raised with typer.BadParameter in cli.py), in Chinese
OWN_ERRORS_ZH = [
    (r"^(?:Invalid value for (.+?): )?cannot tell the format from “(.*)”; use \.md, \.html, \.xml or \.json$",
     lambda m: f"{m[1] + ' 的值无效：' if m[1] else ''}无法从扩展名“{m[2]}”判断报告格式；请用 .md、.html、.xml 或 .json。"),
    (r"^(?:Invalid value for (.+?): )?expected NAME=FILE, e\.g\. population=人口\.csv; got (.*)$",
     lambda m: f"{m[1] + ' 的值无效：' if m[1] else ''}应写成 表名=文件，例如 population=人口.csv；实际是 {m[2]}"),
    (r"^(?:Invalid value for (.+?): )?expected a date as YYYY-MM-DD, got (.*)$",
     lambda m: f"{m[1] + ' 的值无效：' if m[1] else ''}日期应写成 YYYY-MM-DD（如 2022-12-31），实际是 {m[2]}"),
]


class _ZhFormatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: Optional[str] = None) -> None:
        super().write_usage(prog, args, i18n.USAGE_ZH if prefix is None else prefix)


class _ZhContext(click.Context):
    formatter_class = _ZhFormatter


def _commands(group: click.Command, path: str = "") -> Iterator[tuple[str, click.Command]]:
    """(path, command) of ``group`` and every command under it, e.g. ("plan check", …)."""
    yield path, group
    for name, cmd in (getattr(group, "commands", None) or {}).items():
        yield from _commands(cmd, f"{path} {name}".strip())


def localise(root: click.Command, lang: str) -> None:
    """Put the help of ``root`` (a fresh command tree, built for this call) into ``lang``."""
    if lang != "zh":
        return
    for path, cmd in _commands(root):
        cmd.context_class = _ZhContext
        if not path:
            cmd.help = ROOT_HELP_ZH
        elif path in COMMAND_HELP_ZH:
            cmd.help = COMMAND_HELP_ZH[path]
            cmd.short_help = None
        for param in cmd.params:
            text = getattr(param, "help", None)
            if text and text in HELP_ZH:
                param.help = HELP_ZH[text]
        ctx = click.Context(cmd, info_name=path or "plancheck", help_option_names=HELP_NAMES)
        option = cmd.get_help_option(ctx)  # made once per command and kept: give it its Chinese help
        if option is not None:
            option.help = i18n.HELP_OPTION_ZH


def usage_error_zh(message: str) -> str:
    import re

    for pattern, zh in OWN_ERRORS_ZH:
        m = re.match(pattern, message, re.S)
        if m:
            return zh(m)
    return i18n.usage_error_zh(message)


class PlancheckGroup(TyperGroup):
    """The root command: decides the language of help and usage errors before click parses anything."""

    lang = i18n.DEFAULT

    def main(self, args: Optional[Sequence[str]] = None, *rest: Any, **kwargs: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        self.lang = i18n.command_line_lang(argv)
        localise(self, self.lang)
        words = argv[:argv.index("--")] if "--" in argv else argv
        if not argv or any(a in HELP_NAMES for a in words):  # help is printed by typer.rich_utils: its titles
            i18n.rich_texts(self.lang)
        return super().main(args, *rest, **kwargs)

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except click.exceptions.UsageError as exc:
            i18n.rich_texts(self.lang)  # the error (or a group's help) is printed by typer.rich_utils
            if self.lang != "zh" or type(exc).__name__ == "NoArgsIsHelpError":
                raise
            zh = click.exceptions.UsageError(usage_error_zh(exc.format_message()), ctx=exc.ctx)
            zh.exit_code = exc.exit_code
            raise zh from None

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with self._translated():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with self._translated():
            return super().invoke(ctx)
