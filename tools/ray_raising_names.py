"""Ray 2.10 names that exist but raise when used: the modernize rules must not rename to them.

    python tools/ray_raising_names.py --site-packages SITE [--out FILE] [--check]

Walks ``ray/rllib/**.py`` of the wheel with :mod:`ast` (nothing is imported) and writes
``{module: [names]}``: functions and classes decorated ``@Deprecated(..., error=True)`` (a
stub that raises when called or built), and ``"*"`` for a module whose top level calls
``deprecation_warning(..., error=True)`` (importing it raises). ``rlmigrate/codemod/
ray_renames.py`` reads the committed output (``rlmigrate/codemod/data/ray_2_10_raising.json``):
an inventory name that only raises is not a same-meaning successor.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "rlmigrate" / "codemod" / "data" / "ray_2_10_raising.json"


def _raises(call: ast.expr, name: str) -> bool:
    """``name(..., error=True)`` (``Deprecated`` / ``deprecation_warning``)."""
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return called == name and any(
        k.arg == "error" and isinstance(k.value, ast.Constant) and k.value.value is True for k in call.keywords)


def raising_names(tree: ast.Module) -> list[str]:
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if any(_raises(d, "Deprecated") for d in node.decorator_list):
                names.append(node.name)
        elif isinstance(node, ast.Expr) and _raises(node.value, "deprecation_warning"):
            names.append("*")
    return sorted(set(names))


def inventory(site: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in sorted((site / "ray" / "rllib").rglob("*.py")):
        rel = path.relative_to(site).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        module = ".".join(parts)
        if module.startswith(("ray.rllib.examples", "ray.rllib.tuned_examples")) or ".tests" in module:
            continue
        names = raising_names(ast.parse(path.read_text(encoding="utf-8")))
        if names:
            out[module] = names
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site-packages", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file differs")
    args = parser.parse_args(argv)
    if not (args.site_packages / "ray" / "rllib").is_dir():
        print(f"no ray/rllib under {args.site_packages}", file=sys.stderr)
        return 2
    text = json.dumps(inventory(args.site_packages), indent=0, sort_keys=True) + "\n"
    if args.check:
        return 0 if args.out.is_file() and args.out.read_text() == text else 1
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
