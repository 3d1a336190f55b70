"""``rlmigrate rewrite`` and ``rlmigrate scan``: argument parsing, progress, output, exit code.

Exit codes (as in DESIGN.md): 0 done; 1 ``--check`` found files to change, or ``--strict`` and
manual items remain; 2 usage or I/O error (a missing path, an unreadable/unwritable file or
directory, a file that could not be processed or hit an input limit).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from rlmigrate.codemod.discover import PathNotFoundError, discover
from rlmigrate.codemod.engine import (
    DEFAULT_FILE_TIMEOUT,
    DEFAULT_MAX_FILE_BYTES,
    RunOptions,
    RunResult,
    default_jobs,
    run,
)
from rlmigrate.codemod.report import FORMATS, render
from rlmigrate.codemod.rules import UnknownRuleError, select_codes
from rlmigrate.codemod.targets import TARGETS

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_ERROR = 2


def _codes(value: str) -> list[str]:
    return [part for part in value.split(",") if part.strip()]


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    parser.add_argument("--target", choices=TARGETS, default="rlmigrate",
                        help="where migrated code imports the new stack from (default: rlmigrate)")
    parser.add_argument("--select", type=_codes, action="extend", metavar="CODES",
                        help="comma-separated rule codes or prefixes to apply (default: all)")
    parser.add_argument("--ignore", type=_codes, action="extend", metavar="CODES",
                        help="comma-separated rule codes or prefixes to skip")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format")
    parser.add_argument("--report", type=Path, metavar="FILE",
                        help="write the report to FILE instead of standard output")
    parser.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                        help="worker processes (default: os.cpu_count())")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when manual items remain")
    parser.add_argument("--max-file-bytes", type=int, default=DEFAULT_MAX_FILE_BYTES, metavar="N",
                        help="report (RLM907) instead of parsing a file larger than N bytes "
                             f"that may hold legacy API (default: {DEFAULT_MAX_FILE_BYTES})")
    parser.add_argument("--file-timeout", type=float, default=DEFAULT_FILE_TIMEOUT, metavar="S",
                        help="seconds one file may take before it is abandoned and reported "
                             f"(RLM907) (default: {DEFAULT_FILE_TIMEOUT:g})")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``rewrite`` and ``scan`` subcommands."""
    rewrite = subparsers.add_parser(
        "rewrite", help="rewrite legacy models and policies into RLModules",
        description="Rewrite legacy RLlib ModelV2/Policy code into RLModule subclasses.",
    )
    _add_common(rewrite)
    mode = rewrite.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print a unified diff; write nothing")
    mode.add_argument("--check", action="store_true",
                      help="write nothing; exit 1 if any file would change")
    mode.add_argument("--out", type=Path, metavar="DIR",
                      help="write the results under DIR, mirroring the input tree")
    rewrite.set_defaults(func=main_rewrite, command="rewrite")
    scan = subparsers.add_parser(
        "scan", help="report what rewrite would do and what needs a human; write nothing",
    )
    _add_common(scan)
    scan.set_defaults(func=main_rewrite, command="scan", diff=False, check=False, out=None)


def _progress_enabled(args: argparse.Namespace, stream: TextIO) -> bool:
    return not args.no_progress and hasattr(stream, "isatty") and stream.isatty()


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> tuple[int, RunResult | None]:
    """Run the command described by ``args``; returns the exit code and the result."""
    try:
        selected = select_codes(args.select, args.ignore)
    except UnknownRuleError as err:
        print(f"rlmigrate {args.command}: error: {err}", file=stderr)
        return EXIT_ERROR, None
    if args.jobs is not None and args.jobs < 1:
        print(f"rlmigrate {args.command}: error: -j expects N >= 1; got {args.jobs}", file=stderr)
        return EXIT_ERROR, None
    if args.max_file_bytes < 1 or not args.file_timeout > 0:
        print(f"rlmigrate {args.command}: error: --max-file-bytes and --file-timeout must be "
              f"positive; got {args.max_file_bytes}, {args.file_timeout}", file=stderr)
        return EXIT_ERROR, None
    if args.command == "scan":
        mode = "scan"
    elif args.diff:
        mode = "diff"
    elif args.check:
        mode = "check"
    else:
        mode = "write"
    out_dir = args.out.resolve() if args.out else None
    try:
        found = discover(args.paths)
    except PathNotFoundError as err:
        print(f"rlmigrate {args.command}: error: {err}", file=stderr)
        return EXIT_ERROR, None
    if out_dir is not None:
        inside = [f for f, _ in found.files if _is_within(f.resolve(), out_dir)]
        if inside:
            print(f"rlmigrate {args.command}: error: --out {args.out} lies inside the input "
                  f"tree ({inside[0]})", file=stderr)
            return EXIT_ERROR, None
    options = RunOptions(mode=mode, target=args.target, selected=selected, out_dir=out_dir,
                         max_file_bytes=args.max_file_bytes, file_timeout=args.file_timeout)
    jobs = args.jobs or default_jobs()
    if _progress_enabled(args, stderr) and len(found.files) > 1:
        result = _run_with_progress(args.paths, options, jobs, found, stderr)
    else:
        result = run(args.paths, options, jobs=jobs, discovery=found)
    if mode == "diff":
        for file in result.files:
            if file.diff:
                stdout.write(file.diff)
    color = args.report is None and hasattr(stdout, "isatty") and stdout.isatty()
    text = render(result, args.format, command=args.command, target=args.target, color=color)
    if args.report is not None:
        try:
            args.report.parent.mkdir(parents=True, exist_ok=True)
            # surrogateescape: a non-UTF-8 file name (decoded by Python with surrogate escapes)
            # is written back as the bytes it had.
            args.report.write_text(text, encoding="utf-8", errors="surrogateescape")
        except OSError as err:
            print(f"rlmigrate {args.command}: error: cannot write report {args.report}: {err}", file=stderr)
            return EXIT_ERROR, result
    else:
        stdout.write(text)
    return exit_code(result, mode=mode, strict=args.strict), result


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
    if mode == "check" and summary["rewritten"]:
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
