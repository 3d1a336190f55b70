"""Train the PPO Learner the codemod generates (``--target ray``) with Ray 2.40's own PPOTorchLearner.

    cp fixtures/legacy/ppo_mixins_loss.py /tmp/ppo.py
    python -m rlmigrate rewrite --target ray /tmp/ppo.py
    tools/oracle_ray240/.venv/bin/python tools/corpus_learners/ray240_ppo_learner_check.py /tmp/ppo.py

``PenalisedPPOPolicyLearner`` subclasses Ray's ``PPOTorchLearner``; its loss reads Ray's
``curr_kl_coeffs_per_module`` / ``entropy_coeff_schedulers_per_module`` and the optimizer's lr
(what the legacy mixins kept). It runs 50 ``update_from_batch`` steps on one fixed batch, prints
the first and last metrics and exits 1 unless the total loss went down. Recorded output:
``fixtures/ray240/ppo_learner_check.txt``.
"""

from __future__ import annotations

import importlib.util
import sys

import gymnasium as gym
import numpy as np
import torch
from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.core.rl_module.rl_module import RLModuleSpec
from ray.rllib.policy.sample_batch import MultiAgentBatch, SampleBatch

KEYS = ("total_loss", "cur_kl_coeff", "entropy_coeff", "value_penalty")


def main(path: str, steps: int = 50) -> int:
    spec_ = importlib.util.spec_from_file_location("generated_ppo_learner", path)
    module = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(module)
    obs, act = gym.spaces.Box(-1, 1, (4,), np.float32), gym.spaces.Discrete(3)
    config = (
        PPOConfig()
        .api_stack(enable_rl_module_and_learner=True, enable_env_runner_and_connector_v2=True)
        .training(lr=1e-2, grad_clip=0.5, entropy_coeff=0.01)
    )
    spec = RLModuleSpec(module_class=module.PenalisedPPOPolicyRLModule, observation_space=obs, action_space=act,
                        model_config={})
    learner = module.PenalisedPPOPolicyLearner(config=config, module_spec=spec)
    learner.build()
    rng = np.random.default_rng(0)
    batch = SampleBatch({
        "obs": torch.tensor(rng.uniform(-1, 1, (64, 4)), dtype=torch.float32),
        "actions": torch.tensor(rng.integers(0, 3, 64)),
        "action_logp": torch.full((64,), float(np.log(1 / 3))),
        "action_dist_inputs": torch.zeros(64, 3),
        "advantages": torch.tensor(rng.normal(size=64), dtype=torch.float32),
        "value_targets": torch.tensor(rng.normal(size=64), dtype=torch.float32),
    })
    values = []
    for _ in range(steps):
        result = learner.update_from_batch(MultiAgentBatch({"default_policy": batch}, 64))["default_policy"]
        values.append({k: float(result[k].peek() if hasattr(result[k], "peek") else result[k]) for k in KEYS})
    base = type(learner).__mro__[1]
    print(f"Ray PPOTorchLearner subclass: {base.__module__}.{base.__name__}")
    print("step 0   ", {k: round(v, 4) for k, v in values[0].items()})
    print(f"step {steps - 1:<4}", {k: round(v, 4) for k, v in values[-1].items()})
    return 0 if values[-1]["total_loss"] < values[0]["total_loss"] else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
