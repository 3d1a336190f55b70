"""Record observations a policy's own environment produces, for ``rlmigrate verify --observations``.

Run in the oracle venv, after ``fetch.py`` (and ``make corpus-deps``)::

    tools/oracle/.venv/bin/python tools/corpus/record_observations.py [--cache .corpus] [ID_SUBSTRING ...]

A policy case may name the repository's environment (``cases_overlay.json`` → the policy's
``case.env_observations``)::

    "env_observations": {"env": "src.envs.connect4_env:Connect4Env", "kwargs": {},
                         "driver": "multi_agent", "rows": 200, "source": "..."}

The environment class (or factory) is imported from the repository's cached files, as its
training script did (``import_root`` on ``sys.path``), and played with uniformly random legal
moves (from the ``action_mask`` of each observation; every action when there is none), seeded;
every observation an agent receives is kept, raw as the environment returned it, until
``rows`` are collected. Drivers: ``multi_agent`` (an RLlib ``MultiAgentEnv``: ``reset()`` and
``step(action_dict)`` with dict observations, the old 4-tuple or the new 5-tuple API) and
``aec`` (a PettingZoo AEC env: ``agent_iter()`` / ``last()`` / ``step(action)``).

Written to ``<cache>/oracle/observations__<policy_id>.npz`` in the layout
``rlmigrate.testing.recorded_obs.load_observations`` reads (one array per leaf of the case's
observation space, named by its path); ``judge.py`` passes it to the acting verify. Like the
other recordings they stay in the cache (derived from code we do not own); re-recording is
deterministic.
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gym_alias  # noqa: E402
import harness  # noqa: E402
import policy_harness  # noqa: E402
from fetch import DEFAULT_DEST, load_manifest  # noqa: E402

SEED = 0


def _legal_move(obs: Any, action_space: Any, rng: random.Random) -> int:
    mask = obs.get("action_mask") if isinstance(obs, dict) else None
    if mask is None:
        return int(action_space.sample())
    legal = [int(i) for i in np.flatnonzero(np.asarray(mask))]
    return rng.choice(legal) if legal else int(action_space.sample())


def _action_space(env: Any, agent: Any) -> Any:
    space = getattr(env, "action_space", None)
    return space(agent) if callable(space) else space


def play_multi_agent(env: Any, rows: int, seed: int) -> list[Any]:
    """Observations of every agent, step by step, over seeded random-legal-move episodes."""
    rng, out = random.Random(seed), []
    episode = 0
    while len(out) < rows:
        reset = env.reset()
        obs = reset[0] if isinstance(reset, tuple) else reset
        done = False
        while not done and len(out) < rows:
            out.extend(obs.values())
            actions = {agent: _legal_move(o, _action_space(env, agent), rng) for agent, o in obs.items()}
            result = env.step(actions)
            obs = result[0]
            ends = result[2:4] if len(result) == 5 else result[2:3]
            done = any(e.get("__all__", False) for e in ends) or not obs
        episode += 1
        if episode > 10 * rows:
            raise RuntimeError(f"{rows} observations not reached after {episode} episodes")
    return out[:rows]


def play_aec(env: Any, rows: int, seed: int) -> list[Any]:
    """Observations of the agent to move, over random-legal-move AEC episodes. ``reset()``
    takes no seed, as RLlib's ``PettingZooEnv`` called it by default (an env may re-deal on a
    seed after choosing who moves first); numpy's and ``random``'s global generators are
    seeded once by :func:`record`."""
    rng, out = random.Random(seed), []
    episode = 0
    while len(out) < rows:
        env.reset()
        for agent in env.agent_iter():
            obs, _, terminated, truncated, _ = env.last()
            if terminated or truncated:
                env.step(None)
                continue
            out.append(obs)
            if len(out) >= rows:
                break
            env.step(_legal_move(obs, _action_space(env, agent), rng))
        episode += 1
    return out[:rows]


def _leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{path: leaf}`` of one observation (Dict keys, Tuple positions), as the loader names them."""
    if isinstance(value, dict):
        return {k: v for key in value for k, v in _leaves(value[key], f"{prefix}{key}/").items()}
    if isinstance(value, tuple):
        return {k: v for i, item in enumerate(value) for k, v in _leaves(item, f"{prefix}{i}/").items()}
    return {prefix.rstrip("/") or "obs": np.asarray(value)}


def record(cache: Path, entry: dict[str, Any], pol: dict[str, Any]) -> Path:
    """Play the case's environment and write its observations; returns the file."""
    spec = pol["case"]["env_observations"]
    root = cache / entry["repo"].replace("/", "+", 1) / entry.get("import_root", "")
    paths = [str(root), *map(str, harness.package_paths(cache, entry))]
    harness.purge_corpus_modules(cache)  # another repository's top-level `src` or `environment`
    sys.path[0:0] = paths
    try:
        module_name, _, attr = spec["env"].partition(":")
        factory = getattr(importlib.import_module(module_name), attr)
        env = factory(*spec.get("args", []), **spec.get("kwargs", {}))
        random.seed(SEED)
        np.random.seed(SEED)
        play = {"multi_agent": play_multi_agent, "aec": play_aec}[spec.get("driver", "multi_agent")]
        observed = play(env, int(spec.get("rows", 200)), SEED)
    finally:
        for path in paths:
            sys.path.remove(path)
    rows = [_leaves(o) for o in observed]
    arrays = {key: np.stack([np.asarray(r[key]) for r in rows]) for key in rows[0]}
    target = policy_harness.observations_path(cache, entry, pol)
    target.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(target, **arrays)
    return target


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_DEST)
    parser.add_argument("only", nargs="*", help="record only policy ids containing one of these")
    args = parser.parse_args(argv)
    harness.use_corpus_deps(args.cache)
    gym_alias.install()
    failures = 0
    for entry in load_manifest()["files"]:
        for pol in entry["policies"]:
            pid = policy_harness.policy_id(entry, pol)
            if "env_observations" not in pol.get("case", {}) or (args.only and not any(s in pid for s in args.only)):
                continue
            try:
                path = record(args.cache, entry, pol)
            except Exception as exc:  # noqa: BLE001 - reported; the judge then verifies without
                failures += 1
                print(f"{pid}: {type(exc).__name__}: {exc}", flush=True)
                continue
            with np.load(path) as data:
                shapes = {k: list(data[k].shape) for k in data.files}
            print(f"{pid}: {path.name} {json.dumps(shapes)}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
