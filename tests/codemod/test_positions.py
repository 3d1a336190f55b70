"""positions.py prints a module as libcst does: ``module_code`` is ``module.code`` and the
start positions are PositionProvider's, for every node of every fixture."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from rlmigrate.codemod.positions import PrintedModule, module_code, start_positions

FIXTURES = sorted(p for p in (Path(__file__).resolve().parents[2] / "fixtures").rglob("*.py")
                  if p.name != "syntax_error.py")
SOURCES = {p.parent.name + "/" + p.stem: p.read_text() for p in FIXTURES}
SOURCES["crlf_tabs"] = "class A:\r\n\tdef f(self, x):\r\n\t\treturn (x +\r\n\t\t\t1)\r\n"
SOURCES["decorated"] = "@a.b(c)\n@d\nclass E(F, metaclass=G):\n    x: int = 1; y = [i for i in x]\n"


@pytest.mark.parametrize("source", SOURCES.values(), ids=SOURCES.keys())
def test_every_start_position_is_libcsts(source):
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = list(expected)
    ours = start_positions(module, nodes)
    assert {n: ours.get(n) for n in nodes} == {n: (r.start.line, r.start.column) for n, r in expected.items()}
    assert PrintedModule(module).text == source


@pytest.mark.parametrize("source", SOURCES.values(), ids=SOURCES.keys())
def test_module_code_is_libcsts_code(source):
    module = cst.parse_module(source)
    changed = module.with_changes(
        body=[*module.body, cst.parse_statement("z = {'k': (1, 2)}[\n    'k'\n]\n")],
        default_indent="  ", has_trailing_newline=False)
    assert module_code(module) == module.code == source
    assert module_code(changed) == changed.code
