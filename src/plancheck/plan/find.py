"""Which plan file a run checks against, and why.

In order: the file given on the command line (``--targets``/``--plan``); the ``PLANCHECK_PLAN``
environment variable; the first ``plancheck.toml`` (``plan = "…"``) or ``pyproject.toml``
(``[tool.plancheck] plan = "…"``) found from the working directory upward, as ruff and pytest
find their settings (a relative path there is relative to that file's folder); else the plan
bundled with plancheck. Every run names the file it used and its SHA-256.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from ..startup import early_digest, file_version, hashed_early
from .targets import TargetsError, TargetsProblem, default_targets_path

ENV = "PLANCHECK_PLAN"
CONFIG_FILES = ("plancheck.toml", "pyproject.toml")


@dataclass(frozen=True)
class FoundPlan:
    path: Path
    why: str          # "--targets", "$PLANCHECK_PLAN", "plancheck.toml: /x/plancheck.toml", "bundled"
    sha256: str


def _toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _from_config(config: Path) -> Optional[str]:
    """The plan a config file names (None: it names none); a malformed file is an error naming it."""
    try:
        data = _toml(config)
    except (OSError, ValueError) as exc:
        raise TargetsError(str(config), [TargetsProblem(None, None, "", f"cannot read {config.name}: {exc}",
                                                        file=str(config))]) from None
    section = data.get("tool", {}).get("plancheck", {}) if config.name == "pyproject.toml" else data
    value = section.get("plan") if isinstance(section, dict) else None
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise TargetsError(str(config), [TargetsProblem(None, None, "plan", "plan must be the path of a plan file "
                                                                            "(text)", file=str(config))])
    return value


def find_config(start: Path) -> Optional[tuple[Path, str]]:
    """The first config file naming a plan, from ``start`` upward: (its path, the plan it names)."""
    folder = start.resolve()
    for here in (folder, *folder.parents):
        for name in CONFIG_FILES:
            config = here / name
            if config.is_file():
                value = _from_config(config)
                if value is not None:
                    return config, value
    return None


#: SHA-256 digests started ahead (:func:`hash_ahead`), by (absolute path, size, modification time)
_ahead: dict[tuple[str, int, int], Future] = {}


def hash_ahead(path: Path) -> None:
    """Start computing the SHA-256 of ``path`` in a thread (hashlib and file reads hold no GIL: it takes a
    core the caller leaves idle); :func:`sha256_of` takes the result if the file has not changed since. A file
    read early (startup.read_early) is hashed there already."""
    key = file_version(path)
    if key is None or key in _ahead or hashed_early(path):
        return
    digest: Future = Future()

    def work() -> None:
        try:
            digest.set_result(_sha256_file(path))
        except OSError as exc:
            digest.set_exception(exc)

    _ahead[key] = digest
    threading.Thread(target=work, name="plancheck-sha256", daemon=True).start()


def drop_ahead() -> None:
    """Forget the digests started ahead and not taken (a run that ended before its report)."""
    _ahead.clear()


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file (the plan a run used; each input a report names)."""
    early = early_digest(path)   # (an input hashed as it was read, while the command started)
    if early is not None:
        return early
    key = file_version(path)
    started = None
    for version in [v for v in _ahead if key is not None and v[0] == key[0]]:   # (an older version's: dropped)
        digest_of = _ahead.pop(version)
        if version == key:
            started = digest_of
    if started is not None:
        try:
            digest = started.result()
            if file_version(path) == key:   # (changed while it was hashed: hashed again below)
                return digest
        except OSError:
            pass
    return _sha256_file(path)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def find_plan(given: Optional[Path] = None, start: Optional[Path] = None) -> FoundPlan:
    """The plan file to use and why (see the module's docstring); its SHA-256 names the exact version."""
    if given is not None:
        path, why = Path(given), "--plan"
    elif os.environ.get(ENV, "").strip():
        path, why = Path(os.environ[ENV].strip()), f"${ENV}"
    else:
        found = find_config(start or Path.cwd())
        if found is not None:
            config, value = found
            path, why = (config.parent / value), f"{config.name}: {config}"
        else:
            path, why = default_targets_path(), "bundled"
    try:
        digest = sha256_of(path)
    except OSError as exc:
        raise TargetsError(str(path), [TargetsProblem(None, None, "", f"cannot read the plan file ({why}): "
                                                                      f"{exc.strerror or exc}", file=str(path))]) from None
    return FoundPlan(path=path, why=why, sha256=digest)
