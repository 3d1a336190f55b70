"""The struct helpers every side shares: state tiling, state lists, scoring actions."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlmigrate.distributions.categorical import TorchCategorical
from rlmigrate.testing.sides import flatten_leaves, logp_under, state_leaves, tiled_state

_leaf = hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))


@settings(max_examples=40, deadline=None)
@given(st.lists(_leaf, min_size=1, max_size=3), st.integers(1, 4), st.booleans())
def test_tiled_state_repeats_every_leaf_along_a_new_batch_axis(leaves, batch_size, as_torch):
    given_leaves = [torch.from_numpy(x) for x in leaves] if as_torch else leaves
    tiled = tiled_state(given_leaves, batch_size)
    assert len(tiled) == len(leaves)
    for out, leaf in zip(tiled, leaves):
        assert isinstance(out, np.ndarray)
        assert out.shape == (batch_size,) + leaf.shape
        for row in out:
            np.testing.assert_array_equal(row, leaf)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from("hc"), _leaf, min_size=1))
def test_state_leaves_flattens_a_state_out_to_numpy(state):
    torch_state = {k: torch.from_numpy(v) for k, v in state.items()}
    out = state_leaves(torch_state)
    assert [x.shape for x in out] == [x.shape for x in flatten_leaves(state)]
    for got, want in zip(out, flatten_leaves(state)):
        np.testing.assert_array_equal(got, want)


def test_state_leaves_of_no_state_is_empty():
    assert state_leaves(None) == []


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(2, 5), st.data())
def test_logp_under_scores_numpy_actions_like_the_distribution(batch, n, data):
    logits = torch.randn(batch, n)
    dist = TorchCategorical.from_logits(logits)
    actions = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=batch, max_size=batch)))
    got = logp_under(dist, actions)
    want = torch.log_softmax(logits, -1)[torch.arange(batch), torch.as_tensor(actions)]
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-6)


def test_logp_under_without_a_distribution_is_none():
    assert logp_under(None, np.zeros(3)) is None


def test_a_type_error_inside_a_constructor_is_a_build_failure_of_that_side():
    """``TypeError`` raised by the user's ``setup()`` is the class failing to build (named with
    its side and spaces), not a misuse of the kit."""
    import gymnasium as gym
    import pytest

    from rlmigrate import TorchRLModule
    from rlmigrate.testing.side_build import as_side
    from rlmigrate.testing.sides import SideBuildError

    class Broken(TorchRLModule):
        def setup(self):
            int(None)

    with pytest.raises(SideBuildError, match=r"migrated: building Broken with observation_space=Box.*TypeError"):
        as_side(Broken, label="migrated", observation_space=gym.spaces.Box(-1, 1, (2,)),
                action_space=gym.spaces.Discrete(2), model_config={})


def test_held_spaces_finds_the_spaces_a_side_and_its_parts_hold():
    import gymnasium as gym

    from rlmigrate.testing.sides import held_spaces, seeded_spaces

    class Part:
        def __init__(self):
            self.state_space = gym.spaces.Box(-1, 1, (1,))
            self.weights = np.zeros(3)

    class Owner:
        def __init__(self):
            self.action_space = gym.spaces.Discrete(3)
            self.model = Part()
            self.count = 1

    owner = Owner()
    found = held_spaces(owner)
    assert found == [owner.action_space, owner.model.state_space]
    with seeded_spaces(found, 7):
        first = owner.model.state_space.sample()
    with seeded_spaces(found, 7):
        assert owner.model.state_space.sample() == first
