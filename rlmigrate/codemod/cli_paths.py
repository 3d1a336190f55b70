"""How the CLI names files: relative to the working directory, like Ruff and git.

Every path a report, a diff header or a SARIF log prints comes from the input paths, so the
CLI normalises those once, before discovery: a path under the working directory becomes
relative to it (``/repo/src/m.py`` run from ``/repo`` prints as ``src/m.py``, and the diff
header reads ``a/src/m.py``, which ``git apply`` accepts); a path outside it stays absolute
(its diff header then carries no ``a/``/``b/`` prefix, see ``engine.unified_diff``).
Normalisation is lexical (``os.path``), so a symlink given on the command line is still seen
as a link by discovery.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


def display_path(path: str | os.PathLike[str], cwd: Path | None = None) -> Path:
    """``path`` relative to ``cwd`` (default: the working directory) when it lies under it,
    else absolute; ``.``-segments and ``..``-segments removed."""
    cwd = Path(os.path.abspath(cwd or os.getcwd()))
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(cwd)
    except ValueError:
        return absolute
    return relative if relative.parts else Path(".")


def display_paths(paths: Sequence[str | os.PathLike[str]], cwd: Path | None = None) -> list[Path]:
    """:func:`display_path` of each input path, order kept."""
    return [display_path(p, cwd) for p in paths]
