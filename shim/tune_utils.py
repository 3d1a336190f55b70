"""The ``ray.tune`` helpers legacy model files use beside their models.

``merge_dicts`` / ``deep_update`` (config merging, as Ray's ``ray.tune.utils``) and
``_global_registry`` (``ray.tune.registry``): legacy code reads registered models back with
``_global_registry.get(RLLIB_MODEL, name)``; here the registry is a view over the shim's own
registries (``ModelCatalog.register_custom_model``/``register_custom_action_dist`` and
``register_env``).
"""

from __future__ import annotations

import copy
from typing import Any

from shim.legacy_utils import register_env, registered_envs
from shim.models.catalog import ModelCatalog

__all__ = ["merge_dicts", "deep_update", "GlobalRegistry", "_global_registry"]

RLLIB_MODEL = "rllib_model"
RLLIB_ACTION_DIST = "rllib_action_dist"
ENV_CREATOR = "env_creator"


def deep_update(
    original: dict,
    new_dict: dict,
    new_keys_allowed: bool = False,
    allow_new_subkey_list: list[str] | None = None,
    override_all_if_type_changes: list[str] | None = None,
    override_all_key_list: list[str] | None = None,
) -> dict:
    """Updates ``original`` in place from ``new_dict``, recursing into nested dicts.

    Raises:
        Exception: a key of ``new_dict`` is unknown and ``new_keys_allowed`` is False (the
            message names it, as Ray's does).
    """
    allow_new_subkey_list = allow_new_subkey_list or []
    override_all_if_type_changes = override_all_if_type_changes or []
    override_all_key_list = override_all_key_list or []
    for key, value in new_dict.items():
        if key not in original and not new_keys_allowed:
            raise Exception(f"Unknown config parameter `{key}` ")  # noqa: TRY002 -- Ray's type
        if (
            isinstance(original.get(key), dict)
            and isinstance(value, dict)
            and key not in override_all_key_list
        ):
            if (
                key in override_all_if_type_changes
                and "type" in value
                and "type" in original[key]
                and value["type"] != original[key]["type"]
            ):
                original[key] = value
            elif key in allow_new_subkey_list:
                deep_update(original[key], value, True, override_all_key_list=override_all_key_list)
            else:
                deep_update(
                    original[key],
                    value,
                    new_keys_allowed,
                    override_all_key_list=override_all_key_list,
                )
        else:
            original[key] = value
    return original


def merge_dicts(d1: dict, d2: dict) -> dict:
    """A new dict: a deep copy of ``d1`` deep-updated with ``d2`` (new keys allowed)."""
    merged = copy.deepcopy(d1)
    deep_update(merged, d2, True, [])
    return merged


class GlobalRegistry:
    """``ray.tune.registry._global_registry`` over the shim's registries (models, dists, envs)."""

    def register(self, category: str, key: str, value: Any) -> None:
        if category == RLLIB_MODEL:
            ModelCatalog.register_custom_model(key, value)
        elif category == RLLIB_ACTION_DIST:
            ModelCatalog.register_custom_action_dist(key, value)
        elif category == ENV_CREATOR:
            register_env(key, value)
        else:
            raise ValueError(
                f"_global_registry.register: category {category!r} is training-side; the shim "
                f"keeps {RLLIB_MODEL!r}, {RLLIB_ACTION_DIST!r} and {ENV_CREATOR!r}"
            )

    def _table(self, category: str) -> dict[str, Any]:
        if category == RLLIB_MODEL:
            return ModelCatalog.registered_models()
        if category == RLLIB_ACTION_DIST:
            return ModelCatalog.registered_action_dists()
        if category == ENV_CREATOR:
            return registered_envs()
        return {}

    def contains(self, category: str, key: str) -> bool:
        return key in self._table(category)

    def get(self, category: str, key: str) -> Any:
        table = self._table(category)
        if key not in table:
            raise ValueError(
                f"Registry value for {category}/{key} doesn't exist (registered: {sorted(table)})"
            )
        return table[key]


_global_registry = GlobalRegistry()
