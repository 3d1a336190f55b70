"""Rewrite the codemod's golden files from their inputs (run after a deliberate rule change,
then read ``git diff fixtures/`` before committing: the diff is the change's review).

    python tools/codemod/regen_golden.py            # fixtures/expected + fixtures/rules/*/after.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rlmigrate.codemod.project_index import ProjectIndex, build_index
from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

ROOT = Path(__file__).resolve().parents[2]
DEPENDS = {"RLM002": {"RLM001"}, "RLM020": {"RLM021"}}
TARGET_OF = {"RLM059": "ray"}  # as tests/codemod/rules/test_rule_fixtures.py runs them


def _rewrite(text: str, path: str, selected: frozenset[str], target: str = "rlmigrate",
             index: ProjectIndex | None = None, full_path: Path | None = None) -> str:
    """One file's rewrite; with ``index``, inside the project it belongs to (the legacy
    fixtures form one project, as tests/codemod/test_golden.py rewrites them: a policy may run
    a model registered in another fixture file)."""
    project = {}
    if index is not None and full_path is not None:
        project = {"foreign_bases": index.for_file(str(full_path)),
                   "project": index.policy_view(str(full_path))}
    return rewrite_source(text, path=path, target=Target(target), selected=selected,
                          rule_classes=ALL_RULES, **project).text


def main() -> int:
    legacy = ROOT / "fixtures" / "legacy"
    cases = json.loads((legacy / "CASES.json").read_text())
    index = build_index([(p, legacy) for p in sorted(legacy.glob("*.py"))])
    for source in sorted(legacy.glob("*.py")):
        if cases.get(source.name, {}).get("status") == "error":
            continue
        out = ROOT / "fixtures" / "expected" / source.name
        out.write_text(_rewrite(source.read_text(), source.name, select_codes(), index=index,
                                full_path=source))
    for folder in sorted((ROOT / "fixtures" / "rules").iterdir()):
        before = folder / "before.py"
        if before.exists():
            selected = frozenset({folder.name, "RLM050"} | DEPENDS.get(folder.name, set()))
            target = TARGET_OF.get(folder.name, "rlmigrate")
            (folder / "after.py").write_text(_rewrite(before.read_text(), "before.py", selected, target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
