"""Legacy torch action distributions: shapes, logp against torch references, quirks decided."""

from __future__ import annotations

import functools

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from shim.models.action_dist import (
    TorchBeta,
    TorchCategorical,
    TorchDeterministic,
    TorchDiagGaussian,
    TorchDirichlet,
    TorchMultiActionDistribution,
    TorchMultiCategorical,
    TorchSquashedGaussian,
)

FINITE = st.floats(-5, 5, allow_nan=False, width=32)


def logits(batch: int, width: int) -> st.SearchStrategy[np.ndarray]:
    return arrays(np.float32, (batch, width), elements=FINITE)


@settings(max_examples=30, deadline=None)
@given(x=st.integers(1, 5).flatmap(lambda b: st.integers(2, 6).flatmap(lambda n: logits(b, n))))
def test_categorical_matches_torch_and_argmax(x: np.ndarray) -> None:
    inputs = torch.as_tensor(x)
    dist = TorchCategorical(inputs, None)
    reference = torch.distributions.Categorical(logits=inputs)
    greedy = dist.deterministic_sample()
    assert greedy.dtype == torch.int64 and greedy.shape == (x.shape[0],)
    torch.testing.assert_close(dist.sampled_action_logp(), reference.log_prob(greedy))
    assert torch.all(
        reference.probs.gather(1, greedy[:, None]).squeeze(1)
        >= reference.probs.max(1).values - 1e-6
    )
    sample = dist.sample()
    torch.testing.assert_close(dist.logp(sample), reference.log_prob(sample))
    torch.testing.assert_close(dist.entropy(), reference.entropy())
    assert (
        TorchCategorical.required_model_output_shape(gym.spaces.Discrete(x.shape[1]), {})
        == x.shape[1]
    )


@settings(max_examples=20, deadline=None)
@given(
    x=st.integers(1, 6).flatmap(lambda b: st.integers(2, 5).flatmap(lambda n: logits(b, n))),
    seed=st.integers(0, 2**31),
)
def test_categorical_sampling_is_bit_identical_to_torch_under_a_seed(
    x: np.ndarray, seed: int
) -> None:
    inputs = torch.as_tensor(x)
    torch.manual_seed(seed)
    reference = torch.distributions.Categorical(logits=inputs)
    expected = reference.sample()
    torch.manual_seed(seed)
    dist = TorchCategorical(inputs, None)
    got = dist.sample()
    assert torch.equal(got, expected)
    assert torch.equal(dist.sampled_action_logp(), reference.log_prob(expected))


def test_categorical_subclass_that_sets_its_own_dist_gets_it_used() -> None:
    class MaskedCategorical(TorchCategorical):
        def __init__(self, inputs, model=None):
            super().__init__(inputs, model)
            mask = torch.tensor([[0.0, -1e9, 0.0]])
            self.dist = torch.distributions.Categorical(logits=self.inputs + mask)

    inputs = torch.tensor([[0.0, 50.0, 1.0]])
    dist = MaskedCategorical(inputs)
    assert dist.deterministic_sample().item() == 2  # not the masked argmax of the inputs (1)
    torch.manual_seed(0)
    assert all(dist.sample().item() != 1 for _ in range(20))
    expected = dist.dist.log_prob(torch.tensor([2]))
    torch.testing.assert_close(dist.logp(torch.tensor([2])), expected)


def test_categorical_temperature_does_not_mutate_the_callers_tensor() -> None:
    inputs = torch.tensor([[1.0, 2.0, 3.0]])
    before = inputs.clone()
    dist = TorchCategorical(inputs, None, temperature=2.0)
    torch.testing.assert_close(inputs, before)  # RLlib divided in place (QUIRK not kept)
    torch.testing.assert_close(dist.dist.logits, torch.log_softmax(before / 2.0, dim=1))
    with pytest.raises(ValueError, match="temperature"):
        TorchCategorical(inputs, None, temperature=0.0)


@settings(max_examples=30, deadline=None)
@given(x=st.integers(1, 4).flatmap(lambda b: st.integers(1, 3).flatmap(lambda a: logits(b, 2 * a))))
def test_diag_gaussian_sums_over_action_dims(x: np.ndarray) -> None:
    inputs = torch.as_tensor(x)
    mean, log_std = torch.chunk(inputs, 2, dim=1)
    reference = torch.distributions.Normal(mean, torch.exp(log_std))
    dist = TorchDiagGaussian(inputs, None)
    sample = dist.sample()
    assert sample.shape == mean.shape
    torch.testing.assert_close(dist.logp(sample), reference.log_prob(sample).sum(-1))
    torch.testing.assert_close(dist.deterministic_sample(), mean)
    torch.testing.assert_close(dist.entropy(), reference.entropy().sum(-1))
    other = TorchDiagGaussian(inputs + 0.5, None)
    assert torch.all(dist.kl(other) >= -1e-6)


@settings(max_examples=30, deadline=None)
@given(
    x=st.integers(1, 6).flatmap(lambda b: st.integers(1, 4).flatmap(lambda a: logits(b, 2 * a))),
    seed=st.integers(0, 2**31),
)
def test_diag_gaussian_sampling_and_logp_are_bit_identical_to_torch_under_a_seed(
    x: np.ndarray, seed: int
) -> None:
    inputs = torch.as_tensor(x)
    mean, log_std = torch.chunk(inputs, 2, dim=1)
    torch.manual_seed(seed)
    reference = torch.distributions.Normal(mean, torch.exp(log_std), validate_args=False)
    expected = reference.sample()
    expected_next = torch.rand(2)
    torch.manual_seed(seed)
    dist = TorchDiagGaussian(inputs, None)
    got = dist.sample()
    assert torch.equal(got, expected)
    assert torch.equal(torch.rand(2), expected_next)  # same RNG use
    assert torch.equal(dist.sampled_action_logp(), reference.log_prob(expected).sum(-1))
    assert torch.equal(dist.deterministic_sample(), reference.mean)


def test_diag_gaussian_subclass_that_sets_its_own_dist_gets_it_used() -> None:
    class FixedScale(TorchDiagGaussian):
        def __init__(self, inputs, model=None):
            super().__init__(inputs, model)
            mean, _ = torch.chunk(self.inputs, 2, dim=1)
            self.dist = torch.distributions.Normal(mean, 1e-6 * torch.ones_like(mean))

    inputs = torch.tensor([[3.0, -2.0, 5.0, 5.0]])
    dist = FixedScale(inputs)
    torch.testing.assert_close(dist.sample(), torch.tensor([[3.0, -2.0]]), atol=1e-4, rtol=0)
    expected = dist.dist.log_prob(torch.tensor([[3.0, -2.0]])).sum(-1)
    torch.testing.assert_close(dist.logp(torch.tensor([[3.0, -2.0]])), expected)


def test_diag_gaussian_scalar_box_squeezes_samples() -> None:
    dist = TorchDiagGaussian(torch.zeros(3, 2), None, action_space=gym.spaces.Box(-1, 1, ()))
    assert dist.sample().shape == (3,)
    assert dist.sampled_action_logp().shape == (3,)


@settings(max_examples=30, deadline=None)
@given(
    x=st.integers(1, 4).flatmap(lambda b: logits(b, 4)),
    low=st.floats(-3, 0),
    span=st.floats(0.5, 4),
)
def test_squashed_gaussian_stays_in_bounds_and_logp_inverts(
    x: np.ndarray, low: float, span: float
) -> None:
    dist = TorchSquashedGaussian(torch.as_tensor(x), None, low=low, high=low + span)
    for actions in (dist.sample(), dist.deterministic_sample()):
        assert torch.all(actions >= low) and torch.all(actions <= low + span)
        assert torch.isfinite(dist.logp(actions)).all()
    with pytest.raises(ValueError):
        dist.entropy()


@settings(max_examples=30, deadline=None)
@given(
    cls=st.sampled_from([TorchSquashedGaussian, TorchBeta]),
    x=st.integers(1, 4).flatmap(lambda b: logits(b, 4)),
    low=st.floats(-3, 0),
    span=st.floats(0.5, 4),
)
def test_bounded_dists_map_their_own_torch_dist_into_the_bounds(
    cls: type, x: np.ndarray, low: float, span: float
) -> None:
    """deterministic_sample squashes ``dist.mean``, sample squashes one ``dist.rsample()``
    (same RNG use), both ``(B, A)`` and remembered as ``last_sample``; width is ``2A``."""
    dist = cls(torch.as_tensor(x), None, low=low, high=low + span)
    torch.testing.assert_close(dist.deterministic_sample(), dist._squash(dist.dist.mean))
    torch.manual_seed(0)
    sample = dist.sample()
    assert dist.last_sample is sample and sample.shape == (x.shape[0], 2)
    torch.manual_seed(0)
    torch.testing.assert_close(sample, dist._squash(dist.dist.rsample()))
    box = gym.spaces.Box(low, low + span, (2,), np.float32)
    assert cls.required_model_output_shape(box, {}) == 4


def test_beta_and_dirichlet_and_deterministic() -> None:
    beta = TorchBeta(torch.zeros(2, 4), None, low=-2.0, high=2.0)
    sample = beta.sample()
    assert torch.all(sample >= -2) and torch.all(sample <= 2) and beta.logp(sample).shape == (2,)
    torch.testing.assert_close(beta.deterministic_sample(), torch.zeros(2, 2))
    dirichlet = TorchDirichlet(torch.zeros(2, 3), None)
    torch.testing.assert_close(dirichlet.deterministic_sample(), torch.full((2, 3), 1 / 3))
    assert dirichlet.logp(torch.full((2, 3), 1 / 3)).shape == (2,)
    det = TorchDeterministic(torch.ones(4, 2), None)
    torch.testing.assert_close(det.sample(), torch.ones(4, 2))
    assert det.sampled_action_logp().dtype == torch.float32 and det.sampled_action_logp().shape == (
        4,
    )


def test_multi_categorical_over_multidiscrete_and_int_box() -> None:
    space = gym.spaces.MultiDiscrete([2, 3])
    inputs = torch.randn(5, 5)
    dist = TorchMultiCategorical(inputs, None, input_lens=[2, 3])
    sample = dist.sample()
    assert sample.shape == (5, 2)
    expected = sum(
        torch.distributions.Categorical(logits=part).log_prob(sample[:, i])
        for i, part in enumerate(inputs.split([2, 3], dim=1))
    )
    torch.testing.assert_close(dist.logp(sample), expected)
    assert TorchMultiCategorical.required_model_output_shape(space, {}) == 5
    int_box = gym.spaces.Box(0, 2, (2, 2), np.int64)
    box_dist = TorchMultiCategorical(
        torch.randn(3, 12), None, input_lens=[3] * 4, action_space=int_box
    )
    assert box_dist.sample().shape == (3, 2, 2)
    assert box_dist.logp(box_dist.deterministic_sample()).shape == (3,)
    with pytest.raises(ValueError, match="input_lens"):
        TorchMultiCategorical(torch.randn(3, 4), None, input_lens=[2, 3])


def test_multi_action_distribution_structure_and_logp_sum() -> None:
    space = gym.spaces.Dict({"a": gym.spaces.Discrete(3), "b": gym.spaces.Box(-1, 1, (2,))})
    children = [TorchCategorical, functools.partial(TorchDiagGaussian, action_space=space["b"])]
    inputs = torch.randn(4, 7)
    dist = TorchMultiActionDistribution(
        inputs, None, child_distributions=children, input_lens=[3, 4], action_space=space
    )
    sample = dist.sample()
    assert list(sample) == ["a", "b"] and sample["a"].shape == (4,) and sample["b"].shape == (4, 2)
    parts = inputs.split([3, 4], dim=1)
    expected = TorchCategorical(parts[0]).logp(sample["a"]) + TorchDiagGaussian(
        parts[1], None
    ).logp(sample["b"])
    torch.testing.assert_close(dist.logp(sample), expected)
    flat = torch.cat([sample["a"].float()[:, None], sample["b"]], dim=1)
    torch.testing.assert_close(dist.logp(flat), expected)
    torch.testing.assert_close(dist.sampled_action_logp(), expected)
    assert dist.required_model_output_shape(space, {}) == 7
    assert dist.entropy().shape == (4,)
