"""Property tests over generated action spaces, checked against an independent logits layout.

The strategy below is local on purpose (the team's public strategies module may change under
us); it draws what the default distributions support: Discrete (with ``start``), 1-D float Box
with finite bounds, MultiDiscrete (with ``start``) and Dict/Tuple nestings of these.

The expected values are computed here from first principles: the logits of a nested space are
laid out leaf by leaf with dict keys sorted (RLlib's flattening), a Discrete(n) takes n
columns, a Box(A) 2A (means then log-stds) and a MultiDiscrete sum(nvec).
"""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlmigrate.distributions import (
    TorchSquashedGaussian,
    get_default_dist_cls,
    required_input_dim_for_space,
)

# --------------------------------------------------------------------------- strategies


@st.composite
def box_spaces(draw, max_dim=4):
    dim = draw(st.integers(1, max_dim))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    low = draw(hnp.arrays(np.float64, (dim,), elements=st.floats(-10, 10)))
    width = draw(hnp.arrays(np.float64, (dim,), elements=st.floats(0.1, 20)))
    return gym.spaces.Box(low.astype(dtype), (low + width).astype(dtype), dtype=dtype)


def leaf_action_spaces():
    discrete = st.builds(
        lambda n, start: gym.spaces.Discrete(n, start=start), st.integers(1, 6), st.integers(-3, 3)
    )
    multi_discrete = st.builds(
        lambda nvec, start: gym.spaces.MultiDiscrete(nvec, start=[start] * len(nvec)),
        st.lists(st.integers(1, 5), min_size=1, max_size=3),
        st.integers(-2, 2),
    )
    return st.one_of(discrete, box_spaces(), multi_discrete)


def action_spaces():
    keys = st.text(alphabet="abcxyz", min_size=1, max_size=2)

    def nest(children):
        return st.one_of(
            st.dictionaries(keys, children, min_size=1, max_size=3).map(gym.spaces.Dict),
            st.lists(children, min_size=1, max_size=3).map(
                lambda items: gym.spaces.Tuple(tuple(items))
            ),
        )

    return st.recursive(leaf_action_spaces(), nest, max_leaves=5)


@st.composite
def spaces_with_logits(draw, bound=5.0):
    """(space, logits (B, W)) with W the width the space's leaves need by our own count."""
    space = draw(action_spaces())
    batch = draw(st.integers(1, 4))
    width = _width(space)
    logits = draw(
        hnp.arrays(np.float32, (batch, width), elements=st.floats(-bound, bound, width=32))
    )
    return space, torch.as_tensor(logits)


# --------------------------------------------------------------------------- independent layout


def _children(space):
    """Children of a Dict (sorted keys) or Tuple, as (key, child) pairs in flattening order."""
    if isinstance(space, gym.spaces.Dict):
        return [(key, space.spaces[key]) for key in sorted(space.spaces)]
    return list(enumerate(space.spaces))


def _is_nested(space):
    return isinstance(space, (gym.spaces.Dict, gym.spaces.Tuple))


def _width(space):
    if _is_nested(space):
        return sum(_width(child) for _, child in _children(space))
    if isinstance(space, gym.spaces.Discrete):
        return int(space.n)
    if isinstance(space, gym.spaces.Box):
        return 2 * int(np.prod(space.shape))
    return int(np.sum(space.nvec))


def _map_leaves(space, logits, action, leaf_fn):
    """Walk the space in flattening order, handing each leaf its logits slice (and action)."""
    if not _is_nested(space):
        return [leaf_fn(space, logits, action)]
    results, offset = [], 0
    for key, child in _children(space):
        width = _width(child)
        results += _map_leaves(
            child,
            logits[..., offset : offset + width],
            None if action is None else action[key],
            leaf_fn,
        )
        offset += width
    return results


def _leaf_logp(space, logits, action):
    logits = logits.double()
    if isinstance(space, gym.spaces.Discrete):
        return torch.log_softmax(logits, -1).gather(-1, action.long().unsqueeze(-1)).squeeze(-1)
    if isinstance(space, gym.spaces.Box):
        mean, log_std = logits.chunk(2, -1)
        z = (action.double() - mean) / log_std.exp()
        return (-0.5 * z**2 - log_std - 0.5 * math.log(2 * math.pi)).sum(-1)
    parts = torch.split(logits, [int(n) for n in space.nvec], dim=-1)
    return sum(
        torch.log_softmax(part, -1).gather(-1, action[:, i : i + 1].long()).squeeze(-1)
        for i, part in enumerate(parts)
    )


def _leaf_greedy(space, logits, _action):
    if isinstance(space, gym.spaces.Discrete):
        return torch.as_tensor(np.argmax(logits.numpy(), -1))
    if isinstance(space, gym.spaces.Box):
        return logits[..., : logits.shape[-1] // 2]
    parts = torch.split(logits, [int(n) for n in space.nvec], dim=-1)
    return torch.stack([torch.as_tensor(np.argmax(p.numpy(), -1)) for p in parts], -1)


def _leaves_of_action(space, action):
    return _map_leaves(space, torch.zeros(1, _width(space)), action, lambda s, _l, a: (s, a))


def _flat_action(space, action):
    """The whole action as one (B, W) float tensor: 1 column per Discrete, one per component."""
    columns = []
    for leaf, value in _leaves_of_action(space, action):
        value = value.double()
        columns.append(value.unsqueeze(-1) if isinstance(leaf, gym.spaces.Discrete) else value)
    return torch.cat(columns, dim=-1)


def _assert_batch_in_space(space, action, batch, check_box_bounds):
    """Every batch row, converted to numpy (indices shifted by ``start``), lies in the space."""
    for leaf, value in _leaves_of_action(space, action):
        value = value.numpy()
        assert value.shape[0] == batch
        for row in value:
            if isinstance(leaf, gym.spaces.Discrete):
                assert leaf.contains(np.int64(row + leaf.start)), (leaf, row)
            elif isinstance(leaf, gym.spaces.MultiDiscrete):
                assert leaf.contains((row + leaf.start).astype(leaf.dtype)), (leaf, row)
            elif check_box_bounds:
                assert leaf.contains(row.astype(leaf.dtype)), (leaf, row)
            else:
                assert row.shape == leaf.shape and np.isfinite(row).all(), (leaf, row)


def _in_space_actions(space, batch, seed):
    """A batch of ``space.sample()`` actions as a struct of tensors in index space."""
    space.seed(seed)
    rows = [space.sample() for _ in range(batch)]

    def build(sub, values):
        if isinstance(sub, gym.spaces.Dict):
            return {
                key: build(child, [v[key] for v in values]) for key, child in sub.spaces.items()
            }
        if isinstance(sub, gym.spaces.Tuple):
            return tuple(build(child, [v[i] for v in values]) for i, child in enumerate(sub.spaces))
        stacked = np.stack([np.asarray(v) for v in values])
        if isinstance(sub, gym.spaces.Box):
            return torch.as_tensor(stacked, dtype=torch.float32)
        return torch.as_tensor(stacked - sub.start, dtype=torch.int64)

    return build(space, rows)


def _struct_equal(expected_leaves, space, actual):
    for (_, got), want in zip(_leaves_of_action(space, actual), expected_leaves):
        assert got.dtype == want.dtype or (got.is_floating_point() and want.is_floating_point())
        assert torch.equal(got.to(want.dtype), want), (got, want)


# --------------------------------------------------------------------------- properties


@given(spaces_with_logits(), st.integers(0, 2**31 - 1))
@settings(max_examples=40, deadline=None)
def test_samples_lie_in_the_space_and_score_finite(case, seed):
    space, logits = case
    dist = get_default_dist_cls(space).from_logits(logits)
    torch.manual_seed(seed)
    sample = dist.sample()
    _assert_batch_in_space(space, sample, logits.shape[0], check_box_bounds=False)
    logp = dist.logp(sample)
    assert logp.shape == (logits.shape[0],) and torch.isfinite(logp).all()
    sample, logp = dist.sample_and_logp()
    assert torch.allclose(logp, dist.logp(sample))


@given(spaces_with_logits(), st.integers(0, 2**31 - 1))
@settings(max_examples=40, deadline=None)
def test_logp_of_in_space_actions_matches_independent_layout(case, seed):
    space, logits = case
    dist = get_default_dist_cls(space).from_logits(logits)
    actions = _in_space_actions(space, logits.shape[0], seed)
    expected = sum(_map_leaves(space, logits, actions, _leaf_logp))
    logp = dist.logp(actions)
    assert torch.isfinite(logp).all()
    assert torch.allclose(logp.double(), expected, rtol=1e-4, atol=1e-3)


@given(spaces_with_logits())
@settings(max_examples=40, deadline=None)
def test_to_deterministic_is_argmax_or_mean(case):
    space, logits = case
    greedy = get_default_dist_cls(space).from_logits(logits).to_deterministic()
    expected = _map_leaves(space, logits, None, _leaf_greedy)
    sample = greedy.sample()
    if _is_nested(space):
        _struct_equal(expected, space, sample)
    else:
        assert torch.equal(sample, expected[0].to(sample.dtype))


@given(spaces_with_logits())
@settings(max_examples=40, deadline=None)
def test_required_input_dim_is_the_consumed_width(case):
    space, logits = case
    cls = get_default_dist_cls(space)
    width = cls.required_input_dim(space)
    assert width == required_input_dim_for_space(space) == logits.shape[-1]
    cls.from_logits(logits)  # exactly that width works
    if isinstance(space, gym.spaces.Discrete):
        return  # a plain categorical reads n from the logits: no width to enforce
    wrong = [width + 1] + ([width - 1] if width > 1 else [])
    for bad in wrong:
        with pytest.raises(
            ValueError, match=rf"last dimension {width if cls.partial_kwargs else bad + 1}"
        ):
            cls.from_logits(torch.zeros(logits.shape[0], bad))


@given(spaces_with_logits(), st.integers(0, 2**31 - 1))
@settings(max_examples=30, deadline=None)
def test_flat_logp_equals_struct_logp(case, seed):
    space, logits = case
    if not _is_nested(space):
        return
    dist = get_default_dist_cls(space).from_logits(logits)
    torch.manual_seed(seed)
    sample = dist.sample()
    assert torch.allclose(
        dist.logp(_flat_action(space, sample).float()), dist.logp(sample), atol=1e-5
    )


@given(spaces_with_logits(), st.integers(0, 2**31 - 1))
@settings(max_examples=30, deadline=None)
def test_entropy_and_kl_shapes(case, seed):
    space, logits = case
    cls = get_default_dist_cls(space)
    dist = cls.from_logits(logits)
    noise = torch.randn(logits.shape, generator=torch.Generator().manual_seed(seed))
    other = cls.from_logits(logits + noise)
    batch = (logits.shape[0],)
    assert dist.entropy().shape == batch
    assert dist.kl(other).shape == batch
    assert (dist.kl(other) > -1e-4).all()
    assert torch.allclose(dist.kl(dist), torch.zeros(batch), atol=1e-5)


@given(box_spaces(), st.integers(1, 4), st.integers(0, 2**31 - 1), st.floats(0.1, 10.0))
@settings(max_examples=40, deadline=None)
def test_squashed_samples_lie_in_bounded_boxes(space, batch, seed, spread):
    width = TorchSquashedGaussian.required_input_dim(space)
    logits = torch.randn(batch, width, generator=torch.Generator().manual_seed(seed)) * spread
    dist = TorchSquashedGaussian.from_logits(logits, low=space.low, high=space.high)
    for sample in (dist.sample(), dist.to_deterministic().sample(), dist.rsample().detach()):
        _assert_batch_in_space(space, sample, batch, check_box_bounds=True)
    assert torch.isfinite(dist.logp(dist.sample())).all()
