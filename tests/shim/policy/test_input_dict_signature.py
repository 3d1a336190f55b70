"""Ray 2.10's torch policies take ``episodes`` in ``compute_actions_from_input_dict`` only as a
keyword; a subclass that forwards it by position (as ``Policy``'s own signature would allow)
fails under the shim as it did under Ray, and verify's legacy side acts through such an override
as the env runner did."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.testing.side_module import PolicySide
from shim.policy.ppo import PPOTorchPolicy
from shim.policy.sample_batch import SampleBatch

BOX = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
ACT = gym.spaces.Discrete(3)
CONFIG = {"model": {"fcnet_hiddens": [6]}}


class PositionalEpisodesPolicy(PPOTorchPolicy):
    def compute_actions_from_input_dict(self, input_dict, explore=None, timestep=None, episodes=None, **kwargs):
        return super().compute_actions_from_input_dict(input_dict, explore, timestep, episodes, **kwargs)


class KeywordEpisodesPolicy(PPOTorchPolicy):
    def compute_actions_from_input_dict(self, input_dict, explore=None, timestep=None, episodes=None, **kwargs):
        return super().compute_actions_from_input_dict(input_dict, explore, timestep, episodes=episodes, **kwargs)


def test_episodes_by_position_raises_type_error_like_ray_2_10():
    policy = PositionalEpisodesPolicy(BOX, ACT, CONFIG)
    with pytest.raises(TypeError, match="positional"):
        policy.compute_actions_from_input_dict({SampleBatch.OBS: np.zeros((2, 4), np.float32)}, explore=False)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 5), st.integers(0, 2**16))
def test_episodes_by_keyword_acts_like_compute_actions(rows, seed):
    policy = KeywordEpisodesPolicy(BOX, ACT, CONFIG)
    obs = np.random.default_rng(seed).uniform(-1, 1, (rows, 4)).astype(np.float32)
    a1, _, e1 = policy.compute_actions_from_input_dict({SampleBatch.OBS: obs}, explore=False, episodes=None)
    a2, _, e2 = policy.compute_actions(obs, explore=False)
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_allclose(e1[SampleBatch.VF_PREDS], e2[SampleBatch.VF_PREDS])


def test_verify_legacy_side_acts_through_a_torch_policys_own_input_dict_override():
    obs = np.zeros((2, 4), np.float32)
    with pytest.raises(TypeError, match="positional"):
        PolicySide(PositionalEpisodesPolicy(BOX, ACT, CONFIG), label="legacy").step(obs, [], explore=False, seed=0)
    plain = PolicySide(PPOTorchPolicy(BOX, ACT, CONFIG), label="legacy")
    assert not plain._acts_from_input_dict  # the shim's own method is not an override
    assert PolicySide(KeywordEpisodesPolicy(BOX, ACT, CONFIG), label="legacy")._acts_from_input_dict
