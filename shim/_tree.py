"""Small nested-structure helpers (dict / tuple / list leaves), used instead of ``dm-tree``.

Dicts are traversed in sorted-key order, tuples and lists in order: the same convention
RLlib's legacy stack gets from ``dm-tree``, so flattened action/observation layouts match.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym


def _is_struct(value: Any) -> bool:
    return isinstance(value, (Mapping, tuple, list))


def flatten(struct: Any) -> list[Any]:
    """Returns the leaves of ``struct`` (sorted dict keys, then sequence order)."""
    if isinstance(struct, Mapping):
        return [leaf for key in sorted(struct) for leaf in flatten(struct[key])]
    if isinstance(struct, (tuple, list)):
        return [leaf for item in struct for leaf in flatten(item)]
    return [struct]


def unflatten_as(structure: Any, leaves: list[Any]) -> Any:
    """Packs ``leaves`` into the shape of ``structure`` (inverse of :func:`flatten`)."""
    iterator = iter(leaves)

    def build(node: Any) -> Any:
        if isinstance(node, Mapping):
            built = {key: build(node[key]) for key in sorted(node)}
            return {key: built[key] for key in node}
        if isinstance(node, (tuple, list)):
            return type(node)(build(item) for item in node)
        return next(iterator)

    result = build(structure)
    remaining = sum(1 for _ in iterator)
    if remaining:
        raise ValueError(f"unflatten_as: {remaining} leaves left over for structure {structure!r}")
    return result


def map_structure(fn: Callable[..., Any], struct: Any, *others: Any) -> Any:
    """Applies ``fn`` leaf-wise over one or more structures of the same shape."""
    if isinstance(struct, Mapping):
        return {key: map_structure(fn, struct[key], *(o[key] for o in others)) for key in struct}
    if isinstance(struct, (tuple, list)):
        return type(struct)(
            map_structure(fn, item, *(o[i] for o in others)) for i, item in enumerate(struct)
        )
    return fn(struct, *others)


def flatten_space(space: gym.Space) -> list[gym.Space]:
    """Leaf spaces of a (possibly nested) Dict/Tuple space, Dict keys sorted like RLlib."""
    if isinstance(space, gym.spaces.Dict):
        return [leaf for key in sorted(space.spaces) for leaf in flatten_space(space.spaces[key])]
    if isinstance(space, gym.spaces.Tuple):
        return [leaf for sub in space.spaces for leaf in flatten_space(sub)]
    return [space]


def get_base_struct_from_space(space: gym.Space) -> Any:
    """Dict space -> dict of leaf spaces, Tuple space -> tuple, any other space -> itself."""
    if isinstance(space, gym.spaces.Dict):
        return {key: get_base_struct_from_space(sub) for key, sub in space.spaces.items()}
    if isinstance(space, gym.spaces.Tuple):
        return tuple(get_base_struct_from_space(sub) for sub in space.spaces)
    return space
