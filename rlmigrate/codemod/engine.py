"""The codemod engine: discover files, prefilter, rewrite, validate, write — in parallel.

Each file is handled by :func:`process_file`, which never raises for a problem with the file
itself: syntax errors, undecodable bytes, unreadable or read-only files become error findings
(codes RLM901–RLM906) and the file is left untouched while the run goes on. Files whose bytes
contain none of the prefilter tokens are neither parsed nor written (byte-identical, mtime
unchanged). Work is spread over processes (``jobs``); results come back in path order.
"""

from __future__ import annotations

import dataclasses
import difflib
import multiprocessing
import os
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from rlmigrate.codemod import findings as F
from rlmigrate.codemod.config_files import is_config_file, scan_config_file
from rlmigrate.codemod.discover import Discovery, discover
from rlmigrate.codemod.findings import FileResult, Finding, worst_status
from rlmigrate.codemod.project_index import ProjectIndex, build_index, needs_rewrite
from rlmigrate.codemod.rules import ALL_RULES
from rlmigrate.codemod.source_io import (
    SourceDecodeError,
    SourceReadError,
    decode_source,
    encode_source,
    is_writable,
    read_bytes,
    write_atomic,
)
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import InvalidOutputError, rewrite_source

MODES = ("write", "diff", "check", "scan")


@dataclass(frozen=True)
class RunOptions:
    """How a run treats files.

    Attributes:
        mode: ``write`` (in place or under ``out_dir``), ``diff`` (compute diffs, write
            nothing), ``check`` / ``scan`` (write nothing).
        target: ``rlmigrate`` or ``ray``.
        selected: rule codes to apply.
        out_dir: mirror the tree here instead of writing in place (mode ``write`` only).
        project: the run's project-wide class index (legacy bases in other files).
    """

    mode: str = "write"
    target: str = "rlmigrate"
    selected: frozenset[str] = frozenset(rule.code for rule in ALL_RULES)
    out_dir: Path | None = None
    project: ProjectIndex | None = None  # filled by run(): see project_index.py

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}; got {self.mode!r}")
        Target(self.target)


@dataclass
class RunResult:
    """Every file's result (in path order) plus what discovery skipped."""

    files: list[FileResult] = field(default_factory=list)
    skipped_links: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def findings(self) -> list[Finding]:
        """All findings, sorted by path and position."""
        return sorted(f for result in self.files for f in result.findings)

    def summary(self) -> dict[str, int]:
        """Counts for the summary table (``rewritten`` = changed, written or not)."""
        statuses = [r.status for r in self.files]
        return {
            "seen": len(self.files),
            "skipped": statuses.count(F.SKIPPED),
            "rewritten": sum(r.changed for r in self.files),
            "review": statuses.count(F.REVIEW),
            "manual": statuses.count(F.MANUAL),
            "failed": statuses.count(F.ERROR),
        }


def _error(path: str, code: str, message: str, line: int = 1, column: int = 1) -> FileResult:
    finding = Finding(path, line, column, code, F.ERROR, message)
    return FileResult(path=path, status=F.ERROR, findings=[finding])


def _mirror_path(file: Path, root: Path, out_dir: Path) -> Path:
    return out_dir / file.relative_to(root)


def process_file(file: Path, root: Path, options: RunOptions) -> FileResult:
    """Rewrite one file according to ``options``; never raises for file problems."""
    if is_config_file(file):  # experiment configs are scanned, never rewritten
        return scan_config_file(file, root, options.out_dir if options.mode == "write" else None)
    path = str(file)
    try:
        raw, st = read_bytes(file)
    except SourceReadError as err:
        return _error(path, F.READ_ERROR, str(err))
    dest = _mirror_path(file, root, options.out_dir) if options.out_dir else file
    if not needs_rewrite(raw, path, options.project):
        result = FileResult(path=path, prefiltered=True)
        if options.out_dir and options.mode == "write":
            _copy(file, dest, st.st_mode)
        return result
    try:
        source = decode_source(file, raw, st.st_mode)
    except SourceDecodeError as err:
        return _mirror_failure(_error(path, F.DECODE_ERROR, str(err)), file, dest, st.st_mode, options)
    try:
        outcome = rewrite_source(
            source.text,
            path=path,
            target=Target(options.target),
            selected=options.selected,
            rule_classes=ALL_RULES,
            foreign_bases=options.project.for_file(path) if options.project else None,
        )
    except cst.ParserSyntaxError as err:
        message = f"{path}:{err.raw_line}:{err.raw_column + 1}: syntax error: {err.message}"
        return _mirror_failure(
            _error(path, F.SYNTAX_ERROR, message, err.raw_line, err.raw_column + 1),
            file, dest, st.st_mode, options,
        )
    except InvalidOutputError as err:
        return _mirror_failure(_error(path, F.INVALID_OUTPUT, str(err)), file, dest, st.st_mode, options)
    except Exception as err:  # a rule bug must not stop the run
        where = traceback.extract_tb(err.__traceback__)[-1]
        message = (
            f"{type(err).__name__}: {err} (in {Path(where.filename).name}:{where.lineno}); "
            "please report this codemod bug"
        )
        return _mirror_failure(_error(path, F.RULE_CRASH, message), file, dest, st.st_mode, options)
    changed = outcome.changed(source.text)
    status = worst_status(f.status for f in outcome.findings)
    if changed and status == F.SKIPPED:
        status = F.CONVERTED
    result = FileResult(path=path, status=status, changed=changed, findings=list(outcome.findings))
    if options.mode == "diff" and changed:
        result.diff = unified_diff(path, source.text, outcome.text)
    if options.mode != "write":
        return result
    if not changed:
        if options.out_dir:
            _copy(file, dest, st.st_mode)
        return result
    if dest == file and not is_writable(st):
        result.findings.append(Finding(path, 1, 1, F.WRITE_ERROR, F.ERROR,
                                       f"{path}: read-only file not rewritten"))
        result.status = F.ERROR
        return result
    try:
        write_atomic(dest, encode_source(source, outcome.text), st.st_mode)
    except (OSError, UnicodeEncodeError) as err:
        result.findings.append(Finding(path, 1, 1, F.WRITE_ERROR, F.ERROR, f"{dest}: cannot write ({err})"))
        result.status = F.ERROR
        return result
    result.written = True
    return result


def _mirror_failure(result: FileResult, file: Path, dest: Path, mode: int, options: RunOptions) -> FileResult:
    if options.out_dir and options.mode == "write":
        _copy(file, dest, mode)
    return result


def _copy(file: Path, dest: Path, mode: int) -> None:
    if dest == file:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(file, dest)
    os.chmod(dest, mode & 0o7777)


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff ``a/path`` → ``b/path`` (newlines shown as they are)."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"a/{path}", tofile=f"b/{path}",
    )
    out = []
    for line in lines:
        out.append(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _work(item: tuple[Path, Path, RunOptions]) -> FileResult:
    file, root, options = item
    return process_file(file, root, options)


_WARM_UP_SOURCE = """\
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
import torch.nn as nn


class M(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.pi = nn.Linear(obs_space.shape[0], num_outputs)

    def forward(self, input_dict, state, seq_lens):
        return self.pi(input_dict["obs"]), state


config = {"model": {"custom_model": M}}
"""


def _warm_up() -> None:
    """Fill the per-process caches (libcst field orders, rule hook tables, lazy imports) once
    in the parent, so forked workers share them instead of each paying for them (about a
    quarter second of CPU per worker on the benchmark tree)."""
    rewrite_source(_WARM_UP_SOURCE, path="<warm-up>", target=Target("rlmigrate"),
                   selected=frozenset(rule.code for rule in ALL_RULES), rule_classes=ALL_RULES)


def default_jobs() -> int:
    """``os.cpu_count()`` (at least 1)."""
    return max(1, os.cpu_count() or 1)


def run(
    paths: Sequence[str | os.PathLike[str]],
    options: RunOptions,
    *,
    jobs: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    discovery: Discovery | None = None,
) -> RunResult:
    """Process every Python file under ``paths``.

    Args:
        paths: files and directories.
        options: see :class:`RunOptions`.
        jobs: worker processes (default ``os.cpu_count()``); 1 runs in this process.
        on_progress: called as ``(done, total)`` after each file.
        discovery: a precomputed discovery (otherwise computed from ``paths``).

    Raises:
        rlmigrate.codemod.discover.PathNotFoundError: a path does not exist.
    """
    start = time.perf_counter()
    found = discovery or discover(paths)
    if options.project is None:
        options = dataclasses.replace(options, project=build_index(found.files))
    items = [(file, root, options) for file, root in found.files]
    jobs = jobs or default_jobs()
    results: list[FileResult] = []
    total = len(items)
    for done, result in enumerate(_map(items, jobs), start=1):
        results.append(result)
        if on_progress:
            on_progress(done, total)
    results.sort(key=lambda r: r.path)
    return RunResult(files=results, skipped_links=found.skipped_links,
                     seconds=time.perf_counter() - start)


def _map(items: list[tuple[Path, Path, RunOptions]], jobs: int) -> Iterable[FileResult]:
    if jobs <= 1 or len(items) <= 1:
        yield from map(_work, items)
        return
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    if method == "fork":
        _warm_up()
    ctx = multiprocessing.get_context(method)
    chunk = max(1, min(32, len(items) // (jobs * 8) or 1))
    with ctx.Pool(processes=min(jobs, len(items))) as pool:
        yield from pool.imap_unordered(_work, items, chunksize=chunk)
