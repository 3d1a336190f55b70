"""``ray.rllib.utils.torch_utils`` / ``numpy`` helpers: Ray 2.10's results, incl. leaf order."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from shim import numpy_utils, torch_utils


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(2, 5))
def test_flatten_inputs_one_hots_discrete_leaves_in_sorted_key_order(batch: int, n: int) -> None:
    spaces = {"z": gym.spaces.Discrete(n), "a": gym.spaces.Box(-1, 1, (2, 2))}
    inputs = {"z": torch.randint(0, n, (batch,)), "a": torch.randn(batch, 2, 2)}
    flat = torch_utils.flatten_inputs_to_1d_tensor(inputs, spaces_struct=spaces)
    expected = torch.cat(
        [inputs["a"].reshape(batch, -1), nn_one_hot(inputs["z"], n)], dim=-1
    )  # "a" before "z": dm-tree / RLlib order
    assert torch.equal(flat, expected)
    timed = torch_utils.flatten_inputs_to_1d_tensor(
        {k: v.unsqueeze(1).repeat_interleave(3, 1) for k, v in inputs.items()},
        spaces_struct=spaces,
        time_axis=True,
    )
    assert timed.shape == (batch, 3, 4 + n) and torch.equal(timed[:, 0], expected)


def nn_one_hot(x: torch.Tensor, n: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(x, n).float()


def test_torch_one_hot_is_integer_like_rays() -> None:
    out = torch_utils.one_hot(torch.tensor([[0, 2]]), gym.spaces.MultiDiscrete([2, 3]))
    assert out.dtype == torch.int64 and out.tolist() == [[1, 0, 0, 0, 1]]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=6))
def test_numpy_one_hot_and_softmax(values: list[int]) -> None:
    x = np.asarray(values)
    assert np.array_equal(numpy_utils.one_hot(x, depth=5), np.eye(5, dtype=np.float32)[x])
    assert numpy_utils.one_hot(x).shape == (len(values), max(values) + 1)
    probs = numpy_utils.softmax(x.astype(np.float64))
    assert np.isclose(probs.sum(), 1.0) and probs.min() >= 1e-6


def test_losses_match_their_formulas() -> None:
    x = torch.tensor([-3.0, -0.5, 0.0, 0.5, 3.0])
    assert torch.allclose(
        torch_utils.huber_loss(x), torch.where(x.abs() < 1, 0.5 * x**2, x.abs() - 0.5)
    )
    assert torch.isclose(torch_utils.l2_loss(x), 0.5 * (x**2).sum())
    assert torch.isclose(torch_utils.global_norm([x, x]), (2 * (x**2).sum()).sqrt())
    assert torch_utils.explained_variance(x, x).item() == 1.0


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(2, 5))
def test_numpy_flatten_inputs_matches_the_torch_one(batch: int, n: int) -> None:
    spaces = {
        "z": gym.spaces.Discrete(n),
        "a": gym.spaces.Box(-1, 1, (2, 2)),
        "m": gym.spaces.MultiDiscrete([2, 3]),
    }
    inputs = {
        "z": torch.randint(0, n, (batch,)),
        "a": torch.randn(batch, 2, 2),
        "m": torch.stack([torch.randint(0, 2, (batch,)), torch.randint(0, 3, (batch,))], 1),
    }
    expected = torch_utils.flatten_inputs_to_1d_tensor(inputs, spaces_struct=spaces).numpy()
    numpy_inputs = {k: v.numpy() for k, v in inputs.items()}
    got = numpy_utils.flatten_inputs_to_1d_tensor(numpy_inputs, spaces_struct=spaces)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    timed = numpy_utils.flatten_inputs_to_1d_tensor(
        {k: np.repeat(v[:, None], 2, axis=1) for k, v in numpy_inputs.items()},
        spaces_struct=spaces,
        time_axis=True,
    )
    np.testing.assert_allclose(timed[:, 1], expected, atol=1e-6)
    multi = numpy_utils.one_hot_multidiscrete(numpy_inputs["m"], [2, 3])
    np.testing.assert_array_equal(multi, expected[:, 4:9])  # sorted keys: a (4), m (5), z


def test_make_action_immutable() -> None:
    import pytest

    array = numpy_utils.make_action_immutable(np.zeros(2))
    with pytest.raises(ValueError):
        array[0] = 1.0
    proxy = numpy_utils.make_action_immutable({"a": 1})
    with pytest.raises(TypeError):
        proxy["a"] = 2
