"""numpy <-> torch plumbing and cheap input checks for the shim's Policy hot path.

Kept deliberately lean: one pass over each structure, no deep copies, vectorised bound checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np
import torch

_INT_KINDS = "iu"
_F32 = np.dtype(np.float32)
_I32 = np.dtype(np.int32)


def to_tensor(value: Any) -> Any:
    """numpy/python struct -> torch struct; float64 becomes float32 (as RLlib's converters)."""
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, Mapping):
        return {k: to_tensor(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(to_tensor(v) for v in value)
    if isinstance(value, list) and value and isinstance(value[0], (Mapping, tuple)):
        return [to_tensor(v) for v in value]
    array = np.asarray(value)
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    elif array.dtype == object:
        raise ValueError(f"cannot convert an object array of shape {array.shape} to a tensor")
    if not array.flags.c_contiguous or not array.flags.writeable:
        array = np.array(array, copy=True)
    return torch.from_numpy(array)


def to_numpy(value: Any, reduce_type: bool = True) -> Any:
    """torch struct -> numpy struct; with ``reduce_type`` floats become float32 and ints int32.

    This is what RLlib's ``convert_to_numpy`` did to every legacy ``compute_actions`` result,
    which is why Discrete actions come back as int32.
    """
    if type(value) is torch.Tensor:
        try:
            array = value.numpy()
        except (RuntimeError, TypeError):  # requires grad, or not on the CPU
            array = value.detach().cpu().numpy()
    elif isinstance(value, torch.Tensor):
        array = value.detach().cpu().numpy()
    elif isinstance(value, Mapping):
        return {k: to_numpy(v, reduce_type) for k, v in value.items()}
    elif isinstance(value, tuple):
        return tuple(to_numpy(v, reduce_type) for v in value)
    elif isinstance(value, list):
        return [to_numpy(v, reduce_type) for v in value]
    elif isinstance(value, np.ndarray):
        array = value
    else:
        return value
    if reduce_type:
        dtype = array.dtype
        if dtype is _F32 or dtype is _I32:
            return array
        if dtype.kind == "f":
            array = array.astype(np.float32)
        elif dtype.kind in _INT_KINDS and dtype.itemsize >= 4:
            array = array.astype(np.int32)
    return array


def batch_size_of(value: Any) -> int:
    """Leading dim of the first leaf of a struct."""
    while isinstance(value, (Mapping, tuple, list)):
        if isinstance(value, Mapping):
            value = next(iter(value.values()))
        else:
            if not isinstance(value[0], (Mapping, tuple, list, np.ndarray, torch.Tensor)):
                return len(value)
            value = value[0]
    return int(value.shape[0]) if hasattr(value, "shape") and len(value.shape) else 1


def stack_observations(obs_batch: Any) -> Any:
    """A list of per-item observations (arrays, dicts or tuples) -> one batched struct.

    Dicts and tuples are already batched structs (one array per component) and stay as they are.
    """
    if isinstance(obs_batch, list) and obs_batch and isinstance(obs_batch[0], Mapping):
        return {k: stack_observations([o[k] for o in obs_batch]) for k in obs_batch[0]}
    if isinstance(obs_batch, list) and obs_batch and isinstance(obs_batch[0], tuple):
        return tuple(
            stack_observations([o[i] for o in obs_batch]) for i in range(len(obs_batch[0]))
        )
    if isinstance(obs_batch, tuple):
        return obs_batch  # a Tuple-space batch: one batched array per component
    if isinstance(obs_batch, list) and obs_batch and isinstance(obs_batch[0], torch.Tensor):
        return torch.stack(obs_batch)
    if isinstance(obs_batch, list):
        return np.asarray(obs_batch)
    return obs_batch


def check_batch_in_space(
    space: gym.Space, batch: Any, where: str = "obs_batch", *, bounds: bool = True
) -> None:
    """Raises ValueError when a batch ``(B, ...)`` does not fit ``space``.

    Checks structure, per-item shape, numeric dtype and (when ``bounds``) Box/Discrete/
    MultiDiscrete/MultiBinary ranges, vectorised over the batch. The message names the space,
    the expected shape and what came, and the first offending row. For repeated checks of
    one space build the checker once with :func:`make_batch_checker`.
    """
    make_batch_checker(space, bounds=bounds)(batch, where)


BatchChecker = Callable[[Any, str], None]


def make_batch_checker(space: gym.Space, *, bounds: bool = True) -> BatchChecker:
    """A function ``check(batch, where)`` validating batches of ``space`` (see
    :func:`check_batch_in_space`); bounds and shapes are prepared once, so a call costs a few
    vectorised comparisons."""
    if isinstance(space, gym.spaces.Dict):
        children = {
            key: make_batch_checker(sub, bounds=bounds) for key, sub in space.spaces.items()
        }

        def check_dict(batch: Any, where: str = "obs_batch") -> None:
            if not isinstance(batch, Mapping):
                raise ValueError(
                    f"{where}: expected a dict of batched arrays for {space}, got {type(batch).__name__}"
                )
            missing = [k for k in children if k not in batch]
            if missing:
                raise ValueError(
                    f"{where}: missing key(s) {missing} for {space}; got keys {sorted(batch)}"
                )
            for key, child in children.items():
                child(batch[key], f"{where}[{key!r}]")

        return check_dict
    if isinstance(space, gym.spaces.Tuple):
        items = [make_batch_checker(sub, bounds=bounds) for sub in space.spaces]

        def check_tuple(batch: Any, where: str = "obs_batch") -> None:
            if not isinstance(batch, (tuple, list)) or len(batch) != len(items):
                raise ValueError(
                    f"{where}: expected a tuple of {len(items)} batched arrays for {space}"
                )
            for i, (child, item) in enumerate(zip(items, batch)):
                child(item, f"{where}[{i}]")

        return check_tuple
    shape = tuple(space.shape or ())
    # None (unbounded), a scalar (uniform bounds) or the per-element bound arrays.
    low: np.ndarray | float | None = None
    high: np.ndarray | float | None = None
    if bounds and isinstance(space, gym.spaces.Box):
        finite_low, finite_high = np.isfinite(space.low).any(), np.isfinite(space.high).any()
        low = space.low if finite_low else None
        high = space.high if finite_high else None
        # Uniform bounds (the common case): compare the batch min/max with two scalars.
        if low is not None and np.all(space.low == space.low.flat[0]):
            low = float(space.low.flat[0])
        if high is not None and np.all(space.high == space.high.flat[0]):
            high = float(space.high.flat[0])
    expected = f"(B, {', '.join(map(str, shape))}{',' if len(shape) == 1 else ''})"

    def check_leaf(batch: Any, where: str = "obs_batch") -> None:
        if isinstance(batch, torch.Tensor):
            array = batch.detach().cpu().numpy()
        else:
            array = batch if type(batch) is np.ndarray else np.asarray(batch)
        if array.shape[1:] != shape or array.ndim != len(shape) + 1:
            raise ValueError(f"{where}: expected shape {expected} for {space}, got {array.shape}")
        if array.dtype.kind not in "biuf":
            raise ValueError(
                f"{where}: expected a numeric array for {space}, got dtype {array.dtype}"
            )
        if not bounds or array.size == 0:
            return
        if isinstance(space, gym.spaces.Box):
            if array.size <= 32 and type(low) is float and type(high) is float:
                # Tiny batches (acting one step): plain Python beats two numpy reductions.
                # NaN fails both comparisons, so it is caught too.
                if all(low <= value <= high for value in array.ravel().tolist()):
                    return
                ok = False
            elif array.dtype.kind == "f" and low is None and high is None:
                ok = not np.isnan(array).any()
            else:
                ok = (
                    low is None
                    or (
                        array.min() >= low
                        if type(low) is float
                        else np.greater_equal(array, low).all()
                    )
                ) and (
                    high is None
                    or (
                        array.max() <= high
                        if type(high) is float
                        else np.less_equal(array, high).all()
                    )
                )
                if ok and array.dtype.kind == "f" and (low is None or high is None):
                    ok = not np.isnan(array).any()
            if ok:
                return
            bad = ~((array >= space.low) & (array <= space.high))
        elif isinstance(space, gym.spaces.Discrete):
            bad = (
                (array < space.start)
                | (array >= space.start + space.n)
                | (array != np.floor(array))
            )
        elif isinstance(space, gym.spaces.MultiDiscrete):
            start = getattr(space, "start", 0)
            bad = (array < start) | (array >= start + space.nvec)
        elif isinstance(space, gym.spaces.MultiBinary):
            bad = (array != 0) & (array != 1)
        else:
            return
        if bad.any():
            flat = bad.reshape(bad.shape[0], -1).any(axis=1)
            row = int(np.argmax(flat))
            raise ValueError(f"{where}: row {row} = {array[row].tolist()!r} is outside {space}")

    return check_leaf
