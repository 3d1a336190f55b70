"""One hostile file costs that file a finding; the run goes on and reports (issue 11, item 3).

The crashing cases run the codemod in a child interpreter: before isolation a native crash
took the whole process down (``-j 1``: exit 139, no report) or hung the pool (``-j 2``), and
a test must not take pytest down with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import rlmigrate
from rlmigrate.codemod import engine as engine_mod
from rlmigrate.codemod.engine import RunOptions, run

# Literal codes, not the findings constants: the tests must also run (and fail) on the code
# from before these codes existed.
INPUT_LIMIT, WORKER_CRASH, RULE_CRASH = "RLM907", "RLM908", "RLM906"

ROOT = Path(__file__).resolve().parents[2]
MLP = (ROOT / "fixtures" / "legacy" / "mlp.py").read_text()
# The child runs in (and imports from) the checkout whose rlmigrate this test imported.
PACKAGE_ROOT = str(Path(rlmigrate.__file__).resolve().parents[1])
LEGACY_IMPORT = "from ray.rllib.models.torch.torch_modelv2 import TorchModelV2\n"


def _child(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter that imports the rlmigrate under test."""
    env = {**os.environ, "PYTHONPATH": PACKAGE_ROOT}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=PACKAGE_ROOT)


def _cli_json(args: list[str], timeout: float = 60) -> tuple[int, dict]:
    env = {**os.environ, "PYTHONPATH": PACKAGE_ROOT}
    proc = subprocess.run([sys.executable, "-m", "rlmigrate.cli", *args, "--format", "json",
                           "--no-progress"], capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=PACKAGE_ROOT)
    assert proc.stdout, f"no report (exit {proc.returncode}): {proc.stderr[-500:]}"
    return proc.returncode, json.loads(proc.stdout)


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("command", [["scan"], ["rewrite", "--check"], ["rewrite"]])
def test_parentheses_nested_5000_deep_are_an_input_limit_and_the_run_goes_on(tmp_path, jobs, command):
    # libcst's native parser segfaults on this (issue 11); CPython refuses it too.
    deep = tmp_path / "a_deep.py"
    deep.write_text(LEGACY_IMPORT + "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    (tmp_path / "b_mlp.py").write_text(MLP)
    code, report = _cli_json([*command, "-j", jobs, str(tmp_path)], timeout=30)
    by_name = {Path(f["path"]).name: f for f in report["findings"] if f["status"] == "error"}
    assert code == 2 and set(by_name) == {"a_deep.py"}
    assert by_name["a_deep.py"]["code"] == INPUT_LIMIT
    assert "nested" in by_name["a_deep.py"]["message"]
    assert report["summary"]["seen"] == 2 and report["summary"]["rewritten"] == 1
    assert deep.read_text().startswith(LEGACY_IMPORT)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_worker_killed_by_a_signal_costs_one_file_and_never_hangs(tmp_path, jobs):
    for name in ("a_ok.py", "b_crash.py", "c_ok.py", "d_ok.py"):
        (tmp_path / name).write_text(MLP)
    proc = _child(f"""
        import json, os, signal
        from rlmigrate.codemod import engine
        real = engine.rewrite_source
        def hostile(text, *, path, **kw):
            if path.endswith("b_crash.py"):
                os.kill(os.getpid(), signal.SIGSEGV)  # what libcst's parser does on deep input
            return real(text, path=path, **kw)
        engine.rewrite_source = hostile
        result = engine.run([{str(tmp_path)!r}], engine.RunOptions(mode="check"), jobs={jobs})
        print(json.dumps([(os.path.basename(r.path), r.status, [f.code for f in r.findings],
                           [f.message for f in r.findings if f.status == "error"])
                          for r in result.files]))
    """, timeout=30)
    assert proc.returncode == 0, proc.stderr[-500:]
    files = {name: (status, codes, errors) for name, status, codes, errors in json.loads(proc.stdout)}
    assert files["b_crash.py"][0] == "error" and files["b_crash.py"][1] == [WORKER_CRASH]
    assert "SIGSEGV" in files["b_crash.py"][2][0]
    assert [files[n][0] for n in ("a_ok.py", "c_ok.py", "d_ok.py")] == ["converted"] * 3


def test_a_file_past_the_time_budget_is_reported_and_the_run_goes_on(tmp_path, monkeypatch):
    for name in ("a_slow.py", "b_ok.py"):
        (tmp_path / name).write_text(MLP)
    real = engine_mod.rewrite_source

    def slow(text, *, path, **kw):
        if path.endswith("a_slow.py"):
            time.sleep(120)
        return real(text, path=path, **kw)

    monkeypatch.setattr(engine_mod, "rewrite_source", slow)  # inherited by the forked worker
    start = time.monotonic()
    result = run([tmp_path], RunOptions(mode="check", file_timeout=2.0), jobs=1)
    assert time.monotonic() - start < 60
    slow_file, ok_file = result.files
    assert slow_file.status == "error" and slow_file.findings[0].code == INPUT_LIMIT
    assert "--file-timeout 2" in slow_file.findings[0].message
    assert ok_file.status == "converted"


@pytest.mark.parametrize("body", [
    "x = " + "[" * 150 + "1" + "]" * 150,
    "x = " + "f(" * 150 + "1" + ")" * 150,
    "x = " + "(" * 199 + "1" + ")" * 199,
    "x = " + "+".join(["1"] * 1000),
    "".join("    " * i + "if x:\n" for i in range(99)) + "    " * 99 + "pass",
], ids=["list150", "call150", "paren199", "plus1000", "if99"])
def test_deeply_nested_valid_code_is_handled_not_reported_as_a_codemod_bug(tmp_path, body):
    file = tmp_path / "deep.py"
    file.write_text(MLP + "\n\n" + body + "\n")
    compile(file.read_text(), "deep.py", "exec")
    result = run([file], RunOptions(mode="check"), jobs=1)
    assert [f.code for f in result.files[0].findings if f.status == "error"] == []
    assert result.files[0].status == "converted"


@pytest.mark.parametrize("body", [
    "x = a" + ".b" * 100_000,  # CPython: RecursionError; libcst: minutes, then a stack overflow
    "y = " + "-" * 100_000 + "1",  # CPython: parser stack overflow; libcst: SIGSEGV
    "z = " + "not " * 50_000 + "1",
], ids=["attributes", "unary", "not"])
def test_nesting_past_what_python_parses_is_an_input_limit_not_a_bug(tmp_path, body):
    file = tmp_path / "deep.py"
    file.write_text(LEGACY_IMPORT + body + "\n")
    proc = _child(f"""
        import json
        from rlmigrate.codemod.engine import RunOptions, run
        result = run([{str(file)!r}], RunOptions(mode="check"), jobs=1)
        print(json.dumps([f.code for f in result.files[0].findings if f.status == "error"]))
    """, timeout=60)
    assert proc.returncode == 0, proc.stderr[-300:]
    assert json.loads(proc.stdout) == [INPUT_LIMIT]


def test_size_budget_default_stops_a_6_5_mb_file_and_skips_big_unrelated_ones(tmp_path):
    assert RunOptions().max_file_bytes is not None and RunOptions().max_file_bytes < 6_500_000
    assert RunOptions().max_file_bytes >= 1_000_000  # never trips on a real model file
    big = tmp_path / "a_big.py"
    big.write_text(MLP + "# padding\n" * 30_000)  # ~330 kB, legacy
    unrelated = tmp_path / "b_generated.py"
    unrelated.write_text("TABLE = [\n" + "    1,\n" * 60_000 + "]\n")  # ~420 kB, no legacy token
    start = time.monotonic()
    result = run([tmp_path], RunOptions(mode="check", max_file_bytes=100_000), jobs=1)
    assert time.monotonic() - start < 20
    big_result, unrelated_result = result.files
    assert big_result.findings[0].code == INPUT_LIMIT
    assert "--max-file-bytes 100,000" in big_result.findings[0].message
    assert unrelated_result.status == "skipped" and unrelated_result.prefiltered


def test_max_file_bytes_and_file_timeout_are_cli_options(tmp_path):
    (tmp_path / "m.py").write_text(MLP)
    code, report = _cli_json(["scan", "--max-file-bytes", "1000", "--file-timeout", "30",
                              str(tmp_path)])
    assert code == 2 and report["findings"][0]["code"] == INPUT_LIMIT
