"""Per-rule before/after pairs, a must-not-change fixture per rule, and rule documentation."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlmigrate.codemod.cli_rules import rule_doc_text
from rlmigrate.codemod.rules import ALL_RULES, rules_by_code
from rlmigrate.codemod.rules.base import DOC_SECTIONS, FIX_SAFETIES
from rlmigrate.codemod.rules_doc import render_rules_markdown
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

ROOT = Path(__file__).resolve().parents[3]
RULES_DIR = ROOT / "fixtures" / "rules"
# Rules that only act together with another one (the pair in the fixture is run with both).
DEPENDS = {"RLM002": {"RLM001"}, "RLM020": {"RLM021"}}
# Rules that act only for one --target.
TARGET_OF = {"RLM059": "ray"}
CODES = sorted(rules_by_code())


def run_rule(code: str, text: str):
    selected = frozenset({code, "RLM050"} | DEPENDS.get(code, set()))
    return rewrite_source(text, path=f"{code}.py", target=Target(TARGET_OF.get(code, "rlmigrate")),
                          selected=selected, rule_classes=ALL_RULES)


@pytest.mark.parametrize("code", CODES)
def test_before_becomes_after(code):
    folder = RULES_DIR / code
    outcome = run_rule(code, (folder / "before.py").read_text())
    assert outcome.text == (folder / "after.py").read_text()
    assert any(f.code == code for f in outcome.findings) or code == "RLM050"


@pytest.mark.parametrize("code", CODES)
def test_unchanged_fixture_is_not_changed(code):
    text = (RULES_DIR / code / "unchanged.py").read_text()
    assert run_rule(code, text).text == text


@pytest.mark.parametrize("code", CODES)
def test_rule_has_complete_documentation(code):
    rule = rules_by_code()[code]
    assert rule.fix_safety in FIX_SAFETIES
    sections = rule.doc_sections()
    for name in DOC_SECTIONS:
        assert sections[name].strip(), f"{code}: empty {name}"
    assert code in rule_doc_text(code.lower())


def test_one_rule_per_file_named_after_code():
    for rule in ALL_RULES:
        module = rule.__module__.rsplit(".", 1)[-1]
        assert module.startswith(rule.code.lower() + "_"), module


def test_docs_rules_page_is_fresh():
    page = ROOT / "docs" / "rules.md"
    assert page.read_text() == render_rules_markdown(), (
        "docs/rules.md is stale: run `python -m rlmigrate.codemod.rules_doc > docs/rules.md`"
    )


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_doc_before_and_after_snippets_are_valid_python(rule):
    sections = rule.doc_sections()
    for name in ("Before", "After"):
        compile(sections[name], f"<{rule.code} {name}>", "exec")
