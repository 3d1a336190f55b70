"""Finding the Python files a run covers.

Directories are walked without following symlinks; what a :class:`~rlmigrate.codemod.excludes.FileFilter`
excludes (by default the tool and build folders of ``DEFAULT_EXCLUDE``; with the CLI also
``--exclude`` patterns and ``.gitignore`` files) is left out, except paths named explicitly
(unless ``force_exclude``). A
symlink (to a file or a folder) is never followed: a link that points out of the tree would let
a rewrite escape it, and one that points inside would be processed twice and, on write, be
replaced by a regular file. Skipped links are returned so the report can name them.

Two more things are noted on the way, for the engine to act on: temporary files a killed run
left next to a Python file (``source_io.is_stale_temp_name``; nothing else matches), and
directories that cannot be listed (judged by the owner's mode bits, as files are, so root sees
what a user would), which are reported rather than skipped in silence.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rlmigrate.codemod.config_files import is_config_file
from rlmigrate.codemod.excludes import DEFAULT_EXCLUDE, FileFilter, GitIgnore
from rlmigrate.codemod.source_io import TEMP_SUFFIX, is_stale_temp_name

# Kept for callers that test a folder name; the walk itself asks the FileFilter.
SKIP_DIRS = frozenset(p for p in DEFAULT_EXCLUDE if "*" not in p)


class PathNotFoundError(Exception):
    """A path given on the command line does not exist."""


@dataclass
class Discovery:
    """Files to process (sorted, unique), with the root each one is relative to.

    Attributes:
        files: ``(file, root)`` pairs; ``root`` is the directory argument the file was found
            under (or the file's own directory for a file argument) — ``--out`` mirrors
            ``file.relative_to(root)``.
        skipped_links: symlinks that were not followed.
        stale_temp_files: temporary files left by an interrupted run (not yet removed).
        unreadable_dirs: ``(directory, reason)`` for each directory that could not be listed.
        excluded: explicitly named paths left out by ``force_exclude`` (the walk's own
            exclusions are not listed: there may be thousands).
    """

    files: list[tuple[Path, Path]] = field(default_factory=list)
    skipped_links: list[Path] = field(default_factory=list)
    excluded: list[Path] = field(default_factory=list)
    stale_temp_files: list[Path] = field(default_factory=list)
    unreadable_dirs: list[tuple[Path, str]] = field(default_factory=list)


def _is_python(path: Path) -> bool:
    """Python sources, and the YAML/JSON experiment configs scanned for legacy model names."""
    return path.suffix in (".py", ".pyi") or is_config_file(path)


def discover(paths: Sequence[str | os.PathLike[str]], file_filter: FileFilter | None = None) -> Discovery:
    """Collect the Python files under ``paths``.

    Args:
        paths: files and folders.
        file_filter: what to leave out (default: :data:`DEFAULT_EXCLUDE` folders, no
            ``.gitignore``).

    Raises:
        PathNotFoundError: a given path does not exist (the message names it).
    """
    file_filter = file_filter or FileFilter()
    found = Discovery()
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_symlink():
            found.skipped_links.append(path)
            continue
        if not path.exists():
            raise PathNotFoundError(f"{path}: no such file or directory")
        if file_filter.force_exclude and _force_excluded(path, file_filter):
            found.excluded.append(path)
            continue
        if path.is_dir():
            gitignore = GitIgnore(path) if file_filter.respect_gitignore else None
            for file in _walk(path, found, file_filter, gitignore):
                if file not in seen:
                    seen.add(file)
                    found.files.append((file, path))
        elif path not in seen:
            seen.add(path)
            found.files.append((path, path.parent))
            found.stale_temp_files += [
                temp for temp in path.parent.glob(f".{_glob_escape(path.name)}.*{TEMP_SUFFIX}")
                if is_stale_temp_name(temp.name)
            ]
    found.files.sort(key=lambda pair: str(pair[0]))
    found.stale_temp_files = sorted(set(found.stale_temp_files))
    return found


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _unlistable(directory: Path) -> str | None:
    """Why ``directory`` cannot be walked (owner lacks read or search permission), else None."""
    try:
        mode = directory.lstat().st_mode
    except OSError as err:
        return f"cannot stat ({err.strerror or err})"
    if not mode & stat.S_IRUSR or not mode & stat.S_IXUSR:
        return f"directory not readable (mode {stat.filemode(mode)})"
    return None


def _force_excluded(path: Path, file_filter: FileFilter) -> bool:
    is_dir = path.is_dir()
    if file_filter.excluded_or_in_excluded(path, is_dir=is_dir):
        return True
    if file_filter.respect_gitignore:
        return GitIgnore(path if is_dir else path.parent).ignored_or_in_ignored(path, is_dir=is_dir)
    return False


def _walk(
    root: Path, found: Discovery, file_filter: FileFilter, gitignore: GitIgnore | None
) -> Iterable[Path]:
    reason = _unlistable(root)
    if reason is not None:
        found.unreadable_dirs.append((root, reason))
        return

    def on_error(err: OSError) -> None:
        where = Path(err.filename) if err.filename else root
        found.unreadable_dirs.append((where, f"cannot list ({err.strerror or err})"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error, followlinks=False):
        here = Path(dirpath)
        left_out = _matcher(here, file_filter, gitignore)
        kept = []
        for name in sorted(dirnames):
            child = here / name
            if child.is_symlink():
                found.skipped_links.append(child)
            elif not left_out(name, True):
                reason = _unlistable(child)
                if reason is None:
                    kept.append(name)
                else:
                    found.unreadable_dirs.append((child, reason))
        dirnames[:] = kept
        for name in sorted(filenames):
            child = here / name
            if is_stale_temp_name(name):
                found.stale_temp_files.append(child)
                continue
            if not _is_python(child):
                continue
            if child.is_symlink():
                found.skipped_links.append(child)
                continue
            if left_out(name, False):
                continue
            yield child


def _matcher(here: Path, file_filter: FileFilter, gitignore: GitIgnore | None) -> Callable[[str, bool], bool]:
    """Whether the walk leaves an entry of ``here`` out, asked as ``(name, is_dir)``."""
    excluded = file_filter.matcher(here)
    if gitignore is None:
        return excluded
    ignored = gitignore.matcher(here)
    return lambda name, is_dir: excluded(name, is_dir) or ignored(name, is_dir)
