"""Turn the policies of a Ray legacy checkpoint into rlmigrate modules with the same weights.

Two routes, chosen per policy:

* ``module_class`` given (``--module-class FILE:Class``): the migrated class the codemod wrote.
  It keeps the legacy attribute names, so the legacy ``get_weights()`` keys are its
  ``state_dict`` keys and the weights load as they are (every parameter must be filled, every
  legacy weight used, shapes and dtypes equal).
* no class: the policy must use RLlib's default model (FCNet, or FCNet + ``use_lstm``); it
  becomes rlmigrate's default :class:`~rlmigrate.modules.ppo.PPOTorchRLModule` for the same
  ``model_config``, weights renamed by :mod:`rlmigrate.convert.default_model_map`.

A default module gets the model-config keys that shape RLlib's default model
(:data:`~rlmigrate.convert.default_model_map.DEFAULT_MODULE_KEYS`; the rest of the legacy
``MODEL_DEFAULTS`` are refused first if set, or irrelevant). A migrated class's
``model_config`` is the config the legacy model saw (Ray stores the full merged
``MODEL_DEFAULTS`` in the checkpoint) with ``custom_model_config`` entries also at top level,
because migrated ``setup()`` code reads custom kwargs from ``self.model_config``.
Nothing is half-loaded: the new module is only returned once every tensor is in place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from rlmigrate.convert.default_model_map import (
    DEFAULT_MODULE_KEYS,
    DefaultModelMapError,
    default_model_key_map,
)
from rlmigrate.convert.ray_checkpoint import LegacyPolicyState

__all__ = ["ConversionError", "ConvertedPolicy", "convert_policy", "module_model_config"]


class ConversionError(ValueError):
    """A policy's weights cannot become the requested module; the message lists every problem."""


@dataclasses.dataclass
class ConvertedPolicy:
    """One converted policy: the module, how its weights were mapped, and what was dropped."""

    policy_id: str
    module: Any
    key_map: dict[str, str]
    dropped: list[str]
    route: str  # "default-module" or "module-class"


def module_model_config(state: LegacyPolicyState) -> dict[str, Any]:
    """The legacy model config with ``custom_model_config`` entries lifted to top level."""
    config = dict(state.model_config)
    custom = config.get("custom_model_config")
    if isinstance(custom, Mapping):
        for key, value in custom.items():
            config.setdefault(key, value)
    return config


def _load(module: torch.nn.Module, weights: Mapping[str, np.ndarray], where: str) -> None:
    """Copy ``weights`` (target names) into ``module``; all or nothing, every problem listed."""
    own = module.state_dict()
    params = {name for name, _ in module.named_parameters()}
    problems = [f"module parameter {k!r} gets no legacy weight" for k in sorted(params - set(weights))]
    problems += [f"legacy weight {k!r} has no place in the module" for k in sorted(set(weights) - set(own))]
    for key, value in weights.items():
        if key in own:
            target = own[key]
            if tuple(value.shape) != tuple(target.shape):
                problems.append(f"{key}: legacy shape {tuple(value.shape)} != module shape {tuple(target.shape)}")
            elif torch.as_tensor(value).dtype != target.dtype:
                problems.append(f"{key}: legacy dtype {value.dtype} != module dtype {target.dtype}")
    if problems:
        raise ConversionError(f"{where}: the weights do not fit the module:\n  " + "\n  ".join(problems))
    with torch.no_grad():
        for key, value in weights.items():
            own[key].copy_(torch.as_tensor(value))


def convert_policy(state: LegacyPolicyState, module_class: type | None = None) -> ConvertedPolicy:
    """Build the module for one legacy policy and load its weights (see the module docstring).

    Raises:
        ConversionError: the default-model table has no row for the model, or the weights do
            not fit the module (names, shapes, dtypes), naming each problem.
    """
    from rlmigrate.core.spec import RLModuleSpec

    where = f"{state.source} (policy {state.policy_id!r})"
    config = module_model_config(state)
    if module_class is None:
        from rlmigrate.modules.ppo import PPOTorchRLModule

        try:
            key_map = default_model_key_map(state.model_config, sorted(state.weights))
        except DefaultModelMapError as err:
            raise ConversionError(f"{where}: {err}") from err
        module_class, route = PPOTorchRLModule, "default-module"
        config = {k: config[k] for k in DEFAULT_MODULE_KEYS if k in config}
        if config.get("use_lstm"):
            # RLlib 2.10's LSTMWrapper computes the value from the same LSTM features as the
            # logits; the new stack's PPO module shares its encoder only with vf_share_layers.
            config["vf_share_layers"] = True
    else:
        key_map = {key: key for key in state.weights}
        route = "module-class"
    module = RLModuleSpec(
        module_class=module_class,
        observation_space=state.observation_space,
        action_space=state.action_space,
        model_config=config,
    ).build()
    renamed = {target: state.weights[key] for key, target in key_map.items() if target is not None}
    _load(module, renamed, where)
    return ConvertedPolicy(
        policy_id=state.policy_id,
        module=module,
        key_map={k: v for k, v in key_map.items() if v is not None},
        dropped=sorted(k for k, v in key_map.items() if v is None),
        route=route,
    )
