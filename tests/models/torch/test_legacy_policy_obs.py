"""``legacy_policy_observations`` / ``legacy_policy_observation_space``: what a RLlib 2.10
worker handed a hand-written policy, checked against the shim's legacy preprocessor."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.core.nest import map_struct
from rlmigrate.models.torch.legacy_policy_obs import (
    legacy_policy_observation_space,
    legacy_policy_observations,
)
from rlmigrate.testing.space_strategies import spaces
from rlmigrate.testing.strategies import observations
from shim.models.catalog import ModelCatalog

SPACES = spaces(kinds=("box", "discrete", "multi_discrete", "dict", "tuple"), max_depth=2,
                max_leaf_size=5, max_rank=2, dtypes=(np.float32,))


@settings(max_examples=40, deadline=None)
@given(data=st.data(), space=SPACES)
def test_rows_and_space_are_what_the_legacy_preprocessor_gave_the_policy(data, space):
    obs = data.draw(observations(space, batch_size=3))
    prep = ModelCatalog.get_preprocessor_for_space(space)
    expected = np.asarray(prep.transform_batch(obs), dtype=np.float32)
    mine = legacy_policy_observations(obs, space)
    assert mine.shape == expected.shape  # a Box keeps its shape; the rest is flat (B, N)
    np.testing.assert_allclose(mine, expected, atol=1e-6)
    policy_space = legacy_policy_observation_space(space)
    assert policy_space.shape == prep.observation_space.shape
    assert getattr(policy_space, "original_space", None) == getattr(
        prep.observation_space, "original_space", None
    )


@settings(max_examples=20, deadline=None)
@given(data=st.data(), space=SPACES, steps=st.integers(1, 3))
def test_a_stateful_batch_gives_the_rows_of_its_last_step(data, space, steps):
    obs = data.draw(observations(space, batch_size=2, time=steps))
    last = map_struct(lambda leaf: np.asarray(leaf)[:, -1], obs)
    np.testing.assert_allclose(legacy_policy_observations(obs, space, last_step=True),
                               legacy_policy_observations(last, space), atol=0)


def test_disabled_preprocessing_passes_the_raw_observations_and_space():
    space = gym.spaces.Discrete(4)
    config = {"_disable_preprocessor_api": True}
    assert legacy_policy_observation_space(space, config) is space
    assert legacy_policy_observations(np.array([3, 1]), space, config).tolist() == [3, 1]
    # enabled (the 2.10 default): one-hot rows on a Box(-1, 1, (4,)) carrying the Discrete
    assert legacy_policy_observations(np.array([3]), space).tolist() == [[0.0, 0.0, 0.0, 1.0]]
    assert legacy_policy_observation_space(space).original_space == space
