"""Record what Ray 2.10's ``DQNTorchPolicy`` / ``SACTorchPolicy`` compute, for the DQN/SAC modules.

Each case builds the algorithm's real torch policy (its default model: FCNet wrapped with the
``DQNTorchModel`` interface, or ``SACTorchModel`` with FCNet sub-models), spreads its weights
with seeded noise (Ray's init gives near-zero outputs), and records:

* ``<case>.weights.safetensors``: ``policy.model.state_dict()``, keys as Ray names them;
* ``<case>.json``: spaces, the policy config keys the case sets, the inputs and
  ``compute_actions(explore=False)``'s actions and ``action_dist_inputs`` (DQN: the Q-values
  after the dueling combination; SAC: the policy head's ``[mean, log_std]`` / logits), plus the
  model-level outputs (DQN: ``get_q_value_distributions``; SAC: ``get_q_values`` /
  ``get_twin_q_values`` of given actions) and, for DQN, the EpsilonGreedy schedule's epsilon at
  a few timesteps.

    tools/oracle/.venv/bin/python tools/oracle/record_qsac.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from safetensors.numpy import save_file

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from jsonio import array_record, space_to_json  # noqa: E402

OUT = HERE.parents[1] / "fixtures" / "oracle" / "qsac"
B = 6
OBS = gym.spaces.Box(-1.0, 1.0, (5,), np.float32)

#: case -> (algorithm, action space, config overrides)
CASES: dict[str, tuple[str, gym.Space, dict[str, Any]]] = {
    "dqn_default": ("dqn", gym.spaces.Discrete(3), {"model": {"fcnet_hiddens": [16, 16]}, "hiddens": [8]}),
    "dqn_plain": ("dqn", gym.spaces.Discrete(4), {"model": {"fcnet_hiddens": [16, 12], "fcnet_activation": "relu"}, "hiddens": [8, 8], "dueling": False}),
    "dqn_distributional": ("dqn", gym.spaces.Discrete(3), {"model": {"fcnet_hiddens": [16]}, "hiddens": [8], "num_atoms": 5, "v_min": -2.0, "v_max": 2.0}),
    "dqn_no_hiddens": ("dqn", gym.spaces.Discrete(3), {"model": {"fcnet_hiddens": [16]}, "hiddens": [], "dueling": False}),
    "sac_box": ("sac", gym.spaces.Box(np.array([-2.0, 0.0], np.float32), np.array([1.0, 3.0], np.float32)), {"policy_model_config": {"fcnet_hiddens": [16, 16]}, "q_model_config": {"fcnet_hiddens": [12]}}),
    "sac_discrete_single_q": ("sac", gym.spaces.Discrete(3), {"policy_model_config": {"fcnet_hiddens": [16]}, "q_model_config": {"fcnet_hiddens": [16], "fcnet_activation": "tanh"}, "twin_q": False}),
}
TIMESTEPS = [0, 1, 500, 5000, 9999, 10000, 20000]


def _policy(algo: str, action_space: gym.Space, overrides: dict[str, Any]) -> Any:
    if algo == "dqn":
        from ray.rllib.algorithms.dqn import DQNConfig
        from ray.rllib.algorithms.dqn.dqn_torch_policy import DQNTorchPolicy as cls

        config = DQNConfig().framework("torch").to_dict()
    else:
        from ray.rllib.algorithms.sac import SACConfig
        from ray.rllib.algorithms.sac.sac_torch_policy import SACTorchPolicy as cls

        config = SACConfig().framework("torch").to_dict()
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    return cls(OBS, action_space, config)


def _numpy(value: Any) -> np.ndarray:
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)


def record(case: str, seed: int = 0) -> Path:
    """Build ``case``'s policy, perturb its weights, run it, write the two fixture files."""
    algo, action_space, overrides = CASES[case]
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    policy = _policy(algo, action_space, overrides)
    model = policy.model
    with torch.no_grad():
        for param in model.parameters():
            if param.requires_grad:
                param.add_(torch.from_numpy(rng.normal(0, 0.5, param.shape).astype(np.float32)))
    obs = rng.uniform(-1, 1, (B, 5)).astype(np.float32)
    actions, _, fetches = policy.compute_actions(obs, explore=False)
    outputs: dict[str, Any] = {"actions": actions, "action_dist_inputs": fetches["action_dist_inputs"]}
    inputs: dict[str, Any] = {"obs": obs}
    with torch.no_grad():
        model_out, _ = model({"obs": torch.from_numpy(obs)}, [], None)
        if algo == "dqn":
            outputs["features"] = model_out
            q = model.get_q_value_distributions(model_out)
            outputs["action_scores"] = q[0]
            if policy.config["dueling"]:
                outputs["state_value"] = model.get_state_value(model_out)
            if policy.config["num_atoms"] > 1:
                outputs["z"], outputs["support_logits"] = q[1], q[2]
        else:
            dist_inputs, _ = model.get_action_model_outputs(model_out)
            outputs["policy_outputs"] = dist_inputs
            if isinstance(action_space, gym.spaces.Box):
                acts = rng.uniform(-1, 1, (B, action_space.shape[0])).astype(np.float32)
                inputs["q_actions"] = acts
                q_in = torch.from_numpy(acts)
            else:
                q_in = None
            outputs["q"] = model.get_q_values(model_out, q_in)[0]
            if policy.config["twin_q"]:
                outputs["twin_q"] = model.get_twin_q_values(model_out, q_in)[0]
            outputs["log_alpha"] = model.log_alpha
            outputs["target_entropy"] = model.target_entropy
    epsilons = None
    if algo == "dqn":
        schedule = policy.exploration.epsilon_schedule
        epsilons = {str(t): float(schedule(t)) for t in TIMESTEPS}
    weights = {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}
    OUT.mkdir(parents=True, exist_ok=True)
    save_file(weights, str(OUT / f"{case}.weights.safetensors"), metadata={"case": case})
    import ray

    keys = ["model", "hiddens", "dueling", "num_atoms", "v_min", "v_max", "noisy", "sigma0",
            "double_q", "exploration_config", "policy_model_config", "q_model_config", "twin_q",
            "initial_alpha", "target_entropy", "normalize_actions", "_use_beta_distribution",
            "categorical_distribution_temperature"]
    payload = {
        "case": case,
        "algorithm": algo,
        "ray": ray.__version__,
        "torch": torch.__version__.split("+")[0],
        "policy_class": type(policy).__name__,
        "model_class": type(model).__name__,
        "dist_class": getattr(policy.dist_class, "__name__", str(policy.dist_class)),
        "observation_space": space_to_json(OBS),
        "action_space": space_to_json(action_space),
        "overrides": overrides,
        "config": {k: policy.config[k] for k in keys if k in policy.config},
        "state_dict_keys": list(weights),
        "inputs": {k: array_record(np.asarray(v)) for k, v in inputs.items()},
        "outputs": {k: array_record(_numpy(v)) for k, v in outputs.items()},
        "epsilon_at": epsilons,
    }
    path = OUT / f"{case}.json"
    path.write_text(json.dumps(payload, indent=1, default=str) + "\n")
    return path


if __name__ == "__main__":
    for name in sys.argv[1:] or list(CASES):
        print("recorded", record(name))
