"""The DQN settings a DQN module reads from its ``model_config`` (Ray 2.10 DQN config names).

RLlib 2.10's DQN policy passed its algorithm config to the model as ``DQNTorchModel`` keyword
arguments (``q_hiddens=config["hiddens"]``, ``dueling``, ``num_atoms``, ``use_noisy=config[
"noisy"]``, ``v_min``, ``v_max``, ``sigma0``); RLlib 2.40 merges the same keys into the
module's ``model_config``. rlmigrate's DQN module reads them there, with Ray 2.10 DQN's
defaults, and :func:`legacy_dqn_model_kwargs` gives the legacy constructor's keyword arguments
for the same dict, so a legacy model and its migrated module are built from one definition.

Example:
    >>> dqn_settings({"hiddens": [64]})["dueling"]
    True
    >>> legacy_dqn_model_kwargs({"hiddens": [64]})["q_hiddens"]
    [64]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym

__all__ = ["DQN_DEFAULTS", "DQN_POLICY_KEYS", "dqn_settings", "legacy_dqn_model_kwargs", "dqn_num_outputs",
           "module_config_from_policy_config"]

#: Ray 2.10 ``DQNConfig`` defaults of the keys that shape the model.
DQN_DEFAULTS: dict[str, Any] = {
    "hiddens": [256],
    "dueling": True,
    "num_atoms": 1,
    "v_min": -10.0,
    "v_max": 10.0,
    "noisy": False,
    "sigma0": 0.5,
    "add_layer_norm": False,
}


#: the policy-config keys a DQN module reads from its model_config (acting included)
DQN_POLICY_KEYS = (*DQN_DEFAULTS, "exploration_config")


def module_config_from_policy_config(policy_config: Mapping[str, Any], keys: tuple[str, ...] = DQN_POLICY_KEYS) -> dict[str, Any]:
    """The ``model_config`` of the module that acts like a legacy DQN / SAC policy: the
    policy's ``config["model"]`` with the algorithm keys of the policy config laid over it.

    Example:
        >>> module_config_from_policy_config({"model": {"fcnet_hiddens": [8]}, "hiddens": [4], "lr": 1e-3})
        {'fcnet_hiddens': [8], 'hiddens': [4]}
    """
    config = dict(policy_config.get("model") or {})
    config.update({key: policy_config[key] for key in keys if key in policy_config})
    return config


def dqn_settings(model_config: Mapping[str, Any] | None) -> dict[str, Any]:
    """:data:`DQN_DEFAULTS` updated with the DQN keys present in ``model_config``."""
    config = model_config or {}
    return {key: config.get(key, default) for key, default in DQN_DEFAULTS.items()}


def legacy_dqn_model_kwargs(model_config: Mapping[str, Any] | None) -> dict[str, Any]:
    """The keyword arguments RLlib 2.10's DQN policy gave ``DQNTorchModel`` for this config."""
    s = dqn_settings(model_config)
    return {
        "q_hiddens": list(s["hiddens"]),
        "dueling": bool(s["dueling"]),
        "num_atoms": int(s["num_atoms"]),
        "use_noisy": bool(s["noisy"]),
        "v_min": float(s["v_min"]),
        "v_max": float(s["v_max"]),
        "sigma0": float(s["sigma0"]),
        "add_layer_norm": bool(s["add_layer_norm"]),
    }


def dqn_num_outputs(model_config: Mapping[str, Any] | None, action_space: gym.Space) -> int:
    """The ``num_outputs`` RLlib 2.10's DQN policy gave its model: the last ``fcnet_hiddens``
    size (256 without any) when there are Q hiddens, else the number of actions.

    Raises:
        ValueError: ``action_space`` is not Discrete (DQN's own restriction).
    """
    if not isinstance(action_space, gym.spaces.Discrete):
        raise ValueError(f"DQN needs a Discrete action space, got {action_space}")
    config = model_config or {}
    if dqn_settings(config)["hiddens"]:
        return int(([256] + list(config.get("fcnet_hiddens") or []))[-1])
    return int(action_space.n)
