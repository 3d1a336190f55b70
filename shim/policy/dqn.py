"""RLlib 2.10's ``DQNTorchPolicy`` (acting): the DQN model, Q-values and epsilon-greedy.

Served as ``ray.rllib.algorithms.dqn.dqn_torch_policy``. As in Ray 2.10:

* ``build_q_model_and_distribution``: the model is ``config["model"]``'s (custom or default
  FCNet with ``no_final_linear``) under the ``DQNTorchModel`` interface, with ``num_outputs``
  the last ``fcnet_hiddens`` size when ``hiddens`` is non-empty (else the number of actions)
  and the DQN keys as keyword arguments; the distribution is a categorical over Q-values;
* ``compute_q_values``: ``get_q_value_distributions`` of the model's output, combined
  ``V + A - mean(A)`` when ``dueling`` (per atom when distributional);
* acting: ``action_dist_inputs`` are the Q-values, the exploration is the config's
  ``exploration_config`` (DQN's default: ``EpsilonGreedy`` 1.0 -> 0.02 over 10000 steps).

The loss (TD error, n-step, prioritized replay) is training-side: not in the shim.
``DQNTorchPolicy.with_updates(...)`` works as in RLlib (a new builder class).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import torch
from torch import nn

from shim.models.action_dist import TorchCategorical
from shim.models.catalog import ModelCatalog
from shim.models.dqn_torch_model import DQNTorchModel
from shim.models.model_defaults import merge_model_config
from shim.policy.policy_template import build_policy_class

__all__ = [
    "DQN_DEFAULT_CONFIG",
    "DQNTorchPolicy",
    "build_q_model_and_distribution",
    "compute_q_values",
    "get_distribution_inputs_and_class",
    "extra_action_out_fn",
    "Q_SCOPE",
    "Q_TARGET_SCOPE",
]

Q_SCOPE = "q_func"
Q_TARGET_SCOPE = "target_q_func"

#: Ray 2.10 ``DQNConfig`` defaults of the keys acting depends on.
DQN_DEFAULT_CONFIG: dict[str, Any] = {
    "hiddens": [256],
    "dueling": True,
    "double_q": True,
    "num_atoms": 1,
    "v_min": -10.0,
    "v_max": 10.0,
    "noisy": False,
    "sigma0": 0.5,
    "categorical_distribution_temperature": 1.0,
    "exploration_config": {
        "type": "EpsilonGreedy",
        "initial_epsilon": 1.0,
        "final_epsilon": 0.02,
        "epsilon_timesteps": 10000,
    },
}


def _default_config() -> dict[str, Any]:
    config = copy.deepcopy(DQN_DEFAULT_CONFIG)
    config["model"] = merge_model_config({})
    return config


def _full_config(config: Mapping[str, Any]) -> dict[str, Any]:
    merged = _default_config()
    given = dict(config)
    merged["model"].update(given.pop("model", None) or {})
    merged.update(given)
    return merged


def build_q_model_and_distribution(
    policy: Any, obs_space: gym.Space, action_space: gym.Space, config: dict
) -> tuple[Any, Any]:
    """``(model, TorchCategorical)`` as Ray 2.10's DQN built them (``policy.target_model`` too).

    Raises:
        ValueError: a non-Discrete action space (DQN's own restriction).
    """
    if not isinstance(action_space, gym.spaces.Discrete):
        raise ValueError(f"Action space {action_space} is not supported for DQN (Discrete only)")
    if config["hiddens"]:
        num_outputs = ([256] + list(config["model"]["fcnet_hiddens"]))[-1]
        config["model"]["no_final_linear"] = True
    else:
        num_outputs = int(action_space.n)
    add_layer_norm = (config.get("exploration_config") or {}).get("type") == "ParameterNoise"
    kwargs = {
        "q_hiddens": config["hiddens"],
        "dueling": config["dueling"],
        "num_atoms": config["num_atoms"],
        "use_noisy": config["noisy"],
        "v_min": config["v_min"],
        "v_max": config["v_max"],
        "sigma0": config["sigma0"],
        "add_layer_norm": add_layer_norm,
    }
    model = ModelCatalog.get_model_v2(
        obs_space, action_space, num_outputs, config["model"], framework="torch",
        model_interface=DQNTorchModel, name=Q_SCOPE, **kwargs)
    policy.target_model = ModelCatalog.get_model_v2(
        obs_space, action_space, num_outputs, config["model"], framework="torch",
        model_interface=DQNTorchModel, name=Q_TARGET_SCOPE, **kwargs)
    return model, TorchCategorical


def _mean_ignore_inf(x: torch.Tensor, axis: int) -> torch.Tensor:
    mask = torch.ne(x, float("-inf"))
    x_zeroed = torch.where(mask, x, torch.zeros_like(x))
    return torch.sum(x_zeroed, axis) / torch.sum(mask.float(), axis)


def compute_q_values(
    policy: Any, model: Any, input_dict: Any, state_batches: Any = None, seq_lens: Any = None,
    explore: Any = None, is_training: bool = False,
) -> tuple[torch.Tensor, Any, Any, list]:
    """``(Q-values (B, n), logits, probs_or_logits, state)`` as Ray 2.10's DQN policy computed."""
    config = policy.config
    model_out, state = model(input_dict, state_batches or [], seq_lens)
    if config["num_atoms"] > 1:
        action_scores, z, support_logits_per_action, logits, probs_or_logits = (
            model.get_q_value_distributions(model_out))
    else:
        action_scores, logits, probs_or_logits = model.get_q_value_distributions(model_out)
    if config["dueling"]:
        state_score = model.get_state_value(model_out)
        if config["num_atoms"] > 1:
            mean = torch.mean(support_logits_per_action, dim=1)
            centered = support_logits_per_action - torch.unsqueeze(mean, dim=1)
            support_logits_per_action = torch.unsqueeze(state_score, dim=1) + centered
            support_prob_per_action = nn.functional.softmax(support_logits_per_action, dim=-1)
            value = torch.sum(z * support_prob_per_action, dim=-1)
            logits = support_logits_per_action
            probs_or_logits = support_prob_per_action
        else:
            advantages_mean = _mean_ignore_inf(action_scores, 1)
            value = state_score + action_scores - torch.unsqueeze(advantages_mean, 1)
    else:
        value = action_scores
    return value, logits, probs_or_logits, state


def get_distribution_inputs_and_class(
    policy: Any, model: Any, input_dict: Any, *, explore: bool = True, is_training: bool = False,
    **kwargs: Any,
) -> tuple[torch.Tensor, Any, list]:
    """``(Q-values, TorchCategorical (with the config's temperature), state)``."""
    q_vals, _, _, state = compute_q_values(policy, model, input_dict, explore=explore,
                                           is_training=is_training)
    stats = model.__dict__.setdefault("tower_stats", {})
    stats["q_values"] = q_vals
    temperature = policy.config.get("categorical_distribution_temperature", 1.0)
    dist = TorchCategorical if temperature == 1.0 else _with_temperature(temperature)
    return q_vals, dist, state


def _with_temperature(temperature: float) -> Any:
    import functools

    return functools.partial(TorchCategorical, temperature=temperature)


def extra_action_out_fn(policy: Any, input_dict: Any, state_batches: Any, model: Any, action_dist: Any) -> dict[str, Any]:
    """``{"q_values": (B, n)}`` of the last action computation, as Ray 2.10's DQN returned."""
    return {"q_values": model.tower_stats["q_values"]}


def _before_init(policy: Any, obs_space: gym.Space, action_space: gym.Space, config: dict) -> None:
    config.update(_full_config(config))


DQNTorchPolicy = build_policy_class(
    name="DQNTorchPolicy",
    framework="torch",
    before_init=_before_init,  # fills in the defaults (get_default_config is never called)
    make_model_and_action_dist=build_q_model_and_distribution,
    action_distribution_fn=get_distribution_inputs_and_class,
    extra_action_out_fn=extra_action_out_fn,
)
