"""Hypothesis strategies for gymnasium spaces, observations and module batches.

These are the inputs of every property test in rlmigrate and of :func:`assert_equivalent`:
a migration is only as trustworthy as the inputs it was checked on, so the spaces cover
what real environments use (Box of any rank, bounded, half-bounded and unbounded, float and
integer dtypes; Discrete with a ``start``; MultiDiscrete; MultiBinary; nested Dict/Tuple)
and observations hit the bounds, zero and the corners that break models.

Example:
    >>> from hypothesis import given
    >>> from rlmigrate.testing.strategies import spaces, observations
    >>> @given(spaces(max_depth=1).flatmap(lambda s: observations(s, batch_size=3).map(lambda o: (s, o))))
    ... def test_obs_in_space(pair):
    ...     space, obs = pair
    ...     ...

Names are stable: other test suites import ``spaces``, ``action_spaces``, ``observations``
and ``batches``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import gymnasium as gym
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlmigrate.core.nest import map_struct
from rlmigrate.distributions.dirichlet import is_simplex_space
from rlmigrate.testing.repeated_obs import ITEMS, LENGTHS, is_repeated
from rlmigrate.testing.space_strategies import (
    ACTION_SPACE_KINDS,
    SPACE_KINDS,
    UNBOUNDED_MAGNITUDE,
    action_spaces,
    box_spaces,
    spaces,
)

__all__ = [
    "SPACE_KINDS",
    "ACTION_SPACE_KINDS",
    "UNBOUNDED_MAGNITUDE",
    "spaces",
    "action_spaces",
    "box_spaces",
    "observations",
    "batches",
    "initial_state_batch",
]

#: hypothesis' float width for a numpy float itemsize.
_FLOAT_WIDTH: dict[int, Literal[16, 32, 64]] = {2: 16, 4: 32, 8: 64}


# --------------------------------------------------------------------------- observations
def finite_bounds(space: gym.spaces.Box) -> tuple[np.ndarray, np.ndarray]:
    """Per-element ``(low, high)`` of a float Box, each ``space.shape`` float64, all finite.

    An infinite bound becomes a finite one ``UNBOUNDED_MAGNITUDE`` away from the other bound
    (or from 0 when both are infinite), so draws stay where float32 models stay comparable.
    The hypothesis strategies and the fast sampler both draw from these bounds.
    """
    low = np.broadcast_to(space.low, space.shape).astype(np.float64)
    high = np.broadcast_to(space.high, space.shape).astype(np.float64)
    finite_low, finite_high = np.isfinite(low), np.isfinite(high)
    lo = np.where(
        finite_low,
        low,
        np.where(finite_high, np.minimum(high, 0.0) - UNBOUNDED_MAGNITUDE, -UNBOUNDED_MAGNITUDE),
    )
    hi = np.where(
        finite_high,
        high,
        np.where(finite_low, np.maximum(low, 0.0) + UNBOUNDED_MAGNITUDE, UNBOUNDED_MAGNITUDE),
    )
    return lo, hi


def _box_values(space: gym.spaces.Box, shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Arrays of ``shape`` (batch dims + ``space.shape``) whose every element lies in the box."""
    dtype = space.dtype
    low = np.broadcast_to(space.low, space.shape)
    high = np.broadcast_to(space.high, space.shape)
    if np.issubdtype(dtype, np.integer):
        lo, hi = int(low.min()), int(high.max())
        if np.all(low == lo) and np.all(high == hi):
            return hnp.arrays(dtype, shape, elements=st.integers(lo, hi))
        # per-element bounds: draw a position in [0, 1] and map it into each element's range
        return hnp.arrays(np.float64, shape, elements=st.floats(0.0, 1.0)).map(
            lambda u: np.clip(np.floor(low + u * (high - low + 1)), low, high).astype(dtype)
        )
    width = _FLOAT_WIDTH[dtype.itemsize]
    lo_eff, hi_eff = (bound.astype(dtype) for bound in finite_bounds(space))
    lo, hi = lo_eff.min(), hi_eff.max()
    if np.all(lo_eff == lo) and np.all(hi_eff == hi):
        # Uniform bounds: draw elements directly, so shrinking goes to 0 (or the nearest bound).
        elements = st.floats(
            float(lo), float(hi), width=width, allow_nan=False, allow_infinity=False
        )
        return hnp.arrays(dtype, shape, elements=elements)
    unit = hnp.arrays(np.float64, shape, elements=st.floats(0.0, 1.0))
    return unit.map(
        lambda u: np.clip(
            (lo_eff + u * (hi_eff.astype(np.float64) - lo_eff)).astype(dtype), lo_eff, hi_eff
        )
    )


def _leaf_observations(space: gym.Space, lead: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    if isinstance(space, gym.spaces.Box):
        return _box_values(space, lead + tuple(space.shape))
    if isinstance(space, gym.spaces.Discrete):
        start, n = int(space.start), int(space.n)
        return hnp.arrays(space.dtype, lead, elements=st.integers(start, start + n - 1))
    if isinstance(space, gym.spaces.MultiDiscrete):
        nvec = np.asarray(space.nvec)
        starts = np.asarray(getattr(space, "start", np.zeros_like(nvec)))
        unit = hnp.arrays(
            np.float64, lead + nvec.shape, elements=st.floats(0.0, 1.0, exclude_max=True)
        )
        return unit.map(lambda u: (starts + np.floor(u * nvec)).astype(space.dtype))
    if isinstance(space, gym.spaces.MultiBinary):
        return hnp.arrays(space.dtype, lead + tuple(space.shape), elements=st.integers(0, 1))
    if is_simplex_space(space):
        # positive weights normalised over the last axis: interior points of the simplex (a
        # Dirichlet's log-density is finite there), as RLlib's Simplex actions are
        weights = hnp.arrays(np.float64, lead + tuple(space.shape or ()), elements=st.floats(1e-3, 1.0))
        return weights.map(lambda w: (w / w.sum(axis=-1, keepdims=True)).astype(space.dtype))
    raise TypeError(f"observations(): no strategy for space {space!r} ({type(space).__name__})")


def observations(
    space: gym.Space,
    batch_size: int | st.SearchStrategy[int] | None = 4,
    *,
    time: int | None = None,
) -> st.SearchStrategy[Any]:
    """Observations inside ``space``, batched.

    Args:
        space: any space :func:`spaces` generates (nested Dict → dict, Tuple → tuple).
        batch_size: ``B`` (an int or a strategy of ints); ``None`` → one unbatched
            observation (``space.contains(obs)`` holds).
        time: ``T``: add a time axis after the batch axis, giving ``(B, T, ...)``.

    Returns:
        A strategy of numpy arrays / structs with leading dims ``(B,)`` or ``(B, T)``.
    """
    _struct_observations(space, (1,))  # fail now, naming the space, not at draw time
    if batch_size is None:
        if time is not None:
            raise ValueError("observations(): time= needs a batch_size (got batch_size=None)")
        return _struct_observations(space, ())
    sizes = batch_size if isinstance(batch_size, st.SearchStrategy) else st.just(int(batch_size))
    return sizes.flatmap(
        lambda b: _struct_observations(space, (b,) if time is None else (b, int(time)))
    )


def _struct_observations(space: gym.Space, lead: tuple[int, ...]) -> st.SearchStrategy[Any]:
    if is_repeated(space):  # the padded struct of rlmigrate.testing.repeated_obs
        if not lead:
            raise ValueError(f"observations(): a {space!r} observation needs a batch_size")
        max_len = space.max_len  # type: ignore[attr-defined]
        return st.fixed_dictionaries(
            {
                LENGTHS: hnp.arrays(np.int64, lead, elements=st.integers(0, max_len)),
                ITEMS: _struct_observations(space.child_space, lead + (max_len,)),  # type: ignore[attr-defined]
            }
        )
    if isinstance(space, gym.spaces.Dict):
        return st.fixed_dictionaries(
            {k: _struct_observations(s, lead) for k, s in space.spaces.items()}
        )
    if isinstance(space, gym.spaces.Tuple):
        return st.tuples(*[_struct_observations(s, lead) for s in space.spaces])
    if not lead:
        # one observation: a 0-d Discrete sample must be a numpy integer, not a 0-d array
        return _leaf_observations(space, (1,)).map(lambda a: a[0])
    return _leaf_observations(space, lead)


# --------------------------------------------------------------------------- module batches
def initial_state_batch(module: Any, batch_size: int) -> Any:
    """The module's initial state tiled to ``(B, ...)`` as torch tensors (same structure)."""
    import torch

    def tile(value: Any) -> Any:
        tensor = torch.as_tensor(
            np.asarray(value) if not isinstance(value, torch.Tensor) else value
        )
        return tensor.unsqueeze(0).expand((batch_size,) + tuple(tensor.shape)).clone()

    return map_struct(tile, module.get_initial_state())


def batches(
    module: Any,
    batch_size: int | st.SearchStrategy[int] = 4,
    *,
    time: int | None = None,
    state: str = "initial",
    as_tensors: bool = True,
) -> st.SearchStrategy[dict[str, Any]]:
    """Forward-pass batches for ``module``: ``{Columns.OBS: (B, ...)}``.

    Stateful modules (``module.is_stateful()``) get ``Columns.STATE_IN`` (``(B, ...)`` per
    state entry) and observations with a time axis ``(B, T, ...)`` (``T = time or 1``).
    A stateless module gets a time axis only when ``time`` is given.

    Args:
        module: an RLModule (its ``observation_space`` and ``get_initial_state()`` are used).
        batch_size: ``B`` (int or strategy of ints).
        time: ``T`` for the time axis.
        state: ``"initial"`` (the module's initial state, tiled) or ``"random"`` (floats in
            [-1, 1] of the initial state's shapes and dtypes).
        as_tensors: return torch tensors (floats as float32, as RLlib's NumpyToTensor);
            False keeps numpy.
    """
    from rlmigrate.core.columns import Columns

    if state not in ("initial", "random"):
        raise ValueError(f"batches(state={state!r}): expected 'initial' or 'random'")
    space = module.observation_space
    if space is None:
        raise ValueError(f"batches(): {type(module).__name__} has no observation_space")
    stateful = bool(module.is_stateful())
    steps = (time or 1) if stateful else time
    sizes = batch_size if isinstance(batch_size, st.SearchStrategy) else st.just(int(batch_size))

    def for_size(b: int) -> st.SearchStrategy[dict[str, Any]]:
        obs = _struct_observations(space, (b,) if steps is None else (b, steps))
        if not stateful:
            return obs.map(lambda o: _finish({Columns.OBS: o}, as_tensors))
        if state == "initial":
            return obs.map(
                lambda o: _finish(
                    {Columns.OBS: o, Columns.STATE_IN: initial_state_batch(module, b)}, as_tensors
                )
            )
        template = map_struct(
            lambda v: np.asarray(v.detach().cpu() if hasattr(v, "detach") else v),
            module.get_initial_state(),
        )
        states = _state_strategy(template, b)
        return st.tuples(obs, states).map(
            lambda p: _finish({Columns.OBS: p[0], Columns.STATE_IN: p[1]}, as_tensors)
        )

    return sizes.flatmap(for_size)


def _state_strategy(template: Any, b: int) -> st.SearchStrategy[Any]:
    if isinstance(template, Mapping):
        return st.fixed_dictionaries({k: _state_strategy(v, b) for k, v in template.items()})
    if isinstance(template, (tuple, list)):
        return st.tuples(*[_state_strategy(v, b) for v in template]).map(
            type(template) if isinstance(template, list) else tuple
        )
    array = np.asarray(template)
    dtype = array.dtype if np.issubdtype(array.dtype, np.floating) else np.dtype(np.float32)
    width = _FLOAT_WIDTH[dtype.itemsize]
    return hnp.arrays(dtype, (b,) + array.shape, elements=st.floats(-1.0, 1.0, width=width))


def _finish(batch: dict[str, Any], as_tensors: bool) -> dict[str, Any]:
    if not as_tensors:
        return {
            k: map_struct(lambda v: v.detach().cpu().numpy() if hasattr(v, "detach") else v, x)
            for k, x in batch.items()
        }
    from rlmigrate.acting import to_tensor_struct

    return {k: to_tensor_struct(v) for k, v in batch.items()}
