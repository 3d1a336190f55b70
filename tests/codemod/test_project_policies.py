"""Policies that take their pieces from other files of the run (project_policies.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from rlmigrate.codemod.engine import RunOptions, run
from rlmigrate.codemod.project_index import build_index
from rlmigrate.codemod.project_policies import scan_module

MODEL = '''import torch.nn as nn
from ray.rllib.models import ModelCatalog
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
from ray.rllib.models.tf.tf_modelv2 import TFModelV2


class TorchNet(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.pi = nn.Linear(obs_space.shape[0], num_outputs)

    def forward(self, input_dict, state, seq_lens):
        return self.pi(input_dict["obs"]), state


class KerasNet(TFModelV2):
    pass


def register(framework):
    ModelCatalog.register_custom_model("net", KerasNet if framework == "tf" else TorchNet)
'''
BASE_POLICY = '''from ray.rllib.agents.ppo.appo_torch_policy import AsyncPPOTorchPolicy


class TeamPolicy(AsyncPPOTorchPolicy):
    pass
'''
DERIVED = '''from pkg.base_policy import TeamPolicy

CONFIG = {"model": {"custom_model": "net"}}


class Striker(TeamPolicy):
    pass
'''


def _project(root: Path) -> None:
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(MODEL)
    (package / "base_policy.py").write_text(BASE_POLICY)
    (package / "striker.py").write_text(DERIVED)


def test_scan_finds_registrations_with_both_arms_and_custom_model_names():
    scan = scan_module(ast.parse(MODEL + '\nCONFIG = {"model": {"custom_model": "net"}}\n'))
    assert scan.registrations == [("net", ["KerasNet", "TorchNet"], 22)]
    assert [name for name, _ in scan.custom_models] == ["net"]


def test_index_knows_policy_bases_and_registrations_of_other_files(tmp_path):
    _project(tmp_path)
    files = [(p, tmp_path) for p in sorted(tmp_path.rglob("*.py"))]
    view = build_index(files).policy_view(str(tmp_path / "pkg" / "striker.py"))
    assert view is not None
    assert view.policy_bases["TeamPolicy"][0] == "AsyncPPOTorchPolicy"
    torch_arm = [r for r in view.registrations["net"] if r.torch]
    assert [r.cls for r in torch_arm] == ["TorchNet"]
    assert view.custom_models_here[0][0] == "net"


def test_policy_whose_base_and_model_live_elsewhere_gets_a_module(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    _project(src)
    result = run([src], RunOptions(mode="write", out_dir=out), jobs=1)
    striker = next(f for f in result.files if f.path.endswith("striker.py"))
    messages = [f.message for f in striker.findings if f.code == "RLM034"]
    assert any("Striker → StrikerRLModule on custom_model 'net'" in m and "TorchNet" in m for m in messages)
    text = (out / "pkg" / "striker.py").read_text()
    assert "from pkg.models import TorchNet" in text
    assert "class StrikerRLModule(TorchNet):" in text
    compile(text, "striker.py", "exec")
    base = (out / "pkg" / "base_policy.py").read_text()
    assert "class TeamPolicyRLModule(" in base  # the base itself acts as APPO on its model
