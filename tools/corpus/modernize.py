"""Modernized copies of the corpus repositories: only the modernize rules' fixes applied.

    PYTHONPATH=. python tools/corpus/modernize.py --cache /work/corpus    (make corpus-modernize)

For every repository of the cache, copies its cached files to
``<cache>/modernized/<owner+name>/`` and applies to each ``.py`` file **only** the
modernize rules (:data:`CODES`: RLM035 renamed Ray paths and names, RLM036
``build_torch_policy`` → ``build_policy_class(framework="torch")``), nothing else. Writes
``<cache>/modernized/MODERNIZED.json``: per repository, per changed file, the codes whose fixes
were applied and the manual findings left (what still blocks Ray 2.10 there).

The recorder (``record_corpus.py``, Ray 2.10) imports a policy file from this copy only when
the original does not import, and says so in its recording (``modernized``: the codes); the shim
judge and ``verify``'s legacy side then run the same modernized file (tools/corpus/README.md,
"Decided: the modernize stage").
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import MODERNIZED as FOLDER  # noqa: E402

from rlmigrate.codemod.ray_renames import MODERNIZE_CODES  # noqa: E402
from rlmigrate.codemod.rules import ALL_RULES  # noqa: E402
from rlmigrate.codemod.targets import Target  # noqa: E402
from rlmigrate.codemod.transform import rewrite_source  # noqa: E402

#: the modernize rules: fixes that only respell what Ray renamed (docs/rules.md)
CODES = MODERNIZE_CODES
INDEX = "MODERNIZED.json"


def modernize_text(text: str, path: str) -> tuple[str, list[str], list[str]]:
    """``text`` after only the modernize fixes: the new text, the codes whose fixes were
    applied (sorted), and the manual findings (``"line: CODE message"``)."""
    outcome = rewrite_source(text, path=path, target=Target("rlmigrate"), selected=CODES,
                             rule_classes=ALL_RULES)
    applied = sorted({f.code for f in outcome.findings if f.status == "converted"})
    manual = [f"{f.line}: {f.code} {f.message}" for f in outcome.findings if f.status == "manual"]
    return outcome.text, applied, manual


def modernize_repository(source: Path, dest: Path) -> dict[str, Any]:
    """Copy ``source`` to ``dest`` and modernize every ``.py`` file there; per changed or
    blocked file (relative path): ``{"codes": [...], "manual": [...]}``."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__"))
    report: dict[str, Any] = {}
    for path in sorted(dest.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            new, applied, manual = modernize_text(text, str(path))
        except Exception as exc:  # noqa: BLE001 - a file the codemod cannot parse stays as it is
            report[str(path.relative_to(dest))] = {"codes": [], "manual": [f"not parsed: {exc}"]}
            continue
        if new != text:
            path.write_text(new, encoding="utf-8")
        if applied or manual:
            report[str(path.relative_to(dest))] = {"codes": applied, "manual": manual}
    return report


def repositories(cache: Path) -> list[str]:
    """The cache's repository folders (``owner+name``; not ``deps``, ``oracle``, ``modernized``)."""
    return sorted(p.name for p in cache.iterdir() if p.is_dir() and "+" in p.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True)
    args = parser.parse_args(argv)
    out: dict[str, Any] = {"codes": sorted(CODES), "repositories": {}}
    for repo in repositories(args.cache):
        report = modernize_repository(args.cache / repo, args.cache / FOLDER / repo)
        out["repositories"][repo] = report
        changed = sum(bool(r["codes"]) for r in report.values())
        print(f"{repo}: {changed} file(s) modernized, "
              f"{sum(bool(r['manual']) for r in report.values())} with findings left")
    (args.cache / FOLDER / INDEX).write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
