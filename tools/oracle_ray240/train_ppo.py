"""Step 3 (the Ray 2.40 venv): Ray's own PPO trains what ``--target ray`` emitted.

    tools/oracle_ray240/.venv/bin/python tools/oracle_ray240/train_ppo.py WORK_DIR [--iterations 15]

Two runs on CartPole-v1, each with a module from the ``--target ray`` output of
``export_targets.py`` (``WORK_DIR/ray``), passed to ``PPOConfig().rl_module(...)`` unchanged:

* ``local``: ``mlp.py``'s ``MLPModel``, the new API stack, no remote workers, N iterations;
  the episode return must improve (last 3 iterations' mean above the first iteration's);
* ``distributed``: the same module on a local Ray cluster with ``num_env_runners=2`` and
  ``num_learners=1`` (a learner actor): the path Ray takes when a team outgrows one machine;
  it must complete its iterations;
* ``resume`` (with ``--converted DIR``, a ``convert-checkpoint --to ray`` output of a default
  FCNet policy): ``RLModuleSpec(load_state_path=DIR)`` starts PPO from the converted legacy
  weights, the learner's module holds exactly them, and one training iteration runs;
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


def _resume(converted: Path) -> dict:
    import pickle

    import numpy as np
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec

    with open(converted / "class_and_ctor_args.pkl", "rb") as handle:  # our own output
        model_config = pickle.load(handle)["ctor_args_and_kwargs"][1]["model_config"]
    with open(converted / "module_state.pt", "rb") as handle:
        expected = pickle.load(handle)
    algo = (
        PPOConfig()
        .environment("CartPole-v1")
        .env_runners(num_env_runners=0)
        .rl_module(rl_module_spec=RLModuleSpec(model_config=model_config, load_state_path=str(converted)))
        .build()
    )
    try:
        def loaded(module, skip: tuple[str, ...] = ()) -> tuple[bool, int]:
            state = {k: v.detach().cpu().numpy() for k, v in module.state_dict().items() if not k.startswith(skip)}
            return all(k in expected and np.array_equal(v, expected[k]) for k, v in state.items()), len(state)

        # Ray syncs only the inference-only state (no critic) to env runners, whose value
        # layers therefore keep their initial values; the learner's module is whole
        runner_ok, runner_tensors = loaded(algo.get_module(), skip=("vf.", "encoder.critic_encoder."))
        learner_ok, learner_tensors = loaded(algo.learner_group._learner.module["default_policy"])
        result = algo.train()
        return {"weights_loaded_exactly": bool(runner_ok and learner_ok and learner_tensors == len(expected)),
                "env_runner_tensors": runner_tensors, "learner_tensors": learner_tensors,
                "first_iteration_return": float(result["env_runners"].get("episode_return_mean", float("nan")))}
    finally:
        algo.stop()


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
    parser.add_argument("--converted", type=Path, help="a --to ray conversion of a default FCNet policy")
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
    if args.converted is not None:
        report["resume"] = _resume(args.converted.resolve())
    report["spec_drop_in"] = _drop_in(_load(emitted / "register_config.py").config["rl_module_spec"])
    ray.shutdown()
    first, last = report["local"]["episode_return_mean"][0], report["local"]["episode_return_mean"][-3:]
    report["improved"] = bool(sum(last) / len(last) > first)
    report["distributed_completed"] = len(report["distributed"]["episode_return_mean"]) == args.distributed_iterations
    print(json.dumps(report, indent=1))
    ok = report["improved"] and report["distributed_completed"] and report["spec_drop_in"]["module"] == "TinyModel"
    ok = ok and report.get("resume", {}).get("weights_loaded_exactly", args.converted is None)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
