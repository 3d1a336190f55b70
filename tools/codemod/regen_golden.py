"""Rewrite the codemod's golden files from their inputs (run after a deliberate rule change,
then read ``git diff fixtures/`` before committing: the diff is the change's review).

    python tools/codemod/regen_golden.py            # fixtures/expected + fixtures/rules/*/after.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

ROOT = Path(__file__).resolve().parents[2]
DEPENDS = {"RLM002": {"RLM001"}, "RLM020": {"RLM021"}}
TARGET_OF = {"RLM059": "ray"}  # as tests/codemod/rules/test_rule_fixtures.py runs them


def _rewrite(text: str, path: str, selected: frozenset[str], target: str = "rlmigrate") -> str:
    return rewrite_source(text, path=path, target=Target(target), selected=selected,
                          rule_classes=ALL_RULES).text


def main() -> int:
    legacy = ROOT / "fixtures" / "legacy"
    cases = json.loads((legacy / "CASES.json").read_text())
    for source in sorted(legacy.glob("*.py")):
        if cases.get(source.name, {}).get("status") == "error":
            continue
        out = ROOT / "fixtures" / "expected" / source.name
        out.write_text(_rewrite(source.read_text(), source.name, select_codes()))
    for folder in sorted((ROOT / "fixtures" / "rules").iterdir()):
        before = folder / "before.py"
        if before.exists():
            selected = frozenset({folder.name, "RLM050"} | DEPENDS.get(folder.name, set()))
            target = TARGET_OF.get(folder.name, "rlmigrate")
            (folder / "after.py").write_text(_rewrite(before.read_text(), "before.py", selected, target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
