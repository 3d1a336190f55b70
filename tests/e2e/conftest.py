"""End-to-end fixtures: one ``rlmigrate rewrite`` of ``fixtures/legacy`` per test session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
LEGACY_DIR = ROOT / "fixtures" / "legacy"

torch.set_num_threads(1)  # small models on a shared 2-core machine


@pytest.fixture(scope="session")
def rewritten(tmp_path_factory) -> tuple[Path, dict]:
    """``rlmigrate rewrite fixtures/legacy --out OUT --report REPORT --format json`` once."""
    from rlmigrate.cli import main

    out = tmp_path_factory.mktemp("migrated")
    report = out / "report.json"
    code = main(
        [
            "rewrite",
            str(LEGACY_DIR),
            "--out",
            str(out),
            "--report",
            str(report),
            "--format",
            "json",
            "--no-progress",
            "-j",
            "1",
        ]
    )
    assert code in (0, 1, 2), code  # 2: the fixture with a syntax error is reported, on purpose
    return out, json.loads(report.read_text())
