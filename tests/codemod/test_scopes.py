"""scope_metadata gives the answer libcst's MetadataWrapper gives: the same nodes mapped to
scopes of the same kind, owning the same assignments and accesses, with the same qualified
names (the rules read nothing else)."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from libcst.metadata import MetadataWrapper, ScopeProvider

from rlmigrate.codemod.nodes import walk
from rlmigrate.codemod.scopes import scope_metadata

FIXTURES = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "legacy").glob("*.py"))

TRICKY = '''\
import torch.nn as nn
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
counter = 0

def bump(step: "int" = 1) -> "TorchModelV2":
    global counter
    counter += step
    def inner():
        nonlocal step
        step = [step for step in range(step) if (w := step)]
        return w
    return inner

class Model(nn.Module):
    size = 3
    squares = [size * i for i in range(3)]
    fn = lambda self, x=size: x + Model.size

    def forward(self, x, *args, **kwargs):
        del kwargs
        try:
            import numpy as np
        except ImportError as err:
            raise RuntimeError(str(err))
        with open(x) as fh, open(x):
            match fh:
                case [first, *rest]:
                    return first, rest
                case {"k": value, **others}:
                    return value, others
        for i, (a, b) in enumerate(args):
            print(i, a, b, np)
        return {k: v for k, v in kwargs.items()}, (lambda y: y)(x)
'''


def _describe(module: cst.Module, metadata) -> tuple:  # type: ignore[no-untyped-def]
    """A comparable account of the scope metadata. Nodes of ``module`` are named by their
    pre-order position; others (libcst parses string annotations into nodes of their own,
    new on every run) by their type and code."""
    scopes = metadata[ScopeProvider]
    order = {id(n): i for i, n in enumerate(walk(module))}
    printer = cst.Module(body=())

    def ident(node: object) -> object:
        if node is None or not isinstance(node, cst.CSTNode):
            return repr(node)
        return order.get(id(node)) if id(node) in order else (type(node).__name__, printer.code_for_node(node))

    numbered: dict[int, int] = {}  # id(scope) -> order of first appearance
    mapping = []
    for node, scope in scopes.items():
        if scope is not None and id(scope) not in numbered:
            numbered[id(scope)] = len(numbered)
        mapping.append((ident(node), None if scope is None else numbered[id(scope)],
                        type(scope).__name__))
    seen: dict[int, object] = {}
    for scope in scopes.values():
        if scope is not None:
            seen.setdefault(id(scope), scope)
    accounts = []
    for scope in seen.values():
        assignments = sorted((a.name, str(ident(getattr(a, "node", None))), type(a).__name__)
                             for a in scope.assignments)
        accesses = sorted((str(ident(a.node)), a.is_annotation, a.is_type_hint,
                           tuple(sorted(str(ident(getattr(r, "node", None))) for r in a.referents)))
                          for a in scope.accesses)
        parent = numbered.get(id(scope.parent))
        names = sorted(
            (str(ident(n)), tuple(sorted((q.name, q.source.name) for q in scope.get_qualified_names_for(n))))
            for n in (a.node for a in scope.accesses)
        )
        accounts.append((numbered[id(scope)], type(scope).__name__, parent, assignments, accesses, names))
    return sorted(mapping, key=str), sorted(accounts, key=lambda a: a[0])


def _libcst(module: cst.Module):  # type: ignore[no-untyped-def]
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve_many([ScopeProvider])


@pytest.mark.parametrize("source", [TRICKY, *[p.read_text() for p in FIXTURES if p.name != "syntax_error.py"]],
                         ids=["tricky", *[p.stem for p in FIXTURES if p.name != "syntax_error.py"]])
def test_the_same_scopes_as_libcsts_wrapper(source):
    module = cst.parse_module(source)
    ours = _describe(module, scope_metadata(module))
    assert ours == _describe(module, _libcst(module))
    assert ours[0], "every module has scoped nodes"


def test_scopes_belong_to_the_nodes_of_the_module_given():
    module = cst.parse_module(TRICKY)
    scopes = scope_metadata(module)[ScopeProvider]
    cls = next(s for s in module.body if isinstance(s, cst.ClassDef))
    assert scopes[cls] is scopes[module]  # a class statement lives in the module's scope
    method = cls.body.body[-1]
    assert isinstance(method, cst.FunctionDef)
    assert type(scopes[method.body.body[0]]).__name__ == "FunctionScope"
    assert "np" in scopes[method.body.body[0]]


_NAMES = st.sampled_from(["a", "b", "nn", "x"])


@st.composite
def _programs(draw: st.DrawFn) -> str:
    """Small modules of imports, assignments, defs, classes, comprehensions and lambdas."""
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        name, other = draw(_NAMES), draw(_NAMES)
        lines.append(draw(st.sampled_from([
            f"import torch.nn as {name}",
            f"from os import path as {name}",
            f"{name} = {other}",
            f"def {name}({other}=1):\n    return [{name} for {name} in {other}]",
            f"class {name.upper()}:\n    {name} = 1\n    def m(self):\n        return {name}, {other}",
            f"{name} = lambda {other}: {other} + {name}",
            f"def f():\n    global {name}\n    {name} = {other}",
        ])))
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None)
@given(_programs())
def test_the_same_scopes_on_generated_modules(source):
    module = cst.parse_module(source)
    assert _describe(module, scope_metadata(module)) == _describe(module, _libcst(module))
