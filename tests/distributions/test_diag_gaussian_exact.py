"""TorchDiagGaussian's fast sampling/scoring is bit-identical to torch.distributions.Normal.

Seeded draws are compared between legacy code (torch's Normal) and migrated code (us) by the
equivalence kit and the Ray oracle, so the fast path must give the same numbers and leave the
RNG in the same state for every shape, dtype and seed.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.distributions import TorchDiagGaussian
from rlmigrate.distributions.diag_gaussian import normal_log_density, sample_normal


@st.composite
def gaussian_logits_and_seed(draw):
    """Logits ``(B, 2A)`` or ``(B, T, 2A)`` (means, log-stds) from a seeded generator."""
    batch_shape = draw(
        st.one_of(st.tuples(st.integers(0, 70)), st.tuples(st.integers(1, 5), st.integers(1, 4)))
    )
    width = draw(st.integers(1, 40))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    log_std_scale = draw(st.sampled_from([0.0, 1.0, 4.0]))
    seed = draw(st.integers(0, 2**31 - 1))
    generator = torch.Generator().manual_seed(seed)
    means = torch.randn((*batch_shape, width), generator=generator, dtype=dtype) * 10
    log_stds = torch.randn((*batch_shape, width), generator=generator, dtype=dtype)
    return torch.cat([means, log_stds * log_std_scale], dim=-1), seed


@given(gaussian_logits_and_seed())
@settings(max_examples=150, deadline=None)
def test_sample_equals_torch_normal_and_consumes_rng_alike(case):
    logits, seed = case
    mean, log_std = logits.chunk(2, dim=-1)
    torch.manual_seed(seed)
    expected = torch.distributions.Normal(mean, log_std.exp(), validate_args=False).sample()
    expected_next = torch.rand(3)
    torch.manual_seed(seed)
    actual = TorchDiagGaussian.from_logits(logits).sample()
    actual_next = torch.rand(3)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    assert torch.equal(actual, expected)
    assert torch.equal(actual_next, expected_next)  # the RNG advanced by the same amount


@given(gaussian_logits_and_seed())
@settings(max_examples=100, deadline=None)
def test_logp_equals_torch_bit_for_bit(case):
    logits, seed = case
    mean, log_std = logits.chunk(2, dim=-1)
    reference = torch.distributions.Normal(mean, log_std.exp(), validate_args=False)
    value = mean + torch.randn(mean.shape, generator=torch.Generator().manual_seed(seed)).to(
        mean.dtype
    )
    dist = TorchDiagGaussian.from_logits(logits)
    assert torch.equal(dist.logp(value), reference.log_prob(value).sum(-1))
    assert torch.equal(normal_log_density(value, mean, log_std.exp()), reference.log_prob(value))


@given(gaussian_logits_and_seed(), st.integers(1, 3))
@settings(max_examples=30, deadline=None)
def test_sample_shape_and_broadcast_scale_fall_back_to_torch_with_the_same_draws(case, extra):
    logits, seed = case
    mean, log_std = logits.chunk(2, dim=-1)
    torch.manual_seed(seed)
    expected = torch.distributions.Normal(mean, log_std.exp()).sample((extra,))
    torch.manual_seed(seed)
    got = TorchDiagGaussian.from_logits(logits).sample(sample_shape=extra)
    assert torch.equal(got, expected)
    torch.manual_seed(seed)
    expected = torch.distributions.Normal(mean, 2.0).sample()
    torch.manual_seed(seed)
    assert torch.equal(TorchDiagGaussian(loc=mean, scale=2.0).sample(), expected)


def test_sample_of_grad_tracking_params_carries_no_gradient():
    logits = torch.randn(3, 4, requires_grad=True)
    sample = TorchDiagGaussian.from_logits(logits).sample()
    assert not sample.requires_grad
    assert TorchDiagGaussian.from_logits(logits).rsample().requires_grad


@pytest.mark.parametrize("bad", [float("nan"), -1.0])
def test_invalid_scale_raises_like_torch_naming_the_shape(bad):
    loc, scale = torch.zeros(2, 3), torch.ones(2, 3)
    scale[1, 2] = bad
    with pytest.raises(RuntimeError):  # torch.normal raises RuntimeError too
        torch.distributions.Normal(loc, scale, validate_args=False).sample()
    with pytest.raises(RuntimeError, match=r"non-negative scales.*shape \(2, 3\)"):
        TorchDiagGaussian(loc=loc, scale=scale).sample()
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\)"):
        sample_normal(loc, scale)


def test_torch_dist_is_built_only_when_needed():
    dist = TorchDiagGaussian.from_logits(torch.randn(3, 4))
    dist.logp(dist.sample())
    assert dist._normal is None
    assert dist.entropy().shape == (3,)  # needs torch's Normal: built on first use
    assert isinstance(dist._normal, torch.distributions.Normal)


def test_subclass_with_its_own_torch_dist_gets_every_draw_and_score_from_it():
    class Laplacian(TorchDiagGaussian):
        def _get_torch_distribution(self, loc, scale):
            return torch.distributions.Laplace(loc, scale)

    loc, scale = torch.zeros(2, 3), torch.ones(2, 3)
    dist = Laplacian(loc=loc, scale=scale)
    value = torch.full((2, 3), 0.5)
    expected = torch.distributions.Laplace(loc, scale).log_prob(value).sum(-1)
    assert torch.equal(dist.logp(value), expected)
    torch.manual_seed(0)
    expected_draw = torch.distributions.Laplace(loc, scale).sample()
    torch.manual_seed(0)
    assert torch.equal(dist.sample(), expected_draw)


def test_assigning_dist_as_on_rllib_makes_it_the_one_used():
    dist = TorchDiagGaussian(loc=torch.zeros(2, 3), scale=torch.ones(2, 3))
    dist._dist = torch.distributions.Normal(torch.full((2, 3), 7.0), torch.full((2, 3), 1e-9))
    torch.testing.assert_close(dist.sample(), torch.full((2, 3), 7.0))
    assert dist.logp(torch.full((2, 3), 7.0)).min() > 0  # a near point mass at 7
