"""The one observation check shared by ``rlmigrate.compute_actions`` and the shim Policy.

``make_batch_checker(space)`` prepares, once per space, a function ``check(batch, where)``
that validates a batch ``(B, ...)`` of observations and returns ``B``:

* structure: Dict keys present, Tuple length, and one batch size across every leaf (a Dict
  batch whose keys disagree names the keys and their sizes);
* per-item shape and a numeric dtype;
* values (``bounds=True``): Box bounds, Discrete/MultiDiscrete ranges and integrality,
  MultiBinary 0/1;
* finiteness (``check_finite=True``): NaN or ±inf in a floating leaf is refused even where
  the Box is unbounded, so acting never turns a NaN observation into a normal-looking action
  (whether exploring or not).

It is vectorised and prepared ahead so that a call on the acting hot path costs a few numpy
reductions (plain Python comparisons for tiny batches).

Example:
    >>> import gymnasium as gym, numpy as np
    >>> check = make_batch_checker(gym.spaces.Discrete(3))
    >>> check(np.array([0, 2]), "obs")
    2
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np

__all__ = ["BatchChecker", "make_batch_checker", "check_batch_in_space"]

#: ``check(batch, where) -> batch size``; raises ValueError naming ``where``, the space and the row.
BatchChecker = Callable[..., int]


def check_batch_in_space(
    space: gym.Space, batch: Any, where: str = "obs_batch", *, bounds: bool = True, check_finite: bool = True
) -> int:
    """Raise ValueError when a batch ``(B, ...)`` does not fit ``space``; returns ``B``.

    For repeated checks of one space build the checker once with :func:`make_batch_checker`.
    """
    return make_batch_checker(space, bounds=bounds, check_finite=check_finite)(batch, where)


def _same_batch_size(sizes: dict[Any, int], where: str, space: gym.Space) -> int:
    distinct = set(sizes.values())
    if len(distinct) > 1:
        listed = ", ".join(f"{key!r}: {size}" for key, size in sizes.items())
        raise ValueError(f"{where}: the batch sizes of {space} differ across its items ({listed}); every item needs the same B")
    return distinct.pop() if distinct else 0


def make_batch_checker(space: gym.Space, *, bounds: bool = True, check_finite: bool = True) -> BatchChecker:
    """A function ``check(batch, where) -> B`` validating batches of ``space`` (see module doc)."""
    if isinstance(space, gym.spaces.Dict):
        children = {key: make_batch_checker(sub, bounds=bounds, check_finite=check_finite) for key, sub in space.spaces.items()}

        def check_dict(batch: Any, where: str = "obs_batch") -> int:
            if not isinstance(batch, Mapping):
                raise ValueError(f"{where}: expected a dict of batched arrays for {space}, got {type(batch).__name__}")
            missing = [k for k in children if k not in batch]
            if missing:
                raise ValueError(f"{where}: missing key(s) {missing} for {space}; got keys {sorted(map(str, batch))}")
            sizes = {key: child(batch[key], f"{where}[{key!r}]") for key, child in children.items()}
            return _same_batch_size(sizes, where, space)

        return check_dict
    if isinstance(space, gym.spaces.Tuple):
        items = [make_batch_checker(sub, bounds=bounds, check_finite=check_finite) for sub in space.spaces]

        def check_tuple(batch: Any, where: str = "obs_batch") -> int:
            if not isinstance(batch, (tuple, list)) or len(batch) != len(items):
                raise ValueError(f"{where}: expected a tuple of {len(items)} batched arrays for {space}")
            sizes = {i: child(item, f"{where}[{i}]") for i, (child, item) in enumerate(zip(items, batch))}
            return _same_batch_size(sizes, where, space)

        return check_tuple
    return _leaf_checker(space, bounds=bounds, check_finite=check_finite)


def _uniform(bound: np.ndarray) -> float | np.ndarray:
    """A scalar when every entry is the same (the common case: two scalar comparisons)."""
    return float(bound.flat[0]) if np.all(bound == bound.flat[0]) else bound


def _leaf_checker(space: gym.Space, *, bounds: bool, check_finite: bool) -> BatchChecker:
    shape = tuple(space.shape or ())
    low: Any = None
    high: Any = None
    if bounds and isinstance(space, gym.spaces.Box):
        low = _uniform(space.low) if np.isfinite(space.low).any() else None
        high = _uniform(space.high) if np.isfinite(space.high).any() else None
    expected = "(B, " + ", ".join(map(str, shape)) + ")" if shape else "(B,)"
    # Finite bounds (and Discrete-like ranges) already refuse NaN/inf, so the hot path pays for
    # a separate finiteness pass only where nothing else would catch them.
    ranged = isinstance(space, (gym.spaces.Discrete, gym.spaces.MultiDiscrete, gym.spaces.MultiBinary)) or (
        isinstance(space, gym.spaces.Box) and bool(np.isfinite(space.low).all() and np.isfinite(space.high).all())
    )
    finite_pass = check_finite and not (bounds and ranged)

    def non_finite(array: np.ndarray, where: str) -> None:
        flat = ~np.isfinite(array.reshape(array.shape[0], -1)).all(axis=1)
        row = int(np.argmax(flat))
        raise ValueError(
            f"{where}: row {row} = {array[row].tolist()!r} is outside {space}: it holds NaN or inf, and "
            "observations must be finite (compute_actions(check_finite=False) lets them through an unbounded Box)"
        )

    def in_box(array: np.ndarray) -> bool:
        if array.size <= 32 and type(low) is float and type(high) is float:
            # Tiny batches (acting one step): plain Python beats two numpy reductions; NaN fails both.
            return all(low <= value <= high for value in array.ravel().tolist())
        ok_low = low is None or (array.min() >= low if type(low) is float else np.greater_equal(array, low).all())
        ok_high = high is None or (array.max() <= high if type(high) is float else np.less_equal(array, high).all())
        if ok_low and ok_high and array.dtype.kind == "f" and (low is None or high is None):
            return not np.isnan(array).any()
        return bool(ok_low and ok_high)

    def check_leaf(batch: Any, where: str = "obs_batch") -> int:
        if hasattr(batch, "detach"):  # a torch tensor
            array = batch.detach().cpu().numpy()
        else:
            array = batch if type(batch) is np.ndarray else np.asarray(batch)
        if array.ndim != len(shape) + 1 or array.shape[1:] != shape:
            raise ValueError(f"{where}: expected shape {expected} for {space}, got {array.shape}")
        if array.dtype.kind not in "biuf":
            raise ValueError(f"{where}: expected a numeric array for {space}, got dtype {array.dtype}")
        if array.size == 0:
            return array.shape[0]
        if finite_pass and array.dtype.kind == "f" and not np.isfinite(array).all():
            non_finite(array, where)
        if not bounds:
            return array.shape[0]
        if isinstance(space, gym.spaces.Box):
            if in_box(array):
                return array.shape[0]
            bad = ~((array >= space.low) & (array <= space.high))
        elif isinstance(space, gym.spaces.Discrete):
            bad = (array < space.start) | (array >= space.start + space.n) | (array != np.floor(array))
        elif isinstance(space, gym.spaces.MultiDiscrete):
            start = getattr(space, "start", 0)
            bad = (array < start) | (array >= start + space.nvec) | (array != np.floor(array))
        elif isinstance(space, gym.spaces.MultiBinary):
            bad = (array != 0) & (array != 1)
        else:
            return array.shape[0]
        if bad.any():
            if check_finite and array.dtype.kind == "f" and not np.isfinite(array).all():
                non_finite(array, where)  # the clearer message for the same refusal
            flat = bad.reshape(bad.shape[0], -1).any(axis=1)
            row = int(np.argmax(flat))
            raise ValueError(f"{where}: row {row} = {array[row].tolist()!r} is outside {space}")
        return array.shape[0]

    return check_leaf
