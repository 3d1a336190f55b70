"""RLM076 / RLM077: what is converted, and what is left manual with a precise reason."""

from __future__ import annotations

import libcst as cst
import pytest

from rlmigrate.codemod.rules import ALL_RULES
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

HEADER = "import torch\nfrom ray.rllib.algorithms.dqn.dqn_torch_model import DQNTorchModel\n"
SAC_HEADER = "from ray.rllib.algorithms.sac.sac_torch_model import SACTorchModel\n"


def run(text: str, target: str = "rlmigrate"):
    return rewrite_source(text, path="m.py", target=Target(target),
                          selected=frozenset({"RLM076", "RLM077", "RLM050"}), rule_classes=ALL_RULES)


def _dqn(init: str, extra: str = "") -> str:
    return HEADER + (
        "class Q(DQNTorchModel):\n"
        "    def __init__(self, obs_space, action_space, num_outputs, model_config, name, **kw):\n"
        f"        {init}\n"
        "        self.body = torch.nn.Linear(obs_space.shape[0], num_outputs)\n\n"
        "    def forward(self, input_dict, state, seq_lens):\n"
        "        return self.body(input_dict['obs']), state\n" + extra)


def test_subclass_gets_build_q_heads_and_embeddings() -> None:
    out = run(_dqn("super().__init__(obs_space, action_space, num_outputs, model_config, name, **kw)"))
    assert "class Q(DQNTorchRLModule):" in out.text
    assert "self.build_q_heads(num_outputs)" in out.text and "Columns.EMBEDDINGS" in out.text
    assert [f.status for f in out.findings if f.code == "RLM076"] == ["review"]
    assert run(out.text).text == out.text  # idempotent


@pytest.mark.parametrize("init, reason", [
    ("super().__init__(obs_space, action_space, 2 * num_outputs, model_config, name)", "num_outputs other than"),
    ("super().__init__(obs_space, action_space, num_outputs, model_config, name, shape=3)", "passes shape="),
    ("torch.nn.Module.__init__(self)", "never calls DQNTorchModel.__init__"),
])
def test_unmappable_constructor_calls_are_manual_with_the_reason(init: str, reason: str) -> None:
    source = _dqn(init)
    out = run(source)
    assert out.text == source
    messages = [f.message for f in out.findings if f.code == "RLM076" and f.status == "manual"]
    assert any(reason in m for m in messages), messages


def test_overriding_the_q_heads_is_manual() -> None:
    extra = "\n    def get_state_value(self, model_out):\n        return model_out.sum(-1)\n"
    out = run(_dqn("super().__init__(obs_space, action_space, num_outputs, model_config, name)", extra))
    assert any("overrides get_state_value()" in f.message and f.status == "manual" for f in out.findings)


def test_target_ray_is_manual() -> None:
    out = run(_dqn("super().__init__(obs_space, action_space, num_outputs, model_config, name)"), "ray")
    assert any("--target ray" in f.message and f.status == "manual" for f in out.findings)


def test_rllibs_own_interface_becomes_the_module_keeping_its_docstring() -> None:
    source = ("import torch.nn as nn\nfrom ray.rllib.models.torch.torch_modelv2 import TorchModelV2\n\n"
              "class DQNTorchModel(TorchModelV2, nn.Module):\n    \"\"\"Dueling heads.\"\"\"\n\n"
              "    def __init__(self, obs_space, action_space, num_outputs, model_config, name):\n"
              "        nn.Module.__init__(self)\n\n"
              "    def get_q_value_distributions(self, model_out):\n        return model_out\n\n"
              "    def get_state_value(self, model_out):\n        return model_out\n")
    out = run(source)
    cst.parse_module(out.text)
    assert 'class DQNTorchModel(DQNTorchRLModule):\n    """Dueling heads."""\n' in out.text
    assert "get_state_value" not in out.text


def test_sac_subclass_overriding_networks_is_manual() -> None:
    source = SAC_HEADER + ("class S(SACTorchModel):\n    def build_q_model(self, *args):\n"
                           "        return None\n")
    out = run(source)
    assert out.text == source
    assert any("overrides build_q_model()" in f.message for f in out.findings if f.status == "manual")


def test_sac_subclass_base_swapped_and_legacy_net_reads_reported() -> None:
    source = SAC_HEADER + "class S(SACTorchModel):\n    def n(self):\n        return self.q_net\n"
    out = run(source)
    assert "class S(SACTorchRLModule):" in out.text
    assert any("self.qf" in f.message for f in out.findings if f.code == "RLM077")
