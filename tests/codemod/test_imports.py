"""names_in_use steps over whitespace, punctuation and operator subtrees: the same names as
a walk through every node, on every fixture and on names in string annotations."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from rlmigrate.codemod import imports
from rlmigrate.codemod.imports import names_in_use

FIXTURES = sorted(p for p in (Path(__file__).resolve().parents[2] / "fixtures").rglob("*.py")
                  if p.name != "syntax_error.py")

ANNOTATED = '''\
from typing import TypeVar
import numpy as np
from torch import Tensor
T = TypeVar("T", bound="Tensor")
__all__ = ["exported"]

def f(x: "np.ndarray", *, k=(1, 2)) -> "Tensor":  # a comment
    return (x  # split
            + k[0])
'''


@pytest.mark.parametrize("source", [ANNOTATED, *(p.read_text() for p in FIXTURES)],
                         ids=["annotated", *(p.stem for p in FIXTURES)])
def test_the_names_of_a_walk_through_every_node(source, monkeypatch):
    module = cst.parse_module(source)
    found = names_in_use(module)
    monkeypatch.setattr(imports, "TRIVIA", frozenset())
    assert found == names_in_use(module)


def test_names_in_string_annotations_and_exports_count():
    found = names_in_use(cst.parse_module(ANNOTATED))
    assert {"np", "Tensor", "TypeVar", "exported", "x", "k"} <= found
    assert "f" not in found  # only defined, never read
