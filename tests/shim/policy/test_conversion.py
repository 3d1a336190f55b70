"""The per-call observation checker: never rejects observations inside the space, always
rejects ones outside it; numpy/torch conversions keep RLlib's dtype reduction."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.testing.strategies import observations, spaces
from shim.policy.conversion import (
    check_batch_in_space,
    make_batch_checker,
    stack_observations,
    to_numpy,
    to_tensor,
)

ALL_SPACES = spaces(max_depth=1, max_leaf_size=6, max_rank=2)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), space=ALL_SPACES, batch=st.integers(1, 40))
def test_observations_inside_the_space_always_pass(
    data: st.DataObject, space: gym.Space, batch: int
) -> None:
    obs = data.draw(observations(space, batch_size=batch))
    make_batch_checker(space)(obs, "obs")


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    batch=st.integers(1, 40),
    low=st.floats(-5, 0),
    span=st.floats(0.1, 5),
    uniform=st.booleans(),
)
def test_box_values_outside_the_bounds_always_fail(
    data: st.DataObject, batch: int, low: float, span: float, uniform: bool
) -> None:
    lows = (
        np.full(3, low, np.float32) if uniform else np.array([low, low - 1, low + 0.5], np.float32)
    )
    space = gym.spaces.Box(lows, lows + np.float32(span), dtype=np.float32)
    obs = data.draw(observations(space, batch_size=batch))
    row, col = data.draw(st.integers(0, batch - 1)), data.draw(st.integers(0, 2))
    obs = obs.copy()
    obs[row, col] = data.draw(
        st.sampled_from([space.high[col] + 1.0, space.low[col] - 1.0, np.nan])
    )
    with pytest.raises(ValueError, match=f"row {row} "):
        check_batch_in_space(space, obs, "obs")


@pytest.mark.parametrize(
    ("space", "bad"),
    [
        (gym.spaces.Discrete(3, start=1), np.array([1, 4])),
        (gym.spaces.Discrete(3), np.array([0.5])),
        (gym.spaces.MultiDiscrete([2, 3]), np.array([[1, 3]])),
        (gym.spaces.MultiBinary(2), np.array([[0, 2]])),
        (gym.spaces.Box(0, 10, (2,), np.int64), np.array([[0, 11]])),
    ],
)
def test_discrete_like_values_outside_fail(space: gym.Space, bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="outside"):
        check_batch_in_space(space, bad, "obs")


def test_bounds_can_be_skipped_but_shape_is_always_checked() -> None:
    space = gym.spaces.Box(-1, 1, (2,))
    make_batch_checker(space, bounds=False)(np.full((1, 2), 9.0), "obs")
    with pytest.raises(ValueError, match=r"expected shape \(B, 2\)"):
        make_batch_checker(space, bounds=False)(np.zeros((1, 3)), "obs")


def test_dtype_reduction_and_struct_conversion() -> None:
    out = to_numpy(
        {"a": torch.zeros(2, dtype=torch.float64), "b": (torch.ones(1, dtype=torch.int64),)}
    )
    assert out["a"].dtype == np.float32 and out["b"][0].dtype == np.int32
    assert to_numpy(torch.zeros(1, dtype=torch.int8)).dtype == np.int8
    assert to_tensor(np.zeros(2)).dtype == torch.float32
    stacked = stack_observations([{"x": np.zeros(2)}, {"x": np.ones(2)}])
    assert stacked["x"].shape == (2, 2)
    assert stack_observations((np.zeros(2), np.ones(2)))[1].shape == (
        2,
    )  # a Tuple batch stays a tuple
