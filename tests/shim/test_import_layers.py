"""shim/ imports downward only: the graph of its modules' imports has no cycle.

Every ``import`` / ``from ... import`` in a shim module counts -- at module level *and* inside
functions (a deferred import that goes back up is still a cycle) -- except those under
``if TYPE_CHECKING:`` (type hints only; never executed). The public paths that the package
splits kept are checked too.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIM = ROOT / "shim"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(SHIM.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in MODULES else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    """shim module -> the shim modules it imports (a package import counts as its __init__)."""
    graph = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = _imports(tree, name, path.name == "__init__.py")
        graph[name] = {t for t in targets if t in MODULES and t != name}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return cycles


def test_shim_has_no_import_cycles() -> None:
    assert find_cycles(import_graph()) == []


def test_the_detector_finds_a_cycle_through_a_deferred_import() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c"]]
    source = "def f():\n    from shim.models.catalog import ModelCatalog\n"
    assert "shim.models.catalog" in _imports(ast.parse(source), "shim.x", False)
    guarded = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import shim.models\n"
    assert "shim.models" not in _imports(ast.parse(guarded), "shim.x", False)


@pytest.mark.parametrize(
    ("path", "names"),
    [
        ("shim.adapters", ["ModelV2RLModule", "LegacyHooksRLModule", "module_from_policy"]),
        ("shim.adapter_hooks", ["LegacyHooksRLModule"]),
        ("shim.adapter_constructors", ["module_from_make_model", "module_from_action_sampler_fn"]),
        ("shim.policy.policy", ["Policy"]),
        ("shim.policy.policy_io", ["load_policy_checkpoint", "policy_from_state"]),
        ("shim.policy.policy_state", ["PolicyStateMixin"]),
        ("shim.models.catalog", ["ModelCatalog"]),
        ("shim.models.complex_input_net", ["ComplexInputNetwork"]),
        ("shim.ray_compat", ["install", "installed", "RealRayInstalledError", "provided_modules"]),
    ],
)
def test_public_paths_stay(path: str, names: list[str]) -> None:
    module = importlib.import_module(path)
    for name in names:
        assert getattr(module, name) is not None


def test_old_and_new_adapter_paths_are_the_same_objects() -> None:
    import shim.adapter_constructors as old_constructors
    import shim.adapter_hooks as old_hooks
    from shim import adapters

    assert old_hooks.LegacyHooksRLModule is adapters.LegacyHooksRLModule
    assert old_constructors.module_from_policy is adapters.module_from_policy
