"""RandomRLModule: one sample of the action space per observation row, from the space's RNG."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.modules.random_actions import RandomRLModule

OBS = gym.spaces.Dict({"a": gym.spaces.Box(-1, 1, (2,)), "b": gym.spaces.Discrete(3)})


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(1, 9), seed=st.integers(0, 2**31 - 1))
def test_one_seeded_draw_per_row_whatever_the_observation_structure(rows, seed):
    space = gym.spaces.Discrete(5)
    module = RandomRLModule(observation_space=OBS, action_space=space)
    obs = {"a": np.zeros((rows, 2), np.float32), "b": np.zeros(rows, np.int64)}
    space.seed(seed)
    actions = module.forward_exploration({"obs": obs})["actions"]
    space.seed(seed)
    assert actions.tolist() == [space.sample() for _ in range(rows)]


def test_ignore_action_bounds_samples_an_unbounded_box_of_the_same_shape():
    space = gym.spaces.Box(-0.01, 0.01, (3,), np.float32)
    module = RandomRLModule(observation_space=OBS, action_space=space,
                            model_config={"ignore_action_bounds": True})
    sampling = module.action_space_for_sampling
    assert sampling is not space and sampling.shape == (3,) and sampling.dtype == np.float32
    assert np.isinf(sampling.low).all() and np.isinf(sampling.high).all()
    sampling.seed(0)
    actions = module.forward_inference({"obs": np.zeros((50, 3))})["actions"]
    assert np.abs(actions).max() > 0.01  # outside the action space's own bounds
    bounded = RandomRLModule(observation_space=OBS, action_space=space, model_config={})
    assert bounded.action_space_for_sampling is space


def test_it_cannot_be_trained():
    module = RandomRLModule(observation_space=OBS, action_space=gym.spaces.Discrete(2))
    with pytest.raises(NotImplementedError, match="policies_to_train"):
        module.forward_train({"obs": np.zeros((1, 2))})
