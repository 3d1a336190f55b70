"""SharedEncoderMultiRLModule: policies share one encoder, trained with one optimizer."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlmigrate import MultiRLModule, PPOTorchRLModule, RLModuleSpec
from rlmigrate.modules.shared_encoder import SharedEncoderMultiRLModule

OBS = gym.spaces.Box(-1, 1, (4,), np.float32)


def spec(act=None, **config):
    return RLModuleSpec(module_class=PPOTorchRLModule, observation_space=OBS, action_space=act or gym.spaces.Discrete(2),
                        model_config={"fcnet_hiddens": [8], **config})


def test_sub_modules_share_the_encoder_and_its_parameters_once():
    multi = SharedEncoderMultiRLModule(rl_module_specs={"a": spec(), "b": spec(gym.spaces.Discrete(5))})
    assert multi["a"].encoder is multi["b"].encoder
    params = list(multi.parameters())
    assert len(params) == len({id(p) for p in params})
    encoder_params = {id(p) for p in multi["a"].encoder.parameters()}
    assert encoder_params <= {id(p) for p in params}


def test_one_step_through_one_policy_moves_the_shared_encoder_for_both():
    multi = SharedEncoderMultiRLModule(rl_module_specs={"a": spec(), "b": spec()})
    optimizer = torch.optim.SGD(multi.parameters(), lr=0.5)
    batch = {"obs": torch.randn(4, 4)}
    before = multi["b"].forward_inference(batch)["action_dist_inputs"]
    out = multi.forward_train({"a": batch})
    (out["a"]["action_dist_inputs"] ** 2).sum().backward()
    optimizer.step()
    after = multi["b"].forward_inference(batch)["action_dist_inputs"]
    assert not torch.allclose(before, after)


def test_mismatched_encoders_are_refused():
    with pytest.raises(ValueError, match="cannot share 'encoder'"):
        SharedEncoderMultiRLModule(rl_module_specs={"a": spec(), "b": spec(fcnet_hiddens=[3])})


def test_checkpoint_round_trip_keeps_the_sharing(tmp_path):
    multi = SharedEncoderMultiRLModule(rl_module_specs={"a": spec(), "b": spec()})
    restored = MultiRLModule.from_checkpoint(multi.save_to_path(tmp_path))
    assert type(restored) is SharedEncoderMultiRLModule
    assert restored["a"].encoder is restored["b"].encoder
    batch = {"obs": torch.randn(3, 4)}
    torch.testing.assert_close(restored["b"].forward_inference(batch)["action_dist_inputs"],
                               multi["b"].forward_inference(batch)["action_dist_inputs"])
