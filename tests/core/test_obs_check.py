"""The shared observation checker: batch sizes, finiteness, and what each switch turns off."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.core.obs_check import check_batch_in_space, make_batch_checker
from rlmigrate.testing.strategies import observations, spaces

UNBOUNDED = gym.spaces.Box(-np.inf, np.inf, (2,), np.float32)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), space=spaces(max_depth=1, max_leaf_size=4, max_rank=2), batch=st.integers(1, 6))
def test_valid_batches_pass_and_report_their_size(data, space, batch):
    assert make_batch_checker(space)(data.draw(observations(space, batch_size=batch)), "obs") == batch


def test_tuple_items_with_different_batch_sizes_are_named():
    space = gym.spaces.Tuple([gym.spaces.Discrete(2), UNBOUNDED])
    with pytest.raises(ValueError, match=r"batch sizes .*0: 3, 1: 1"):
        check_batch_in_space(space, (np.zeros(3, np.int64), np.zeros((1, 2), np.float32)), "obs")


@pytest.mark.parametrize("bounds", [True, False])
def test_non_finite_values_are_refused_even_without_bounds(bounds):
    with pytest.raises(ValueError, match="row 1 .*NaN or inf"):
        check_batch_in_space(UNBOUNDED, np.array([[0, 0], [np.inf, 0]], np.float32), "obs", bounds=bounds)


def test_check_finite_false_accepts_inf_in_an_unbounded_box_only():
    inf = np.array([[np.inf, 0.0]], np.float32)
    assert check_batch_in_space(UNBOUNDED, inf, "obs", check_finite=False) == 1
    with pytest.raises(ValueError, match="outside"):
        check_batch_in_space(gym.spaces.Box(-1, 1, (2,)), inf, "obs", check_finite=False)


def test_fractional_multi_discrete_values_are_outside():
    with pytest.raises(ValueError, match="outside MultiDiscrete"):
        check_batch_in_space(gym.spaces.MultiDiscrete([3, 3]), np.array([[0.0, 1.5]]), "obs")
