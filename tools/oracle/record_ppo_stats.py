"""Record Ray 2.10's legacy ``PPOTorchPolicy.stats_fn`` for fixed weights and a fixed batch
(oracle venv only).

    tools/oracle/.venv/bin/python tools/oracle/record_ppo_stats.py fixtures/oracle/learners

Writes ``ppo_stats_<case>.json`` per case of ``record_learner_refs.py`` (same model, weights
seed, batch and config; a second config with ``kl_coeff`` 0 and ``use_critic`` off): the
weights, the batch, the config and what ``policy.stats_fn(train_batch)`` returned after
``policy.loss`` filled the model's tower stats (Ray's order of calls in ``learn_on_batch``).
Numbers only; the tests that read them never import Ray.
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
from ray.rllib.models import ModelCatalog
from ray.rllib.policy.sample_batch import SampleBatch

sys.path.insert(0, str(Path(__file__).parent))
from record_learner_refs import CASES, OBS, TRAINING, B, LinearActorCritic, _list  # noqa: E402

VARIANTS = {
    "default": {},
    "no_kl_no_critic": {"kl_coeff": 0.0, "use_critic": False, "use_gae": False},
}


def record_stats(case: str, act: gym.Space, variant: str, out: Path) -> None:
    ModelCatalog.register_custom_model("linear_actor_critic", LinearActorCritic)
    training = {**TRAINING, **VARIANTS[variant]}
    config = PPOConfig().framework("torch").training(model={"custom_model": "linear_actor_critic"}, **training)
    policy = PPOTorchPolicy(OBS, act, config.to_dict())
    rng = np.random.default_rng(17)
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
    train = SampleBatch({k: torch.as_tensor(v) for k, v in batch.items()})
    train.set_training(True)
    loss = policy.loss(policy.model, policy.dist_class, train)
    stats = policy.stats_fn(train)
    record = {
        "about": f"Ray 2.10 PPOTorchPolicy.stats_fn after .loss, LinearActorCritic, Box(4) -> {act}, {variant}",
        "action_space": case,
        "variant": variant,
        "config": {**TRAINING, "use_critic": True, "use_gae": True, "use_kl_loss": True, **VARIANTS[variant]},
        "weights": {n: _list(p.detach()) for n, p in policy.model.named_parameters()},
        "batch": {k: _list(v) for k, v in batch.items()},
        "loss": float(loss),
        "stats_keys_in_order": list(stats),
        "stats": {k: float(v) for k, v in stats.items()},
    }
    (out / f"ppo_stats_{case}_{variant}.json").write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    for name, space in CASES.items():
        for variant in VARIANTS:
            record_stats(name, space, variant, target)
