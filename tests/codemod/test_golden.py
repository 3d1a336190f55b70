"""Golden tests: every legacy fixture rewrites to fixtures/expected/<case>.py, with the status
CASES.json records, and rewriting the golden output changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import libcst as cst
import pytest

from rlmigrate.codemod.engine import RunOptions, process_file
from rlmigrate.codemod.project_index import build_index
from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / "fixtures" / "legacy"
EXPECTED = ROOT / "fixtures" / "expected"
CASES = json.loads((LEGACY / "CASES.json").read_text())
FILES = sorted(p.name for p in LEGACY.glob("*.py"))


# the fixtures form one project: a policy may run a model registered in another fixture file
INDEX = build_index([(p, LEGACY) for p in sorted(LEGACY.glob("*.py"))])


def rewrite(text: str, name: str = "case.py") -> str:
    path = str(LEGACY / name)
    return rewrite_source(text, path=name, target=Target("rlmigrate"), selected=select_codes(),
                          rule_classes=ALL_RULES, foreign_bases=INDEX.for_file(path),
                          project=INDEX.policy_view(path)).text


def test_at_least_twenty_fixtures_each_with_a_case_and_golden_file():
    assert len(FILES) >= 20
    assert set(FILES) == {k for k in CASES if not k.startswith("_")}
    assert set(FILES) == {p.name for p in EXPECTED.glob("*.py")}


@pytest.mark.parametrize("name", FILES)
def test_rewrite_matches_golden(name):
    source = (LEGACY / name).read_text()
    expected = (EXPECTED / name).read_text()
    if CASES[name]["status"] == "error":
        with pytest.raises(cst.ParserSyntaxError):
            rewrite(source, name)
        assert expected == source
        return
    assert rewrite(source, name) == expected


@pytest.mark.parametrize("name", FILES)
def test_status_matches_cases(name, tmp_path):
    result = process_file(LEGACY / name, LEGACY, RunOptions(mode="check", project=INDEX))
    assert result.status == CASES[name]["status"], [f.message for f in result.findings]


@pytest.mark.parametrize("name", [n for n in FILES if CASES[n]["status"] != "error"])
def test_golden_output_is_a_fixed_point(name):
    expected = (EXPECTED / name).read_text()
    assert rewrite(expected, name) == expected
    compile(expected, name, "exec")


@pytest.mark.parametrize("name", [n for n in FILES if CASES[n]["status"] in ("converted", "review")])
def test_converted_files_keep_no_legacy_model_import(name):
    text = (EXPECTED / name).read_text()
    # a legacy model factory (``ModelCatalog.get_model_v2(...)``) stays in place, as the legacy
    # policies that call it do (RLM090 reports the import it keeps)
    kept_factory = "ModelCatalog.get_model_v2(" in text
    for legacy in ("TorchModelV2", "RecurrentNetwork", "ModelCatalog"):
        if legacy == "ModelCatalog" and kept_factory:
            continue
        assert f"import {legacy}" not in text
