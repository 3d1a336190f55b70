"""How many real ``ray.rllib`` / ``ray.tune`` import statements work under the shim.

Collects every import statement that names ``ray.rllib`` or ``ray.tune`` (``from ray.rllib.x
import A, B``, ``import ray.rllib.x as y``, ``from ray import tune``) from the ``.py`` files under
the given directories (default: the development corpus in ``/work/corpus``), runs each unique
statement under real Ray 2.10 (the oracle venv) and under ``shim.ray_compat``, and prints:
statements found, statements that work under Ray 2.10, and how many of those work under the
shim -- with the first error line of each that does not.

    python tools/import_statements.py [DIR ...] [--ray-python tools/oracle/.venv/bin/python]

Neither Ray nor the corpus is needed by the test suite; this is a measuring script.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIRS = [Path("/work/corpus")]
DEFAULT_RAY_PYTHON = ROOT / "tools" / "oracle" / ".venv" / "bin" / "python"

_RUNNER = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
if sys.argv[1] == "shim":
    from shim import ray_compat
    ray_compat.install()
results = {}
for statement in json.loads(sys.stdin.read()):
    try:
        exec(statement, {})
        results[statement] = None
    except BaseException as err:  # noqa: BLE001 -- any failure is a result here
        results[statement] = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
print(json.dumps(results))
"""


def _names_ray(node: ast.stmt) -> bool:
    if isinstance(node, ast.Import):
        return any(a.name.startswith(("ray.rllib", "ray.tune")) for a in node.names)
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        if node.module.startswith(("ray.rllib", "ray.tune")):
            return True
        return node.module == "ray" and any(a.name in ("rllib", "tune") for a in node.names)
    return False


def collect(dirs: list[Path]) -> Counter:
    """Unparsed import statement -> how many times it occurs in the files under ``dirs``."""
    found: Counter = Counter()
    for directory in dirs:
        for path in sorted(directory.rglob("*.py")):
            try:
                tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
            except (SyntaxError, ValueError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and _names_ray(node):
                    found[ast.unparse(node)] += 1
    return found


def run(python: str, mode: str, statements: list[str], pythonpath: str | None) -> dict:
    env = {"PATH": "/usr/bin:/bin"}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    result = subprocess.run(
        [python, "-c", _RUNNER, mode],
        input=json.dumps(statements),
        capture_output=True,
        text=True,
        timeout=1800,
        env=env,
        cwd="/",
    )
    if result.returncode != 0:
        raise RuntimeError(f"{mode} runner failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", type=Path, default=DEFAULT_DIRS)
    parser.add_argument("--ray-python", default=str(DEFAULT_RAY_PYTHON))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    found = collect(args.dirs)
    statements = sorted(found)
    under_ray = run(args.ray_python, "ray", statements, None)
    under_shim = run(sys.executable, "shim", statements, str(ROOT))
    ray_ok = [s for s in statements if under_ray[s] is None]
    shim_ok = [s for s in ray_ok if under_shim[s] is None]
    figures = {
        "unique_statements": len(statements),
        "occurrences": sum(found.values()),
        "work_under_ray_2_10": len(ray_ok),
        "of_those_work_under_shim": len(shim_ok),
        "occurrences_work_under_ray_2_10": sum(found[s] for s in ray_ok),
        "of_those_occurrences_work_under_shim": sum(found[s] for s in shim_ok),
        "fail_under_shim": {s: under_shim[s] for s in ray_ok if under_shim[s] is not None},
    }
    if args.json:
        print(json.dumps(figures, indent=1))
        return 0
    print(
        f"{figures['unique_statements']} unique ray.rllib/ray.tune import statements "
        f"({figures['occurrences']} occurrences) in {', '.join(map(str, args.dirs))}"
    )
    print(
        f"work under Ray 2.10: {len(ray_ok)}; of those, under the shim: {len(shim_ok)} "
        f"({100.0 * len(shim_ok) / max(len(ray_ok), 1):.1f}%); occurrences "
        f"{figures['of_those_occurrences_work_under_shim']}/{figures['occurrences_work_under_ray_2_10']}"
    )
    for statement, error in figures["fail_under_shim"].items():
        print(f"  FAIL {statement}  ->  {error}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
