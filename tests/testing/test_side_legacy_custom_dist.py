"""The legacy side acts with the legacy custom distribution even when a migrated file
re-registered its name with the new-stack port."""

from __future__ import annotations

import textwrap

import gymnasium as gym
import pytest

from rlmigrate.testing.loading import load_reference
from rlmigrate.testing.side_legacy import LegacyModelSide

LEGACY = textwrap.dedent('''
    import torch
    import torch.nn as nn
    from shim.models.action_dist_base import TorchDistributionWrapper
    from shim.models.torch_modelv2 import TorchModelV2


    class {dist}(TorchDistributionWrapper):
        def __init__(self, inputs, model=None):
            super().__init__(inputs * 3.0, model)
            self.dist = torch.distributions.Categorical(logits=self.inputs)

        @staticmethod
        def required_model_output_shape(action_space, model_config):
            return action_space.n


    class Model(TorchModelV2, nn.Module):
        def __init__(self, obs_space, action_space, num_outputs, model_config, name):
            TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
            nn.Module.__init__(self)
            self.pi = nn.Linear(obs_space.shape[0], num_outputs)

        def forward(self, input_dict, state, seq_lens):
            return self.pi(input_dict["obs"]), state
''')


class NotLegacy:
    """Stands in for a migrated (new-stack) class registered under the legacy name."""


def _build(tmp_path, dist_name: str, registered: type) -> LegacyModelSide:
    from shim.models.catalog import ModelCatalog

    path = tmp_path / "legacy_side_dist.py"
    path.write_text(LEGACY.format(dist=dist_name))
    model, module = load_reference(f"{path}:Model", legacy=True)
    registered.__name__ = "Sharp"
    ModelCatalog.register_custom_action_dist("side_test_sharp", registered)
    return LegacyModelSide.build(
        model, label="legacy", observation_space=gym.spaces.Box(-1, 1, (4,)),
        action_space=gym.spaces.Discrete(3), model_config={"custom_action_dist": "side_test_sharp"},
    ), module


def test_reregistered_name_resolves_to_the_legacy_class_of_the_model_module(tmp_path):
    side, module = _build(tmp_path, "Sharp", NotLegacy)
    assert side.dist_cls is module.Sharp


def test_reregistered_name_without_a_legacy_class_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="side_test_sharp.*not a legacy ActionDistribution"):
        _build(tmp_path, "Other", NotLegacy)
