"""TorchCategorical against independently computed softmax quantities."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlmigrate.distributions import TorchCategorical, TorchDeterministic


@st.composite
def logits_batches(draw, max_batch=5, max_n=6, bound=20.0):
    batch = draw(st.integers(1, max_batch))
    n = draw(st.integers(1, max_n))
    values = draw(
        hnp.arrays(np.float64, (batch, n), elements=st.floats(-bound, bound, allow_nan=False))
    )
    return torch.as_tensor(values)


def _log_softmax(logits: torch.Tensor) -> torch.Tensor:
    shifted = logits - logits.max(-1, keepdim=True).values
    return shifted - shifted.exp().sum(-1, keepdim=True).log()


def test_exactly_one_of_logits_or_probs():
    with pytest.raises(ValueError, match="exactly one of logits or probs; got both"):
        TorchCategorical(logits=torch.zeros(1, 2), probs=torch.ones(1, 2) / 2)
    with pytest.raises(ValueError, match="got neither"):
        TorchCategorical()


def test_rejects_0d_inputs():
    with pytest.raises(ValueError, match=r"logits of shape \(B, ..., n\); got \(\)"):
        TorchCategorical(logits=torch.tensor(1.0))


@given(logits_batches())
@settings(max_examples=40, deadline=None)
def test_logp_entropy_match_log_softmax(logits):
    dist = TorchCategorical.from_logits(logits)
    log_probs = _log_softmax(logits)
    actions = torch.arange(logits.shape[0]) % logits.shape[1]
    expected = log_probs[torch.arange(logits.shape[0]), actions]
    assert torch.allclose(dist.logp(actions), expected, atol=1e-9)
    assert torch.isfinite(dist.logp(actions)).all()
    entropy = -(log_probs.exp() * log_probs).sum(-1)
    assert torch.allclose(dist.entropy(), entropy, atol=1e-9)


@given(logits_batches(), st.integers(0, 2**31 - 1))
@settings(max_examples=30, deadline=None)
def test_kl_matches_definition(logits, seed):
    other_logits = torch.randn(logits.shape, generator=torch.Generator().manual_seed(seed)).double()
    mine, theirs = TorchCategorical.from_logits(logits), TorchCategorical.from_logits(other_logits)
    log_p, log_q = _log_softmax(logits), _log_softmax(other_logits)
    expected = (log_p.exp() * (log_p - log_q)).sum(-1)
    assert mine.kl(theirs).shape == (logits.shape[0],)
    assert torch.allclose(mine.kl(theirs), expected, atol=1e-8)
    assert torch.allclose(
        mine.kl(mine), torch.zeros(logits.shape[0], dtype=logits.dtype), atol=1e-9
    )


def test_kl_refuses_other_families():
    from rlmigrate.distributions import TorchDiagGaussian

    cat = TorchCategorical.from_logits(torch.zeros(2, 2))
    with pytest.raises(TypeError, match="expected another TorchCategorical; got TorchDiagGaussian"):
        cat.kl(TorchDiagGaussian.from_logits(torch.zeros(2, 2)))


@given(logits_batches(bound=5.0), st.integers(0, 3))
@settings(max_examples=30, deadline=None)
def test_sample_shape_and_range(logits, extra):
    dist = TorchCategorical.from_logits(logits)
    sample = dist.sample(sample_shape=(extra,) if extra else None)
    expected_shape = ((extra,) if extra else ()) + (logits.shape[0],)
    assert sample.shape == expected_shape and sample.dtype == torch.int64
    assert ((sample >= 0) & (sample < logits.shape[1])).all()


def test_probs_construction_agrees_with_logits():
    probs = torch.tensor([[0.2, 0.5, 0.3]])
    from_probs = TorchCategorical(probs=probs)
    from_logits = TorchCategorical(logits=probs.log())
    assert torch.allclose(from_probs.logits, from_logits.logits)
    assert torch.allclose(from_logits.probs, probs)
    assert from_probs.to_deterministic().sample().item() == 1
    # What was given comes back as given (RLlib stores the argument); the other is derived.
    raw = torch.tensor([[1.0, 3.0, 2.0]])
    assert TorchCategorical(logits=raw).logits is raw
    assert from_probs.probs is probs


def test_argmax_uses_the_given_logits_not_normalised_ones():
    # Normalising rounds this near-tie into an exact tie; RLlib's argmax sees the raw values.
    logits = torch.tensor([[-6.5e-64, 0.0]], dtype=torch.float64)
    assert TorchCategorical.from_logits(logits).to_deterministic().sample().item() == 1


@given(logits_batches(bound=5.0), st.integers(0, 2**31 - 1))
@settings(max_examples=30, deadline=None)
def test_rsample_from_logits_is_straight_through_one_hot(logits, seed):
    logits = logits.clone().requires_grad_(True)
    dist = TorchCategorical.from_logits(logits)
    torch.manual_seed(seed)
    one_hot = dist.rsample()
    n = logits.shape[1]
    # Forward value: an exact one-hot.
    assert one_hot.shape == logits.shape
    assert torch.allclose(
        one_hot.detach().sum(-1), torch.ones(logits.shape[0], dtype=one_hot.dtype)
    )
    assert set(one_hot.detach().unique().tolist()) <= {0.0, 1.0}
    # Backward: the gradient of probs (softmax), e.g. of sum(one_hot * w).
    weights = torch.arange(n, dtype=logits.dtype)
    (one_hot * weights).sum().backward()
    probe = logits.detach().clone().requires_grad_(True)
    (torch.softmax(probe, -1) * weights).sum().backward()
    assert torch.allclose(logits.grad, probe.grad, atol=1e-9)


def test_rsample_with_sample_shape():
    dist = TorchCategorical.from_logits(torch.zeros(4, 3))
    assert dist.rsample(sample_shape=(2,)).shape == (2, 4, 3)


@given(logits_batches(bound=5.0), st.floats(0.05, 20.0))
@settings(max_examples=30, deadline=None)
def test_temperature_divides_logits(logits, temperature):
    dist = TorchCategorical.from_logits(logits, temperature=temperature)
    assert torch.allclose(dist.probs, torch.softmax(logits / temperature, -1), atol=1e-9)


@pytest.mark.parametrize("temperature", [0.0, -1.0, float("nan"), float("inf"), "hot"])
def test_bad_temperature_raises(temperature):
    with pytest.raises(ValueError, match="temperature"):
        TorchCategorical.from_logits(torch.zeros(1, 2), temperature=temperature)


@given(logits_batches())
@settings(max_examples=30, deadline=None)
def test_to_deterministic_is_argmax_int64(logits):
    greedy = TorchCategorical.from_logits(logits).to_deterministic()
    assert isinstance(greedy, TorchDeterministic)
    sample = greedy.sample()
    assert sample.dtype == torch.int64 and sample.shape == (logits.shape[0],)
    assert torch.equal(sample, torch.as_tensor(np.argmax(logits.numpy(), axis=-1)))
    # RLlib: the greedy action's logp is int64 zeros (B,).
    logp = greedy.logp(sample)
    assert logp.dtype == torch.int64 and torch.equal(logp, torch.zeros_like(sample))


def test_required_input_dim():
    assert TorchCategorical.required_input_dim(gym.spaces.Discrete(7, start=3)) == 7
    with pytest.raises(ValueError, match=r"expected a Discrete space; got Box"):
        TorchCategorical.required_input_dim(gym.spaces.Box(-1, 1, (2,)))


def test_from_logits_rejects_non_tensors_and_int_logits():
    with pytest.raises(TypeError, match="torch.Tensor.*got list"):
        TorchCategorical.from_logits([[0.0, 1.0]])
    with pytest.raises(TypeError, match="floating logits; got dtype torch.int64"):
        TorchCategorical.from_logits(torch.zeros(2, 3, dtype=torch.int64))


def test_time_major_batches_work():
    logits = torch.randn(2, 5, 4)  # (B, T, n)
    dist = TorchCategorical.from_logits(logits)
    assert dist.sample().shape == (2, 5)
    assert dist.logp(dist.sample()).shape == (2, 5)
    assert dist.to_deterministic().sample().shape == (2, 5)
