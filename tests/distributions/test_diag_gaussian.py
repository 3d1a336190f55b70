"""TorchDiagGaussian against the closed-form Normal formulas, written out here."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlmigrate.distributions import TorchCategorical, TorchDeterministic, TorchDiagGaussian


@st.composite
def gaussian_logits(draw, max_batch=5, max_dim=4):
    batch = draw(st.integers(1, max_batch))
    dim = draw(st.integers(1, max_dim))
    means = draw(hnp.arrays(np.float64, (batch, dim), elements=st.floats(-10, 10)))
    log_stds = draw(hnp.arrays(np.float64, (batch, dim), elements=st.floats(-3, 3)))
    return torch.as_tensor(np.concatenate([means, log_stds], axis=-1))


def _normal_logpdf(value, mean, std):
    return -0.5 * ((value - mean) / std) ** 2 - torch.log(std) - 0.5 * math.log(2 * math.pi)


@given(gaussian_logits(), st.integers(0, 2**31 - 1))
@settings(max_examples=40, deadline=None)
def test_logp_is_summed_normal_logpdf(logits, seed):
    dist = TorchDiagGaussian.from_logits(logits)
    mean, log_std = logits.chunk(2, -1)
    value = torch.randn(mean.shape, generator=torch.Generator().manual_seed(seed)).double() * 3
    expected = _normal_logpdf(value, mean, log_std.exp()).sum(-1)
    assert dist.logp(value).shape == (logits.shape[0],)
    assert torch.allclose(dist.logp(value), expected, atol=1e-9)
    # Independent cross-check against torch's own Normal.
    normal = torch.distributions.Normal(mean, log_std.exp())
    assert torch.allclose(dist.logp(value), normal.log_prob(value).sum(-1), atol=1e-9)


@given(gaussian_logits())
@settings(max_examples=30, deadline=None)
def test_entropy_is_summed_closed_form(logits):
    _, log_std = logits.chunk(2, -1)
    expected = (0.5 + 0.5 * math.log(2 * math.pi) + log_std).sum(-1)
    assert torch.allclose(TorchDiagGaussian.from_logits(logits).entropy(), expected, atol=1e-9)


@given(gaussian_logits(), st.integers(0, 2**31 - 1))
@settings(max_examples=30, deadline=None)
def test_kl_is_summed_closed_form(logits, seed):
    other = (
        logits + torch.randn(logits.shape, generator=torch.Generator().manual_seed(seed)).double()
    )
    m1, ls1 = logits.chunk(2, -1)
    m2, ls2 = other.chunk(2, -1)
    s1, s2 = ls1.exp(), ls2.exp()
    expected = (ls2 - ls1 + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5).sum(-1)
    kl = TorchDiagGaussian.from_logits(logits).kl(TorchDiagGaussian.from_logits(other))
    assert kl.shape == (logits.shape[0],)
    assert torch.allclose(kl, expected, atol=1e-7, rtol=1e-7)


def test_kl_refuses_other_families():
    with pytest.raises(TypeError, match="expected another TorchDiagGaussian; got TorchCategorical"):
        TorchDiagGaussian.from_logits(torch.zeros(1, 2)).kl(
            TorchCategorical.from_logits(torch.zeros(1, 2))
        )


@given(gaussian_logits(), st.integers(0, 3))
@settings(max_examples=30, deadline=None)
def test_sample_shapes_and_deterministic_mean(logits, extra):
    dist = TorchDiagGaussian.from_logits(logits)
    half = logits.shape[-1] // 2
    shape = (extra,) if extra else None
    prefix = (extra,) if extra else ()
    assert dist.sample(sample_shape=shape).shape == prefix + (logits.shape[0], half)
    assert dist.rsample(sample_shape=shape).shape == prefix + (logits.shape[0], half)
    greedy = dist.to_deterministic()
    assert isinstance(greedy, TorchDeterministic)
    assert torch.equal(greedy.sample(), logits[..., :half])
    assert torch.isfinite(dist.logp(dist.sample())).all()


def test_rsample_carries_gradients_to_mean_and_log_std():
    logits = torch.zeros(3, 4, requires_grad=True)
    TorchDiagGaussian.from_logits(logits).rsample().sum().backward()
    assert torch.all(logits.grad[:, :2] == 1.0)  # d(mean + std*eps)/d mean
    assert torch.any(logits.grad[:, 2:] != 0.0)


def test_scale_may_be_a_float():
    dist = TorchDiagGaussian(loc=torch.zeros(2, 3), scale=2.0)
    assert torch.allclose(
        dist.entropy(), torch.full((2,), 3 * (0.5 + 0.5 * math.log(2 * math.pi) + math.log(2.0)))
    )


@pytest.mark.parametrize("width", [1, 3, 5])
def test_odd_width_raises_naming_expected_width(width):
    with pytest.raises(
        ValueError, match=rf"last dimension {width + 1} \(an even width.*got shape \(2, {width}\)"
    ):
        TorchDiagGaussian.from_logits(torch.zeros(2, width))


def test_required_input_dim():
    assert TorchDiagGaussian.required_input_dim(gym.spaces.Box(-1, 1, (3,))) == 6
    assert TorchDiagGaussian.required_input_dim(gym.spaces.Box(-1, 1, ())) == 2
    with pytest.raises(ValueError, match="expected a Box space; got Discrete"):
        TorchDiagGaussian.required_input_dim(gym.spaces.Discrete(2))


def test_loc_must_be_a_tensor():
    with pytest.raises(TypeError, match="loc as a torch.Tensor; got list"):
        TorchDiagGaussian(loc=[0.0], scale=1.0)
