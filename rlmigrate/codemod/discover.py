"""Finding the Python files a run covers.

Directories are walked without following symlinks; what a :class:`~rlmigrate.codemod.excludes.FileFilter`
excludes (by default the tool and build folders of ``DEFAULT_EXCLUDE``; with the CLI also
``--exclude`` patterns and ``.gitignore`` files) is left out, except paths named explicitly
(unless ``force_exclude``). A
symlink (to a file or a folder) is never followed: a link that points out of the tree would let
a rewrite escape it, and one that points inside would be processed twice and, on write, be
replaced by a regular file. Skipped links are returned so the report can name them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rlmigrate.codemod.excludes import DEFAULT_EXCLUDE, FileFilter, GitIgnore

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
        excluded: explicitly named paths left out by ``force_exclude`` (the walk's own
            exclusions are not listed: there may be thousands).
    """

    files: list[tuple[Path, Path]] = field(default_factory=list)
    skipped_links: list[Path] = field(default_factory=list)
    excluded: list[Path] = field(default_factory=list)


def _is_python(path: Path) -> bool:
    return path.suffix in (".py", ".pyi")


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
            for file in _walk(path, found.skipped_links, file_filter, gitignore):
                if file not in seen:
                    seen.add(file)
                    found.files.append((file, path))
        elif path not in seen:
            seen.add(path)
            found.files.append((path, path.parent))
    found.files.sort(key=lambda pair: str(pair[0]))
    return found


def _force_excluded(path: Path, file_filter: FileFilter) -> bool:
    is_dir = path.is_dir()
    if file_filter.excluded_or_in_excluded(path, is_dir=is_dir):
        return True
    if file_filter.respect_gitignore:
        return GitIgnore(path if is_dir else path.parent).ignored_or_in_ignored(path, is_dir=is_dir)
    return False


def _walk(
    root: Path, skipped_links: list[Path], file_filter: FileFilter, gitignore: GitIgnore | None
) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        left_out = _matcher(here, file_filter, gitignore)
        kept = []
        for name in sorted(dirnames):
            child = here / name
            if child.is_symlink():
                skipped_links.append(child)
            elif not left_out(name, True):
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            child = here / name
            if not _is_python(child):
                continue
            if child.is_symlink():
                skipped_links.append(child)
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
