"""Idempotence and compile-ability as properties over perturbed fixture sources."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / "fixtures" / "legacy"
CASES = json.loads((LEGACY / "CASES.json").read_text())
SOURCES = {
    name: (LEGACY / name).read_text()
    for name in sorted(CASES) if not name.startswith("_") and CASES[name]["status"] != "error"
}
IDENT = st.from_regex(r"[A-Z][a-z]{2,8}", fullmatch=True)


def rewrite(text: str, target: str = "rlmigrate") -> str:
    return rewrite_source(text, path="p.py", target=Target(target), selected=select_codes(),
                          rule_classes=ALL_RULES).text


@st.composite
def perturbed_sources(draw):
    name = draw(st.sampled_from(sorted(SOURCES)))
    text = SOURCES[name]
    for case in CASES[name]["classes"]:
        if draw(st.booleans()):
            text = text.replace(case["legacy"], case["legacy"] + draw(IDENT))
    if draw(st.booleans()):
        text = text.replace("self._", "self._renamed_")
    lines = text.split("\n")
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(lines) - 1))
        indent = len(lines[at]) - len(lines[at].lstrip())
        lines.insert(at, " " * indent + "# " + draw(st.text("abc xyz", max_size=12)))
    text = "\n".join(lines)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text, draw(st.sampled_from(["rlmigrate", "ray"]))


@settings(max_examples=25, deadline=None)
@given(perturbed_sources())
def test_second_run_changes_nothing_and_output_compiles(case):
    text, target = case
    once = rewrite(text, target)
    compile(once, "p.py", "exec")
    assert rewrite(once, target) == once
    assert ("\r\n" in text) == ("\r\n" in once)
