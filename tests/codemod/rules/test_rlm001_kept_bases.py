"""RLM001: a converted class that keeps a base of its own is review, never silently safe."""

from __future__ import annotations

from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

SOURCE = '''
import torch.nn as nn
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2


class Helpers:
    def scale(self, x):
        return 2 * x


class Model(TorchModelV2, Helpers, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.pi = nn.Linear(obs_space.shape[0], num_outputs)

    def forward(self, input_dict, state, seq_lens):
        return self.scale(self.pi(input_dict["obs"])), state
'''


def test_a_kept_base_makes_the_class_review():
    outcome = rewrite_source(SOURCE, path="m.py", target=Target("rlmigrate"),
                             selected=select_codes(), rule_classes=ALL_RULES)
    assert "class Model(TorchRLModule, Helpers):" in outcome.text
    kept = [f for f in outcome.findings if "keeps the base Helpers" in f.message]
    assert kept and kept[0].status == "review" and kept[0].line == 11
    cls = [f for f in outcome.findings if f.message.startswith("Model: TorchModelV2")]
    assert cls[0].status == "review"
