"""RLModules from legacy functions or a ``TorchPolicyV2``: the ``module_from_*`` constructors.

``module_from_make_model`` and ``module_from_make_model_and_action_dist`` give a
:class:`~shim.adapters.ModelV2RLModule`; ``module_from_action_distribution_fn`` and
``module_from_action_sampler_fn`` a :class:`~shim.adapters.hooks.LegacyHooksRLModule`;
``module_from_policy`` whichever fits the policy's hooks. Importable from ``shim.adapters`` too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym

from rlmigrate.core.torch_rl_module import TorchRLModule
from shim.adapters.hooks import LegacyHooksRLModule, _PolicyStandIn
from shim.adapters.model import ModelV2RLModule
from shim.adapters.plumbing import _flattened_space
from shim.models.catalog import ModelCatalog
from shim.models.model_defaults import merge_model_config
from shim.models.modelv2 import ModelV2

__all__ = [
    "module_from_make_model",
    "module_from_make_model_and_action_dist",
    "module_from_action_distribution_fn",
    "module_from_action_sampler_fn",
    "module_from_policy",
]


def _default_model(
    observation_space: gym.Space, action_space: gym.Space, config: Mapping
) -> tuple[ModelV2, Any]:
    model_config = merge_model_config(config.get("model"))
    dist_cls, width = ModelCatalog.get_action_dist(action_space, model_config)
    model = ModelCatalog.get_model_v2(
        _flattened_space(observation_space, model_config),
        action_space,
        width,
        model_config,
        framework="torch",
    )
    return model, dist_cls


def _legacy_owner(
    observation_space: gym.Space, action_space: gym.Space, config: Mapping | None
) -> _PolicyStandIn:
    """The policy a legacy ``make_model*(policy, obs_space, action_space, config)`` expects:
    ``config["model"]`` merged with ``MODEL_DEFAULTS``, observations flattened as Ray did."""
    config = {
        "model": merge_model_config((config or {}).get("model")),
        **{k: v for k, v in (config or {}).items() if k != "model"},
    }
    return _PolicyStandIn(
        _flattened_space(observation_space, config["model"]), action_space, config
    )


def module_from_make_model(
    make_model: Callable,
    observation_space: gym.Space,
    action_space: gym.Space,
    config: Mapping | None = None,
) -> ModelV2RLModule:
    """RLModule from legacy ``make_model(policy, obs_space, action_space, config) -> ModelV2``."""
    owner = _legacy_owner(observation_space, action_space, config)
    model_config = owner.config["model"]  # the merged config, whatever make_model reassigns
    model = make_model(owner, owner.observation_space, action_space, owner.config)
    dist_cls, _ = ModelCatalog.get_action_dist(action_space, model_config)
    return ModelV2RLModule.from_model(model, dist_cls, observation_space=observation_space)


def module_from_make_model_and_action_dist(
    fn: Callable,
    observation_space: gym.Space,
    action_space: gym.Space,
    config: Mapping | None = None,
) -> ModelV2RLModule:
    """RLModule from legacy ``make_model_and_action_dist(policy, obs_space, action_space, config)``."""
    owner = _legacy_owner(observation_space, action_space, config)
    model, dist_cls = fn(owner, owner.observation_space, action_space, owner.config)
    return ModelV2RLModule.from_model(model, dist_cls, observation_space=observation_space)


def _hooks_module(
    observation_space: gym.Space,
    action_space: gym.Space,
    config: Mapping | None,
    model: Any,
    **hooks: Any,
) -> LegacyHooksRLModule:
    config = dict(config or {})
    if model is None:
        model, dist_cls = _default_model(observation_space, action_space, config)
    else:
        dist_cls, _ = ModelCatalog.get_action_dist(
            action_space, merge_model_config(config.get("model"))
        )
    owner = _PolicyStandIn(model.obs_space, action_space, config, model=model, dist_class=dist_cls)
    return LegacyHooksRLModule(
        observation_space=observation_space,
        action_space=action_space,
        model_config={"model": model, "owner": owner, "dist_class": dist_cls, **hooks},
    )


def module_from_action_distribution_fn(
    fn: Callable,
    observation_space: gym.Space,
    action_space: gym.Space,
    config: Mapping | None = None,
    *,
    model: ModelV2 | None = None,
) -> LegacyHooksRLModule:
    """RLModule from legacy ``action_distribution_fn(policy, model, obs_batch, state_batches, ...)
    -> (dist_inputs, dist_class, state_out)`` (default catalog model unless ``model`` is given)."""
    return _hooks_module(observation_space, action_space, config, model, action_distribution_fn=fn)


def module_from_action_sampler_fn(
    fn: Callable,
    observation_space: gym.Space,
    action_space: gym.Space,
    config: Mapping | None = None,
    *,
    model: ModelV2 | None = None,
    action_distribution_fn: Callable | None = None,
) -> LegacyHooksRLModule:
    """RLModule from legacy ``action_sampler_fn(policy, model, obs_batch, state_batches, explore,
    timestep) -> (actions, logp[, dist_inputs], state_out)``: its forward passes return ``actions``
    (and ``action_logp``) exactly as the legacy code sampled them."""
    return _hooks_module(
        observation_space,
        action_space,
        config,
        model,
        action_sampler_fn=fn,
        action_distribution_fn=action_distribution_fn,
    )


def module_from_policy(policy: Any) -> TorchRLModule:
    """RLModule running a shim ``TorchPolicyV2``'s model and hooks (sampler / distribution fn)."""
    if getattr(policy, "_is_module", False):
        return policy.model
    space = getattr(policy.observation_space, "original_space", policy.observation_space)
    sampler = policy.action_sampler_fn if getattr(policy, "_sampler_overridden", False) else None
    dist_fn = (
        policy.action_distribution_fn if getattr(policy, "_dist_fn_overridden", False) else None
    )
    if sampler is None and dist_fn is None:
        return ModelV2RLModule.from_model(policy.model, policy.dist_class, observation_space=space)
    return LegacyHooksRLModule(
        observation_space=space,
        action_space=policy.action_space,
        model_config={
            "model": policy.model,
            "owner": policy,
            "dist_class": policy.dist_class,
            "action_sampler_fn": sampler,
            "action_distribution_fn": dist_fn,
        },
    )
