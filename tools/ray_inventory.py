"""Write the import surface of the installed Ray 2.10 ``ray.rllib`` as data, statically.

Walks ``ray/rllib/**.py`` and ``ray/tune/**.py`` (legacy model files import tune's registry
and utils next to their models), plus ``ray.util``'s ``log_once`` / annotation modules, with
:mod:`ast` -- Ray is never imported --
and writes, for every module path, the names a user file can import from it:

* ``"class"`` / ``"def"`` for top-level definitions,
* ``"var"`` for other assignments (``["const", value]`` when the value is a plain literal:
  str, int, float, bool or None, e.g. ``SampleBatch`` column names),
* ``["from", "ray.x.y", "Name"]`` for a name re-exported from another Ray module,
* ``["ext", "typing", "Dict"]`` for a name imported from outside Ray (``typing.Dict``,
  ``numpy``) -- the shim serves those real objects,
* ``["module", "ray.x"]`` for ``import ray.x as y``.

Imports under ``if TYPE_CHECKING:`` are skipped (they do not exist at run time); names in
``try:``/``if`` blocks count. ``__all__`` is kept when it is a literal list/tuple.

Usage (from the repository root, with the oracle venv holding Ray 2.10)::

    python tools/ray_inventory.py [--site-packages DIR] [--out shim/data/ray_2_10_inventory.json]
    python tools/ray_inventory.py --check   # exit 1 if the committed file differs

The output is sorted and compact so that re-running it on the same wheel is byte-identical.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SITE = ROOT / "tools" / "oracle" / ".venv" / "lib" / "python3.11" / "site-packages"
DEFAULT_OUT = ROOT / "shim" / "data" / "ray_2_10_inventory.json"
ROOTS = ("ray/rllib", "ray/tune")
#: Single files outside the roots that model files import from (``log_once``, API annotations).
EXTRA_FILES = ("ray/util/__init__.py", "ray/util/debug.py", "ray/util/annotations.py")
#: Paths whose names are not recorded, only the module path (the shim serves no code from
#: them: Ray's example files get "copy the file" placeholders for any name, tuned examples
#: are refused; see ``shim/ray_compat/served.py``).
PATHS_ONLY = ("ray.rllib.examples", "ray.rllib.tuned_examples")

Entry = Any


def module_name(site: Path, path: Path) -> tuple[str, bool]:
    """``site/ray/rllib/models/__init__.py`` -> (``ray.rllib.models``, is_package)."""
    parts = list(path.relative_to(site).with_suffix("").parts)
    package = parts[-1] == "__init__"
    if package:
        parts = parts[:-1]
    return ".".join(parts), package


def _resolve_relative(module: str, package: bool, level: int, target: str | None) -> str:
    base = module.split(".") if package else module.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _literal(node: ast.expr) -> tuple[bool, Any]:
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None
    if value is None or isinstance(value, (str, bool, int, float)):
        if isinstance(value, float) and value != value:  # NaN does not round-trip through JSON
            return False, None
        return True, value
    return False, None


def _targets(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _targets(element)]
    return []


class _Collector:
    def __init__(self, module: str, package: bool) -> None:
        self.module = module
        self.package = package
        self.names: dict[str, Entry] = {}
        self.all: list[str] | None = None

    def add(self, name: str, entry: Entry) -> None:
        if name.startswith("__"):
            return
        # First definition wins unless a later one is a real definition (try/except fallbacks).
        if name not in self.names or entry in ("class", "def"):
            self.names[name] = entry

    def visit_body(self, body: list[ast.stmt]) -> None:
        for node in body:
            self.visit(node)

    def visit(self, node: ast.stmt) -> None:
        if isinstance(node, ast.ClassDef):
            self.add(node.name, "class")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.add(node.name, "def")
        elif isinstance(node, ast.Assign):
            self._assign(node.targets, node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self._assign([node.target], node.value)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self._import_module(alias.name, alias.asname)
                else:
                    top = alias.name.split(".")[0]
                    self._import_module(top, top)
        elif isinstance(node, ast.ImportFrom):
            self._import_from(node)
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                self.visit_body(node.body)
            self.visit_body(node.orelse)
        elif isinstance(node, ast.Try):
            self.visit_body(node.body)
            for handler in node.handlers:
                self.visit_body(handler.body)
            self.visit_body(node.orelse)
            self.visit_body(node.finalbody)

    def _assign(self, targets: list[ast.expr], value: ast.expr) -> None:
        for target in targets:
            names = _targets(target)
            if names == ["__all__"]:
                try:
                    listed = ast.literal_eval(value)
                except (ValueError, SyntaxError):
                    listed = None
                if isinstance(listed, (list, tuple)) and all(isinstance(n, str) for n in listed):
                    self.all = sorted(set(listed))
                continue
            is_literal, literal = _literal(value) if len(names) == 1 else (False, None)
            for name in names:
                self.add(name, ["const", literal] if is_literal else "var")

    def _import_module(self, dotted: str, bound: str) -> None:
        if dotted == "ray" or dotted.startswith("ray."):
            self.add(bound, ["module", dotted])
        else:
            self.add(bound, ["ext", dotted, None])

    def _import_from(self, node: ast.ImportFrom) -> None:
        source = (
            _resolve_relative(self.module, self.package, node.level, node.module)
            if node.level
            else (node.module or "")
        )
        for alias in node.names:
            if alias.name == "*":
                continue
            bound = alias.asname or alias.name
            if source == "ray" or source.startswith("ray."):
                self.add(bound, ["from", source, alias.name])
            else:
                self.add(bound, ["ext", source, alias.name])


def scan_file(site: Path, path: Path) -> tuple[str, dict[str, Any]]:
    """One module's record: ``{"package": bool, "all": [...] | None, "names": {...}}``."""
    name, package = module_name(site, path)
    collector = _Collector(name, package)
    collector.visit_body(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)).body)
    public = {k: v for k, v in sorted(collector.names.items()) if not k.startswith("_")}
    record: dict[str, Any] = {"package": package, "names": public}
    if collector.all is not None:
        record["all"] = collector.all
    return name, record


def build_inventory(site: Path) -> dict[str, Any]:
    """Every module under :data:`ROOTS` of ``site``, sorted by path."""
    files = [path for root in ROOTS for path in sorted((site / root).rglob("*.py"))]
    files += [site / extra for extra in EXTRA_FILES if (site / extra).is_file()]
    modules = dict(scan_file(site, path) for path in files)
    for name, record in modules.items():
        if any(name == p or name.startswith(p + ".") for p in PATHS_ONLY):
            modules[name] = {"package": record["package"], "names": {}}
    # Parent packages that only exist as directories (namespace-less in the wheel) still import.
    for name in list(modules):
        parts = name.split(".")
        for cut in range(1, len(parts)):
            parent = ".".join(parts[:cut])
            modules.setdefault(parent, {"package": True, "names": {}})
    return {
        "ray_version": _ray_version(site),
        "modules": dict(sorted(modules.items())),
    }


def _ray_version(site: Path) -> str:
    for dist in sorted(site.glob("ray-*.dist-info")):
        return dist.name[len("ray-") : -len(".dist-info")]
    return "unknown"


def dumps(inventory: dict[str, Any]) -> str:
    """Compact JSON: one module a line, so diffs stay readable."""
    lines = ["{", f'"ray_version": {json.dumps(inventory["ray_version"])},', '"modules": {']
    items = list(inventory["modules"].items())
    for index, (name, record) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        body = json.dumps(record, separators=(",", ":"), sort_keys=True)
        lines.append(f"{json.dumps(name)}: {body}{comma}")
    lines += ["}", "}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site-packages", type=Path, default=DEFAULT_SITE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="compare with --out, write nothing")
    args = parser.parse_args(argv)
    if not (args.site_packages / "ray" / "rllib").is_dir():
        print(
            f"no ray/rllib under {args.site_packages}; run tools/oracle/setup.sh first",
            file=sys.stderr,
        )
        return 2
    text = dumps(build_inventory(args.site_packages))
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print("inventory up to date" if same else f"{args.out} differs from the installed Ray")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    modules = build_inventory(args.site_packages)["modules"]
    print(
        f"wrote {args.out}: {len(modules)} modules, "
        f"{sum(len(m['names']) for m in modules.values())} names"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
