"""Ray 2.10's ``ray.rllib.utils.spaces.space_utils`` helpers that rlmigrate's ``core.nest`` does
not carry under the same name: ``batch`` (a list of per-row structs → one struct of batches)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlmigrate.core.nest import map_structure

__all__ = ["batch"]


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
