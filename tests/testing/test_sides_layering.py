"""The verify sides import downward only: sides ← side_legacy / side_module ← side_qsac ← side_build."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTING = Path(__file__).resolve().parents[2] / "rlmigrate" / "testing"
# module -> the sibling modules it may import (anything else of the group is a cycle risk)
ALLOWED = {
    "sides": set(),
    "side_legacy": {"sides"},
    "side_module": {"sides"},
    "side_qsac": {"sides", "side_legacy", "side_module"},
    "side_build": {"sides", "side_legacy", "side_module", "side_qsac"},
}


def _imported_siblings(module: str) -> set[str]:
    tree = ast.parse((TESTING / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):  # function-level imports count too
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rlmigrate.testing."):
            found.add(node.module.rsplit(".", 1)[-1])
        elif isinstance(node, ast.Import):
            found.update(a.name.rsplit(".", 1)[-1] for a in node.names if a.name.startswith("rlmigrate.testing."))
    return found & set(ALLOWED)


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_side_modules_import_downward_only(module):
    assert _imported_siblings(module) <= ALLOWED[module]


def test_as_side_lives_above_the_sides():
    from rlmigrate.testing import side_build, sides

    assert not hasattr(sides, "as_side") and callable(side_build.as_side)
