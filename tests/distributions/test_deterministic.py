"""TorchDeterministic: broadcasting samples and RLlib's zeros-like-loc logp."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlmigrate.distributions import TorchDeterministic

_DTYPES = st.sampled_from([np.float32, np.float64, np.int64, np.int32])


@given(
    hnp.arrays(
        _DTYPES,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
        elements={"min_value": -9, "max_value": 9},
    ),
    st.lists(st.integers(1, 3), max_size=2),
)
@settings(max_examples=40, deadline=None)
def test_sample_broadcasts_loc_and_logp_is_zeros_like_loc(loc_array, sample_shape):
    loc = torch.as_tensor(loc_array)
    dist = TorchDeterministic(loc=loc)
    sample = dist.sample(sample_shape=sample_shape or None)
    assert sample.shape == tuple(sample_shape) + tuple(loc.shape)
    assert sample.dtype == loc.dtype
    assert torch.equal(sample, loc.expand_as(sample))
    logp = dist.logp(sample)
    assert logp.dtype == loc.dtype and logp.shape == loc.shape
    assert not logp.any()
    # The sample is a new tensor: writing into it leaves loc alone.
    sample.reshape(-1)[0] = 42
    assert torch.equal(dist.sample(), loc)


def test_from_logits_uses_the_logits_as_actions_and_is_its_own_deterministic():
    logits = torch.randn(3, 2)
    dist = TorchDeterministic.from_logits(logits)
    assert torch.equal(dist.sample(), logits)
    assert dist.to_deterministic() is dist


def test_rsample_entropy_kl_raise():
    dist = TorchDeterministic(loc=torch.zeros(2, 2))
    with pytest.raises(NotImplementedError, match="rsample"):
        dist.rsample()
    with pytest.raises(RuntimeError, match="entropy"):
        dist.entropy()
    with pytest.raises(RuntimeError, match="kl"):
        dist.kl(dist)


@given(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
@settings(max_examples=20, deadline=None)
def test_required_input_dim_is_box_size(shape):
    assert TorchDeterministic.required_input_dim(gym.spaces.Box(-1, 1, shape)) == int(
        np.prod(shape)
    )


def test_required_input_dim_needs_a_box_and_loc_a_tensor():
    with pytest.raises(ValueError, match="expected a Box space; got Discrete"):
        TorchDeterministic.required_input_dim(gym.spaces.Discrete(3))
    with pytest.raises(TypeError, match="loc as a torch.Tensor; got list"):
        TorchDeterministic(loc=[1, 2])
