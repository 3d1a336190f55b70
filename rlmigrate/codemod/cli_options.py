"""The options of ``rewrite`` / ``scan``, and how command-line flags and ``[tool.rlmigrate]``
combine into one :class:`Resolved` run description.

Precedence, as in Ruff: a flag given on the command line wins over the configuration file,
which wins over the defaults. Rule selection is layered: the file's ``select`` minus its
``ignore``, then ``--select`` (replaces the set) minus ``--ignore``. ``--exclude`` replaces
the file's ``exclude`` (which replaces the defaults); ``extend-exclude`` from both add to it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from rlmigrate.codemod.config import ConfigError, Settings, find_config, load_settings
from rlmigrate.codemod.engine import DEFAULT_FILE_TIMEOUT, DEFAULT_MAX_FILE_BYTES
from rlmigrate.codemod.excludes import DEFAULT_EXCLUDE, FileFilter
from rlmigrate.codemod.report import FORMAT_ALIASES, FORMATS
from rlmigrate.codemod.rules import select_codes
from rlmigrate.codemod.targets import TARGETS

__all__ = ["ConfigError", "Resolved", "add_common_arguments", "resolve"]


def _comma_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments ``rewrite`` and ``scan`` share (every default None: "not given", so the
    configuration file can fill it in)."""
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="files or directories (default: the working directory)")
    rules = parser.add_argument_group("rule selection")
    rules.add_argument("--target", choices=TARGETS, default=None,
                       help="where migrated code imports the new stack from "
                            "(config: target; default: rlmigrate)")
    rules.add_argument("--select", type=_comma_list, action="extend", metavar="CODES",
                       help="comma-separated rule codes or prefixes to apply, replacing the "
                            "config's select (default: all rules)")
    rules.add_argument("--ignore", type=_comma_list, action="extend", metavar="CODES",
                       help="comma-separated rule codes or prefixes to skip, after --select")
    files = parser.add_argument_group("file selection")
    files.add_argument("--exclude", type=_comma_list, action="extend", metavar="PATTERNS",
                       help="comma-separated gitignore-style patterns to leave out (relative "
                            "to the pyproject.toml's folder, else the working directory; "
                            "`gen` matches at any depth, `/gen` only at the top, `gen/` "
                            "folders only), replacing the config's exclude and the defaults ("
                            + ", ".join(DEFAULT_EXCLUDE) + ")")
    files.add_argument("--extend-exclude", type=_comma_list, action="extend", metavar="PATTERNS",
                       help="patterns to leave out in addition to exclude")
    files.add_argument("--respect-gitignore", action=argparse.BooleanOptionalAction, default=None,
                       help="leave out files that .gitignore files ignore (default: on)")
    files.add_argument("--force-exclude", action=argparse.BooleanOptionalAction, default=None,
                       help="apply excludes and .gitignore to paths named on the command line "
                            "too (for pre-commit; default: off)")
    files.add_argument("--config", type=Path, metavar="FILE",
                       help="read [tool.rlmigrate] from FILE instead of the nearest pyproject.toml")
    files.add_argument("--isolated", action="store_true",
                       help="ignore every configuration file")
    output = parser.add_argument_group("output")
    output.add_argument("--output-format", "--format", dest="output_format",
                        choices=(*FORMATS, *FORMAT_ALIASES), default=None, metavar="FORMAT",
                        help="concise (one path:line:col: CODE [status] message line per "
                             "finding), full (a table), json, sarif or github (Actions "
                             "annotations); default: full on a terminal, else concise "
                             "(--format is an alias; text means full)")
    output.add_argument("--report", type=Path, metavar="FILE",
                        help="write the report to FILE instead of standard output")
    output.add_argument("--no-progress", action="store_true", help="no progress bar")
    output.add_argument("--strict", action="store_true", help="exit 1 when manual items remain")
    parser.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                        help="worker processes (default: os.cpu_count())")
    limits = parser.add_argument_group("limits")
    limits.add_argument("--max-file-bytes", type=int, default=DEFAULT_MAX_FILE_BYTES, metavar="N",
                        help="report (RLM907) instead of parsing a file larger than N bytes "
                             f"that may hold legacy API (default: {DEFAULT_MAX_FILE_BYTES})")
    limits.add_argument("--file-timeout", type=float, default=DEFAULT_FILE_TIMEOUT, metavar="S",
                        help="seconds one file may take before it is abandoned and reported "
                             f"(RLM907) (default: {DEFAULT_FILE_TIMEOUT:g})")


@dataclass(frozen=True)
class Resolved:
    """What a run does once flags and configuration are combined."""

    paths: tuple[str, ...]
    target: str
    selected: frozenset[str]
    file_filter: FileFilter
    settings: Settings

    @property
    def per_file_ignores(self) -> tuple[tuple[str, frozenset[str]], ...]:
        """``(pattern, codes)`` from the configuration (patterns relative to its folder)."""
        return self.settings.per_file_ignores


def _settings(args: argparse.Namespace, paths: list[str]) -> Settings:
    if args.isolated:
        return Settings()
    if args.config is not None:
        if not args.config.is_file():
            raise ConfigError(f"{args.config}: --config names no such file")
        return load_settings(args.config)
    found = find_config(paths)
    return load_settings(found) if found is not None else Settings()


def _selected(args: argparse.Namespace, settings: Settings) -> frozenset[str]:
    if args.select:
        base = select_codes(args.select)
    else:
        base = select_codes(settings.select, settings.ignore)
    return frozenset(base - select_codes(args.ignore) if args.ignore else base)


def resolve(args: argparse.Namespace) -> Resolved:
    """Combine ``args`` with the ``[tool.rlmigrate]`` table that applies.

    Raises:
        ConfigError: the configuration file is invalid (the message names file and key).
        rlmigrate.codemod.rules.UnknownRuleError: a ``--select``/``--ignore`` code is unknown.
    """
    paths = list(args.paths or ["."])
    settings = _settings(args, paths)
    exclude = args.exclude if args.exclude is not None else settings.exclude
    patterns = tuple(exclude if exclude is not None else DEFAULT_EXCLUDE)
    patterns += tuple(settings.extend_exclude) + tuple(args.extend_exclude or ())
    file_filter = FileFilter(
        exclude=patterns,
        root=settings.root,
        respect_gitignore=_first(args.respect_gitignore, settings.respect_gitignore, True),
        force_exclude=_first(args.force_exclude, settings.force_exclude, False),
    )
    return Resolved(
        paths=tuple(paths),
        target=args.target or settings.target or "rlmigrate",
        selected=_selected(args, settings),
        file_filter=file_filter,
        settings=settings,
    )


def _first(*values: bool | None) -> bool:
    for value in values:
        if value is not None:
            return value
    return False

