"""The oracle's cases as plain data, and how a Ray 2.10 legacy policy is built from one.

A case spec is JSON-able so that ``bench_ray.py --spec`` accepts the same shape::

    {"observation_space": <space record>, "action_space": <space record>,
     "model": {<overrides merged over MODEL_DEFAULTS (+ PPO's model defaults)>},
     "policy": "ppo" | "bare", "seed": int}

Policies are built OUTSIDE an Algorithm, the way RLlib's own unit tests do it, which is why the
configs must be complete (see RLLIB_REFERENCE §5): Ray 2.10 reads model-config keys with
``[...]`` and raises ``KeyError`` on any that are missing.

Imports Ray: run inside ``tools/oracle/.venv``.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import custom_model
import numpy as np
import torch
from jsonio import space_from_json
from ray.rllib.algorithms.ppo.ppo import PPOConfig
from ray.rllib.algorithms.ppo.ppo_torch_policy import PPOTorchPolicy
from ray.rllib.models import MODEL_DEFAULTS, ModelCatalog
from ray.rllib.policy.torch_policy_v2 import TorchPolicyV2


def _box(low: float, high: float, shape: list[int]) -> dict[str, Any]:
    return {
        "space": "box",
        "low": np.full(shape, low, dtype=np.float32).tolist(),
        "high": np.full(shape, high, dtype=np.float32).tolist(),
        "shape": shape,
        "dtype": "float32",
    }


OBS_BOX4 = _box(-3.0, 3.0, [4])
ACT_DISCRETE2 = {"space": "discrete", "n": 2}
ACT_BOX2 = _box(-1.0, 1.0, [2])
#: gymnasium sorts plain-dict keys, so this order is also the preprocessor's order.
OBS_DICT = {
    "space": "dict",
    "spaces": {
        "flag": {"space": "discrete", "n": 3},
        "pos": _box(-1.0, 1.0, [3]),
        "vel": _box(-2.0, 2.0, [2]),
    },
}
_LSTM = {"fcnet_hiddens": [32, 32], "use_lstm": True, "lstm_cell_size": 16, "max_seq_len": 20}
_CUSTOM = {
    "custom_model": custom_model.REGISTERED_NAME,
    "custom_model_config": {"hiddens": [32, 32], "vf_hiddens": [16], "activation": "tanh"},
}

#: name -> spec (+ "letter" and "description" for the README). B=5 for every recording.
CASES: dict[str, dict[str, Any]] = {
    "fc_discrete": {
        "letter": "a",
        "description": "PPO, Box(4) obs, Discrete(2), default FCNet 256x256 tanh, vf_share_layers=False",
        "observation_space": OBS_BOX4,
        "action_space": ACT_DISCRETE2,
        "model": {"fcnet_hiddens": [256, 256]},
        "policy": "ppo",
        "seed": 1001,
    },
    "fc_box": {
        "letter": "b",
        "description": "PPO, Box(4) obs, Box(2) actions in [-1, 1] (DiagGaussian), FCNet 32x32",
        "observation_space": OBS_BOX4,
        "action_space": ACT_BOX2,
        "model": {"fcnet_hiddens": [32, 32]},
        "policy": "ppo",
        "seed": 1002,
    },
    "lstm_discrete": {
        "letter": "c",
        "description": "PPO, use_lstm (cell 16, max_seq_len 20) over FCNet 32x32, Discrete(2)",
        "observation_space": OBS_BOX4,
        "action_space": ACT_DISCRETE2,
        "model": dict(_LSTM),
        "policy": "ppo",
        "seed": 1003,
    },
    "lstm_box": {
        "letter": "d",
        "description": "PPO, use_lstm (cell 16) over FCNet 32x32, Box(2) actions",
        "observation_space": OBS_BOX4,
        "action_space": ACT_BOX2,
        "model": dict(_LSTM),
        "policy": "ppo",
        "seed": 1004,
    },
    "custom_discrete": {
        "letter": "e",
        "description": "PPO, registered custom TorchModelV2 (tools/oracle/custom_model.py), Discrete(2)",
        "observation_space": OBS_BOX4,
        "action_space": ACT_DISCRETE2,
        "model": copy.deepcopy(_CUSTOM),
        "policy": "ppo",
        "seed": 1005,
    },
    "custom_box": {
        "letter": "f",
        "description": "PPO, the same custom TorchModelV2, Box(2) actions",
        "observation_space": OBS_BOX4,
        "action_space": ACT_BOX2,
        "model": copy.deepcopy(_CUSTOM),
        "policy": "ppo",
        "seed": 1006,
    },
    "bare_discrete": {
        "letter": "g",
        "description": "bare TorchPolicyV2 subclass (no PPO mixins), FCNet 32x32, MODEL_DEFAULTS vf_share_layers=True",
        "observation_space": OBS_BOX4,
        "action_space": ACT_DISCRETE2,
        "model": {"fcnet_hiddens": [32, 32]},
        "policy": "bare",
        "seed": 1007,
    },
    "dict_obs": {
        "letter": "h",
        "description": "PPO, Dict obs {flag: Discrete(3), pos: Box(3), vel: Box(2)} flattened by the preprocessor, FCNet 32x32, Discrete(2)",
        "observation_space": OBS_DICT,
        "action_space": ACT_DISCRETE2,
        "model": {"fcnet_hiddens": [32, 32]},
        "policy": "ppo",
        "seed": 1008,
    },
    "lstm_prev_action_reward": {
        "letter": "i",
        "description": "PPO, use_lstm (cell 8) over FCNet 16x16 with lstm_use_prev_action and lstm_use_prev_reward (one-hot prev action + prev reward concatenated to the LSTM input), Discrete(2)",
        "observation_space": OBS_BOX4,
        "action_space": ACT_DISCRETE2,
        "model": {
            "fcnet_hiddens": [16, 16],
            "use_lstm": True,
            "lstm_cell_size": 8,
            "max_seq_len": 20,
            "lstm_use_prev_action": True,
            "lstm_use_prev_reward": True,
        },
        "policy": "ppo",
        "seed": 1009,
        # gymnasium 0.28 stores Discrete.n as numpy.int64; LSTMWrapper adds it to the LSTM input
        # size, and torch 2.13's nn.LSTM rejects a non-int input_size (TypeError). The recorded
        # policy therefore gets a Discrete(2) whose n is a Python int (same numbers; Ray
        # unpatched). probes.construction_probes records the stock-space error.
        "discrete_n_as_python_int": True,
    },
    "fc_free_log_std": {
        "letter": "j",
        "description": "PPO, Box(4) obs, Box(2) actions in [-1, 1], FCNet 16x16 with free_log_std (state-independent learned log_std appended to the mean)",
        "observation_space": OBS_BOX4,
        "action_space": ACT_BOX2,
        "model": {"fcnet_hiddens": [16, 16], "free_log_std": True},
        "policy": "ppo",
        "seed": 1010,
    },
}


class BareTorchPolicy(TorchPolicyV2):
    """TorchPolicyV2 with nothing overridden: default model/dist, StochasticSampling, no mixins.

    Without ValueNetworkMixin there is no ``extra_action_out`` and so no ``vf_preds``.
    """


#: The only non-model keys a bare TorchPolicyV2 needs outside an Algorithm (found by trial).
BARE_POLICY_CONFIG: dict[str, Any] = {
    "num_gpus": 0,
    "_fake_gpus": False,
    "lr": 5e-5,
    "explore": True,
}


def full_model_config(spec: dict[str, Any]) -> dict[str, Any]:
    """MODEL_DEFAULTS, then PPO's model defaults (for ``policy == "ppo"``), then the case's overrides."""
    model = copy.deepcopy(MODEL_DEFAULTS)
    if spec["policy"] == "ppo":
        model.update(copy.deepcopy(PPOConfig().model))
    model.update(copy.deepcopy(spec.get("model", {})))
    return model


def policy_config(spec: dict[str, Any]) -> dict[str, Any]:
    """The config dict handed to the policy constructor (PPOTorchPolicy merges PPO defaults in)."""
    if spec["policy"] == "ppo":
        return {
            "model": full_model_config(spec),
            "framework": "torch",
            "num_gpus": 0,
            "seed": spec["seed"],
        }
    if spec["policy"] == "bare":
        return {"model": full_model_config(spec), **BARE_POLICY_CONFIG}
    raise ValueError(f"case spec 'policy': expected 'ppo' or 'bare', got {spec['policy']!r}")


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch; policies draw their initial weights from torch's RNG."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_policy(spec: dict[str, Any]) -> tuple[Any, Any]:
    """Build the legacy policy for a case spec with freshly seeded weights.

    Non-Box observation spaces (Dict, Discrete) go through Ray's preprocessor first, as the
    rollout worker would do: the policy sees the flattened/one-hot Box (a Dict's carries
    ``original_space``).

    Returns:
        ``(policy, preprocessor_or_None)``.
    """
    custom_model.register()
    obs_space = space_from_json(spec["observation_space"])
    action_space = space_from_json(spec["action_space"])
    if spec.get("discrete_n_as_python_int"):
        action_space.n = int(action_space.n)
    preprocessor = None
    if spec["observation_space"]["space"] != "box":
        preprocessor = ModelCatalog.get_preprocessor_for_space(obs_space)
        obs_space = preprocessor.observation_space
    seed_everything(spec["seed"])
    cls = PPOTorchPolicy if spec["policy"] == "ppo" else BareTorchPolicy
    policy = cls(obs_space, action_space, policy_config(spec))
    return policy, preprocessor


def sample_observations(
    spec: dict[str, Any], preprocessor: Any, batch: int, rng: np.random.Generator
) -> tuple[Any, np.ndarray]:
    """Seeded observations ``(raw, flat)``; raw is a dict of ``(B, ...)`` arrays for Dict spaces.

    Box components are uniform in their bounds, Discrete components uniform integers.
    ``flat`` ``(B, obs_dim)`` float32 is what the policy is fed.
    """
    record = spec["observation_space"]
    if record["space"] == "dict":
        raw = {key: _sample(sub, batch, rng) for key, sub in record["spaces"].items()}
        flat = np.stack(
            [preprocessor.transform({k: v[i] for k, v in raw.items()}) for i in range(batch)]
        )
        return raw, flat.astype(np.float32)
    raw = _sample(record, batch, rng)
    if preprocessor is None:
        return raw, raw
    return raw, np.stack([preprocessor.transform(item) for item in raw]).astype(np.float32)


def prev_input_flags(spec: dict[str, Any]) -> tuple[bool, bool]:
    """``(prev_actions, prev_rewards)``: whether the case's model reads those input columns."""
    model = spec.get("model", {})
    return bool(model.get("lstm_use_prev_action")), bool(model.get("lstm_use_prev_reward"))


def sample_prev_inputs(
    spec: dict[str, Any], batch: int, rng: np.random.Generator
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Seeded ``(prev_action_batch, prev_reward_batch)`` for models that read them, else None.

    Prev actions are drawn from the action space like observations (Discrete: int64 ``(B,)``);
    prev rewards are ``N(0, 1)`` float32 ``(B,)``. Draws happen only for cases that use them, so
    the other cases' random streams (and recordings) are unchanged.
    """
    use_action, use_reward = prev_input_flags(spec)
    actions = _sample(spec["action_space"], batch, rng) if use_action else None
    rewards = rng.standard_normal(batch).astype(np.float32) if use_reward else None
    return actions, rewards


def _sample(record: dict[str, Any], batch: int, rng: np.random.Generator) -> np.ndarray:
    if record["space"] == "box":
        low = np.asarray(record["low"], dtype=np.float64)
        high = np.asarray(record["high"], dtype=np.float64)
        return rng.uniform(low, high, size=(batch, *record["shape"])).astype(record["dtype"])
    if record["space"] == "discrete":
        start = record.get("start", 0)
        return rng.integers(start, start + record["n"], size=(batch,)).astype(np.int64)
    raise ValueError(f"cannot sample observations for space {record['space']!r}")
