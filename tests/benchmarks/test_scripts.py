"""Every benchmark script writes a record report.py reads, and exits 1 exactly when it missed.

The scripts run at their smallest settings (figures meaningless, plumbing real): the point
is that the JSON they write stays readable by the report and that ``make bench`` can trust
their exit status.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUICK = {
    "forward_overhead": ["--quick"],
    "default_modules": ["--quick"],
    "shim_overhead": ["--n", "10", "--warmup", "2", "--no-ray"],
    "codemod_throughput": ["--files", "40", "--rounds", "1", "--repeats", "1"],
    "verify_overhead": ["--repeats", "1"],
}


def test_every_benchmark_script_has_quick_settings():
    scripts = {p.stem for p in (ROOT / "benchmarks").glob("[a-z]*.py")} - {"report"}
    # scripts that need what CI does not have (a corpus, Ray) may be absent from QUICK
    assert set(QUICK) <= scripts


@pytest.mark.parametrize("name", sorted(QUICK))
def test_script_writes_a_record_and_exits_by_its_targets(name, tmp_path):
    out = tmp_path / f"{name}.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), *QUICK[name], "--json", str(out)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    record = json.loads(out.read_text())
    assert record["benchmark"] == name and record["measures"]
    missed = [m["name"] for m in record["measures"] if m["met"] is False]
    assert done.returncode == (1 if missed else 0)
    assert record["targets_met"] is (not missed)
    assert ("TARGETS MISSED" in done.stdout) is bool(missed)
    for measure in record["measures"]:
        assert measure["values"] and all(v >= 0 for v in measure["values"].values()), measure
        assert (measure["target"] is None) is (measure["met"] is None)
