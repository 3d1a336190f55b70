"""Static inventory of Ray's ``ray.rllib`` (and ``ray.tune.registry``) modules and their names.

    python tools/oracle_ray240/module_inventory.py SITE_PACKAGES > rlmigrate/codemod/data/ray_2_40_modules.json

Walks the installed wheel with ``ast`` only (nothing is imported): every module path, and the
names it defines or imports at top level (what ``from M import N`` can find). The codemod's
``--target ray`` uses it to tell which legacy imports Ray 2.40 no longer has (RLM059).
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

ROOTS = ("ray/rllib", "ray/tune")


def _names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        targets: list[ast.AST] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        elif isinstance(node, (ast.If, ast.Try)):
            inner = ast.Module(body=[*getattr(node, "body", []), *getattr(node, "orelse", []),
                                     *[s for h in getattr(node, "handlers", []) for s in h.body]],
                               type_ignores=[])
            names |= _names(inner)
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name):
                    names.add(sub.id)
    return names


def inventory(site_packages: Path) -> dict[str, list[str]]:
    modules: dict[str, list[str]] = {}
    for root in ROOTS:
        for path in sorted((site_packages / root).rglob("*.py")):
            relative = path.relative_to(site_packages).with_suffix("")
            parts = list(relative.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if "tests" in parts:
                continue
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError):
                continue
            modules[".".join(parts)] = sorted(_names(tree))
    return modules


if __name__ == "__main__":
    json.dump(inventory(Path(sys.argv[1])), sys.stdout, separators=(",", ":"), sort_keys=True)
