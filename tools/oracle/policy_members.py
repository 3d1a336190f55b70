"""Static inventory of the members Ray 2.10's legacy policy classes have.

    python tools/oracle/policy_members.py SITE_PACKAGES > rlmigrate/codemod/data/ray_2_10_policy_members.json

Walks the installed Ray 2.10 wheel with ``ast`` only (nothing is imported): the classes of
``ray/rllib/policy/*.py`` and of every ``*policy*.py`` / ``*mixins*.py`` under
``ray/rllib/algorithms`` (every base and mixin a user policy can derive from), and of each one
the names its body defines (methods, class attributes) and the ``self.X`` its methods store
(``self.X = ...``, augmented and annotated assignments, ``setattr(self, "X", ...)``). A superset
of what any one policy instance has: RLM033 says an attribute a loss reads is set nowhere only
when it is not in this list either.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path


def _files(site_packages: Path) -> list[Path]:
    rllib = site_packages / "ray" / "rllib"
    found = set((rllib / "policy").glob("*.py"))
    for pattern in ("*policy*.py", "*mixins*.py"):
        found |= set((rllib / "algorithms").rglob(pattern))
    return sorted(found)


def _stored(func: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(func):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr"
              and len(node.args) >= 2 and isinstance(node.args[0], ast.Name) and node.args[0].id == "self"
              and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)):
            names.add(node.args[1].value)
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self":
                    names.add(sub.attr)
    return names


def members(site_packages: Path) -> list[str]:
    """Every member name of the policy classes (see the module docstring), sorted."""
    names: set[str] = set()
    for path in _files(site_packages):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            for stmt in cls.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names.add(stmt.name)
                    names |= _stored(stmt)
                elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                    names |= {sub.id for t in targets for sub in ast.walk(t) if isinstance(sub, ast.Name)}
    return sorted(names)


def main(argv: list[str]) -> int:
    """CLI: the JSON list on stdout."""
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps({"ray": "2.10.0", "members": members(Path(argv[0]))}, indent=0))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
