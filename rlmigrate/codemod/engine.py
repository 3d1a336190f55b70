"""The codemod engine: discover files, prefilter, rewrite, validate, write — in parallel.

Each file is handled by :func:`process_file`, which never raises for a problem with the file
itself: syntax errors, undecodable bytes (or a NUL byte), unreadable or read-only files, a file
over the size budget, nesting too deep for the parser become error findings (codes
RLM901–RLM909) and the file is left untouched while the run goes on. Files whose bytes contain
none of the prefilter tokens are neither parsed nor written (byte-identical, mtime unchanged).

:func:`run` never parses in its own process: files go to supervised worker processes
(``isolation.py``; ``jobs`` of them, one for ``-j 1``), except those the byte prefilter rules
out, which are answered without a parse in the run's own process (no pipe round trip each), so a native parser crash or a file that
overruns the per-file time budget costs that file a finding (RLM908 / RLM907) and the run goes
on. Before it starts, a run removes the temporary files an interrupted run left behind; after,
results come back in path order.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import shutil
import stat
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
from rlmigrate.codemod.excludes import per_file_ignored
from rlmigrate.codemod.findings import FileResult, Finding, worst_status
from rlmigrate.codemod.isolation import LostFile, SupervisedPool
from rlmigrate.codemod.legacy_api import PREFILTER_TOKENS
from rlmigrate.codemod.project_index import ProjectIndex, build_index, needs_rewrite
from rlmigrate.codemod.rules import ALL_RULES
from rlmigrate.codemod.source_io import (
    SourceDecodeError,
    SourceReadError,
    SourceTooLargeError,
    decode_source,
    encode_source,
    file_contains_any,
    is_writable,
    read_bytes,
    write_atomic,
)
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import (
    InputLimitError,
    InvalidOutputError,
    LossyParseError,
    rewrite_source,
)

MODES = ("write", "diff", "check", "scan")
# Budgets per file. Legacy model files are kilobytes; parsing costs about 20 s and 500 MB per
# MB of source, so 2 MiB bounds one file near 45 s / 1 GB while no real model file comes
# close. The time budget is a backstop for what the size budget cannot see.
DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024
DEFAULT_FILE_TIMEOUT = 300.0
# Address space a worker may add to what it starts with. libcst can claim tens of GB on
# hostile nesting (20,000 parentheses: 22 GB before the kernel killed it); 4 GiB is four
# times what a file at the size budget needs.
DEFAULT_WORKER_MEMORY_BYTES = 4 * 1024**3


@dataclass(frozen=True)
class RunOptions:
    """How a run treats files.

    Attributes:
        mode: ``write`` (in place or under ``out_dir``), ``diff`` (compute diffs, write
            nothing), ``check`` / ``scan`` (write nothing).
        target: ``rlmigrate`` or ``ray``.
        selected: rule codes to apply.
        out_dir: mirror the tree here instead of writing in place (mode ``write`` only).
        per_file_ignores: ``(pattern, codes)`` pairs from ``[tool.rlmigrate]``: files matching
            a gitignore-style pattern (relative to ``patterns_root``) run without those codes.
        patterns_root: the folder ``per_file_ignores`` patterns are relative to (None: the
            working directory).
        max_file_bytes: a file larger than this that may hold legacy API is reported
            (RLM907) instead of parsed; None for no limit.
        file_timeout: wall-clock seconds one file may take in a worker before it is killed
            and the file reported (RLM907).
        worker_memory_bytes: memory a worker may allocate for one file (beyond its size at
            start); past it the file is reported (RLM907 or RLM908). None for no cap.
        project: the run's project-wide class index (legacy bases in other files).
    """

    mode: str = "write"
    target: str = "rlmigrate"
    selected: frozenset[str] = frozenset(rule.code for rule in ALL_RULES)
    out_dir: Path | None = None
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    patterns_root: Path | None = None
    max_file_bytes: int | None = DEFAULT_MAX_FILE_BYTES
    file_timeout: float = DEFAULT_FILE_TIMEOUT
    worker_memory_bytes: int | None = DEFAULT_WORKER_MEMORY_BYTES
    project: ProjectIndex | None = None  # filled by run(): see project_index.py

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}; got {self.mode!r}")
        if self.max_file_bytes is not None and self.max_file_bytes < 1:
            raise ValueError(f"max_file_bytes must be >= 1 or None; got {self.max_file_bytes}")
        if not self.file_timeout > 0:
            raise ValueError(f"file_timeout must be > 0 seconds; got {self.file_timeout}")
        Target(self.target)

    def selected_for(self, file: Path) -> frozenset[str]:
        """The codes applied to ``file``: :attr:`selected` minus its per-file ignores."""
        if not self.per_file_ignores:
            return self.selected
        root = self.patterns_root or Path.cwd()
        return self.selected - per_file_ignored(file, self.per_file_ignores, root)


@dataclass
class RunResult:
    """Every file's result (in path order) plus what discovery skipped and what was swept.

    An unreadable directory appears in ``files`` as a failed entry (RLM903) under its path.
    """

    files: list[FileResult] = field(default_factory=list)
    skipped_links: list[Path] = field(default_factory=list)
    swept_temp_files: list[Path] = field(default_factory=list)
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


def _too_large(file: Path, err: SourceTooLargeError) -> FileResult:
    """An over-budget file: skipped like any other when it holds no prefilter token (a large
    generated module must not fail the run), else reported as an input limit."""
    path = str(file)
    try:
        mentions_legacy = file_contains_any(file, PREFILTER_TOKENS)
    except SourceReadError as read_err:
        return _error(path, F.READ_ERROR, str(read_err))
    if not mentions_legacy:
        return FileResult(path=path, prefiltered=True)
    return _error(path, F.INPUT_LIMIT, f"{err}; not parsed (raise the budget to process it)")


def process_file(file: Path, root: Path, options: RunOptions) -> FileResult:
    """Rewrite one file according to ``options``; never raises for file problems."""
    if is_config_file(file):  # experiment configs are scanned, never rewritten
        return scan_config_file(file, root, options.out_dir if options.mode == "write" else None)
    path = str(file)
    try:
        raw, st = read_bytes(file, options.max_file_bytes)
    except SourceTooLargeError as err:
        return _too_large(file, err)
    except SourceReadError as err:
        return _error(path, F.READ_ERROR, str(err))
    dest = _mirror_path(file, root, options.out_dir) if options.out_dir else file
    if not needs_rewrite(raw, path, options.project):
        return _prefiltered(file, dest, st.st_mode, options)
    try:
        source = decode_source(file, raw, st.st_mode)
    except SourceDecodeError as err:
        failure = _error(path, F.DECODE_ERROR, str(err), err.line, err.column)
        return _mirror_failure(failure, file, dest, st.st_mode, options)
    try:
        outcome = rewrite_source(
            source.text,
            path=path,
            target=Target(options.target),
            selected=options.selected_for(file),
            rule_classes=ALL_RULES,
            foreign_bases=options.project.for_file(path) if options.project else None,
            project=options.project.policy_view(path) if options.project else None,
        )
    except cst.ParserSyntaxError as err:
        message = f"{path}:{err.raw_line}:{err.raw_column + 1}: syntax error: {err.message}"
        return _mirror_failure(
            _error(path, F.SYNTAX_ERROR, message, err.raw_line, err.raw_column + 1),
            file, dest, st.st_mode, options,
        )
    except InvalidOutputError as err:
        return _mirror_failure(_error(path, F.INVALID_OUTPUT, str(err)), file, dest, st.st_mode, options)
    except InputLimitError as err:
        return _mirror_failure(_error(path, F.INPUT_LIMIT, str(err), err.line), file, dest, st.st_mode, options)
    except LossyParseError as err:
        return _mirror_failure(_error(path, F.LOSSY_PARSE, str(err)), file, dest, st.st_mode, options)
    except (RecursionError, MemoryError) as err:
        what = "nesting too deep" if isinstance(err, RecursionError) else "out of memory"
        message = (f"{path}: input limit: {what} for the parser ({type(err).__name__}); "
                   "not rewritten")
        return _mirror_failure(_error(path, F.INPUT_LIMIT, message), file, dest, st.st_mode, options)
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


def _prefiltered(file: Path, dest: Path, mode: int, options: RunOptions) -> FileResult:
    """A file the byte prefilter rules out: unchanged (copied when writing to ``--out``)."""
    if options.out_dir and options.mode == "write":
        _copy(file, dest, mode)
    return FileResult(path=str(file), prefiltered=True)


def skip_without_parsing(file: Path, root: Path, options: RunOptions) -> FileResult | None:
    """The result of a file the byte prefilter rules out, without a worker (it is read, never
    parsed); None for every other file (a worker processes it and reports any read error).

    On a large project nearly every file is such a file: answered here, it costs no pipe
    round trip and no worker time (at ``-j 2`` on 2,000 files, the per-file messages of the
    skipped files cost more than the legacy files' work).
    """
    if is_config_file(file):
        return None
    try:
        raw, st = read_bytes(file, options.max_file_bytes)
    except (SourceTooLargeError, SourceReadError):
        return None
    if needs_rewrite(raw, str(file), options.project):
        return None
    dest = _mirror_path(file, root, options.out_dir) if options.out_dir else file
    return _prefiltered(file, dest, st.st_mode, options)


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
    """A unified diff ``a/path`` → ``b/path`` (newlines shown as they are), as ``git diff``
    writes it. An absolute ``path`` (a file outside the working directory) gets no prefix:
    ``a//abs/path`` is a header ``git apply`` rejects; ``patch -p0`` applies the plain one."""
    posix = Path(path).as_posix()
    old, new = (posix, posix) if Path(path).is_absolute() else (f"a/{posix}", f"b/{posix}")
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=old, tofile=new,
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
        jobs: worker processes (default ``os.cpu_count()``); files are never parsed in this
            process, so ``1`` means one worker.
        on_progress: called as ``(done, total)`` after each file.
        discovery: a precomputed discovery (otherwise computed from ``paths``).

    Raises:
        rlmigrate.codemod.discover.PathNotFoundError: a path does not exist.
    """
    start = time.perf_counter()
    found = discovery or discover(paths)
    swept = sweep_temp_files(found.stale_temp_files) if options.mode == "write" else []
    if options.project is None:
        options = dataclasses.replace(options, project=build_index(found.files))
    items = [(file, root, options) for file, root in found.files]
    jobs = jobs or default_jobs()
    results = [_error(str(directory), F.READ_ERROR, f"{directory}: {reason}; its files were not processed")
               for directory, reason in found.unreadable_dirs]
    total = len(items)
    for done, result in enumerate(_map(items, jobs, options), start=1):
        results.append(result)
        if on_progress:
            on_progress(done, total)
    results.sort(key=lambda r: r.path)
    return RunResult(files=results, skipped_links=found.skipped_links, swept_temp_files=swept,
                     seconds=time.perf_counter() - start)


def sweep_temp_files(candidates: Iterable[Path]) -> list[Path]:
    """Remove the temporary files an interrupted run left (only regular files owned by this
    user whose names ``write_atomic`` makes); returns those removed."""
    removed = []
    for temp in candidates:
        try:
            st = temp.lstat()
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid():
                continue
            temp.unlink()
        except OSError:
            continue
        removed.append(temp)
    return removed


def _lost(item: tuple[Path, Path, RunOptions], lost: LostFile) -> FileResult:
    """The finding for a file whose worker died (RLM908) or overran its budget (RLM907)."""
    file, root, options = item
    path = str(file)
    if lost.kind == "timeout":
        message = (f"{path}: input limit: {lost.detail} (--file-timeout "
                   f"{options.file_timeout:g}); not rewritten")
        result = _error(path, F.INPUT_LIMIT, message)
    else:
        message = (f"{path}: the parser process died ({lost.detail}) on this file; typically "
                   "nesting deeper than libcst's native parser can take, or its memory budget "
                   "spent; not rewritten")
        result = _error(path, F.WORKER_CRASH, message)
    if options.out_dir and options.mode == "write":
        try:
            _copy(file, _mirror_path(file, root, options.out_dir), file.stat().st_mode)
        except OSError:
            pass
    return result


def _map(items: list[tuple[Path, Path, RunOptions]], jobs: int, options: RunOptions) -> Iterable[FileResult]:
    rest = []
    for item in items:  # prefilter-skipped files are answered here: no parse, no worker
        skipped = skip_without_parsing(*item)
        if skipped is None:
            rest.append(item)
        else:
            yield skipped
    items = rest
    if not items:
        return
    if sys.platform.startswith("linux"):  # workers are forked: warm the caches they inherit
        _warm_up()
    pool = SupervisedPool(_work, jobs=jobs, timeout=options.file_timeout, on_lost=_lost,
                          memory_limit=options.worker_memory_bytes)
    yield from pool.imap_unordered(items)
