"""The text of a "left unchanged" finding: which constructs block a class, at which lines.

A manual finding on a class line must say what keeps the class from being converted, where,
and what replaces it on the new stack; the blockers of the analysis carry the construct and
the advice, this module adds their lines (``positions.start_positions``: one print of the
module per call, only for classes that stay manual).
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from rlmigrate.codemod.positions import start_positions
from rlmigrate.codemod.rules._model_kinds import Blocker

__all__ = ["describe_blockers"]


def describe_blockers(module: cst.Module | None, blockers: Sequence[Blocker], *, limit: int = 3) -> str:
    """``"line 12: <message> (RLM065); line 30: ..."`` for the first ``limit`` blockers.

    Lines are omitted when ``module`` is None or a node is not found in it (the message
    still names the construct).
    """
    shown = list(blockers[:limit])
    lines = start_positions(module, [b.node for b in shown]) if module is not None else {}
    parts = []
    for blocker in shown:
        where = lines.get(blocker.node)
        prefix = f"line {where[0]}: " if where else ""
        parts.append(f"{prefix}{blocker.message} ({blocker.code})")
    more = len(blockers) - len(shown)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
