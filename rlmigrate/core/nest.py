"""One ``map_struct`` for the nested dict/tuple/list values that batches, states and actions are.

Observations of ``Dict``/``Tuple`` spaces, recurrent states (``{"h": (B, H), "c": (B, H)}``)
and multi-distribution actions all nest; acting, the equivalence kit and the encoders apply
a per-leaf function (to tensor, add/drop a time axis, tile to ``(B, ...)``) to them.

Not for the multi-distributions: those visit leaves in RLlib's order (mapping keys sorted),
which :func:`rlmigrate.distributions._nesting.map_structure` keeps; this one visits them in
the order they stand, as a plain recursive walk does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["map_struct"]


def map_struct(fn: Callable[[Any], Any], value: Any) -> Any:
    """Apply ``fn`` to every leaf of ``value``, keeping the nesting.

    Mappings come back as plain ``dict`` (same key order), tuples as tuples, lists as
    lists; anything else (tensors, arrays, scalars, None) is a leaf.

    Example:
        >>> map_struct(lambda x: x * 2, {"a": 1, "b": (2, [3])})
        {'a': 2, 'b': (4, [6])}
    """
    if isinstance(value, Mapping):
        return {key: map_struct(fn, item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(map_struct(fn, item) for item in value)
    return fn(value)
