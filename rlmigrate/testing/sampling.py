"""Fast numpy sampling of observations, mirroring :mod:`rlmigrate.testing.strategies`.

Hypothesis costs about a few milliseconds per example, which is 30x a forward pass of a
2x256 MLP. :func:`assert_equivalent` therefore screens all examples with this sampler in one
batched pass and only hands over to hypothesis (search and shrinking) when the screen finds
a difference. The sampler draws from the same sets as the strategies (every element inside
the space; unbounded dimensions within ``UNBOUNDED_MAGNITUDE``) and, like hypothesis, puts
extra weight on the values that break models: the bounds and zero.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlmigrate.testing.repeated_obs import ITEMS, LENGTHS, is_repeated
from rlmigrate.testing.strategies import finite_bounds

__all__ = ["sample_observations", "EDGE_PROBABILITY"]

#: Share of Box elements (float or integer) set to a bound or to zero instead of a uniform draw.
EDGE_PROBABILITY = 0.1


def _with_edges(
    values: np.ndarray, lo: np.ndarray, hi: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """``values`` with a share ``EDGE_PROBABILITY`` of elements moved to ``lo``, ``hi`` or zero.

    Why: a uniform draw from ``Box(0, 255, uint8)`` hits a bound once in 256 elements, yet the
    bounds are where one-hot offsets, clamps and normalisations go wrong. Zero is clipped into
    the box, so a box that excludes zero gets its nearer bound instead.
    """
    edges = rng.random(values.shape)
    third = EDGE_PROBABILITY / 3
    values = np.where(edges < third, lo, values)
    values = np.where((edges >= third) & (edges < 2 * third), hi, values)
    zero = np.clip(np.zeros_like(lo), lo, hi)
    return np.where((edges >= 2 * third) & (edges < EDGE_PROBABILITY), zero, values)


def _box(space: gym.spaces.Box, lead: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    shape = lead + tuple(space.shape)
    if np.issubdtype(space.dtype, np.integer):
        low = np.broadcast_to(space.low, space.shape).astype(np.int64)
        high = np.broadcast_to(space.high, space.shape).astype(np.int64)
        drawn = rng.integers(low, high + 1, size=shape)
        return _with_edges(drawn, low, high, rng).astype(space.dtype)
    lo, hi = finite_bounds(space)
    values = _with_edges(lo + rng.random(shape) * (hi - lo), lo, hi, rng)
    cast = values.astype(space.dtype)
    # rounding to a narrow dtype may step outside the box; clip back in its own dtype
    return np.clip(cast, lo.astype(space.dtype), hi.astype(space.dtype))


def sample_observations(space: gym.Space, lead: tuple[int, ...], rng: np.random.Generator) -> Any:
    """Observations of ``space`` with leading dims ``lead`` (e.g. ``(B,)`` or ``(B, T)``).

    Raises:
        TypeError: for a space without a sampler, naming it.
    """
    if is_repeated(space):  # the padded struct of rlmigrate.testing.repeated_obs
        max_len = space.max_len  # type: ignore[attr-defined]
        return {
            LENGTHS: rng.integers(0, max_len + 1, size=lead),
            ITEMS: sample_observations(space.child_space, lead + (max_len,), rng),  # type: ignore[attr-defined]
        }
    if isinstance(space, gym.spaces.Dict):
        return {k: sample_observations(s, lead, rng) for k, s in space.spaces.items()}
    if isinstance(space, gym.spaces.Tuple):
        return tuple(sample_observations(s, lead, rng) for s in space.spaces)
    if isinstance(space, gym.spaces.Box):
        return _box(space, lead, rng)
    if isinstance(space, gym.spaces.Discrete):
        return (int(space.start) + rng.integers(0, int(space.n), size=lead)).astype(space.dtype)
    if isinstance(space, gym.spaces.MultiDiscrete):
        nvec = np.asarray(space.nvec)
        start = np.asarray(getattr(space, "start", np.zeros_like(nvec)))
        return (start + np.floor(rng.random(lead + nvec.shape) * nvec)).astype(space.dtype)
    if isinstance(space, gym.spaces.MultiBinary):
        return rng.integers(0, 2, size=lead + tuple(space.shape)).astype(space.dtype)
    raise TypeError(
        f"sample_observations(): no sampler for space {space!r} ({type(space).__name__})"
    )
