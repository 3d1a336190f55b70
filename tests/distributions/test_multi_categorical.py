"""TorchMultiCategorical: splitting, honoured temperatures, sums, validation."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.distributions import TorchCategorical, TorchDeterministic, TorchMultiCategorical


@st.composite
def multi_cases(draw, max_batch=4, max_components=4, max_n=5):
    input_lens = draw(st.lists(st.integers(1, max_n), min_size=1, max_size=max_components))
    batch = draw(st.integers(1, max_batch))
    seed = draw(st.integers(0, 2**31 - 1))
    logits = (
        torch.randn(batch, sum(input_lens), generator=torch.Generator().manual_seed(seed)).double()
        * 3
    )
    return logits, input_lens


def _split(logits, input_lens):
    return torch.split(logits, input_lens, dim=-1)


@given(multi_cases())
@settings(max_examples=40, deadline=None)
def test_sample_logp_entropy_are_per_component(case):
    logits, lens = case
    dist = TorchMultiCategorical.from_logits(logits, input_lens=lens)
    sample = dist.sample()
    assert sample.shape == (logits.shape[0], len(lens)) and sample.dtype == torch.int64
    assert (sample < torch.tensor(lens)).all() and (sample >= 0).all()
    parts = _split(logits, lens)
    expected_logp = sum(
        torch.log_softmax(part, -1).gather(-1, sample[:, i : i + 1]).squeeze(-1)
        for i, part in enumerate(parts)
    )
    assert torch.allclose(dist.logp(sample), expected_logp, atol=1e-9)
    expected_entropy = sum(
        -(torch.softmax(p, -1) * torch.log_softmax(p, -1)).sum(-1) for p in parts
    )
    assert torch.allclose(dist.entropy(), expected_entropy, atol=1e-9)


@given(multi_cases(), st.integers(0, 2**31 - 1))
@settings(max_examples=30, deadline=None)
def test_kl_is_sum_of_component_kls(case, seed):
    logits, lens = case
    other = (
        logits + torch.randn(logits.shape, generator=torch.Generator().manual_seed(seed)).double()
    )
    mine = TorchMultiCategorical.from_logits(logits, input_lens=lens)
    theirs = TorchMultiCategorical.from_logits(other, input_lens=lens)
    expected = sum(
        (torch.softmax(p, -1) * (torch.log_softmax(p, -1) - torch.log_softmax(q, -1))).sum(-1)
        for p, q in zip(_split(logits, lens), _split(other, lens))
    )
    assert mine.kl(theirs).shape == (logits.shape[0],)
    assert torch.allclose(mine.kl(theirs), expected, atol=1e-9)


@given(multi_cases(), st.data())
@settings(max_examples=40, deadline=None)
def test_temperatures_are_honoured_per_component(case, data):
    logits, lens = case
    temps = data.draw(st.lists(st.floats(0.05, 20.0), min_size=len(lens), max_size=len(lens)))
    dist = TorchMultiCategorical.from_logits(logits, input_lens=lens, temperatures=temps)
    for cat, part, temp in zip(dist.categoricals, _split(logits, lens), temps):
        assert torch.allclose(cat.probs, torch.softmax(part / temp, -1), atol=1e-9)
    # A colder temperature sharpens: the top action's probability never goes down.
    cold = TorchMultiCategorical.from_logits(
        logits, input_lens=lens, temperatures=[0.5] * len(lens)
    )
    plain = TorchMultiCategorical.from_logits(logits, input_lens=lens)
    for cold_cat, plain_cat in zip(cold.categoricals, plain.categoricals):
        assert (cold_cat.probs.max(-1).values >= plain_cat.probs.max(-1).values - 1e-12).all()


def test_temperatures_validation():
    logits = torch.zeros(1, 5)
    with pytest.raises(ValueError, match=r"expected 2 temperatures .* got 1"):
        TorchMultiCategorical.from_logits(logits, input_lens=[3, 2], temperatures=[1.0])
    with pytest.raises(ValueError, match="positive, finite temperature; got 0.0"):
        TorchMultiCategorical.from_logits(logits, input_lens=[3, 2], temperatures=[1.0, 0.0])


@given(multi_cases(), st.sampled_from([-1, 1]))
@settings(max_examples=20, deadline=None)
def test_wrong_width_raises_naming_expected_width_and_shape(case, delta):
    logits, lens = case
    wrong = torch.zeros(logits.shape[0], sum(lens) + delta) if sum(lens) + delta > 0 else None
    if wrong is None:
        return
    with pytest.raises(
        ValueError,
        match=rf"last dimension {sum(lens)} .*got shape \({logits.shape[0]}, {sum(lens) + delta}\)",
    ):
        TorchMultiCategorical.from_logits(wrong, input_lens=lens)


@pytest.mark.parametrize("input_lens", [[], [0, 2], [-1, 3], [1.5, 2], "ab", None])
def test_bad_input_lens_raise(input_lens):
    with pytest.raises(ValueError, match="input_lens"):
        TorchMultiCategorical.from_logits(torch.zeros(1, 3), input_lens=input_lens)


@given(multi_cases())
@settings(max_examples=30, deadline=None)
def test_to_deterministic_is_one_point_mass_of_stacked_argmaxes(case):
    logits, lens = case
    greedy = TorchMultiCategorical.from_logits(logits, input_lens=lens).to_deterministic()
    assert isinstance(greedy, TorchDeterministic)
    expected = np.stack([np.argmax(p.numpy(), -1) for p in _split(logits, lens)], axis=-1)
    assert greedy.sample().dtype == torch.int64
    assert np.array_equal(greedy.sample().numpy(), expected)


def test_logp_checks_the_action_width():
    dist = TorchMultiCategorical.from_logits(torch.zeros(2, 5), input_lens=[3, 2])
    with pytest.raises(ValueError, match=r"actions of shape \(B, 2\); got \(2, 3\)"):
        dist.logp(torch.zeros(2, 3, dtype=torch.int64))


def test_rsample_concatenates_straight_through_one_hots():
    logits = torch.randn(4, 5, requires_grad=True)
    dist = TorchMultiCategorical.from_logits(logits, input_lens=[3, 2])
    one_hots = dist.rsample()
    assert one_hots.shape == (4, 5)
    assert torch.equal(one_hots[:, :3].detach().sum(-1), torch.ones(4))
    assert torch.equal(one_hots[:, 3:].detach().sum(-1), torch.ones(4))
    one_hots.sum().backward()
    assert logits.grad is not None


def test_constructor_and_kl_validation():
    with pytest.raises(ValueError, match="non-empty list"):
        TorchMultiCategorical([])
    with pytest.raises(TypeError, match="component 1 is TorchDeterministic"):
        TorchMultiCategorical(
            [TorchCategorical(logits=torch.zeros(1, 2)), TorchDeterministic(torch.zeros(1))]
        )
    two = TorchMultiCategorical.from_logits(torch.zeros(1, 4), input_lens=[2, 2])
    three = TorchMultiCategorical.from_logits(torch.zeros(1, 6), input_lens=[2, 2, 2])
    with pytest.raises(TypeError, match="with 2 components; got 3 components"):
        two.kl(three)


def test_required_input_dim():
    assert TorchMultiCategorical.required_input_dim(gym.spaces.MultiDiscrete([3, 4, 2])) == 9
    with pytest.raises(ValueError, match="expected a MultiDiscrete space; got Discrete"):
        TorchMultiCategorical.required_input_dim(gym.spaces.Discrete(3))
