"""Default-model weights: a legacy policy on RLlib's FCNet → the default PPO module."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlmigrate.modules.ppo import PPOTorchRLModule
from rlmigrate.testing.default_weights import default_weight_mapping, transfer_default_weights
from rlmigrate.testing.transfer import WeightTransferError
from shim.policy.ppo import PPOTorchPolicy

OBS, ACT = gym.spaces.Box(-1.0, 1.0, (3,), np.float32), gym.spaces.Discrete(2)


def _pair(shared: bool) -> tuple[PPOTorchPolicy, PPOTorchRLModule]:
    model = {"fcnet_hiddens": [4, 4], "vf_share_layers": shared}
    policy = PPOTorchPolicy(OBS, ACT, {"model": model})
    module = PPOTorchRLModule(observation_space=OBS, action_space=ACT, model_config=model)
    return policy, module


@pytest.mark.parametrize("shared", [False, True])
def test_every_fcnet_weight_lands_in_the_module_and_the_logits_agree(shared):
    policy, module = _pair(shared)
    mapping = default_weight_mapping(policy, module)
    assert mapping is not None
    report = transfer_default_weights(policy, module, mapping)
    assert len(report.pairs) == len(policy.get_weights())
    obs = torch.rand(5, 3) * 2 - 1
    with torch.no_grad():
        legacy_logits, _ = policy.model({"obs": obs}, [], None)
        migrated = module.forward_inference({"obs": obs})["action_dist_inputs"]
    torch.testing.assert_close(legacy_logits, migrated)


def test_no_mapping_for_a_module_that_is_not_the_default_ppo_module():
    policy, _ = _pair(False)
    assert default_weight_mapping(policy, torch.nn.Linear(3, 2)) is None


def test_a_layout_mismatch_is_an_error_naming_both_sides():
    policy, _ = _pair(False)  # separate value layers
    _, shared_module = _pair(True)
    mapping = default_weight_mapping(policy, shared_module)
    assert mapping is not None
    with pytest.raises(WeightTransferError, match="without a place in the module"):
        transfer_default_weights(policy, shared_module, mapping)
