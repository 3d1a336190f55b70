"""nodes.TRIVIA: the node types a walk for names or rule hooks may step over hold only other
trivia (whitespace, comments, punctuation, operators), never a name or an expression."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from rlmigrate.codemod.nodes import BLANKS, TRIVIA, children, walk

FIXTURES = sorted(p for p in (Path(__file__).resolve().parents[2] / "fixtures").rglob("*.py")
                  if p.name != "syntax_error.py")

EVERY_OPERATOR = '''\
x = (a + b - c * d / e // f % g ** h @ i << j >> k | l & m ^ n)  # comment
y = -a, +b, ~c, not d, a and b or c
z = a < b > c == d <= e >= f != g in h not in i is j is not k
x += 1; x -= 1; x *= 1; x /= 1; x //= 1; x %= 1; x **= 1; x @= 1
x <<= 1; x >>= 1; x |= 1; x &= 1; x ^= 1
from os import *
w = [
    {1: (2,)},  # trailing
]
'''


def test_trivia_is_closed_under_children_on_every_fixture():
    sources = [EVERY_OPERATOR, *(p.read_text() for p in FIXTURES)]
    seen: set[type] = set()
    for source in sources:
        for node in walk(cst.parse_module(source)):
            if type(node) in TRIVIA:
                seen.add(type(node))
                assert all(type(child) in TRIVIA for child in children(node)), type(node).__name__
    # the walk met the common ones (whitespace, lines, punctuation, brackets, operators)
    assert {cst.SimpleWhitespace, cst.EmptyLine, cst.Comment, cst.Comma, cst.Dot, cst.LeftParen,
            cst.Add, cst.NotIn, cst.AddAssign, cst.Semicolon, cst.ImportStar} <= seen


@pytest.mark.parametrize("kind", [cst.Name, cst.Attribute, cst.Call, cst.SimpleString,
                                  cst.Param, cst.Arg, cst.SimpleStatementLine, cst.Module])
def test_nodes_that_carry_names_or_code_are_not_trivia(kind):
    assert kind not in TRIVIA


@pytest.mark.parametrize("into_functions", [True, False])
def test_a_walk_without_blanks_is_the_full_walk_less_spaces_and_line_breaks(into_functions):
    for source in [EVERY_OPERATOR, *(p.read_text() for p in FIXTURES[:20])]:
        module = cst.parse_module(source)
        full = list(walk(module, into_functions=into_functions))
        assert list(walk(module, into_functions=into_functions, blanks=False)) == [
            n for n in full if type(n) not in BLANKS]
        assert any(type(n) in BLANKS for n in full)
