"""The one-line verdict on a model class the codemod leaves for a person.

Every construct that blocks the rewrite is reported at its own line with its own code; the
finding on the class line names the first few of them (construct, line, code, what replaces
it on the new stack), so the report's class row alone says what the port involves.
"""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.context import LINE_REF
from rlmigrate.codemod.nodes import walk
from rlmigrate.codemod.rules._model_kinds import Blocker, ModelAnalysis

#: how many blockers the class-line message spells out (the rest are counted)
SHOWN = 3


def manual_summary(a: ModelAnalysis) -> tuple[str, tuple[cst.CSTNode, ...]]:
    """``(message, line_refs)`` of the manual finding on the class line of ``a``: the first
    :data:`SHOWN` distinct blockers in source order, the rest counted."""
    distinct: list[Blocker] = []
    seen: set[tuple[str, str]] = set()
    for blocker in a.blockers:
        key = (blocker.code, blocker.message)
        if key not in seen:
            seen.add(key)
            distinct.append(blocker)
    order = {id(node): index for index, node in enumerate(walk(a.node))}  # lexical order
    distinct.sort(key=lambda b: order.get(id(b.node), len(order)))
    name = a.node.name.value
    if not distinct:
        return f"{name} left unchanged: its legacy base kind ({a.kind}) has no converter", ()
    shown = distinct[:SHOWN]
    parts = [f"line {LINE_REF.format(i)} [{b.code}] {b.message}" for i, b in enumerate(shown)]
    rest = len(distinct) - len(shown)
    more = f"; and {rest} more, each reported at its line" if rest else ""
    return (f"{name} left unchanged; what blocks the rewrite: " + "; ".join(parts) + more,
            tuple(b.node for b in shown))
