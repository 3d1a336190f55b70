"""The model analysis's cached walk leaves out spaces and line breaks: every rewrite and
finding is the one a walk through every node gives (all legacy fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlmigrate.codemod import nodes
from rlmigrate.codemod.rules import ALL_RULES, _model_analysis
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

LEGACY = sorted(p for p in (Path(__file__).resolve().parents[3] / "fixtures" / "legacy").glob("*.py")
                if p.name != "syntax_error.py")


@pytest.mark.parametrize("path", LEGACY, ids=[p.stem for p in LEGACY])
def test_the_same_rewrite_as_with_every_node(path, monkeypatch):
    def rewrite():  # type: ignore[no-untyped-def]
        return rewrite_source(path.read_text(), path=path.name, target=Target("rlmigrate"),
                              selected=frozenset(r.code for r in ALL_RULES), rule_classes=ALL_RULES)

    fast = rewrite()
    monkeypatch.setattr(_model_analysis, "walk",
                        lambda node, *, into_functions=True, blanks=True: nodes.walk(
                            node, into_functions=into_functions))
    _model_analysis._WALKS.clear()
    assert rewrite() == fast


def test_the_cached_walk_keeps_comments_and_drops_blanks():
    import libcst as cst

    func = cst.parse_statement("def f(x):\n    # a comment\n    return x  # and another\n")
    found = _model_analysis._walk(func)
    assert sum(isinstance(n, cst.Comment) for n in found) == 2
    assert not any(type(n) in nodes.BLANKS for n in found)
