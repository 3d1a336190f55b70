"""The legacy side builds and calls a ModelV2 the way RLlib 2.10 did for its config."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest


@pytest.mark.parametrize("disabled", [False, True])
def test_legacy_side_honours_disable_preprocessor_api(disabled):
    from rlmigrate.testing.side_legacy import LegacyModelSide
    from shim.models.torch_modelv2 import TorchModelV2

    class SeesObs(TorchModelV2, __import__("torch").nn.Module):
        def __init__(self, obs_space, action_space, num_outputs, model_config, name):
            TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
            __import__("torch").nn.Module.__init__(self)
            self.space = obs_space
            self.out = __import__("torch").nn.Linear(1, num_outputs)

        def forward(self, input_dict, state, seq_lens):
            obs = input_dict["obs"]
            self.kind = "dict" if isinstance(obs, dict) else "tensor"
            return self.out(__import__("torch").ones(3, 1)), state

    space = gym.spaces.Dict({"a": gym.spaces.Box(-1, 1, (2,), np.float32)})
    side = LegacyModelSide.build(SeesObs, label="legacy", observation_space=space,
                                 action_space=gym.spaces.Discrete(2),
                                 model_config={"_disable_preprocessor_api": disabled})
    assert isinstance(side.model.space, gym.spaces.Dict) is disabled
    side.step({"a": np.zeros((3, 2), np.float32)}, [], explore=False, seed=0)
    assert side.model.kind == "dict"
