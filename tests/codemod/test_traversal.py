"""CombinedRules steps over whitespace, punctuation and operator subtrees only while no rule
hooks one of their types: the rewrite is the same as visiting every node, and a rule that
does hook such a type (here ``leave_Comma``) still sees and changes every one."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from rlmigrate.codemod import traversal
from rlmigrate.codemod.nodes import TRIVIA
from rlmigrate.codemod.rules import ALL_RULES
from rlmigrate.codemod.rules.base import Rule
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

LEGACY = sorted(p for p in (Path(__file__).resolve().parents[2] / "fixtures" / "legacy").glob("*.py")
                if p.name != "syntax_error.py")


def test_none_of_the_codemods_rules_hooks_a_trivia_type():
    assert traversal._inert_types(tuple(ALL_RULES)) == TRIVIA


@pytest.mark.parametrize("path", LEGACY, ids=[p.stem for p in LEGACY])
def test_stepping_over_trivia_changes_no_rewrite(path, monkeypatch):
    def rewrite():  # type: ignore[no-untyped-def]
        return rewrite_source(path.read_text(), path=path.name, target=Target("rlmigrate"),
                              selected=frozenset(r.code for r in ALL_RULES), rule_classes=ALL_RULES)

    fast = rewrite()
    monkeypatch.setattr(traversal, "_inert_types", lambda classes: frozenset())
    assert rewrite() == fast


class _SpacedCommas(Rule):
    code = "RLM999"

    def leave_Comma(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        return updated_node.with_changes(whitespace_after=cst.SimpleWhitespace("  "))


class _Names(Rule):
    code = "RLM998"

    def __init__(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx)
        self.seen: list[str] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.seen.append(node.value)


def test_a_rule_hooking_a_trivia_type_still_sees_every_one():
    module = cst.parse_module("f(a, b)\nx = [1, 2]\n")
    assert traversal._inert_types((_Names, _SpacedCommas)) == frozenset()
    names, commas = _Names(None), _SpacedCommas(None)
    out = traversal.CombinedRules([names, commas]).transform(module)
    assert out.code == "f(a,  b)\nx = [1,  2]\n"
    assert names.seen == ["f", "a", "b", "x"]


def test_without_trivia_hooks_an_unchanged_module_is_returned_as_it_is():
    module = cst.parse_module("f(a, b)  # c\nx = [1, 2] + -y\n")
    names = _Names(None)
    assert traversal._inert_types((_Names,)) == TRIVIA
    assert traversal.CombinedRules([names]).transform(module) is module
    assert names.seen == ["f", "a", "b", "x", "y"]
