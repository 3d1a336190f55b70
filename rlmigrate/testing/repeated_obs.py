"""Batches of RLlib ``Repeated`` observations (variable-length lists) for the equivalence kit.

The kit moves observations around as structs of arrays with leading dims ``(B, ...)`` or
``(B, T, ...)`` (sliced, folded and shrunk leaf by leaf). A list of 0..``max_len`` items has no
such shape, so a batch of ``Repeated(child, max_len)`` observations travels as the padded struct

    {"lengths": int64 (B, [T]), "items": child struct (B, [T], max_len, ...)}

(items past a row's length are ignored) and becomes, at each side's boundary, what that side
really receives:

* legacy ``ModelV2``: the raw lists, through the catalog's ``RepeatedValuesPreprocessor``
  (``[length, item_0, ..., item_{max_len-1}]``, zero padded), as the legacy Policy did;
* migrated RLModule: the ``RepeatedValues`` the legacy model saw as ``input_dict["obs"]``
  (``values (B, max_len, ...)``, float ``lengths (B,)``): Ray's new stack has no connector for
  ``Repeated``, so a migrated module reads the structure its legacy code was written for.

Only a ``Repeated`` observation space as a whole is supported (its child may be any space the
kit samples); a ``Repeated`` nested inside a Dict/Tuple is refused by name.

Example:
    >>> from shim.spaces import Repeated
    >>> space = Repeated(gym.spaces.Box(-1.0, 1.0, (2,)), max_len=3)
    >>> batch = {"lengths": np.array([0, 2]), "items": np.zeros((2, 3, 2), np.float32)}
    >>> [len(row) for row in raw_lists(space, batch)]
    [0, 2]
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlmigrate.core.nest import map_struct

__all__ = ["LENGTHS", "ITEMS", "is_repeated", "require_top_level", "raw_lists", "module_view"]

LENGTHS = "lengths"
ITEMS = "items"


def is_repeated(space: Any) -> bool:
    """True for RLlib's ``Repeated`` space (the shim's, or Ray's own): a gym Space with a
    ``child_space`` and a ``max_len``."""
    return (
        isinstance(space, gym.Space)
        and isinstance(getattr(space, "child_space", None), gym.Space)
        and isinstance(getattr(space, "max_len", None), int)
    )


def require_top_level(space: gym.Space, path: str = "observation space") -> None:
    """Raise TypeError when a ``Repeated`` sits inside a Dict/Tuple of ``space``.

    Raises:
        TypeError: naming the nested position (only a whole-space Repeated is supported).
    """
    children: list[tuple[str, gym.Space]] = []
    if isinstance(space, gym.spaces.Dict):
        children = [(f"{path}[{key!r}]", child) for key, child in space.spaces.items()]
    elif isinstance(space, gym.spaces.Tuple):
        children = [(f"{path}[{i}]", child) for i, child in enumerate(space.spaces)]
    elif is_repeated(space):
        children = [(f"{path}.child_space", space.child_space)]  # type: ignore[attr-defined]
    for where, child in children:
        if is_repeated(child):
            raise TypeError(
                f"{where} is {child!r}: a Repeated space is supported as the whole observation "
                "space only (not nested inside a Dict, Tuple or Repeated)"
            )
        require_top_level(child, where)


def raw_lists(space: gym.Space, batch: dict[str, Any]) -> list[list[Any]]:
    """The padded batch as the environment produced it: ``B`` lists of ``lengths[b]`` child
    observations (each a child struct with no batch dim).

    Raises:
        ValueError: ``batch`` is not the padded struct, or a length exceeds ``max_len``.
    """
    if not (isinstance(batch, dict) and set(batch) == {LENGTHS, ITEMS}):
        raise ValueError(
            f"a batch of {space!r} observations must be {{{LENGTHS!r}: (B,), {ITEMS!r}: "
            f"(B, max_len, ...)}}, got {type(batch).__name__}"
        )
    max_len: int = space.max_len  # type: ignore[attr-defined]
    lengths = np.asarray(batch[LENGTHS]).reshape(-1)
    rows: list[list[Any]] = []
    for row, length in enumerate(lengths.tolist()):
        if not 0 <= length <= max_len:
            raise ValueError(f"row {row}: length {length} outside 0..{max_len} of {space!r}")
        rows.append([_item(batch[ITEMS], row, item) for item in range(length)])
    return rows


def _item(items: Any, row: int, item: int) -> Any:
    """One child observation (no batch dim) of the padded ``items`` struct."""
    return map_struct(lambda leaf: np.asarray(leaf)[row, item], items)


def module_view(space: gym.Space, batch: dict[str, Any]) -> Any:
    """``RepeatedValues`` over torch tensors: exactly the legacy model's ``input_dict["obs"]``
    (raw lists → the catalog's preprocessor → ``restore_original_dimensions``)."""
    import torch

    from shim.models.preprocessors import get_preprocessor, restore_original_dimensions

    preprocessor = get_preprocessor(space)(space)
    flat = preprocessor.transform_batch(raw_lists(space, batch))
    return restore_original_dimensions(torch.from_numpy(np.ascontiguousarray(flat)), space)
