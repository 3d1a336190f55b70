"""Flatten and rebuild nested dict/tuple/list structures (the shapes of Dict/Tuple spaces).

Why our own: multi-distributions must lay out child logits in the same order as RLlib, which
flattens with ``dm-tree``: mappings in *sorted key* order (an ``OrderedDict``'s insertion order
is ignored), sequences in position order. We only need dict, tuple and list containers, so a
few lines here spare a dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym


def is_container(value: Any) -> bool:
    """True for the containers that nest: mappings, tuples and lists (not tensors/arrays)."""
    return isinstance(value, (Mapping, tuple, list))


def _sorted_keys(mapping: Mapping) -> list:
    try:
        return sorted(mapping)
    except TypeError as err:  # mixed key types cannot be ordered the way RLlib orders them
        raise TypeError(
            f"cannot order the keys {list(mapping)!r} of a nested action structure; "
            "expected mutually comparable keys (for example all str)"
        ) from err


def flatten(struct: Any) -> list:
    """Leaves of ``struct`` in RLlib's order: mapping keys sorted, sequences by position."""
    if isinstance(struct, Mapping):
        return [leaf for key in _sorted_keys(struct) for leaf in flatten(struct[key])]
    if isinstance(struct, (tuple, list)):
        return [leaf for item in struct for leaf in flatten(item)]
    return [struct]


def unflatten_as(structure: Any, leaves: list) -> Any:
    """Rebuild ``structure`` with ``leaves`` (ordered as :func:`flatten` returns them).

    Mappings come back as plain ``dict`` keeping ``structure``'s own key order; tuples as
    tuples, lists as lists.

    Raises:
        ValueError: if the number of leaves differs from the number of leaves in ``structure``.
    """
    expected = len(flatten(structure))
    if expected != len(leaves):
        raise ValueError(
            f"structure has {expected} leaves but {len(leaves)} values came to fill it"
        )
    iterator = iter(leaves)
    return _fill(structure, iterator)


def _fill(structure: Any, iterator: Any) -> Any:
    if isinstance(structure, Mapping):
        filled = {key: _fill(structure[key], iterator) for key in _sorted_keys(structure)}
        return {key: filled[key] for key in structure}
    if isinstance(structure, tuple):
        return tuple(_fill(item, iterator) for item in structure)
    if isinstance(structure, list):
        return [_fill(item, iterator) for item in structure]
    return next(iterator)


def map_structure(fn: Callable[[Any], Any], struct: Any) -> Any:
    """Apply ``fn`` to every leaf of ``struct``, keeping the nesting."""
    return unflatten_as(struct, [fn(leaf) for leaf in flatten(struct)])


def describe(struct: Any) -> str:
    """A short, readable outline of a structure for error messages: ``{'a': _, 'b': (_, _)}``."""
    if isinstance(struct, Mapping):
        inner = ", ".join(f"{key!r}: {describe(struct[key])}" for key in struct)
        return "{" + inner + "}"
    if isinstance(struct, tuple):
        return (
            "("
            + ", ".join(describe(item) for item in struct)
            + ("," if len(struct) == 1 else "")
            + ")"
        )
    if isinstance(struct, list):
        return "[" + ", ".join(describe(item) for item in struct) + "]"
    return "_"


def same_structure(first: Any, second: Any) -> bool:
    """True when both have the same nesting (mapping keys compared as sets, order ignored)."""
    if isinstance(first, Mapping) or isinstance(second, Mapping):
        if not (isinstance(first, Mapping) and isinstance(second, Mapping)):
            return False
        if set(first) != set(second):
            return False
        return all(same_structure(first[key], second[key]) for key in first)
    if isinstance(first, (tuple, list)) or isinstance(second, (tuple, list)):
        if not (isinstance(first, (tuple, list)) and isinstance(second, (tuple, list))):
            return False
        if len(first) != len(second):
            return False
        return all(same_structure(a, b) for a, b in zip(first, second))
    return True


def space_to_struct(space: gym.Space) -> Any:
    """Turn a (nested) ``Dict``/``Tuple`` space into a dict/tuple of its leaf spaces."""
    if isinstance(space, gym.spaces.Dict):
        return {key: space_to_struct(child) for key, child in space.spaces.items()}
    if isinstance(space, gym.spaces.Tuple):
        return tuple(space_to_struct(child) for child in space.spaces)
    return space
