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

import math
import string
from collections.abc import Iterable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "SPACE_KINDS",
    "ACTION_SPACE_KINDS",
    "spaces",
    "action_spaces",
    "box_spaces",
    "observations",
    "batches",
    "initial_state_batch",
]

#: Leaf and container kinds understood by :func:`spaces` (``kinds=``).
SPACE_KINDS: tuple[str, ...] = (
    "box",
    "int_box",
    "discrete",
    "multi_discrete",
    "multi_binary",
    "dict",
    "tuple",
)
#: Kinds understood by :func:`action_spaces` (what the default distributions support).
ACTION_SPACE_KINDS: tuple[str, ...] = ("discrete", "box", "multi_discrete", "dict", "tuple")

_LEAF_KINDS = ("box", "int_box", "discrete", "multi_discrete", "multi_binary")
_FLOAT_DTYPES = (np.float32, np.float64, np.float16)
_INT_DTYPES = (np.int64, np.int32, np.int8, np.uint8)
#: Unbounded float dimensions draw from [-UNBOUNDED_MAGNITUDE, UNBOUNDED_MAGNITUDE]: big
#: enough to saturate tanh/sigmoid, small enough that float32 matmuls stay comparable.
UNBOUNDED_MAGNITUDE = 100.0


def _check_kinds(
    kinds: Iterable[str] | None, allowed: tuple[str, ...], what: str
) -> tuple[str, ...]:
    if kinds is None:
        return allowed
    kinds = tuple(kinds)
    unknown = [k for k in kinds if k not in allowed]
    if unknown or not kinds:
        raise ValueError(
            f"{what}: unknown kind(s) {unknown or kinds!r}; expected a non-empty subset of {allowed}"
        )
    return kinds


def _shapes(
    max_rank: int, max_leaf_size: int, min_rank: int = 1
) -> st.SearchStrategy[tuple[int, ...]]:
    """Shapes of rank ``min_rank..max_rank`` whose element count is at most ``max_leaf_size``."""

    def build(rank: int) -> st.SearchStrategy[tuple[int, ...]]:
        return (
            hnp.array_shapes(
                min_dims=rank, max_dims=rank, min_side=1, max_side=max_leaf_size
            ).filter(lambda shape: math.prod(shape) <= max_leaf_size)
            if rank
            else st.just(())
        )

    return st.integers(min_rank, max_rank).flatmap(build)


@st.composite
def box_spaces(
    draw: Any,
    *,
    max_rank: int = 3,
    max_leaf_size: int = 8,
    dtypes: Iterable[Any] | None = None,
    integer: bool = False,
    bounded: bool | None = None,
    min_rank: int = 1,
) -> gym.spaces.Box:
    """Box spaces: float (bounded, half-bounded, unbounded, per-element bounds) or integer.

    Args:
        max_rank / min_rank: rank range of the shape (``min_rank=0`` allows shape ``()``).
        max_leaf_size: upper bound on the number of elements.
        dtypes: restrict the dtype (default: float32/float64/float16, or the int dtypes).
        integer: draw integer Boxes (always bounded, as gymnasium requires).
        bounded: True → finite bounds only; False → at least one infinite bound (floats);
            None → either.
    """
    shape = draw(_shapes(max_rank, max_leaf_size, min_rank))
    if integer:
        dtype = np.dtype(draw(st.sampled_from(tuple(dtypes) if dtypes else _INT_DTYPES)))
        info = np.iinfo(dtype)
        low = draw(st.integers(max(int(info.min), -10), min(int(info.max) - 1, 10)))
        high = draw(st.integers(low, min(int(info.max), low + 255)))
        return gym.spaces.Box(low=low, high=high, shape=shape, dtype=dtype)
    dtype = np.dtype(draw(st.sampled_from(tuple(dtypes) if dtypes else _FLOAT_DTYPES)))
    styles = {True: ("symmetric", "interval", "per_element"), False: ("unbounded", "half")}
    style_choices = styles[bounded] if bounded is not None else styles[True] + styles[False]
    style = draw(st.sampled_from(style_choices))
    if style == "symmetric":
        bound = draw(st.sampled_from((1.0, 2.0, 10.0)))
        return gym.spaces.Box(-bound, bound, shape=shape, dtype=dtype)
    if style == "interval":
        low = draw(st.integers(-10, 9))
        high = draw(st.integers(low + 1, 10))
        return gym.spaces.Box(float(low), float(high), shape=shape, dtype=dtype)
    if style == "per_element":
        lows = draw(hnp.arrays(np.int16, shape, elements=st.integers(-10, 9)))
        widths = draw(hnp.arrays(np.int16, shape, elements=st.integers(1, 10)))
        return gym.spaces.Box(lows.astype(dtype), (lows + widths).astype(dtype), dtype=dtype)
    if style == "unbounded":
        return gym.spaces.Box(-np.inf, np.inf, shape=shape, dtype=dtype)
    # half: finite lower bound, infinite upper bound (or the other way round)
    finite = float(draw(st.integers(-5, 5)))
    if draw(st.booleans()):
        return gym.spaces.Box(finite, np.inf, shape=shape, dtype=dtype)
    return gym.spaces.Box(-np.inf, finite, shape=shape, dtype=dtype)


def _leaf(
    kind: str, max_rank: int, max_leaf_size: int, dtypes: Iterable[Any] | None
) -> st.SearchStrategy:
    if kind == "box":
        return box_spaces(max_rank=max_rank, max_leaf_size=max_leaf_size, dtypes=dtypes)
    if kind == "int_box":
        return box_spaces(max_rank=max_rank, max_leaf_size=max_leaf_size, integer=True)
    if kind == "discrete":
        return st.builds(
            lambda n, start: gym.spaces.Discrete(n, start=start),
            st.integers(1, max(1, max_leaf_size)),
            st.integers(-3, 3),
        )
    if kind == "multi_discrete":
        return hnp.arrays(
            np.int64, st.integers(1, max_leaf_size), elements=st.integers(1, max(2, max_leaf_size))
        ).map(gym.spaces.MultiDiscrete)
    if kind == "multi_binary":
        return st.one_of(
            st.integers(1, max_leaf_size),
            _shapes(min(max_rank, 2), max_leaf_size).map(list),
        ).map(gym.spaces.MultiBinary)
    raise AssertionError(kind)


_KEYS = st.text(string.ascii_lowercase + "_", min_size=1, max_size=6)


def spaces(
    *,
    kinds: Iterable[str] | None = None,
    max_depth: int = 2,
    max_leaf_size: int = 8,
    max_rank: int = 3,
    max_children: int = 3,
    dtypes: Iterable[Any] | None = None,
) -> st.SearchStrategy[gym.Space]:
    """Gymnasium spaces, optionally nested.

    Args:
        kinds: subset of :data:`SPACE_KINDS` (``"box"`` = float Box, ``"int_box"`` = integer
            Box, ``"dict"``/``"tuple"`` = containers of the allowed leaves). Default: all.
        max_depth: container nesting depth (0 = leaves only).
        max_leaf_size: max elements of a Box/MultiBinary, max ``n`` of a Discrete, max length
            and entry of a MultiDiscrete.
        max_rank: max rank of Box/MultiBinary shapes.
        max_children: max number of entries of a Dict/Tuple.
        dtypes: restrict float Box dtypes (e.g. ``(np.float32,)``).

    Example:
        >>> spaces(kinds=("box", "discrete"), max_depth=2, max_leaf_size=8)  # doctest: +SKIP
    """
    kinds = _check_kinds(kinds, SPACE_KINDS, "spaces()")
    leaves = [k for k in kinds if k in _LEAF_KINDS]
    containers = [k for k in kinds if k in ("dict", "tuple")]
    if not leaves:
        raise ValueError(
            f"spaces(kinds={kinds!r}) needs at least one leaf kind out of {_LEAF_KINDS}"
        )
    leaf = st.one_of(*[_leaf(k, max_rank, max_leaf_size, dtypes) for k in leaves])
    if not containers or max_depth <= 0:
        return leaf

    def extend(children: st.SearchStrategy[gym.Space]) -> st.SearchStrategy[gym.Space]:
        options = []
        if "dict" in containers:
            options.append(
                st.dictionaries(_KEYS, children, min_size=1, max_size=max_children).map(
                    gym.spaces.Dict
                )
            )
        if "tuple" in containers:
            options.append(
                st.lists(children, min_size=1, max_size=max_children).map(gym.spaces.Tuple)
            )
        return st.one_of(*options)

    strategy = leaf
    for _ in range(max_depth):
        strategy = st.one_of(leaf, extend(strategy))
    return strategy


def action_spaces(
    *,
    kinds: Iterable[str] | None = None,
    max_depth: int = 1,
    max_leaf_size: int = 6,
    max_children: int = 3,
) -> st.SearchStrategy[gym.Space]:
    """Action spaces the default distributions support.

    Discrete (``n >= 2``, any ``start``) → Categorical, 1-D finite float32 Box →
    DiagGaussian, 1-D MultiDiscrete → MultiCategorical, Dict/Tuple of those → the
    multi-distribution.

    Args:
        kinds: subset of :data:`ACTION_SPACE_KINDS`.
        max_depth: container nesting depth (0 = no Dict/Tuple).
        max_leaf_size: max ``n`` / Box width / MultiDiscrete length and entry.
    """
    kinds = _check_kinds(kinds, ACTION_SPACE_KINDS, "action_spaces()")
    size = max(2, max_leaf_size)
    leaves = []
    if "discrete" in kinds:
        leaves.append(
            st.builds(
                lambda n, s: gym.spaces.Discrete(n, start=s),
                st.integers(2, size),
                st.integers(-2, 2),
            )
        )
    if "box" in kinds:
        leaves.append(
            box_spaces(max_rank=1, max_leaf_size=size, dtypes=(np.float32,), bounded=True)
        )
    if "multi_discrete" in kinds:
        leaves.append(
            hnp.arrays(np.int64, st.integers(1, size), elements=st.integers(2, size)).map(
                gym.spaces.MultiDiscrete
            )
        )
    if not leaves:
        raise ValueError(
            f"action_spaces(kinds={kinds!r}) needs at least one of discrete, box, multi_discrete"
        )
    leaf = st.one_of(*leaves)
    containers = [k for k in kinds if k in ("dict", "tuple")]
    if not containers or max_depth <= 0:
        return leaf
    strategy = leaf
    for _ in range(max_depth):
        children = strategy
        options = []
        if "dict" in containers:
            options.append(
                st.dictionaries(_KEYS, children, min_size=1, max_size=max_children).map(
                    gym.spaces.Dict
                )
            )
        if "tuple" in containers:
            options.append(
                st.lists(children, min_size=1, max_size=max_children).map(gym.spaces.Tuple)
            )
        strategy = st.one_of(leaf, *options)
    return strategy


# --------------------------------------------------------------------------- observations
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
    width = {2: 16, 4: 32, 8: 64}[dtype.itemsize]
    # Infinite bounds become finite ones UNBOUNDED_MAGNITUDE away from the other bound (or 0).
    finite_low, finite_high = np.isfinite(low), np.isfinite(high)
    lo_eff = np.where(
        finite_low,
        low,
        np.where(finite_high, np.minimum(high, 0.0) - UNBOUNDED_MAGNITUDE, -UNBOUNDED_MAGNITUDE),
    )
    hi_eff = np.where(
        finite_high,
        high,
        np.where(finite_low, np.maximum(low, 0.0) + UNBOUNDED_MAGNITUDE, UNBOUNDED_MAGNITUDE),
    )
    lo_eff = lo_eff.astype(dtype)
    hi_eff = hi_eff.astype(dtype)
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
        start = np.asarray(getattr(space, "start", np.zeros_like(nvec)))
        unit = hnp.arrays(
            np.float64, lead + nvec.shape, elements=st.floats(0.0, 1.0, exclude_max=True)
        )
        return unit.map(lambda u: (start + np.floor(u * nvec)).astype(space.dtype))
    if isinstance(space, gym.spaces.MultiBinary):
        return hnp.arrays(space.dtype, lead + tuple(space.shape), elements=st.integers(0, 1))
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
def _map_struct(fn: Any, value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _map_struct(fn, v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_map_struct(fn, v) for v in value)
    return fn(value)


def initial_state_batch(module: Any, batch_size: int) -> Any:
    """The module's initial state tiled to ``(B, ...)`` as torch tensors (same structure)."""
    import torch

    def tile(value: Any) -> Any:
        tensor = torch.as_tensor(
            np.asarray(value) if not isinstance(value, torch.Tensor) else value
        )
        return tensor.unsqueeze(0).expand((batch_size,) + tuple(tensor.shape)).clone()

    return _map_struct(tile, module.get_initial_state())


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
        template = _map_struct(
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
    width = {2: 16, 4: 32, 8: 64}[dtype.itemsize]
    return hnp.arrays(dtype, (b,) + array.shape, elements=st.floats(-1.0, 1.0, width=width))


def _finish(batch: dict[str, Any], as_tensors: bool) -> dict[str, Any]:
    if not as_tensors:
        return {
            k: _map_struct(lambda v: v.detach().cpu().numpy() if hasattr(v, "detach") else v, x)
            for k, x in batch.items()
        }
    from rlmigrate.acting import to_tensor_struct

    return {k: to_tensor_struct(v) for k, v in batch.items()}
