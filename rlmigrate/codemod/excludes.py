"""Which discovered paths a run leaves out: exclude globs and ``.gitignore`` files.

Both use git's wildmatch semantics, implemented by the ``pathspec`` library (never parsed by
hand here):

* **exclude patterns** (``--exclude``, ``exclude`` / ``extend-exclude`` in ``[tool.rlmigrate]``)
  are gitignore-style lines relative to the project root (the directory of the
  ``pyproject.toml`` that configured the run, else the working directory): ``gen`` or ``*_pb2.py``
  (no slash) match a file or folder of that name at any depth, ``src/legacy/old.py`` or
  ``/tests`` (with a slash) are anchored at the root, ``build/`` matches folders only, ``**``
  spans folders. As in Ruff, ``exclude`` replaces the default list (:data:`DEFAULT_EXCLUDE`)
  and ``extend-exclude`` adds to it.
* **.gitignore** files (with ``respect_gitignore``): the ones in every walked folder, in the
  walk root's ancestors up to the repository root (the nearest folder holding ``.git``), and
  ``.git/info/exclude``; a file's own folder's ``.gitignore`` wins over its parents' (``!``
  negations included), as in git.

The walk asks about each entry itself, as git does (a folder that is left out is not entered),
so paths named on the command line are processed even when a pattern matches them, like Ruff
(inside such a folder the patterns still apply to each entry), unless ``force_exclude`` is set (what a pre-commit hook wants, since it passes every staged
file by name).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

# Folders a run never walks into unless ``exclude`` is set (then ``extend-exclude`` is the way
# to add to this list instead of replacing it).
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "build", "dist", "__pycache__",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", "node_modules",
    "site-packages", "*.egg-info",
)


@dataclass(frozen=True)
class FileFilter:
    """What discovery leaves out.

    Attributes:
        exclude: gitignore-style patterns relative to ``root`` (see the module docstring).
        root: the directory ``exclude`` patterns are relative to (None: the working directory).
        respect_gitignore: also leave out what ``.gitignore`` files ignore.
        force_exclude: apply the patterns to paths named on the command line too.
    """

    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    root: Path | None = None
    respect_gitignore: bool = False
    force_exclude: bool = False
    _spec: pathspec.GitIgnoreSpec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_spec", pathspec.GitIgnoreSpec.from_lines(self.exclude))

    def excluded(self, path: Path, *, is_dir: bool) -> bool:
        """Whether an exclude pattern matches ``path`` (a file, or a folder when ``is_dir``)."""
        key = _key(path, self.root or Path.cwd(), is_dir)
        return bool(key) and bool(self._spec.match_file(key))

    def matcher(self, folder: Path) -> Callable[[str, bool], bool]:
        """Whether an entry of ``folder`` is excluded, asked as ``(name, is_dir)`` while
        walking (the folder's part of the key is computed once; see :func:`_self_match`)."""
        prefix = _key(folder, self.root or Path.cwd(), True)
        spec = self._spec
        return lambda name, is_dir: bool(_self_match(spec, prefix + name + ("/" if is_dir else "")))

    def excluded_or_in_excluded(self, path: Path, *, is_dir: bool) -> bool:
        """:meth:`excluded` for ``path`` or any folder above it (up to ``root``)."""
        root = Path(os.path.abspath(self.root or Path.cwd()))
        absolute = Path(os.path.abspath(path))
        for folder in absolute.parents:
            if folder == root or not _is_under(folder, root):
                break
            if self.excluded(folder, is_dir=True):
                return True
        return self.excluded(absolute, is_dir=is_dir)


def _self_match(spec: pathspec.GitIgnoreSpec, key: str) -> bool | None:
    """Git's verdict on ``key`` itself: the last pattern that matches the whole of it decides
    (True: excluded, False: re-included by ``!``, None: no pattern matches it).

    pathspec's own ``match_file`` also counts a match on any parent folder of ``key`` (it
    emulates git without walking); a walk prunes excluded folders, so it asks about each entry
    itself, as git does — which also lets a folder named on the command line be walked although
    a pattern matches it, with the other patterns still applying inside."""
    verdict = None
    for pattern in spec.patterns:
        if pattern.include is not None and pattern.regex is not None and pattern.regex.fullmatch(key):
            verdict = pattern.include
    return verdict


def _key(path: Path, root: Path, is_dir: bool) -> str:
    """``path`` as a pattern subject: relative to ``root`` when under it, else the absolute
    path without its leading slash (so unanchored patterns still match by name); ``""`` for
    ``root`` itself, which no pattern excludes. Folders end in ``/`` (for ``build/``)."""
    absolute = Path(os.path.abspath(path))
    try:
        text = absolute.relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        text = absolute.as_posix().lstrip("/")
    if text in ("", "."):
        return ""
    return text + "/" if is_dir else text


def repository_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds ``.git`` (None outside a repo)."""
    here = Path(os.path.abspath(start))
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return None


class GitIgnore:
    """The ``.gitignore`` rules that apply under one walk root (each folder's file is read
    once, when first needed)."""

    def __init__(self, walk_root: Path) -> None:
        top = Path(os.path.abspath(walk_root))
        repo = repository_root(top)
        self._base = repo or top
        info = _read_lines(repo / ".git" / "info" / "exclude") if repo else ()
        # per folder: the (folder, spec) pairs that apply to its entries, outermost first
        self._levels: dict[Path, tuple[tuple[Path, pathspec.GitIgnoreSpec], ...]] = {}
        self._info = ((self._base, pathspec.GitIgnoreSpec.from_lines(info)),) if info else ()

    def _levels_for(self, folder: Path) -> tuple[tuple[Path, pathspec.GitIgnoreSpec], ...]:
        """The specs for entries of ``folder`` (which lies at or under the base)."""
        found = self._levels.get(folder)
        if found is None:
            outer = self._info if folder == self._base else self._levels_for(folder.parent)
            lines = _read_lines(folder / ".gitignore")
            own = ((folder, pathspec.GitIgnoreSpec.from_lines(lines)),) if lines else ()
            found = self._levels[folder] = outer + own
        return found

    def matcher(self, folder: Path) -> Callable[[str, bool], bool]:
        """:meth:`ignored` for the entries of ``folder``, called as ``(name, is_dir)``."""
        folder = Path(os.path.abspath(folder))
        if not _is_under(folder, self._base):
            return lambda name, is_dir: False
        levels = [(_key(folder, level, True), spec) for level, spec in self._levels_for(folder)]

        def ignored(name: str, is_dir: bool) -> bool:
            subject = name + ("/" if is_dir else "")
            verdict = False
            for prefix, spec in levels:  # the innermost matching line decides
                include = _self_match(spec, prefix + subject)
                if include is not None:
                    verdict = include
            return verdict

        return ignored

    def ignored(self, path: Path, *, is_dir: bool) -> bool:
        """Whether git would ignore ``path`` itself, given ``.git/info/exclude`` and the
        ``.gitignore`` files of its folders (the innermost matching line decides). A path
        outside the repository (or walk root), or the base itself, is never ignored."""
        absolute = Path(os.path.abspath(path))
        if absolute == self._base:
            return False
        return self.matcher(absolute.parent)(absolute.name, is_dir)

    def ignored_or_in_ignored(self, path: Path, *, is_dir: bool) -> bool:
        """:meth:`ignored` for ``path`` or any folder between it and the repository root
        (git ignores everything under an ignored folder)."""
        absolute = Path(os.path.abspath(path))
        for folder in absolute.parents:
            if not _is_under(folder, self._base) or folder == self._base:
                break
            if self.ignored(folder, is_dir=True):
                return True
        return self.ignored(absolute, is_dir=is_dir)


def _is_under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _read_lines(file: Path) -> Sequence[str]:
    try:
        return file.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except OSError:
        return ()


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines([pattern])


def per_file_ignored(
    path: Path, per_file_ignores: Sequence[tuple[str, frozenset[str]]], root: Path
) -> frozenset[str]:
    """The codes that ``per-file-ignores`` entries (gitignore-style patterns relative to
    ``root``) switch off for ``path``: the union over every matching pattern."""
    key = _key(path, root, is_dir=False)
    out: set[str] = set()
    for pattern, codes in per_file_ignores:
        if key and _compiled(pattern).match_file(key):
            out |= codes
    return frozenset(out)
