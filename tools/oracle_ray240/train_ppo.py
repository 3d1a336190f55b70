"""Step 3 (the Ray 2.40 venv): Ray's own PPO trains what ``--target ray`` emitted.

    tools/oracle_ray240/.venv/bin/python tools/oracle_ray240/train_ppo.py WORK_DIR [--iterations 15]

Two runs on CartPole-v1, each with a module from the ``--target ray`` output of
``export_targets.py`` (``WORK_DIR/ray``), passed to ``PPOConfig().rl_module(...)`` unchanged:

* ``local``: ``mlp.py``'s ``MLPModel``, the new API stack, no remote workers, N iterations;
  the episode return must improve (last 3 iterations' mean above the first iteration's);
* ``distributed``: the same module on a local Ray cluster with ``num_env_runners=2`` and
  ``num_learners=1`` (a learner actor): the path Ray takes when a team outgrows one machine;
  it must complete its iterations;
* ``spec_drop_in``: ``register_config.py``'s codemod-generated ``config["rl_module_spec"]``, as
  it is, goes into ``PPOConfig().rl_module(rl_module_spec=...)``; the algorithm builds and its
  module acts on a CartPole observation (that module has no value head, so PPO cannot train it).

Prints one JSON document (per-iteration returns, wall time); exit 0 when both hold.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")


def _load(path: Path):
    """Imports an emitted file under its own name: Ray pickles classes by module name, and the
    remote actors import it again from the same directory (on PYTHONPATH)."""
    return importlib.import_module(path.stem)


def _run(config, iterations: int) -> dict:
    algo = config.build()
    returns, started = [], time.time()
    try:
        for _ in range(iterations):
            result = algo.train()
            returns.append(float(result["env_runners"].get("episode_return_mean", float("nan"))))
    finally:
        algo.stop()
    return {"iterations": iterations, "episode_return_mean": returns, "seconds": round(time.time() - started, 1)}


def _drop_in(spec) -> dict:
    import gymnasium as gym
    import torch
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.core.columns import Columns

    algo = PPOConfig().environment("CartPole-v1").env_runners(num_env_runners=0).rl_module(
        rl_module_spec=spec).build()
    try:
        module = algo.get_module()
        obs, _ = gym.make("CartPole-v1").reset(seed=0)
        out = module.forward_inference({Columns.OBS: torch.as_tensor(obs)[None]})
        return {"module": type(module).__name__, "action_dist_inputs_shape": list(out[Columns.ACTION_DIST_INPUTS].shape)}
    finally:
        algo.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("work", type=Path)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--distributed-iterations", type=int, default=3)
    args = parser.parse_args()

    import ray
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec

    emitted = args.work / "ray"
    sys.path.insert(0, str(emitted))  # remote actors import the emitted files by name
    ray.init(num_cpus=4, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(emitted)}})
    mlp = _load(emitted / "mlp.py")
    local = (
        PPOConfig()
        .environment("CartPole-v1")
        .env_runners(num_env_runners=0)
        .rl_module(rl_module_spec=RLModuleSpec(module_class=mlp.MLPModel, model_config={"fcnet_hiddens": [32, 32]}))
        .training(lr=3e-4, train_batch_size_per_learner=1000, num_epochs=6, minibatch_size=128)
        .debugging(seed=0)
    )
    report = {"ray": ray.__version__, "local": _run(local, args.iterations)}
    distributed = (
        PPOConfig()
        .environment("CartPole-v1")
        .env_runners(num_env_runners=2)
        .learners(num_learners=1)
        .rl_module(rl_module_spec=RLModuleSpec(module_class=mlp.MLPModel, model_config={"fcnet_hiddens": [32, 32]}))
        .training(lr=3e-4, train_batch_size_per_learner=1000, num_epochs=6, minibatch_size=128)
        .debugging(seed=0)
    )
    report["distributed"] = _run(distributed, args.distributed_iterations)
    report["distributed"].update(num_env_runners=2, num_learners=1, module="MLPModel")
    report["spec_drop_in"] = _drop_in(_load(emitted / "register_config.py").config["rl_module_spec"])
    ray.shutdown()
    first, last = report["local"]["episode_return_mean"][0], report["local"]["episode_return_mean"][-3:]
    report["improved"] = bool(sum(last) / len(last) > first)
    report["distributed_completed"] = len(report["distributed"]["episode_return_mean"]) == args.distributed_iterations
    print(json.dumps(report, indent=1))
    ok = report["improved"] and report["distributed_completed"] and report["spec_drop_in"]["module"] == "TinyModel"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
