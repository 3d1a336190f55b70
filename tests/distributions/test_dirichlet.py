"""TorchDirichlet: the new-stack family for RLlib's Simplex action spaces acts and scores as
the legacy catalog's TorchDirichlet did (the shim's copy of the legacy class is the oracle)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rlmigrate.distributions import TorchDirichlet, get_default_dist_cls
from rlmigrate.distributions.dirichlet import is_simplex_space
from shim.models.action_dist import TorchDirichlet as LegacyDirichlet
from shim.spaces import Simplex

logit_batches = st.integers(1, 4).flatmap(
    lambda b: st.integers(2, 5).flatmap(
        lambda a: arrays(np.float32, (b, a), elements=st.floats(-3, 3, width=32))
    )
)


@settings(max_examples=40, deadline=None)
@given(logit_batches, st.integers(0, 2**16))
def test_acts_and_scores_like_the_legacy_dirichlet(logits, seed):
    inputs = torch.as_tensor(logits)
    legacy, new = LegacyDirichlet(inputs, None), TorchDirichlet.from_logits(inputs)
    torch.manual_seed(seed)
    legacy_sample = legacy.sample()
    torch.manual_seed(seed)
    new_sample = new.sample()
    assert torch.equal(legacy_sample, new_sample)  # same draws from the same RNG state
    assert torch.equal(legacy.deterministic_sample(), new.to_deterministic().sample())
    for action in (new_sample, torch.zeros_like(new_sample).index_fill_(1, torch.tensor([0]), 1.0)):
        # a one-hot corner is clamped to 1e-7 and renormalised, not scored -inf
        assert torch.equal(legacy.logp(action), new.logp(action))
        assert torch.isfinite(new.logp(action)).all()
    assert torch.equal(legacy.entropy(), new.entropy())
    other = torch.flip(inputs, dims=[1])
    assert torch.allclose(legacy.kl(LegacyDirichlet(other, None)),
                          new.kl(TorchDirichlet.from_logits(other)))


def test_simplex_spaces_default_to_it_and_others_do_not():
    space = Simplex((4,))
    assert is_simplex_space(space) and not is_simplex_space(gym.spaces.Box(0, 1, (4,)))
    assert get_default_dist_cls(space) is TorchDirichlet
    assert TorchDirichlet.required_input_dim(space) == 4
    nested = get_default_dist_cls(gym.spaces.Dict({"a": space, "b": gym.spaces.Discrete(2)}))
    assert nested.required_input_dim(gym.spaces.Dict({"a": space, "b": gym.spaces.Discrete(2)})) == 6


def test_refuses_what_is_not_a_concentration_tensor():
    with pytest.raises(TypeError, match=r"concentration as a torch.Tensor \(B, A\)"):
        TorchDirichlet(np.ones((2, 3)))  # type: ignore[arg-type]
    with pytest.raises(ValueError):  # torch's own check: concentrations must be positive
        TorchDirichlet(torch.zeros(2, 3))
