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

sys.path.insert(0, str(Path(__file__).parent))
from record_learner_refs import CASES, TRAINING, _list, ppo_policy_and_batch  # noqa: E402

VARIANTS = {
    "default": {},
    "no_kl_no_critic": {"kl_coeff": 0.0, "use_critic": False, "use_gae": False},
}


def record_stats(case: str, act: gym.Space, variant: str, out: Path) -> None:
    training = {**TRAINING, **VARIANTS[variant]}
    policy, batch, train = ppo_policy_and_batch(act, training, seed=17, vf_preds=False)
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
