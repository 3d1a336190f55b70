"""``[tool.rlmigrate]`` in ``pyproject.toml``: finding it, reading it, checking every key.

Found like Ruff finds ``[tool.ruff]``: the nearest ``pyproject.toml`` that has a
``[tool.rlmigrate]`` table, looking first in the folders above the input paths (their common
parent upwards), then above the working directory; ``--config FILE`` names one instead and
``--isolated`` ignores them all. Every key and value is checked: an unknown key (a typo), a
wrong type or an unknown rule code is a :class:`ConfigError` whose message names the file, the
key and what was expected (the CLI exits 2 with it). Example::

    [tool.rlmigrate]
    target = "rlmigrate"               # or "ray"
    select = ["RLM0"]                  # codes or prefixes; default: all rules
    ignore = ["RLM060"]
    exclude = ["legacy_vendored"]      # replaces the default excludes (build, .venv, ...)
    extend-exclude = ["*_pb2.py"]      # adds to them
    respect-gitignore = true
    force-exclude = false
    [tool.rlmigrate.per-file-ignores]
    "tests/**" = ["RLM06"]

Patterns (``exclude``, ``extend-exclude``, ``per-file-ignores`` keys) are gitignore-style and
relative to the folder holding the ``pyproject.toml``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlmigrate.codemod.rules import UnknownRuleError, select_codes
from rlmigrate.codemod.targets import TARGETS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

TABLE = "tool.rlmigrate"
_LISTS = ("select", "ignore", "exclude", "extend-exclude")
_BOOLS = ("respect-gitignore", "force-exclude")
KNOWN_KEYS = ("target", *_LISTS, "per-file-ignores", *_BOOLS)


class ConfigError(ValueError):
    """A ``[tool.rlmigrate]`` table that cannot be used; the message names file and key."""


@dataclass(frozen=True)
class Settings:
    """The values of one ``[tool.rlmigrate]`` table (None: not set there).

    Attributes:
        path: the ``pyproject.toml`` they came from (None: no file, all defaults).
        per_file_ignores: ``(pattern, codes)`` pairs, patterns relative to :attr:`root`.
    """

    path: Path | None = None
    target: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = field(default_factory=tuple)
    respect_gitignore: bool | None = None
    force_exclude: bool | None = None

    @property
    def root(self) -> Path:
        """The folder patterns are relative to: the config's folder, else the working dir."""
        return self.path.parent if self.path is not None else Path.cwd()


def _table(document: Mapping[str, Any]) -> Any:
    tool = document.get("tool")
    return tool.get("rlmigrate") if isinstance(tool, dict) else None


def _has_table(file: Path) -> bool:
    try:
        return _table(tomllib.loads(file.read_text(encoding="utf-8"))) is not None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        # A broken pyproject.toml is reported only if it is the one we would use: name it.
        return "[tool.rlmigrate" in _read_or_empty(file)


def _read_or_empty(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def find_config(paths: Sequence[str | os.PathLike[str]], cwd: Path | None = None) -> Path | None:
    """The ``pyproject.toml`` with a ``[tool.rlmigrate]`` table that applies (None: none)."""
    cwd = Path(os.path.abspath(cwd or os.getcwd()))
    starts = []
    if paths:
        absolute = [os.path.abspath(p) for p in paths]
        common = Path(os.path.commonpath(absolute))
        starts.append(common if common.is_dir() else common.parent)
    starts.append(cwd)
    for start in starts:
        for folder in (start, *start.parents):
            candidate = folder / "pyproject.toml"
            if candidate.is_file() and _has_table(candidate):
                return candidate
    return None


def load_settings(file: Path) -> Settings:
    """Read and check ``[tool.rlmigrate]`` of ``file`` (an empty Settings when absent).

    Raises:
        ConfigError: unreadable or invalid TOML, an unknown key, a wrong type or value.
    """
    try:
        document = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{file}: cannot read: {err.strerror or err}") from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"{file}: not UTF-8 ({err.reason} at byte {err.start})") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{file}: invalid TOML: {err}") from err
    table = _table(document)
    if table is None:
        return Settings(path=file)
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: [{TABLE}] must be a table; got {type(table).__name__}")
    return _settings(file, table)


def _where(file: Path, key: str) -> str:
    return f"{file}: [{TABLE}] {key}"


def _str_list(file: Path, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{_where(file, key)}: expected a list of strings; got {value!r}")
    return tuple(value)


def _codes(file: Path, key: str, value: Any) -> tuple[str, ...]:
    codes = _str_list(file, key, value)
    try:
        select_codes(codes)
    except UnknownRuleError as err:
        raise ConfigError(f"{_where(file, key)}: {err}") from err
    return codes


def _settings(file: Path, table: dict[str, Any]) -> Settings:
    unknown = sorted(set(table) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigError(
            f"{file}: [{TABLE}] unknown key {unknown[0]!r}; known keys: {', '.join(KNOWN_KEYS)}"
        )
    values: dict[str, Any] = {"path": file}
    if "target" in table:
        target = table["target"]
        if target not in TARGETS:
            raise ConfigError(f"{_where(file, 'target')}: expected one of {', '.join(TARGETS)}; got {target!r}")
        values["target"] = target
    for key in ("select", "ignore"):
        if key in table:
            values[key] = _codes(file, key, table[key])
    for key in ("exclude", "extend-exclude"):
        if key in table:
            values[key.replace("-", "_")] = _str_list(file, key, table[key])
    for key in _BOOLS:
        if key in table:
            if not isinstance(table[key], bool):
                raise ConfigError(f"{_where(file, key)}: expected true or false; got {table[key]!r}")
            values[key.replace("-", "_")] = table[key]
    if "per-file-ignores" in table:
        values["per_file_ignores"] = _per_file_ignores(file, table["per-file-ignores"])
    return Settings(**values)


def _per_file_ignores(file: Path, value: Any) -> tuple[tuple[str, frozenset[str]], ...]:
    key = "per-file-ignores"
    if not isinstance(value, dict):
        raise ConfigError(f"{_where(file, key)}: expected a table of pattern = [codes]; got {value!r}")
    out = []
    for pattern, codes in value.items():
        checked = _codes(file, f"{key} {pattern!r}", codes)
        out.append((pattern, frozenset(select_codes(checked))))
    return tuple(out)
