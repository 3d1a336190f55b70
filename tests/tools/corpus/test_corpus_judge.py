"""Figures of tools/corpus/judge.py and the comparisons behind them."""

from __future__ import annotations

import json

import judge
import judge_codemod
import judge_shim
import numpy as np
import pytest


def test_diff_treats_equal_infinities_and_nans_as_equal_and_shape_changes_as_infinite():
    a = np.array([1.0, -np.inf, np.nan], np.float32)
    assert judge_shim._diff(a, a.copy()) == 0.0
    assert judge_shim._diff(a, np.array([1.0, np.inf, np.nan], np.float32)) == np.inf
    assert judge_shim._diff(a, np.array([1.0, -np.inf, 0.0], np.float32)) == np.inf
    assert judge_shim._diff(a[:2], a) == np.inf
    assert abs(judge_shim._diff(np.array([1.0]), np.array([1.25])) - 0.25) < 1e-12


def _row(status, buildable=True, error=""):
    return {"status": status, "ray_buildable": buildable, "error": error,
            "ray_error": "" if buildable else error}


def test_shim_figures_count_only_ray_buildable_classes():
    rows = [_row("match"), _row("match"),
            _row("import", error="ImportError: shim.ray_compat does not provide 'ray.air'"),
            _row("build", error="AttributeError: module 'numpy' has no attribute 'product'"),
            _row("mismatch", error="differs from Ray 2.10: out"),
            _row("ray-unbuildable", False, "import: ModuleNotFoundError: No module named 'dnc'")]
    figures = judge.shim_figures(rows)
    assert figures["classes"] == 6 and figures["ray_buildable"] == 5
    assert (figures["shim_import"], figures["shim_build"], figures["shim_match"]) == (4, 3, 2)
    assert figures["shim_match_pct"] == 40.0 and figures["numeric_mismatches"] == 1
    assert figures["failure_reasons"] == {
        "shim lacks a path Ray 2.10 has: ray.air": 1,
        "numpy-1 name np.product (removed in numpy 2)": 1,
    }
    assert figures["ray_unbuildable_reasons"] == {"third-party package not installed: dnc": 1}


def test_codemod_figures():
    classes = [
        {"outcome": "rewritten", "status": "converted", "verify": "equivalent"},
        {"outcome": "rewritten", "status": "converted", "verify": "different"},
        {"outcome": "rewritten", "status": "review", "verify": ""},
        {"outcome": "manual", "status": "manual", "verify": ""},
        {"outcome": "dropped", "status": "", "verify": ""},
    ]
    policies = [
        {"framework": "torch", "finding": True, "module_generated": True},
        {"framework": "tf", "finding": False, "module_generated": False},
    ]
    f = judge.codemod_figures(classes, policies)
    assert (f["rewritten"], f["manual"], f["dropped_silently"]) == (3, 1, 1)
    assert (f["rewritten_ray_buildable"], f["verify_equivalent"], f["safe_not_proven"]) == (2, 1, 1)
    assert f["policies_without_finding"] == 1 and f["torch_policies_with_module_pct"] == 100.0


def test_class_finding_prefers_the_class_line_and_its_worst_status():
    findings = [
        {"line": 10, "status": "converted", "message": "M: converted"},
        {"line": 10, "status": "manual", "message": "M: left unchanged"},
        {"line": 30, "status": "manual", "message": "Other left unchanged"},
    ]
    assert judge_codemod._class_finding(findings, "M", 10)["status"] == "manual"
    assert judge_codemod._class_finding(findings, "Other", 20)["line"] == 30
    assert judge_codemod._class_finding(findings, "Missing", 5) is None


def test_reason_groups_first_error_lines():
    assert judge.reason("ImportError: shim.ray_compat does not provide 'ray.rllib.models.tf'") == (
        "shim lacks a path Ray 2.10 has: ray.rllib.models.tf")
    assert judge.reason("import: ModuleNotFoundError: No module named 'ray.rllib.agents'") == (
        "pre-2.10 Ray API: ray.rllib.agents")
    assert judge.reason("import: ModuleNotFoundError: No module named 'torchinfo'") == (
        "third-party package not installed: torchinfo")
    assert judge.reason("AttributeError: module 'numpy' has no attribute 'product'") == (
        "numpy-1 name np.product (removed in numpy 2)")
    assert judge.reason("forward: NotImplementedError") == "abstract / incomplete model class"
    assert judge.reason("NotInShimError: ray.rllib.examples.policy.random_policy.RandomPolicy comes from "
                        "Ray's example files, which the shim does not ship") == (
        "imports Ray's example file ray.rllib.examples.policy.random_policy (the shim ships no examples)")
    assert judge.reason("NameError: @override(Policy): Policy has no method 'init_view_requirements'") == (
        "shim Policy lacks the method init_view_requirements")
    assert judge.reason("forward: RuntimeError: shapes differ").startswith("other: ")


def test_verify_gets_the_recordings_here_substitution(monkeypatch, tmp_path):
    """A case naming a data file (``{here}/manifest.json``, read by the model's ``__init__``) must
    reach ``rlmigrate verify`` with the path Ray's recording used, not the placeholder."""
    import subprocess

    import harness

    seen: list[list[str]] = []

    def fake_run(cmd, **kwargs):
        seen.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, '{"verdict": "equivalent", "message": ""}\n', "")

    monkeypatch.setattr(judge_codemod.subprocess, "run", fake_run)
    case = {"obs_space": "Box(-1, 1, (4,))", "action_space": "Discrete(2)",
            "model_config": {"custom_model_config": {"input_files": "{here}/manifest.json"}}}
    verdict, _ = judge_codemod.verify_rewrite(tmp_path, tmp_path / "a.py", tmp_path / "b.py", "M",
                                              case, tmp_path)
    config = json.loads(seen[0][seen[0].index("--model-config") + 1])
    assert verdict == "equivalent"
    assert config["custom_model_config"]["input_files"] == f"{harness.HERE}/manifest.json"
    assert (harness.HERE / "manifest.json").is_file()


@pytest.mark.parametrize(
    "report, counted",
    [({"examples": 20, "raised": {}}, True),
     ({"examples": 20, "raised": {"IndexError": 8}, "recorded_acted": 200, "recorded_raised": {}}, True),
     ({"examples": 20, "raised": {"IndexError": 20}}, True),  # as many acted as raised
     ({"examples": 20, "raised": {"AttributeError": 113}}, False),  # a search that always fails
     ({"examples": 20, "raised": {"KeyError": 5}, "recorded_acted": 0, "recorded_raised": {"KeyError": 16}}, False)],
)
def test_an_equivalence_over_a_mostly_raising_legacy_side_is_not_counted(monkeypatch, tmp_path, report, counted):
    """verify's equivalence includes the legacy code's own failures; the judge counts a proof only
    when the legacy side acted on at least as many inputs (generated and recorded) as it raised on."""
    import subprocess

    out = json.dumps({"verdict": "equivalent", "message": "RLModule M is equivalent", "report": report})
    monkeypatch.setattr(judge_codemod.subprocess, "run",
                        lambda cmd, **kw: subprocess.CompletedProcess(cmd, 0, out + "\n", ""))
    verdict, message = judge_codemod.run_verify(tmp_path, ["verify"], tmp_path)
    assert (verdict == "equivalent") is counted
    if not counted:
        assert verdict == judge_codemod.MOSTLY_FAILING and message.startswith("not counted: the legacy code itself raised")
        assert message.endswith("RLModule M is equivalent")


_BASE = '''import torch.nn as nn
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2


class Base(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.pi = nn.Linear(obs_space.shape[0], num_outputs)

    def forward(self, input_dict, state, seq_lens):
        return self.pi(input_dict["obs"]), state
'''
_CHILD = '''from base import Base


class Child(Base):
    def forward(self, input_dict, state, seq_lens):
        return self.pi(input_dict["obs"]) * 2, state
'''


def test_each_repository_is_its_own_rewrite_run(tmp_path):
    """Repository b's ``from base import Base`` must not find repository a's base.py: one run
    over both folders would link them (a project index spans its run), a team runs its own tree."""
    from pathlib import Path

    src, out = tmp_path / "src", tmp_path / "out"
    (src / "a+a").mkdir(parents=True)
    (src / "b+b").mkdir()
    (src / "a+a" / "base.py").write_text(_BASE)
    (src / "b+b" / "child.py").write_text(_CHILD)
    repo_root = Path(__file__).resolve().parents[3]
    report = judge_codemod.rewrite_per_repository(repo_root, src, out, tmp_path)
    by_file = judge_codemod._findings_by_file(report, src)
    assert {f["code"] for f in by_file["a+a/base.py"]} == {"RLM001"}
    assert "b+b/child.py" not in by_file  # no legacy base of its own run: nothing to say
    assert report["summary"]["seen"] == 2 and report["summary"]["rewritten"] == 1
    assert (out / "a+a" / "base.py").read_text() != _BASE  # each run writes under out/<repository>
    assert not (out / "b+b" / "child.py").exists() or (out / "b+b" / "child.py").read_text() == _CHILD
