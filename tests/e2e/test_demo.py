"""``make demo`` (``python -m rlmigrate.demo``): rewrites, verifies, serves a legacy policy,
prints one table, and fails when a conversion marked safe does not verify."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import rlmigrate.demo as demo

ROOT = Path(__file__).resolve().parents[2]


def test_demo_fails_when_a_safe_conversion_does_not_verify(
    rewritten, tmp_path, monkeypatch, capsys
):
    real = demo.verify_case
    out_dir, report = rewritten

    def reuse_session_rewrite(root, out, report_path):  # the same CLI call ran once per session
        shutil.copytree(out_dir, out)
        report_path.write_text(json.dumps(report))
        return report

    def broken_for_mlp(legacy_file, migrated_file, case, examples):
        if legacy_file.name == "mlp.py":  # status "converted": marked safe
            return {"ok": False, "max_abs": None, "detail": "explore=False: simulated difference"}
        return real(legacy_file, migrated_file, case, examples)

    monkeypatch.setattr(demo, "verify_case", broken_for_mlp)
    monkeypatch.setattr(demo, "rewrite", reuse_session_rewrite)
    code = demo.main(["--root", str(ROOT), "--build", str(tmp_path / "build"), "--examples", "10"])
    out = capsys.readouterr().out
    assert code == 1
    assert "conversions marked safe that fail verification" in out and "mlp.py:MLPModel" in out
    # everything else was really verified, and the legacy policy was served
    assert out.count("equivalent") >= 15 and "DIFFERS" in out
    assert "legacy PPOTorchPolicy(MLPModel).compute_actions" in out and "same actions: True" in out
    for column in ("file", "class", "rules", "status", "equivalence", "max abs diff"):
        assert column in out
    assert (tmp_path / "build" / "report.json").is_file() and (
        tmp_path / "build" / "migrated" / "mlp.py"
    ).is_file()
