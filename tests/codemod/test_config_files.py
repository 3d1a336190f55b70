"""YAML/JSON experiment configs: legacy model names under ``model`` are reported with lines."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlmigrate.codemod.config_files import scan_config_file
from rlmigrate.codemod.engine import RunOptions, run

NAMES = st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(NAMES, min_size=1, max_size=4, unique=True), as_json=st.booleans())
def test_every_custom_model_under_model_is_reported_at_its_line(tmp_path_factory, names, as_json):
    experiments = {
        f"exp{i}": {"run": "PPO", "config": {"model": {"custom_model": name, "fcnet_hiddens": [8]}}}
        for i, name in enumerate(names)
    }
    folder = tmp_path_factory.mktemp("configs")
    file = folder / ("exp.json" if as_json else "exp.yaml")
    text = json.dumps(experiments, indent=2) if as_json else yaml.safe_dump(experiments)
    file.write_text(text)
    result = scan_config_file(file, folder)
    assert result.status == "manual"
    assert sorted(f.message.split("'")[1] for f in result.findings) == sorted(names)
    lines = text.splitlines()
    for finding in result.findings:
        assert "custom_model" in lines[finding.line - 1]


def test_data_files_that_only_mention_the_word_are_skipped(tmp_path):
    (tmp_path / "cases.json").write_text(json.dumps({"a": {"custom_model_config": {}, "custom_model": "x"}}))
    (tmp_path / "broken.yaml").write_text("model: [custom_model\n")
    result = run([tmp_path], RunOptions(mode="scan"), jobs=1)
    assert [r.status for r in result.files] == ["skipped", "skipped"]


def test_configs_are_mirrored_unchanged_with_out(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    text = "model:\n  custom_model: my_model\n"
    (src / "exp.yml").write_text(text)
    result = run([src], RunOptions(mode="write", out_dir=out), jobs=1)
    assert (out / "exp.yml").read_text() == text and (src / "exp.yml").read_text() == text
    assert result.files[0].findings[0].line == 2 and not result.files[0].written


def test_rewritten_config_of_a_converted_project_has_no_model_findings(tmp_path: Path):
    (tmp_path / "exp.yaml").write_text("model:\n  fcnet_hiddens: [64]\n")
    assert run([tmp_path], RunOptions(mode="scan"), jobs=1).files[0].status == "skipped"
