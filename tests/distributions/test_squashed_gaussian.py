"""TorchSquashedGaussian: bounds, the change-of-variables density, and our deliberate choices."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlmigrate.distributions import (
    MAX_LOG_NN_OUTPUT,
    MIN_LOG_NN_OUTPUT,
    TorchDeterministic,
    TorchSquashedGaussian,
)


@st.composite
def bounds(draw, dim):
    low = draw(hnp.arrays(np.float64, (dim,), elements=st.floats(-50, 50)))
    width = draw(hnp.arrays(np.float64, (dim,), elements=st.floats(0.01, 100)))
    return torch.as_tensor(low), torch.as_tensor(low + width)


@st.composite
def squashed_cases(draw, max_batch=4, max_dim=3, mean_bound=2.0, log_std_range=(-1.0, 1.0)):
    batch = draw(st.integers(1, max_batch))
    dim = draw(st.integers(1, max_dim))
    means = draw(hnp.arrays(np.float64, (batch, dim), elements=st.floats(-mean_bound, mean_bound)))
    log_stds = draw(hnp.arrays(np.float64, (batch, dim), elements=st.floats(*log_std_range)))
    low, high = draw(bounds(dim))
    logits = torch.as_tensor(np.concatenate([means, log_stds], axis=-1))
    return logits, low, high


def _cdf_of_action(action, mean, std, low, high):
    """P(squashed <= action) for one dim, by the monotone map: Phi((atanh(y) - mean) / std)."""
    unit = (action - low) / (high - low) * 2 - 1
    return torch.special.ndtr((torch.atanh(unit) - mean) / std)


@given(squashed_cases(), st.integers(0, 3), st.integers(0, 2**31 - 1))
@settings(max_examples=40, deadline=None)
def test_samples_lie_within_bounds(case, extra, seed):
    logits, low, high = case
    dist = TorchSquashedGaussian.from_logits(logits * 5, low=low, high=high)  # reach the tails
    torch.manual_seed(seed)
    sample = dist.sample(sample_shape=(extra,) if extra else None)
    assert sample.shape == ((extra,) if extra else ()) + (logits.shape[0], logits.shape[1] // 2)
    assert ((sample >= low) & (sample <= high)).all()
    space = gym.spaces.Box(low.numpy(), high.numpy(), dtype=np.float64)
    for row in sample.reshape(-1, sample.shape[-1]).numpy():
        assert space.contains(row)


@given(squashed_cases(max_dim=1), st.floats(0.05, 0.95))
@settings(max_examples=40, deadline=None)
def test_logp_is_the_density_of_the_unit_interval_action(case, quantile):
    """exp(logp) * 2 / (high - low) equals dCDF/da, measured by a central finite difference."""
    logits, low, high = case
    # A finite difference cannot resolve a box far narrower than its offset from 0 (e.g.
    # [32, 32.0117]): rounding of the action itself then dominates. logp is fine there; the
    # check is not.
    scale = max(1.0, float(low.abs().max()), float(high.abs().max()))
    assume(float((high - low).min()) > 1e-3 * scale)
    dist = TorchSquashedGaussian.from_logits(logits, low=low, high=high)
    mean, std = dist.loc, dist.scale
    # An action at a quantile of the distribution, away from the bounds.
    unsquashed = mean + std * math.sqrt(2) * torch.special.erfinv(torch.tensor(2 * quantile - 1.0))
    action = low + (torch.tanh(unsquashed) + 1) / 2 * (high - low)
    # A step well inside the distance to the nearer bound keeps the difference quotient exact.
    step = 1e-4 * torch.minimum(action - low, high - action)
    density = (
        _cdf_of_action(action + step, mean, std, low, high)
        - _cdf_of_action(action - step, mean, std, low, high)
    ) / (2 * step)
    ours = dist.logp(action).exp() * 2 / (high - low)
    assert torch.allclose(ours, density.squeeze(-1), rtol=1e-4)


@given(squashed_cases())
@settings(max_examples=30, deadline=None)
def test_logp_sums_independent_dims_and_matches_naive_jacobian(case):
    logits, low, high = case
    dist = TorchSquashedGaussian.from_logits(logits, low=low, high=high)
    action = dist.sample()
    total = dist.logp(action)
    per_dim = sum(
        TorchSquashedGaussian(
            dist.loc[:, i : i + 1], dist.scale[:, i : i + 1], low[i], high[i]
        ).logp(action[:, i : i + 1])
        for i in range(action.shape[-1])
    )
    assert torch.allclose(total, per_dim, atol=1e-9)
    # In the moderate regime the stable Jacobian equals the textbook log(1 - tanh(u)^2).
    unit = ((action - low) / (high - low) * 2 - 1).clamp(-1 + 1e-6, 1 - 1e-6)
    u = torch.atanh(unit)
    naive = (
        torch.distributions.Normal(dist.loc, dist.scale).log_prob(u).clamp(-100, 100)
        - torch.log(1 - torch.tanh(u) ** 2)
    ).sum(-1)
    assert torch.allclose(total, naive, atol=1e-6)


@given(squashed_cases(), st.integers(0, 2**31 - 1))
@settings(max_examples=30, deadline=None)
def test_sample_and_logp_agrees_with_logp_of_the_sample(case, seed):
    logits, low, high = case
    dist = TorchSquashedGaussian.from_logits(logits, low=low, high=high)
    torch.manual_seed(seed)
    sample, logp = dist.sample_and_logp()
    # Where atanh(action) is not clamped, the round trip reproduces the exact logp.
    unit = (sample - low) / (high - low) * 2 - 1
    rows = (unit.abs() < 0.999).all(-1)
    assert torch.allclose(logp[rows], dist.logp(sample)[rows], atol=1e-5, rtol=1e-5)
    assert torch.isfinite(logp).all()
    rsample, rlogp = dist.rsample_and_logp(sample_shape=(2,))
    assert rsample.shape == (2,) + sample.shape and rlogp.shape == (2, sample.shape[0])


def test_sample_and_logp_is_exact_where_the_atanh_round_trip_saturates():
    # u ~ N(12, 1e-3): tanh(u) rounds to 1 in float32, so logp(sample) has to clamp atanh;
    # sample_and_logp scores the pre-squash u itself.
    loc, scale = torch.full((1, 1), 12.0), torch.full((1, 1), 1e-3)
    dist = TorchSquashedGaussian(loc=loc, scale=scale)
    torch.manual_seed(7)
    sample, logp = dist.sample_and_logp()
    torch.manual_seed(7)
    u = torch.distributions.Normal(loc, scale).sample().double()  # the same draw
    assert sample.item() == 1.0
    # Textbook density in float64: Normal logpdf minus log(1 - tanh(u)^2) = log(sech(u)^2).
    log_sech_squared = 2 * (math.log(2) - u - torch.log1p(torch.exp(-2 * u)))
    exact = torch.distributions.Normal(loc.double(), scale.double()).log_prob(u) - log_sech_squared
    assert exact.item() > 20  # about 5.99 + 22.6 (minus the draw's noise term)
    assert abs(logp.item() - exact.item()) < 1e-3
    assert torch.isfinite(dist.logp(sample)).all()
    assert abs(dist.logp(sample).item() - exact.item()) > 1.0  # why sample_and_logp exists


def test_logp_at_the_bounds_is_finite():
    dist = TorchSquashedGaussian.from_logits(torch.zeros(2, 2), low=-2.0, high=3.0)
    assert torch.isfinite(dist.logp(torch.tensor([[-2.0], [3.0]]))).all()


def test_from_logits_clamps_log_std():
    logits = torch.tensor([[0.0, -30.0], [0.0, 30.0]])
    dist = TorchSquashedGaussian.from_logits(logits)
    assert torch.allclose(
        dist.scale.squeeze(-1),
        torch.tensor([math.exp(MIN_LOG_NN_OUTPUT), math.exp(MAX_LOG_NN_OUTPUT)]),
    )


@given(squashed_cases(mean_bound=10.0))
@settings(max_examples=30, deadline=None)
def test_to_deterministic_is_the_squashed_mean_inside_the_bounds(case):
    logits, low, high = case
    dist = TorchSquashedGaussian.from_logits(logits, low=low, high=high)
    greedy = dist.to_deterministic()
    assert isinstance(greedy, TorchDeterministic)
    mean = logits[..., : logits.shape[-1] // 2]
    expected = low + (torch.tanh(mean) + 1) / 2 * (high - low)
    assert torch.allclose(greedy.sample(), expected.clamp(low, high), atol=1e-9)
    assert ((greedy.sample() >= low) & (greedy.sample() <= high)).all()


def test_entropy_and_kl_raise_naming_why():
    dist = TorchSquashedGaussian.from_logits(torch.zeros(1, 2))
    with pytest.raises(ValueError, match="no entropy.*no closed"):
        dist.entropy()
    with pytest.raises(ValueError, match="no kl.*no closed form"):
        dist.kl(dist)


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        (1.0, 1.0, "low < high"),
        (2.0, -2.0, "low < high"),
        (-math.inf, 1.0, "finite low and high"),
        (torch.zeros(2), torch.ones(3), "broadcastable"),
    ],
)
def test_bad_bounds_raise(low, high, message):
    with pytest.raises(ValueError, match=message):
        TorchSquashedGaussian.from_logits(torch.zeros(1, 4), low=low, high=high)


def test_odd_width_and_required_input_dim():
    with pytest.raises(ValueError, match=r"last dimension 4 .*got shape \(1, 3\)"):
        TorchSquashedGaussian.from_logits(torch.zeros(1, 3))
    assert TorchSquashedGaussian.required_input_dim(gym.spaces.Box(0, 1, (3,))) == 6
    with pytest.raises(ValueError, match="expected a Box space"):
        TorchSquashedGaussian.required_input_dim(gym.spaces.Discrete(3))


def test_float64_bounds_are_rounded_inward_for_float32_actions():
    # 2.2139438838389296 has no float32 twin; the nearest float32 lies above it.
    low, high = 0.0, 2.2139438838389296
    assert float(torch.tensor(high, dtype=torch.float32)) > high
    dist = TorchSquashedGaussian.from_logits(
        torch.tensor([[30.0, 0.0], [-30.0, 0.0]]), low=low, high=high
    )
    sample = dist.sample().double()
    assert sample.dtype == torch.float64 and (sample <= high).all() and (sample >= low).all()
    space = gym.spaces.Box(low, high, (1,), dtype=np.float64)
    assert all(space.contains(row) for row in sample.numpy())
