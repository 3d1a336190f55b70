"""The one helper for nested dict/tuple/list values (observations, states, actions, spaces).

Observations of ``Dict``/``Tuple`` spaces, recurrent states (``{"h": (B, H), "c": (B, H)}``)
and multi-distribution actions all nest; the runtime, the shim and the equivalence kit walk
them with these functions only.

**Key order (one, documented):** :func:`flatten` and :func:`unflatten_as` visit mapping keys
in *sorted* order and sequences by position -- exactly ``dm-tree`` (``import tree``), which
RLlib's legacy stack flattens with: the child logits of a multi-distribution, a Dict action's
leaves and ``flatten_inputs_to_1d_tensor`` follow it, so recorded layouts match Ray 2.10
(``flatten`` *is* ``tree.flatten``; ``tests/core/test_nest.py`` proves the rest agrees).
:func:`map_struct` rebuilds a structure and walks it *as written* (each mapping's own key
order); the equivalence kit relies on that walk to pair a migrated module's state dict
``{"h", "c"}`` with the legacy state list ``[h, c]`` in the order the module declares it.

Containers are mappings, tuples and lists; everything else (tensors, arrays, scalars,
``None``, gymnasium spaces inside a struct) is a leaf. Mappings come back as plain ``dict``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import gymnasium as gym
import tree as _dm_tree  # type: ignore[import-untyped]

__all__ = [
    "is_container",
    "flatten",
    "unflatten_as",
    "map_struct",
    "map_structure",
    "same_structure",
    "describe",
    "flatten_space",
    "get_base_struct_from_space",
    "space_to_struct",
]


def is_container(value: Any) -> bool:
    """True for the containers that nest: mappings, tuples and lists (not tensors/arrays)."""
    return isinstance(value, (Mapping, tuple, list))


def _sorted_keys(mapping: Mapping) -> list:
    try:
        return sorted(mapping)
    except TypeError as err:
        raise TypeError(
            f"cannot order the keys {list(mapping)!r} of a nested structure; expected mutually "
            "comparable keys (for example all str), as dm-tree/RLlib sort them"
        ) from err


def flatten(struct: Any) -> list:
    """Leaves of ``struct``: mapping keys sorted, sequences by position (``tree.flatten``).

    Example:
        >>> flatten({"b": 1, "a": (2, [3])})
        [2, 3, 1]

    Raises:
        TypeError: a mapping's keys cannot be sorted (e.g. ``{1: ..., "a": ...}``).
    """
    if isinstance(struct, Mapping):
        _sorted_keys(struct)  # dm-tree's own message for this case names no key
    return _dm_tree.flatten(struct)


def unflatten_as(structure: Any, leaves: list) -> Any:
    """Rebuild ``structure`` with ``leaves`` ordered as :func:`flatten` returns them.

    Mappings come back as plain ``dict`` in ``structure``'s own key order.

    Raises:
        ValueError: the number of leaves differs from the leaves in ``structure``.
    """
    expected = len(flatten(structure))
    if expected != len(leaves):
        raise ValueError(
            f"structure {describe(structure)} has {expected} leaves but {len(leaves)} values "
            "came to fill it"
        )
    return _fill(structure, iter(leaves))


def _fill(structure: Any, leaves: Iterator) -> Any:
    if isinstance(structure, Mapping):
        filled = {key: _fill(structure[key], leaves) for key in _sorted_keys(structure)}
        return {key: filled[key] for key in structure}
    if isinstance(structure, tuple):
        return tuple(_fill(item, leaves) for item in structure)
    if isinstance(structure, list):
        return [_fill(item, leaves) for item in structure]
    return next(leaves)


def map_struct(fn: Callable[[Any], Any], value: Any) -> Any:
    """Apply ``fn`` to every leaf of ``value``, keeping the nesting (and each dict's key order).

    Example:
        >>> map_struct(lambda x: x * 2, {"a": 1, "b": (2, [3])})
        {'a': 2, 'b': (4, [6])}
    """
    if isinstance(value, Mapping):
        return {key: map_struct(fn, item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(map_struct(fn, item) for item in value)
    return fn(value)


def map_structure(fn: Callable[..., Any], struct: Any, *others: Any) -> Any:
    """``fn`` leaf-wise over one or more structures of the same nesting (``tree.map_structure``)."""
    if not others:
        return map_struct(fn, struct)
    for other in others:
        if not same_structure(struct, other):
            raise ValueError(
                f"map_structure: structures differ: {describe(struct)} vs {describe(other)}"
            )
    columns = zip(flatten(struct), *(flatten(other) for other in others))
    return unflatten_as(struct, [fn(*column) for column in columns])


def same_structure(first: Any, second: Any) -> bool:
    """True when both nest the same way (mapping keys compared as sets, order ignored)."""
    if isinstance(first, Mapping) or isinstance(second, Mapping):
        if not (isinstance(first, Mapping) and isinstance(second, Mapping)):
            return False
        if set(first) != set(second):
            return False
        return all(same_structure(first[key], second[key]) for key in first)
    if isinstance(first, (tuple, list)) or isinstance(second, (tuple, list)):
        if not (isinstance(first, (tuple, list)) and isinstance(second, (tuple, list))):
            return False
        return len(first) == len(second) and all(
            same_structure(a, b) for a, b in zip(first, second)
        )
    return True


def describe(struct: Any) -> str:
    """A short outline of a structure for error messages: ``{'a': _, 'b': (_, _)}``."""
    if isinstance(struct, Mapping):
        return "{" + ", ".join(f"{key!r}: {describe(struct[key])}" for key in struct) + "}"
    if isinstance(struct, tuple):
        inner = ", ".join(describe(item) for item in struct)
        return "(" + inner + ("," if len(struct) == 1 else "") + ")"
    if isinstance(struct, list):
        return "[" + ", ".join(describe(item) for item in struct) + "]"
    return "_"


# ----------------------------------------------------------------------------- spaces
def get_base_struct_from_space(space: gym.Space) -> Any:
    """Dict space -> dict of leaf spaces, Tuple space -> tuple, any other space -> itself."""
    if isinstance(space, gym.spaces.Dict):
        return {key: get_base_struct_from_space(sub) for key, sub in space.spaces.items()}
    if isinstance(space, gym.spaces.Tuple):
        return tuple(get_base_struct_from_space(sub) for sub in space.spaces)
    return space


space_to_struct = get_base_struct_from_space


def flatten_space(space: gym.Space) -> list[gym.Space]:
    """Leaf spaces of a (nested) Dict/Tuple space, in :func:`flatten`'s order (Dict keys sorted)."""
    if isinstance(space, gym.spaces.Dict):
        return [leaf for key in _sorted_keys(space.spaces) for leaf in flatten_space(space[key])]
    if isinstance(space, gym.spaces.Tuple):
        return [leaf for sub in space.spaces for leaf in flatten_space(sub)]
    return [space]
