"""Record Ray 2.10's legacy PPO loss and GAE numbers for the Learner tests (oracle venv only).

    tools/oracle/.venv/bin/python tools/oracle/record_learner_refs.py fixtures/oracle/learners

Writes, per case, ``ppo_loss_<case>.json``: the weights of a two-layer custom model (a linear
policy head ``pi`` and a linear value head ``vf`` on the raw observation, so any module with the
same two layers holds the same function), a fixed train batch, the config, and what
``PPOTorchPolicy.loss`` returned: the total loss, its tower stats and the gradient of the loss
with respect to each weight. ``gae.json``: ``compute_advantages`` on fixed rollouts with and
without GAE/critic. Numbers only; Ray is never imported by the tests that read them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.algorithms.ppo.ppo_torch_policy import PPOTorchPolicy
from ray.rllib.evaluation.postprocessing import compute_advantages
from ray.rllib.models import ModelCatalog
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
from ray.rllib.policy.sample_batch import SampleBatch
from torch import nn

OBS = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
CASES = {
    "discrete": gym.spaces.Discrete(3),
    "box": gym.spaces.Box(-1.0, 1.0, (2,), np.float32),
}
TRAINING = {"kl_coeff": 0.3, "entropy_coeff": 0.01, "clip_param": 0.2, "vf_clip_param": 4.0,
            "vf_loss_coeff": 0.5, "lr": 1e-3}
B = 6


class LinearActorCritic(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.pi = nn.Linear(obs_space.shape[0], num_outputs)
        self.vf = nn.Linear(obs_space.shape[0], 1)
        self._obs = None

    def forward(self, input_dict, state, seq_lens):
        self._obs = input_dict["obs"].float()
        return self.pi(self._obs), state

    def value_function(self):
        return self.vf(self._obs).squeeze(-1)


def _list(x):
    return np.asarray(x).tolist()


def ppo_policy_and_batch(act: gym.Space, training: dict, seed: int, vf_preds: bool = True):
    """Ray 2.10's PPOTorchPolicy on LinearActorCritic with weights drawn from ``seed``, and a
    fixed train batch of B rows drawn after them (``vf_preds`` last, when asked): the setting
    every PPO recording of this folder shares. Returns (policy, batch as numpy, SampleBatch)."""
    ModelCatalog.register_custom_model("linear_actor_critic", LinearActorCritic)
    config = PPOConfig().framework("torch").training(model={"custom_model": "linear_actor_critic"}, **training)
    policy = PPOTorchPolicy(OBS, act, config.to_dict())
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in policy.model.parameters():
            p.copy_(torch.as_tensor(rng.normal(0.0, 0.5, p.shape), dtype=torch.float32))
    width = policy.model.pi.out_features
    if isinstance(act, gym.spaces.Discrete):
        actions = rng.integers(0, act.n, B)
    else:
        actions = rng.uniform(-1, 1, (B, *act.shape)).astype(np.float32)
    batch = {
        "obs": rng.uniform(-1, 1, (B, 4)).astype(np.float32),
        "actions": actions,
        "action_logp": rng.uniform(-3, 0, B).astype(np.float32),
        "action_dist_inputs": rng.uniform(-2, 2, (B, width)).astype(np.float32),
        "advantages": rng.normal(0, 2, B).astype(np.float32),
        "value_targets": rng.normal(0, 3, B).astype(np.float32),
    }
    if vf_preds:
        batch["vf_preds"] = rng.normal(0, 3, B).astype(np.float32)
    train = SampleBatch({k: torch.as_tensor(v) for k, v in batch.items()})
    return policy, batch, train


def record_ppo(case: str, act: gym.Space, out: Path) -> None:
    policy, batch, train = ppo_policy_and_batch(act, TRAINING, seed=7)
    train.set_training(True)
    loss = policy.loss(policy.model, policy.dist_class, train)
    grads = torch.autograd.grad(loss, list(policy.model.parameters()))
    stats = {k: float(v) for k, v in policy.model.tower_stats.items()}
    record = {
        "about": f"Ray 2.10 PPOTorchPolicy.loss, LinearActorCritic custom model, Box(4) -> {act}",
        "action_space": case,
        "config": {**TRAINING, "use_critic": True, "use_kl_loss": True},
        "weights": {n: _list(p.detach()) for n, p in policy.model.named_parameters()},
        "batch": {k: _list(v) for k, v in batch.items()},
        "loss": float(loss),
        "tower_stats": stats,
        "grads": {n: _list(g) for (n, _), g in zip(policy.model.named_parameters(), grads)},
    }
    (out / f"ppo_loss_{case}.json").write_text(json.dumps(record, indent=1) + "\n")


def record_gae(out: Path) -> None:
    rng = np.random.default_rng(11)
    cases = []
    for use_gae, use_critic, last_r in ((True, True, 0.0), (True, True, 1.5), (False, True, 0.7), (False, False, 0.0)):
        n = 7
        rollout = SampleBatch({
            "rewards": rng.normal(0, 1, n).astype(np.float32),
            "vf_preds": rng.normal(0, 1, n).astype(np.float32),
        })
        inputs = {k: _list(v) for k, v in rollout.items()}
        result = compute_advantages(rollout, last_r, 0.95, 0.9, use_gae=use_gae, use_critic=use_critic)
        cases.append({"inputs": inputs, "last_r": last_r, "gamma": 0.95, "lambda": 0.9,
                      "use_gae": use_gae, "use_critic": use_critic,
                      "advantages": _list(result["advantages"]), "value_targets": _list(result["value_targets"])})
    (out / "gae.json").write_text(json.dumps({"about": "Ray 2.10 compute_advantages", "cases": cases}, indent=1) + "\n")


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    for name, space in CASES.items():
        record_ppo(name, space, target)
    record_gae(target)
