"""The screen's numpy sampler draws inside the space, with the requested leading dims, and
hits the bounds and zero like the hypothesis strategies do."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.testing.sampling import sample_observations
from rlmigrate.testing.strategies import spaces


def _rows(obs, i):
    if isinstance(obs, dict):
        return {k: _rows(v, i) for k, v in obs.items()}
    if isinstance(obs, tuple):
        return tuple(_rows(v, i) for v in obs)
    return obs[i]


@settings(max_examples=60, deadline=None)
@given(spaces(max_depth=2), st.integers(1, 6), st.integers(0, 2**16))
def test_samples_lie_in_the_space(space, batch, seed):
    obs = sample_observations(space, (batch,), np.random.default_rng(seed))
    for i in range(batch):
        assert space.contains(_rows(obs, i)), (space, _rows(obs, i))


def test_bounds_and_zero_are_hit_and_time_axes_kept():
    space = gym.spaces.Box(-2.0, 3.0, (4,), dtype=np.float32)
    obs = sample_observations(space, (500, 3), np.random.default_rng(0))
    assert obs.shape == (500, 3, 4)
    assert (obs == -2.0).any() and (obs == 3.0).any() and (obs == 0.0).any()


@pytest.mark.parametrize(
    ("low", "high", "dtype", "zero"),
    [(0, 255, np.uint8, 0), (-1000, 1000, np.int64, 0), (3, 900, np.int32, 3)],
)
def test_integer_boxes_hit_their_bounds_and_zero_far_more_than_uniform(low, high, dtype, zero):
    """A uniform draw hits each bound in about 1/(high-low+1) of the elements; the sampler
    puts EDGE_PROBABILITY/3 (3.3%) on each bound and on zero (or the bound nearest zero)."""
    space = gym.spaces.Box(low, high, (10,), dtype=dtype)
    obs = sample_observations(space, (1000,), np.random.default_rng(7))
    assert obs.dtype == dtype and space.contains(obs[0])
    assert (obs == low).mean() > 0.02
    assert (obs == high).mean() > 0.02
    assert (obs == zero).mean() > 0.02


def test_unknown_space_is_named():
    with pytest.raises(TypeError, match="Text"):
        sample_observations(gym.spaces.Text(4), (2,), np.random.default_rng(0))
