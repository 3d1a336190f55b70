"""Finding the Python files a run covers.

Directories are walked without following symlinks; tool and build folders are skipped. A
symlink (to a file or a folder) is never followed: a link that points out of the tree would let
a rewrite escape it, and one that points inside would be processed twice and, on write, be
replaced by a regular file. Skipped links are returned so the report can name them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rlmigrate.codemod.config_files import is_config_file

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "build",
        "dist",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".hypothesis",
        "node_modules",
        "site-packages",
    }
)


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
    """

    files: list[tuple[Path, Path]] = field(default_factory=list)
    skipped_links: list[Path] = field(default_factory=list)


def _is_python(path: Path) -> bool:
    """Python sources, and the YAML/JSON experiment configs scanned for legacy model names."""
    return path.suffix in (".py", ".pyi") or is_config_file(path)


def discover(paths: Sequence[str | os.PathLike[str]]) -> Discovery:
    """Collect the Python files under ``paths``.

    Raises:
        PathNotFoundError: a given path does not exist (the message names it).
    """
    found = Discovery()
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_symlink():
            found.skipped_links.append(path)
            continue
        if not path.exists():
            raise PathNotFoundError(f"{path}: no such file or directory")
        if path.is_dir():
            for file in _walk(path, found.skipped_links):
                if file not in seen:
                    seen.add(file)
                    found.files.append((file, path))
        elif path not in seen:
            seen.add(path)
            found.files.append((path, path.parent))
    found.files.sort(key=lambda pair: str(pair[0]))
    return found


def _walk(root: Path, skipped_links: list[Path]) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        kept = []
        for name in sorted(dirnames):
            child = here / name
            if child.is_symlink():
                skipped_links.append(child)
            elif name not in SKIP_DIRS and not name.endswith(".egg-info"):
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            child = here / name
            if not _is_python(child):
                continue
            if child.is_symlink():
                skipped_links.append(child)
                continue
            yield child
