"""TorchCategorical's fast sampling/scoring is bit-identical to torch.distributions.Categorical.

The equivalence kit and the Ray oracle compare seeded draws between legacy code (which samples
through ``torch.distributions``) and migrated code (which samples through us), so the fast
path must produce the same actions *and* leave the RNG in the same state, for every shape,
dtype and seed, including masked (-inf) actions.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.distributions import TorchCategorical
from rlmigrate.distributions.categorical import normalize_logits, sample_normalized_logits


@st.composite
def logits_and_seed(draw):
    """Logits ``(B, n)`` or ``(B, T, n)`` from a seeded generator, some actions masked."""
    batch_shape = draw(
        st.one_of(
            st.tuples(st.integers(0, 70)),
            st.tuples(st.integers(1, 6), st.integers(1, 5)),
        )
    )
    n = draw(st.integers(1, 40))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    scale = draw(st.sampled_from([1e-3, 1.0, 10.0, 80.0]))
    seed = draw(st.integers(0, 2**31 - 1))
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn((*batch_shape, n), generator=generator, dtype=dtype) * scale
    if draw(st.booleans()) and n > 1:  # action masking: -inf on some, never all, actions
        mask = torch.rand((*batch_shape, n), generator=generator) < 0.3
        mask[..., 0] = False
        logits = logits.masked_fill(mask, float("-inf"))
    return logits, seed


@given(logits_and_seed())
@settings(max_examples=150, deadline=None)
def test_sample_equals_torch_categorical_and_consumes_rng_alike(case):
    logits, seed = case
    torch.manual_seed(seed)
    expected = torch.distributions.Categorical(logits=logits, validate_args=False).sample()
    expected_next = torch.rand(3)
    torch.manual_seed(seed)
    actual = TorchCategorical.from_logits(logits).sample()
    actual_next = torch.rand(3)
    assert actual.dtype == expected.dtype == torch.int64
    assert actual.shape == expected.shape == logits.shape[:-1]
    assert torch.equal(actual, expected)
    assert torch.equal(actual_next, expected_next)  # the RNG advanced by the same amount


@given(logits_and_seed())
@settings(max_examples=100, deadline=None)
def test_logp_and_probs_equal_torch_bit_for_bit(case):
    logits, seed = case
    reference = torch.distributions.Categorical(logits=logits, validate_args=False)
    dist = TorchCategorical.from_logits(logits)
    actions = torch.randint(
        0, logits.shape[-1], logits.shape[:-1], generator=torch.Generator().manual_seed(seed)
    )
    actions = torch.where(
        torch.isinf(logits.gather(-1, actions.unsqueeze(-1)).squeeze(-1)), 0, actions
    )
    assert torch.equal(dist.logp(actions), reference.log_prob(actions))
    assert torch.equal(dist.probs, reference.probs)
    assert torch.equal(normalize_logits(logits), reference.logits)


@given(logits_and_seed(), st.integers(1, 3))
@settings(max_examples=40, deadline=None)
def test_sample_shape_falls_back_to_torch_with_the_same_draws(case, extra):
    logits, seed = case
    torch.manual_seed(seed)
    expected = torch.distributions.Categorical(logits=logits, validate_args=False).sample((extra,))
    torch.manual_seed(seed)
    assert torch.equal(TorchCategorical.from_logits(logits).sample(sample_shape=extra), expected)


@given(logits_and_seed())
@settings(max_examples=40, deadline=None)
def test_probs_construction_samples_like_torch(case):
    logits, seed = case
    probs = torch.softmax(logits, -1)
    torch.manual_seed(seed)
    expected = torch.distributions.Categorical(probs=probs, validate_args=False).sample()
    torch.manual_seed(seed)
    assert torch.equal(TorchCategorical(probs=probs).sample(), expected)


@pytest.mark.parametrize(
    "bad", [[float("nan"), 0.0], [float("inf"), 0.0], [float("-inf"), float("-inf")]]
)
def test_invalid_logits_raise_like_torch_naming_the_shape(bad):
    logits = torch.tensor([[0.0, 1.0], bad])
    with pytest.raises(RuntimeError):  # torch's own multinomial raises RuntimeError too
        torch.distributions.Categorical(logits=logits, validate_args=False).sample()
    with pytest.raises(RuntimeError, match=r"finite logits.*shape \(2, 2\)"):
        TorchCategorical.from_logits(logits).sample()
    with pytest.raises(RuntimeError, match=r"shape \(2, 2\)"):
        sample_normalized_logits(normalize_logits(logits))


def test_torch_dist_is_built_only_when_needed():
    dist = TorchCategorical.from_logits(torch.randn(3, 4))
    dist.logp(dist.sample())
    assert dist._torch_dist is None
    assert dist.entropy().shape == (3,)  # needs torch's Categorical: built on first use
    assert isinstance(dist._torch_dist, torch.distributions.Categorical)


def test_subclass_with_its_own_torch_dist_gets_every_draw_and_score_from_it():
    class AlwaysLast(TorchCategorical):
        def _get_torch_distribution(self, logits=None, probs=None):
            n = logits.shape[-1]
            return torch.distributions.Categorical(
                logits=torch.full_like(logits, -1e9).index_fill(-1, torch.tensor([n - 1]), 0.0)
            )

    dist = AlwaysLast.from_logits(torch.zeros(4, 3))
    assert torch.equal(dist.sample(), torch.full((4,), 2))
    assert torch.equal(dist.logp(torch.full((4,), 2)), torch.zeros(4))
    assert torch.allclose(dist.probs, torch.tensor([0.0, 0.0, 1.0]).expand(4, 3))


def test_assigning_dist_as_on_rllib_makes_it_the_one_used():
    dist = TorchCategorical.from_logits(torch.zeros(4, 3))
    dist._dist = torch.distributions.Categorical(
        logits=torch.tensor([0.0, -1e9, -1e9]).expand(4, 3)
    )
    assert torch.equal(dist.sample(), torch.zeros(4, dtype=torch.int64))
    assert torch.equal(dist.logp(torch.zeros(4, dtype=torch.int64)), torch.zeros(4))
