"""RLlib 2.10's ``SACTorchPolicy`` (acting): ``SACTorchModel`` and its policy head's distribution.

Served as ``ray.rllib.algorithms.sac.sac_torch_policy``. As in Ray 2.10:

* ``build_sac_model_and_action_dist``: ``SACTorchModel`` (or the ``custom_model``) with
  ``num_outputs=None``; ``policy_model_config`` / ``q_model_config`` are ``config["model"]``
  updated with SAC's own sub-configs; the distribution is categorical (Discrete), Dirichlet
  (Simplex), else a squashed Gaussian with bounds ``[-1, 1]`` (``normalize_actions``; the
  env runner rescales) or a diagonal Gaussian;
* ``action_distribution_fn``: the model's output through ``get_action_model_outputs``;
* exploration: ``StochasticSampling`` (deterministic = ``tanh(mean)`` for Box).

The losses (actor, critic, alpha) are training-side: not in the shim.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import gymnasium as gym

from rlmigrate.modules.sac_config import SUB_MODEL_DEFAULTS
from shim.models.action_dist import (
    TorchCategorical,
    TorchDiagGaussian,
    TorchDirichlet,
    TorchSquashedGaussian,
)
from shim.models.catalog import ModelCatalog
from shim.models.model_defaults import merge_model_config
from shim.models.sac_torch_model import SACTorchModel
from shim.policy.policy_template import build_policy_class
from shim.spaces import Simplex

__all__ = [
    "SAC_DEFAULT_CONFIG",
    "SACTorchPolicy",
    "build_sac_model",
    "build_sac_model_and_action_dist",
    "action_distribution_fn",
]

#: Ray 2.10 ``SACConfig`` defaults of the keys acting depends on.
SAC_DEFAULT_CONFIG: dict[str, Any] = {
    "twin_q": True,
    "q_model_config": copy.deepcopy(SUB_MODEL_DEFAULTS),
    "policy_model_config": copy.deepcopy(SUB_MODEL_DEFAULTS),
    "initial_alpha": 1.0,
    "target_entropy": "auto",
    "normalize_actions": True,
    "_use_beta_distribution": False,
    "exploration_config": {"type": "StochasticSampling"},
}


def _default_config() -> dict[str, Any]:
    config = copy.deepcopy(SAC_DEFAULT_CONFIG)
    config["model"] = merge_model_config({})
    return config


def _full_config(config: Mapping[str, Any]) -> dict[str, Any]:
    merged = _default_config()
    given = dict(config)
    merged["model"].update(given.pop("model", None) or {})
    for key in ("q_model_config", "policy_model_config"):
        merged[key].update(given.pop(key, None) or {})
    merged.update(given)
    return merged


def build_sac_model(policy: Any, obs_space: gym.Space, action_space: gym.Space, config: dict) -> Any:
    """``SACTorchModel`` (or the custom model) as Ray 2.10 built it; ``policy.target_model`` too."""
    policy_model_config = copy.deepcopy(config["model"])
    policy_model_config.update(config["policy_model_config"])
    q_model_config = copy.deepcopy(config["model"])
    q_model_config.update(config["q_model_config"])
    kwargs = {
        "policy_model_config": policy_model_config,
        "q_model_config": q_model_config,
        "twin_q": config["twin_q"],
        "initial_alpha": config["initial_alpha"],
        "target_entropy": config["target_entropy"],
    }
    model = ModelCatalog.get_model_v2(obs_space, action_space, None, config["model"], framework="torch",
                                      default_model=SACTorchModel, name="sac_model", **kwargs)
    if not isinstance(model, SACTorchModel):
        raise ValueError(f"SAC's model must be a SACTorchModel (subclass), got {type(model).__name__}")
    policy.target_model = ModelCatalog.get_model_v2(
        obs_space, action_space, None, config["model"], framework="torch",
        default_model=SACTorchModel, name="target_sac_model", **kwargs)
    return model


def _dist_class(config: Mapping[str, Any], action_space: gym.Space) -> Any:
    if config["model"].get("custom_action_dist"):
        return ModelCatalog.get_action_dist(action_space, config["model"], framework="torch")[0]
    if isinstance(action_space, gym.spaces.Discrete):
        return TorchCategorical
    if isinstance(action_space, Simplex):
        return TorchDirichlet
    if not isinstance(action_space, gym.spaces.Box):
        raise ValueError(f"SAC supports Discrete, Box and Simplex action spaces, got {action_space}")
    if config["normalize_actions"]:
        if config.get("_use_beta_distribution"):
            raise ValueError("_use_beta_distribution: the shim's SAC has no Beta distribution")
        return TorchSquashedGaussian
    return TorchDiagGaussian


def build_sac_model_and_action_dist(
    policy: Any, obs_space: gym.Space, action_space: gym.Space, config: dict
) -> tuple[Any, Any]:
    """``(model, dist class)`` as Ray 2.10's SAC built them."""
    return build_sac_model(policy, obs_space, action_space, config), _dist_class(config, action_space)


def action_distribution_fn(
    policy: Any, model: Any, input_dict: Any, *, state_batches: Any = None, seq_lens: Any = None,
    explore: Any = None, timestep: Any = None, is_training: Any = None, **kwargs: Any,
) -> tuple[Any, Any, list]:
    """``(policy head outputs, dist class, [])``: ``get_action_model_outputs(model(obs))``."""
    model_out, _ = model(input_dict, [], None)
    action_dist_inputs, _ = model.get_action_model_outputs(model_out)
    return action_dist_inputs, _dist_class(policy.config, policy.action_space), []


def _before_init(policy: Any, obs_space: gym.Space, action_space: gym.Space, config: dict) -> None:
    config.update(_full_config(config))


SACTorchPolicy = build_policy_class(
    name="SACTorchPolicy",
    framework="torch",
    before_init=_before_init,  # fills in the defaults (get_default_config is never called)
    make_model_and_action_dist=build_sac_model_and_action_dist,
    action_distribution_fn=action_distribution_fn,
)
