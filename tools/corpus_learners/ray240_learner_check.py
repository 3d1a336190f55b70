"""Train a codemod-generated Learner (``--target ray``) with Ray 2.40's own TorchLearner.

Two steps (Ray is never a dependency of rlmigrate; this runs in the Ray 2.40 venv):

    cp fixtures/rules/RLM033/before.py /tmp/a2c.py
    python -m rlmigrate.cli rewrite --target ray /tmp/a2c.py
    /work/ray240/.venv/bin/python tools/corpus_learners/ray240_learner_check.py /tmp/a2c.py

It builds ``A2CPolicyLearner`` (a subclass of Ray's ``TorchLearner``) on
``A2CPolicyRLModule`` from an ``RLModuleSpec`` and a ``PPOConfig`` (for ``lr``, ``grad_clip``
and the loss coefficients the generated loss reads as ``config[...]``), runs 100
``update_from_batch`` steps on one fixed batch, prints the first and last losses and exits 1
unless the total loss went down.
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


def main(path: str, steps: int = 100) -> int:
    spec_ = importlib.util.spec_from_file_location("generated_learner", path)
    module = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(module)
    obs, act = gym.spaces.Box(-1, 1, (4,), np.float32), gym.spaces.Discrete(3)
    config = (
        PPOConfig()
        .api_stack(enable_rl_module_and_learner=True, enable_env_runner_and_connector_v2=True)
        .training(lr=1e-2, grad_clip=0.5, vf_loss_coeff=0.5, entropy_coeff=0.01)
    )
    spec = RLModuleSpec(module_class=module.A2CPolicyRLModule, observation_space=obs, action_space=act, model_config={})
    learner = module.A2CPolicyLearner(config=config, module_spec=spec)
    learner.build()
    rng = np.random.default_rng(0)
    batch = SampleBatch({
        "obs": torch.tensor(rng.uniform(-1, 1, (64, 4)), dtype=torch.float32),
        "actions": torch.tensor(rng.integers(0, 3, 64)),
        "advantages": torch.tensor(rng.normal(size=64), dtype=torch.float32),
        "value_targets": torch.tensor(rng.normal(size=64), dtype=torch.float32),
    })
    keys = ("total_loss", "policy_loss", "vf_loss", "entropy")
    values = []
    for _ in range(steps):
        result = learner.update_from_batch(MultiAgentBatch({"default_policy": batch}, 64))["default_policy"]
        values.append([float(result[k].peek() if hasattr(result[k], "peek") else result[k]) for k in keys])
    print(f"Ray TorchLearner subclass: {type(learner).__mro__[1].__module__}.{type(learner).__mro__[1].__name__}")
    print("step 0   ", dict(zip(keys, np.round(values[0], 4).tolist())))
    print(f"step {steps - 1:<4}", dict(zip(keys, np.round(values[-1], 4).tolist())))
    print("global grad norm logged:", "gradients_default_optimizer_global_norm" in result)
    return 0 if values[-1][0] < values[0][0] else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
