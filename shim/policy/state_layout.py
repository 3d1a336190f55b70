"""Recurrent state layout: the legacy list ``[s0, s1, ...]`` vs. an RLModule's state dict.

A module's initial-state dict (possibly nested) is flattened into a list in a fixed order:
sorted keys, except that all-digit keys (``"0"``, ``"1"``, ..., ``"10"``) sort numerically,
so ModelV2 adapters that key their state by list index round-trip in list order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _ordered_keys(mapping: Mapping) -> list:
    keys = list(mapping)
    if keys and all(isinstance(k, str) and k.isdigit() for k in keys):
        return sorted(keys, key=int)
    return sorted(keys, key=str)


def state_to_list(state: Any) -> list[Any]:
    """Flattens a (nested) state dict/tuple/list into a list of leaves."""
    if isinstance(state, Mapping):
        return [leaf for key in _ordered_keys(state) for leaf in state_to_list(state[key])]
    if isinstance(state, (tuple, list)):
        return [leaf for item in state for leaf in state_to_list(item)]
    return [state]


def list_to_state(template: Any, leaves: list[Any]) -> Any:
    """Packs ``leaves`` into the structure of ``template`` (inverse of :func:`state_to_list`)."""
    iterator = iter(leaves)

    def build(node: Any) -> Any:
        if isinstance(node, Mapping):
            built = {key: build(node[key]) for key in _ordered_keys(node)}
            return {key: built[key] for key in node}
        if isinstance(node, (tuple, list)):
            return type(node)(build(item) for item in node)
        return next(iterator)

    return build(template)
