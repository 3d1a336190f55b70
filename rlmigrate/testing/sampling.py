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

#: Share of float elements set to a bound or to zero instead of a uniform draw.
EDGE_PROBABILITY = 0.1


def _box(space: gym.spaces.Box, lead: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    shape = lead + tuple(space.shape)
    if np.issubdtype(space.dtype, np.integer):
        low = np.broadcast_to(space.low, space.shape).astype(np.int64)
        high = np.broadcast_to(space.high, space.shape).astype(np.int64)
        return rng.integers(low, high + 1, size=shape).astype(space.dtype)
    lo, hi = finite_bounds(space)
    values = lo + rng.random(shape) * (hi - lo)
    edges = rng.random(shape)
    zero = np.clip(0.0, lo, hi)
    values = np.where(edges < EDGE_PROBABILITY / 3, lo, values)
    values = np.where(
        (edges >= EDGE_PROBABILITY / 3) & (edges < 2 * EDGE_PROBABILITY / 3), hi, values
    )
    values = np.where(
        (edges >= 2 * EDGE_PROBABILITY / 3) & (edges < EDGE_PROBABILITY), zero, values
    )
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
