"""Record real Ray 2.10 legacy checkpoints for ``rlmigrate convert-checkpoint``'s tests.

Run inside the oracle venv (``tools/oracle/setup.sh`` makes it)::

    tools/oracle/.venv/bin/python tools/oracle/record_checkpoints.py

Writes ``fixtures/ray_checkpoints/<case>/<format>/`` for every policy case below, in both of
Ray's formats (``cloudpickle`` -> ``policy_state.pkl``, ``msgpack`` -> ``policy_state.msgpck``),
exactly as ``Policy.export_checkpoint`` writes them, plus one multi-agent **Algorithm**
checkpoint (``Algorithm.save``: ``algorithm_state.pkl`` + ``policies/<id>/...``) in each format.

Next to each checkpoint, ``expected.json`` holds what Ray computed with those weights for
fixed observations: the greedy actions and ``action_dist_inputs`` (``explore=False``) and the
value predictions, so a converted module is checked against Ray itself, not only the shim.

The pickles are what a real user has on disk: they name ``packaging.version.Version``,
``DefaultCallbacks``, ``SimpleListCollector``, cloudpickled functions and more, which is
precisely what rlmigrate's restricted unpickler must read without importing or calling.
"""

from __future__ import annotations

import json
import shutil
import sys
import warnings
from pathlib import Path
from typing import Any

import cases
import numpy as np
import torch
from jsonio import array_record, space_to_json

warnings.filterwarnings("ignore")

OUT_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "ray_checkpoints"
FORMATS = ("cloudpickle", "msgpack")
BATCH = 4
#: case name -> oracle case it builds (small models keep the fixtures small).
POLICY_CASES = {
    "fc_discrete": {**cases.CASES["fc_discrete"], "model": {"fcnet_hiddens": [16, 16]}},
    "fc_box": cases.CASES["fc_box"],
    "lstm_discrete": {
        **cases.CASES["lstm_discrete"],
        "model": {"fcnet_hiddens": [16], "use_lstm": True, "lstm_cell_size": 8, "max_seq_len": 20},
    },
    "custom_discrete": cases.CASES["custom_discrete"],
}


def _expected(policy: Any, spec: dict[str, Any], seed: int) -> dict[str, Any]:
    """Greedy actions, dist inputs and values Ray computes for seeded observations."""
    rng = np.random.default_rng(seed)
    obs = cases._sample(spec["observation_space"], BATCH, rng)
    states = [np.repeat(s[None], BATCH, axis=0) for s in policy.get_initial_state()]
    actions, state_out, extra = policy.compute_actions(
        obs, state_batches=states or None, explore=False
    )
    record = {
        "obs": array_record(obs),
        "state_in": [array_record(s) for s in states],
        "actions": array_record(actions),
        "state_out": [array_record(s) for s in state_out],
        "action_dist_inputs": array_record(extra["action_dist_inputs"]),
    }
    if "vf_preds" in extra:
        record["vf_preds"] = array_record(extra["vf_preds"])
    return record


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")


def record_policy(name: str, spec: dict[str, Any]) -> None:
    policy, _ = cases.build_policy(spec)
    expected = _expected(policy, spec, spec["seed"])
    expected["observation_space"] = spec["observation_space"]
    expected["action_space"] = spec["action_space"]
    expected["model"] = spec.get("model", {})
    for fmt in FORMATS:
        target = OUT_DIR / name / fmt
        if target.exists():
            shutil.rmtree(target)
        policy.export_checkpoint(str(target), checkpoint_format=fmt)
    _write_json(OUT_DIR / name / "expected.json", expected)


def record_multi_agent() -> None:
    """A two-policy PPO Algorithm on MultiAgentCartPole, saved without training."""
    import ray
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.examples.env.multi_agent import MultiAgentCartPole
    from ray.tune.registry import register_env

    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    register_env("ma_cartpole", lambda cfg: MultiAgentCartPole({"num_agents": 2}))
    config = (
        PPOConfig()
        .environment("ma_cartpole")
        .framework("torch")
        .rollouts(num_rollout_workers=0)
        .training(model={"fcnet_hiddens": [8, 8]})
        .multi_agent(
            policies={"p0", "p1"},
            policy_mapping_fn=lambda agent_id, *a, **k: f"p{agent_id % 2}",
        )
        .debugging(seed=2001)
    )
    torch.manual_seed(2001)
    algo = config.build()
    for fmt in FORMATS:
        target = OUT_DIR / "multi_agent" / fmt
        if target.exists():
            shutil.rmtree(target)
        if fmt == "cloudpickle":
            algo.save(str(target))
        else:
            from ray.rllib.utils.checkpoints import convert_to_msgpack_checkpoint

            target.mkdir(parents=True)
            convert_to_msgpack_checkpoint(str(OUT_DIR / "multi_agent" / "cloudpickle"), str(target))
    expected = {}
    spec = {
        "observation_space": space_to_json(algo.get_policy("p0").observation_space),
        "action_space": space_to_json(algo.get_policy("p0").action_space),
    }
    for pid in ("p0", "p1"):
        expected[pid] = _expected(algo.get_policy(pid), spec, 2001 + int(pid[1]))
        expected[pid].update(spec)
    _write_json(OUT_DIR / "multi_agent" / "expected.json", expected)
    algo.stop()
    ray.shutdown()


def main(argv: list[str]) -> int:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    names = argv or [*POLICY_CASES, "multi_agent"]
    for name in names:
        if name == "multi_agent":
            record_multi_agent()
        else:
            record_policy(name, POLICY_CASES[name])
        print(f"recorded {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
