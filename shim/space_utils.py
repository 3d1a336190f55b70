"""Ray 2.10's ``ray.rllib.utils.spaces.space_utils`` helpers that rlmigrate's ``core.nest`` does
not carry under the same name: ``batch`` (a list of per-row structs → one struct of batches) and
``get_gym_space_from_struct_of_tensors`` (a struct of arrays → the space it would lie in)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from rlmigrate.core.nest import map_structure

__all__ = ["batch", "get_gym_space_from_struct_of_tensors"]


def batch(list_of_structs: list[Any], *, individual_items_already_have_batch_dim: bool = False) -> Any:
    """Stack a list of (nested) structs leaf by leaf into one struct of ``(B, ...)`` arrays.

    Example:
        >>> batch([{"a": 1, "b": (4, 7.0)}, {"a": 2, "b": (5, 8.0)}])
        {'a': array([1, 2]), 'b': (array([4, 5]), array([7., 8.]))}

    Args:
        list_of_structs: one struct per batch row, all of the same structure.
        individual_items_already_have_batch_dim: each item already has a batch axis:
            concatenate along it instead of stacking.

    Raises:
        ValueError: the list is empty.
    """
    if not list_of_structs:
        raise ValueError("Input `list_of_structs` does not contain any items.")
    join = np.concatenate if individual_items_already_have_batch_dim else np.stack
    return map_structure(lambda *leaves: join(leaves, axis=0), *list_of_structs)


def get_gym_space_from_struct_of_tensors(value: Any, batched_input: bool = True) -> gym.Space:
    """A space for a (nested) struct of arrays: per leaf ``Box(-1, 1, shape, dtype)`` without
    the batch axis (when ``batched_input``), dicts → ``Dict``, tuples/lists → ``Tuple``."""
    start = 1 if batched_input else 0

    def leaf(x: Any) -> gym.Space:
        array = np.asarray(x)
        return gym.spaces.Box(-1.0, 1.0, shape=array.shape[start:], dtype=array.dtype)

    def build(struct: Any) -> gym.Space:
        if isinstance(struct, Mapping):
            return gym.spaces.Dict({k: build(v) for k, v in struct.items()})
        if isinstance(struct, (tuple, list)):
            return gym.spaces.Tuple([build(v) for v in struct])
        return leaf(struct)

    return build(value)
