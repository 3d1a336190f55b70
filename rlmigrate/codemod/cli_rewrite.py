"""``rlmigrate rewrite`` and ``rlmigrate scan``: parsing, configuration, progress, output, exit code.

Exit codes (one table for every subcommand, printed by ``--help``; see ``rlmigrate.exit_codes``):
0 done; 1 ``--check`` or ``--diff`` found files that would change, or ``--strict`` and manual
items remain; 2 usage, configuration or I/O error (a missing path, an invalid
``[tool.rlmigrate]``, an unreadable/unwritable file, a file that could not be processed).

Where things go: the report goes to standard output (or ``--report FILE``); with ``--diff``
standard output carries only the patch (so ``rlmigrate rewrite --diff . | git apply`` works)
and the report goes to standard error, as Ruff does.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import TextIO

from rlmigrate.codemod.cli_options import ConfigError, Resolved, add_common_arguments, resolve
from rlmigrate.codemod.cli_paths import display_paths
from rlmigrate.codemod.discover import Discovery, PathNotFoundError, discover
from rlmigrate.codemod.engine import RunOptions, RunResult, default_jobs, run
from rlmigrate.codemod.report import render
from rlmigrate.codemod.rules import UnknownRuleError
from rlmigrate.exit_codes import EXIT_ERROR, EXIT_FOUND, EXIT_OK, exit_code_epilog

__all__ = ["EXIT_ERROR", "EXIT_FOUND", "EXIT_OK", "execute", "exit_code", "register"]

_FORMATTER = argparse.RawDescriptionHelpFormatter


_CONFIG_HELP = (
    "Settings come from [tool.rlmigrate] in the nearest pyproject.toml above the inputs (else "
    "above the working directory): target, select, ignore, exclude, extend-exclude, "
    "per-file-ignores, respect-gitignore, force-exclude. A flag wins over the file; an unknown "
    "key or a bad value exits 2 naming the file and the key."
)
_NOQA_HELP = (
    "`# noqa: RLMxxx` (or a bare `# noqa`) on a finding's line suppresses that finding, and its "
    "rewrite: the statement it points at (for a class-level finding, the whole class) is left "
    "as is. A noqa inside a class that is otherwise rewritten keeps the whole class, with a "
    "manual finding saying so."
)
_PATHS_HELP = (
    "Paths in reports, diffs and SARIF are relative to the working directory (absolute for "
    "files outside it)."
)


def _description(*paragraphs: str) -> str:
    return "\n\n".join(textwrap.fill(p, width=88, break_on_hyphens=False) for p in paragraphs)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``rewrite`` and ``scan`` subcommands."""
    rewrite = subparsers.add_parser(
        "rewrite", help="rewrite legacy models and policies into RLModules",
        description=_description(
            "Rewrite legacy RLlib ModelV2/Policy code into RLModule subclasses, in place (or "
            "under --out DIR); --diff and --check write nothing and exit 1 when a file would "
            "change. With --diff, standard output carries only the patch (git apply accepts "
            "it) and the report goes to standard error.",
            _CONFIG_HELP, _NOQA_HELP, _PATHS_HELP),
        epilog=exit_code_epilog(), formatter_class=_FORMATTER,
    )
    add_common_arguments(rewrite)
    mode = rewrite.add_argument_group("mode (default: rewrite the files in place)")
    mode.add_argument("--diff", action="store_true",
                      help="print a unified diff (paths relative to the working directory, "
                           "git apply accepts it); write nothing; exit 1 if a file would change")
    mode.add_argument("--check", action="store_true",
                      help="write nothing; exit 1 if any file would change (with --diff: "
                           "also print the diff)")
    mode.add_argument("--out", type=Path, metavar="DIR",
                      help="write the results under DIR, mirroring the input tree")
    rewrite.set_defaults(func=main_rewrite, command="rewrite")
    scan = subparsers.add_parser(
        "scan", help="report what rewrite would do and what needs a human; write nothing",
        description=_description(
            "Report what rewrite would do and what needs a human; write nothing. Takes the "
            "same settings as rewrite.", _CONFIG_HELP, _NOQA_HELP, _PATHS_HELP),
        epilog=exit_code_epilog(), formatter_class=_FORMATTER,
    )
    add_common_arguments(scan)
    scan.set_defaults(func=main_rewrite, command="scan", diff=False, check=False, out=None)


def _fail(args: argparse.Namespace, stderr: TextIO, message: str) -> tuple[int, None]:
    print(f"rlmigrate {args.command}: error: {message}", file=stderr)
    return EXIT_ERROR, None


def _mode(args: argparse.Namespace) -> str:
    if args.command == "scan":
        return "scan"
    if args.diff:
        return "diff"
    return "check" if args.check else "write"


def _is_tty(stream: TextIO) -> bool:
    return hasattr(stream, "isatty") and stream.isatty()


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> tuple[int, RunResult | None]:
    """Run the command described by ``args``; returns the exit code and the result."""
    if args.out is not None and (args.diff or args.check):
        return _fail(args, stderr, "--out cannot be combined with --diff or --check")
    if args.jobs is not None and args.jobs < 1:
        return _fail(args, stderr, f"-j expects N >= 1; got {args.jobs}")
    if args.max_file_bytes < 1 or not args.file_timeout > 0:
        return _fail(args, stderr, "--max-file-bytes and --file-timeout must be positive; "
                                   f"got {args.max_file_bytes}, {args.file_timeout}")
    try:
        resolved = resolve(args)
    except (ConfigError, UnknownRuleError) as err:
        return _fail(args, stderr, str(err))
    mode = _mode(args)
    out_dir = args.out.resolve() if args.out else None
    paths = display_paths(resolved.paths)
    try:
        found = discover(paths, resolved.file_filter)
    except PathNotFoundError as err:
        return _fail(args, stderr, str(err))
    if out_dir is not None:
        inside = [f for f, _ in found.files if _is_within(f.resolve(), out_dir)]
        if inside:
            return _fail(args, stderr, f"--out {args.out} lies inside the input tree ({inside[0]})")
    result = _run(args, resolved, mode, out_dir, paths, found, stderr)
    if mode == "diff":
        stdout.write("".join(file.diff for file in result.files if file.diff))
    report_stream = stderr if mode == "diff" else stdout
    if not _write_report(args, resolved.target, result, report_stream, stderr):
        return EXIT_ERROR, result
    return exit_code(result, mode=mode, strict=args.strict), result


def _run(args: argparse.Namespace, resolved: Resolved, mode: str, out_dir: Path | None,
         paths: list[Path], found: Discovery, stderr: TextIO) -> RunResult:
    options = RunOptions(mode=mode, target=resolved.target, selected=resolved.selected,
                         out_dir=out_dir, per_file_ignores=resolved.per_file_ignores,
                         patterns_root=resolved.settings.root,
                         max_file_bytes=args.max_file_bytes, file_timeout=args.file_timeout)
    jobs = args.jobs or default_jobs()
    if not args.no_progress and _is_tty(stderr) and len(found.files) > 1:
        return _run_with_progress(paths, options, jobs, found, stderr)
    return run(paths, options, jobs=jobs, discovery=found)


def _write_report(args: argparse.Namespace, target: str, result: RunResult, stream: TextIO,
                  stderr: TextIO) -> bool:
    to_terminal = args.report is None and _is_tty(stream)
    fmt = args.output_format or ("full" if to_terminal else "concise")
    text = render(result, fmt, command=args.command, target=target, color=to_terminal)
    if args.report is None:
        stream.write(text)
        return True
    try:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        # surrogateescape: a non-UTF-8 file name (decoded by Python with surrogate escapes)
        # is written back as the bytes it had.
        args.report.write_text(text, encoding="utf-8", errors="surrogateescape")
    except OSError as err:
        print(f"rlmigrate {args.command}: error: cannot write report {args.report}: {err}", file=stderr)
        return False
    return True


def _is_within(path: Path, directory: Path) -> bool:
    try:
        path.relative_to(directory)
    except ValueError:
        return False
    return True


def exit_code(result: RunResult, *, mode: str, strict: bool) -> int:
    """0 / 1 / 2 by the rules in the module docstring (2 wins over 1)."""
    summary = result.summary()
    if summary["failed"]:
        return EXIT_ERROR
    if mode in ("check", "diff") and summary["rewritten"]:
        return EXIT_FOUND
    if strict and summary["manual"]:
        return EXIT_FOUND
    return EXIT_OK


def _run_with_progress(paths, options, jobs, found, stream):  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    console = Console(file=stream)
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("rewriting" if options.mode == "write" else "scanning",
                                 total=len(found.files))
        return run(paths, options, jobs=jobs, discovery=found,
                   on_progress=lambda done, total: progress.update(task, completed=done))


def main_rewrite(args: argparse.Namespace) -> int:
    """Entry point for ``rewrite``/``scan`` (wired by ``rlmigrate.cli``)."""
    code, _ = execute(args, sys.stdout, sys.stderr)
    return code
