"""numpy <-> torch plumbing and cheap input checks for the shim's Policy hot path.

Kept deliberately lean: one pass over each structure, no deep copies, vectorised bound checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from rlmigrate.core import obs_check as _obs_check

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


# The observation check is rlmigrate's own (one check for compute_actions and the shim);
# these names stay importable from here for the shim's callers.
check_batch_in_space = _obs_check.check_batch_in_space
make_batch_checker = _obs_check.make_batch_checker
BatchChecker = _obs_check.BatchChecker
