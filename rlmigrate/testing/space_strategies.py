"""Hypothesis strategies for gymnasium spaces (the half of :mod:`rlmigrate.testing.strategies`
that draws spaces; import them from there).

The spaces cover what real environments use: Box of any rank, bounded, half-bounded and
unbounded, float and integer dtypes; Discrete with a ``start``; MultiDiscrete; MultiBinary;
nested Dict/Tuple. ``action_spaces()`` keeps to what the default distributions support.
"""

from __future__ import annotations

import math
import string
from collections.abc import Iterable
from typing import Any

import gymnasium as gym
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "SPACE_KINDS",
    "ACTION_SPACE_KINDS",
    "UNBOUNDED_MAGNITUDE",
    "spaces",
    "action_spaces",
    "box_spaces",
]

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
    if not leaves:
        raise ValueError(
            f"spaces(kinds={kinds!r}) needs at least one leaf kind out of {_LEAF_KINDS}"
        )
    leaf = st.one_of(*[_leaf(k, max_rank, max_leaf_size, dtypes) for k in leaves])
    return _nested(leaf, kinds, max_depth, max_children)


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
    leaves: list[st.SearchStrategy[gym.Space]] = []
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
    return _nested(st.one_of(*leaves), kinds, max_depth, max_children)


def _nested(
    leaf: st.SearchStrategy[gym.Space], kinds: tuple[str, ...], max_depth: int, max_children: int
) -> st.SearchStrategy[gym.Space]:
    """``leaf`` spaces, or ``Dict``/``Tuple`` spaces of them (the container kinds named in
    ``kinds``) nested up to ``max_depth`` levels, each with 1..``max_children`` children."""
    containers = [k for k in kinds if k in ("dict", "tuple")]
    if not containers or max_depth <= 0:
        return leaf
    strategy = leaf
    for _ in range(max_depth):
        options: list[st.SearchStrategy[gym.Space]] = []
        if "dict" in containers:
            options.append(
                st.dictionaries(_KEYS, strategy, min_size=1, max_size=max_children).map(
                    gym.spaces.Dict
                )
            )
        if "tuple" in containers:
            options.append(
                st.lists(strategy, min_size=1, max_size=max_children).map(gym.spaces.Tuple)
            )
        strategy = st.one_of(leaf, *options)
    return strategy
