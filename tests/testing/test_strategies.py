"""The strategies generate what they promise: spaces of the requested kinds and sizes,
observations inside their space with the requested leading dims, and module batches."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from torch import nn

from rlmigrate import Columns, TorchRLModule
from rlmigrate.testing.strategies import (
    action_spaces,
    batches,
    box_spaces,
    observations,
    spaces,
)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _leaves(space: gym.Space):
    if isinstance(space, gym.spaces.Dict):
        for sub in space.spaces.values():
            yield from _leaves(sub)
    elif isinstance(space, gym.spaces.Tuple):
        for sub in space.spaces:
            yield from _leaves(sub)
    else:
        yield space


def _depth(space: gym.Space) -> int:
    if isinstance(space, gym.spaces.Dict):
        return 1 + max(_depth(s) for s in space.spaces.values())
    if isinstance(space, gym.spaces.Tuple):
        return 1 + max(_depth(s) for s in space.spaces)
    return 0


def _slice(obs, index):
    if isinstance(obs, dict):
        return {k: _slice(v, index) for k, v in obs.items()}
    if isinstance(obs, tuple):
        return tuple(_slice(v, index) for v in obs)
    return obs[index]


def _lead_shapes(obs):
    if isinstance(obs, dict):
        return [s for v in obs.values() for s in _lead_shapes(v)]
    if isinstance(obs, tuple):
        return [s for v in obs for s in _lead_shapes(v)]
    return [obs.shape]


# ----------------------------------------------------------------------------- spaces
@FAST
@given(spaces(kinds=("box", "discrete", "dict"), max_depth=2, max_leaf_size=5, max_rank=2))
def test_spaces_respect_kinds_depth_and_sizes(space):
    assert _depth(space) <= 2
    assert not isinstance(space, gym.spaces.Tuple)
    for leaf in _leaves(space):
        assert isinstance(leaf, (gym.spaces.Box, gym.spaces.Discrete)), leaf
        if isinstance(leaf, gym.spaces.Box):
            assert np.issubdtype(leaf.dtype, np.floating)
            assert 1 <= len(leaf.shape) <= 2 and math.prod(leaf.shape) <= 5
        else:
            assert 1 <= leaf.n <= 5


@FAST
@given(spaces(max_depth=0))
def test_depth_zero_gives_leaves_only(space):
    assert not isinstance(space, (gym.spaces.Dict, gym.spaces.Tuple))


@pytest.mark.parametrize(
    "predicate",
    [
        pytest.param(
            lambda s: isinstance(s, gym.spaces.Box) and np.all(np.isinf(s.low)), id="unbounded-box"
        ),
        pytest.param(
            lambda s: (
                isinstance(s, gym.spaces.Box)
                and np.isfinite(s.low).all()
                and np.isinf(s.high).all()
            ),
            id="half-bounded-box",
        ),
        pytest.param(
            lambda s: isinstance(s, gym.spaces.Box) and np.issubdtype(s.dtype, np.integer),
            id="int-box",
        ),
        pytest.param(
            lambda s: isinstance(s, gym.spaces.Box) and s.dtype == np.float64, id="float64-box"
        ),
        pytest.param(
            lambda s: isinstance(s, gym.spaces.Box) and len(s.shape) == 3, id="rank-3-box"
        ),
        pytest.param(
            lambda s: isinstance(s, gym.spaces.Discrete) and s.start != 0, id="discrete-start"
        ),
        pytest.param(lambda s: isinstance(s, gym.spaces.MultiDiscrete), id="multi-discrete"),
        pytest.param(lambda s: isinstance(s, gym.spaces.MultiBinary), id="multi-binary"),
        pytest.param(
            lambda s: (
                isinstance(s, gym.spaces.Dict)
                and any(isinstance(c, gym.spaces.Tuple) for c in s.spaces.values())
            ),
            id="dict-of-tuple",
        ),
    ],
)
def test_spaces_reach_every_variety(predicate):
    # find() raises if no example satisfies the predicate: each variety must be reachable
    find(spaces(), predicate, settings=settings(max_examples=2000, database=None, deadline=None))


def test_unknown_kind_is_rejected_with_the_allowed_list():
    with pytest.raises(ValueError, match="unknown kind.*'boxx'.*expected"):
        spaces(kinds=("boxx",))
    with pytest.raises(ValueError, match="leaf kind"):
        spaces(kinds=("dict",))
    with pytest.raises(ValueError, match="multi_binary"):
        action_spaces(kinds=("multi_binary",))


@FAST
@given(action_spaces(max_depth=1))
def test_action_spaces_are_supported_by_the_default_distributions(space):
    from rlmigrate.distributions.defaults import get_default_dist_cls

    for leaf in _leaves(space):
        if isinstance(leaf, gym.spaces.Box):
            assert (
                leaf.shape
                and len(leaf.shape) == 1
                and np.isfinite(leaf.low).all()
                and np.isfinite(leaf.high).all()
            )
        else:
            assert isinstance(leaf, (gym.spaces.Discrete, gym.spaces.MultiDiscrete))
    dist_cls = get_default_dist_cls(space)
    width = dist_cls.required_input_dim(space)
    dist = dist_cls.from_logits(torch.zeros(2, int(width)))
    sample = dist.sample()
    assert dist.logp(sample).shape == (2,)


# ----------------------------------------------------------------------------- observations
@FAST
@given(spaces().flatmap(lambda s: observations(s, batch_size=None).map(lambda o: (s, o))))
def test_single_observations_lie_in_their_space(pair):
    space, obs = pair
    assert space.contains(obs), (space, obs)


@FAST
@given(
    st.tuples(
        spaces(max_depth=1), st.integers(1, 5), st.one_of(st.none(), st.integers(1, 3))
    ).flatmap(lambda p: observations(p[0], batch_size=p[1], time=p[2]).map(lambda o: (*p, o)))
)
def test_batched_observations_have_leading_dims_and_every_row_is_in_the_space(case):
    space, b, t, obs = case
    lead = (b,) if t is None else (b, t)
    for shape in _lead_shapes(obs):
        assert shape[: len(lead)] == lead
    for i in range(b):
        row = _slice(obs, i)
        for j in range(t or 1):
            item = _slice(row, j) if t is not None else row
            assert space.contains(item), (space, item)


@FAST
@given(
    box_spaces(bounded=False).flatmap(lambda s: observations(s, batch_size=3).map(lambda o: (s, o)))
)
def test_unbounded_box_observations_are_finite(pair):
    space, obs = pair
    assert np.isfinite(obs).all() and obs.dtype == space.dtype


def test_observations_hit_the_bounds_of_a_box():
    space = gym.spaces.Box(-2.0, 3.0, (2,), dtype=np.float32)
    s = settings(max_examples=500, database=None, deadline=None)
    find(observations(space, batch_size=1), lambda o: (o == 3.0).any(), settings=s)
    find(observations(space, batch_size=1), lambda o: (o == -2.0).any(), settings=s)


def test_observations_reject_an_unknown_space():
    with pytest.raises(TypeError, match="Text"):
        observations(gym.spaces.Text(5), batch_size=2)
    with pytest.raises(ValueError, match="batch_size"):
        observations(gym.spaces.Discrete(2), batch_size=None, time=2)


# ----------------------------------------------------------------------------- batches
class _Mlp(TorchRLModule):
    def setup(self):
        self.net = nn.Linear(3, 2)

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.net(batch[Columns.OBS])}


class _Lstm(TorchRLModule):
    def setup(self):
        self.lstm = nn.LSTM(3, 5, batch_first=True)
        self.out = nn.Linear(5, 2)

    def get_initial_state(self):
        return {"h": torch.zeros(5), "c": torch.zeros(5)}

    def _forward(self, batch, **kwargs):
        state = batch[Columns.STATE_IN]
        out, (h, c) = self.lstm(batch[Columns.OBS], (state["h"][None], state["c"][None]))
        return {
            Columns.ACTION_DIST_INPUTS: self.out(out),
            Columns.STATE_OUT: {"h": h[0], "c": c[0]},
        }


_OBS = gym.spaces.Box(-1.0, 1.0, (3,), dtype=np.float32)
_ACT = gym.spaces.Discrete(2)


@FAST
@given(st.data())
def test_batches_of_a_stateless_module_feed_its_forward(data):
    module = _Mlp(observation_space=_OBS, action_space=_ACT)
    b = data.draw(st.integers(1, 6))
    batch = data.draw(batches(module, batch_size=b))
    assert set(batch) == {Columns.OBS}
    assert batch[Columns.OBS].shape == (b, 3) and batch[Columns.OBS].dtype == torch.float32
    assert module.forward_inference(batch)[Columns.ACTION_DIST_INPUTS].shape == (b, 2)


@FAST
@given(st.integers(1, 4), st.integers(1, 4), st.sampled_from(["initial", "random"]), st.data())
def test_batches_of_a_stateful_module_carry_state_in_and_a_time_axis(b, t, state, data):
    module = _Lstm(observation_space=_OBS, action_space=_ACT)
    batch = data.draw(batches(module, batch_size=b, time=t, state=state))
    assert batch[Columns.OBS].shape == (b, t, 3)
    assert {k: v.shape for k, v in batch[Columns.STATE_IN].items()} == {"h": (b, 5), "c": (b, 5)}
    if state == "initial":
        assert all((v == 0).all() for v in batch[Columns.STATE_IN].values())
    else:
        assert all(v.abs().max() <= 1 for v in batch[Columns.STATE_IN].values())
    out = module.forward_inference(batch)
    assert out[Columns.ACTION_DIST_INPUTS].shape == (b, t, 2)


def test_batches_of_a_stateful_module_default_to_one_step():
    module = _Lstm(observation_space=_OBS, action_space=_ACT)
    batch = find(batches(module, batch_size=2, as_tensors=False), lambda _: True)
    assert batch[Columns.OBS].shape == (2, 1, 3) and isinstance(batch[Columns.OBS], np.ndarray)


def test_batches_reject_an_unknown_state_mode():
    module = _Lstm(observation_space=_OBS, action_space=_ACT)
    with pytest.raises(ValueError, match="'zeros'.*'initial' or 'random'"):
        batches(module, state="zeros")


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_simplex_draws_are_interior_points_of_the_simplex(data):
    from shim.spaces import Simplex

    shape = data.draw(st.sampled_from([(3,), (2, 5), (13,)]))
    space = Simplex(shape)
    batch = data.draw(observations(space, batch_size=4))
    assert batch.shape == (4, *shape) and batch.dtype == np.float32
    assert all(space.contains(row) for row in batch)
    assert np.all(batch > 0)  # a Dirichlet's log-density is finite there
