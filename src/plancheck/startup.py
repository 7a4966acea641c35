"""How the ``plancheck`` command starts and ends without spending its time on the interpreter.

Two costs that a county-size run pays and that are not work (measured in bench/README.md):

* the cyclic garbage collector runs again and again while pandas, pyarrow, pydantic and typer
  are imported, scanning objects that live until the process ends (~40 ms);
* interpreter teardown frees every module and object one by one at exit (~100 ms after pandas).

So the console command pauses the collector until its imports are done (then freezes what was
imported, so later collections do not scan it, and resumes it), and ends with ``os._exit`` once
standard output and standard error are flushed. Output files are written and closed by the
commands before they return, so nothing is lost. The library API never does either: only
``cli.main`` calls :func:`pause_gc` and :func:`exit_now`.
"""

from __future__ import annotations

import gc
import os
import sys

_paused = False


def pause_gc() -> None:
    """Stop the cyclic collector until :func:`imports_done` (no-op if it is already disabled)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def imports_done() -> None:
    """Resume the collector paused by :func:`pause_gc`, freezing the imported objects first."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def exit_code_of(exc: SystemExit) -> int:
    """The process exit status ``SystemExit`` would give (``None`` → 0, a message → printed, 1)."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def exit_now(code: int) -> None:
    """Flush standard streams and leave without interpreter teardown."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with the stream closed
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said on it
            pass
    os._exit(code)
