"""numpy <-> torch plumbing and cheap input checks for the shim's Policy hot path.

Kept deliberately lean: one pass over each structure, no deep copies, vectorised bound checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
import torch

_INT_KINDS = "iu"


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
    if isinstance(value, torch.Tensor):
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
        kind = array.dtype.kind
        if kind == "f" and array.dtype != np.float32:
            array = array.astype(np.float32)
        elif kind in _INT_KINDS and array.dtype != np.int32 and array.dtype.itemsize >= 4:
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
    """A list of per-item observations (arrays, dicts or tuples) -> one batched struct."""
    if isinstance(obs_batch, list) and obs_batch and isinstance(obs_batch[0], Mapping):
        return {k: stack_observations([o[k] for o in obs_batch]) for k in obs_batch[0]}
    if isinstance(obs_batch, list) and obs_batch and isinstance(obs_batch[0], tuple):
        return tuple(stack_observations([o[i] for o in obs_batch]) for i in range(len(obs_batch[0])))
    if isinstance(obs_batch, (list, tuple)) and not (obs_batch and isinstance(obs_batch[0], torch.Tensor)):
        return np.asarray(obs_batch)
    if isinstance(obs_batch, (list, tuple)):
        return torch.stack(list(obs_batch))
    return obs_batch


def check_batch_in_space(space: gym.Space, batch: Any, where: str = "obs_batch", *, bounds: bool = True) -> None:
    """Raises ValueError when a batch ``(B, ...)`` does not fit ``space``.

    Checks structure, per-item shape, numeric dtype and (when ``bounds``) Box/Discrete/
    MultiDiscrete/MultiBinary ranges, vectorised over the batch. The message names the space,
    the expected shape and what came, and the first offending row.
    """
    if isinstance(space, gym.spaces.Dict):
        if not isinstance(batch, Mapping):
            raise ValueError(f"{where}: expected a dict of batched arrays for {space}, got {type(batch).__name__}")
        missing = [k for k in space.spaces if k not in batch]
        if missing:
            raise ValueError(f"{where}: missing key(s) {missing} for {space}; got keys {sorted(batch)}")
        for key, sub in space.spaces.items():
            check_batch_in_space(sub, batch[key], f"{where}[{key!r}]", bounds=bounds)
        return
    if isinstance(space, gym.spaces.Tuple):
        if not isinstance(batch, (tuple, list)) or len(batch) != len(space.spaces):
            raise ValueError(f"{where}: expected a tuple of {len(space.spaces)} batched arrays for {space}")
        for i, (sub, item) in enumerate(zip(space.spaces, batch)):
            check_batch_in_space(sub, item, f"{where}[{i}]", bounds=bounds)
        return
    array = batch.detach().cpu().numpy() if isinstance(batch, torch.Tensor) else np.asarray(batch)
    shape = tuple(space.shape or ())
    if array.ndim != len(shape) + 1 or tuple(array.shape[1:]) != shape:
        raise ValueError(
            f"{where}: expected shape (B, {', '.join(map(str, shape))}{',' if len(shape) == 1 else ''}) "
            f"for {space}, got {array.shape}"
        )
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{where}: expected a numeric array for {space}, got dtype {array.dtype}")
    if not bounds or array.size == 0:
        return
    if isinstance(space, gym.spaces.Box):
        bad = (array < space.low) | (array > space.high)
        if array.dtype.kind == "f":
            bad |= np.isnan(array)
    elif isinstance(space, gym.spaces.Discrete):
        bad = (array < space.start) | (array >= space.start + space.n) | (array != np.floor(array))
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
