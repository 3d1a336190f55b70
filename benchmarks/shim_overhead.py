"""Shim overhead: legacy ``Policy`` calls on the shim vs. a raw torch floor (and vs. Ray 2.10).

Case: the oracle's ``fc_discrete`` (PPO, Box(4) obs, Discrete(2), default FCNet 256x256 tanh,
``vf_share_layers=False``). Every shim call is timed next to a *floor* doing the same torch
work the legacy policy must do and nothing else: numpy -> tensor, the policy MLP, the value
MLP (``vf_preds`` is fetched), one sample (a Categorical draw when exploring, the argmax when
not), tensors -> numpy. Ratios are shim / floor; target <= 1.5x at batch 1. Shim and floor
are timed in alternating blocks of 10 calls, so load changes on a shared machine hit both.

If ``tools/oracle/.venv`` exists, the same calls run on Ray 2.10's legacy policy in a
subprocess (``tools/oracle/bench_ray.py``) and the shim's speed-up is printed (target >= 3x);
otherwise the figures recorded in ``fixtures/oracle/timings.json`` are shown, labelled as such.

Run: ``.venv/bin/python benchmarks/shim_overhead.py [--n 300] [--warmup 30] [--no-ray] [--json PATH]``;
the figures go to ``benchmarks/results/shim_overhead.json`` too (the Ray column labelled measured
or recorded); exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "benchmarks"))

from _results import Results, add_json_argument  # noqa: E402

from shim.policy.ppo import PPOTorchPolicy  # noqa: E402

BATCH = 32


def timeit_pair_us(
    shim_call: Callable[[], Any],
    floor_call: Callable[[], Any],
    n: int,
    warmup: int,
    block: int = 10,
) -> dict[str, dict[str, float]]:
    """Median and min (microseconds per call) of ``shim_call`` and ``floor_call``.

    The two are timed in alternating blocks of ``block`` calls (``n`` calls each in all, after
    ``warmup`` untimed ones), so a load spike on a shared machine hits both alike instead of
    one side's whole run. Each sample is a block's mean per call.
    """
    for _ in range(warmup):
        floor_call()
        shim_call()
    samples: dict[str, list[float]] = {"floor": [], "shim": []}
    for _ in range(max(1, n // block)):
        for name, call in (("floor", floor_call), ("shim", shim_call)):
            start = time.perf_counter_ns()
            for _ in range(block):
                call()
            samples[name].append((time.perf_counter_ns() - start) / block / 1e3)
    return {
        name: {"median": float(np.median(values)), "min": float(np.min(values))}
        for name, values in samples.items()
    }


def build_policy() -> PPOTorchPolicy:
    obs_space = gym.spaces.Box(-3.0, 3.0, (4,), np.float32)
    torch.manual_seed(0)
    return PPOTorchPolicy(
        obs_space, gym.spaces.Discrete(2), {"model": {"fcnet_hiddens": [256, 256]}}
    )


def floor_call(
    policy: PPOTorchPolicy, obs: np.ndarray, explore: bool, single: bool
) -> Callable[[], Any]:
    """The same torch work as the legacy policy: policy + value MLP, one sample, numpy out."""
    model = policy.model
    hidden, logits_layer = model._hidden_layers, model._logits
    value_hidden, value_head = model._value_branch_separate, model._value_branch
    batch = obs[None] if single else obs

    def call() -> Any:
        with torch.no_grad():
            x = torch.from_numpy(batch)
            logits = logits_layer(hidden(x))
            value = value_head(value_hidden(x)).squeeze(1)
            if explore:
                action = torch.distributions.Categorical(
                    logits=logits, validate_args=False
                ).sample()
            else:
                action = logits.argmax(1)
            return action.numpy(), value.numpy(), logits.numpy()

    return call


def shim_timings(n: int, warmup: int) -> dict[str, dict[str, dict[str, float]]]:
    policy = build_policy()
    rng = np.random.default_rng(0)
    obs = rng.uniform(-3, 3, (BATCH, 4)).astype(np.float32)
    rows = {
        "compute_single_action_explore_false": (
            lambda: policy.compute_single_action(obs[0], explore=False),
            floor_call(policy, obs[0], False, True),
        ),
        "compute_single_action_explore_true": (
            lambda: policy.compute_single_action(obs[0], explore=True),
            floor_call(policy, obs[0], True, True),
        ),
        "compute_actions_b1_explore_false": (
            lambda: policy.compute_actions(obs[:1], explore=False),
            floor_call(policy, obs[:1], False, False),
        ),
        f"compute_actions_b{BATCH}_explore_false": (
            lambda: policy.compute_actions(obs, explore=False),
            floor_call(policy, obs, False, False),
        ),
        f"compute_actions_b{BATCH}_explore_true": (
            lambda: policy.compute_actions(obs, explore=True),
            floor_call(policy, obs, True, False),
        ),
    }
    return {
        name: timeit_pair_us(shim_call, floor, n, warmup)
        for name, (shim_call, floor) in rows.items()
    }


def ray_timings(n: int, warmup: int) -> tuple[dict[str, Any] | None, str, dict[str, str]]:
    """Ray 2.10's timings of the same calls, how they were obtained, and Ray's versions."""
    python = ROOT / "tools" / "oracle" / ".venv" / "bin" / "python"
    script = ROOT / "tools" / "oracle" / "bench_ray.py"
    if python.exists() and script.exists():
        try:
            out = subprocess.run(
                [
                    str(python),
                    str(script),
                    "--case",
                    "fc_discrete",
                    "--n",
                    str(n),
                    "--warmup",
                    str(warmup),
                ],
                capture_output=True,
                text=True,
                check=True,
                timeout=900,
                cwd=str(script.parent),
            )
            document = json.loads(out.stdout)
            return (document["timings_us"], "measured now (Ray 2.10, tools/oracle/.venv)",
                    document.get("versions", {}))
        except (subprocess.SubprocessError, json.JSONDecodeError, KeyError) as err:
            print(
                f"[Ray 2.10 run failed: {err}; falling back to the recorded figures]",
                file=sys.stderr,
            )
    recorded = ROOT / "fixtures" / "oracle" / "timings.json"
    if recorded.exists():
        document = json.loads(recorded.read_text())
        return (document["timings_us"],
                "RECORDED earlier (fixtures/oracle/timings.json), not this run",
                document.get("versions", {}))
    return None, "unavailable", {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="timed calls per row (default 300)")
    parser.add_argument("--warmup", type=int, default=30, help="untimed calls first (default 30)")
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray 2.10 subprocess")
    add_json_argument(parser, "shim_overhead")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    results = Results("shim_overhead", "legacy Policy calls on the shim vs the raw torch floor and "
                      "Ray 2.10 (fc_discrete: PPO 256x256, Box(4) -> Discrete(2); medians, 1 torch thread)",
                      settings={"n": args.n, "warmup": args.warmup, "batch": BATCH, "torch_threads": 1})

    shim = shim_timings(args.n, args.warmup)
    print(
        f"shim overhead vs raw torch floor (fc_discrete: PPO 256x256, Box(4)->Discrete(2)); "
        f"torch threads=1, n={args.n}, cpus={os.cpu_count()}, load={os.getloadavg()[0]:.2f}"
    )
    print(f"{'call':40s} {'shim us':>9s} {'floor us':>9s} {'ratio':>6s} {'ratio(min)':>10s}")
    for name, row in shim.items():
        ratio = row["shim"]["median"] / row["floor"]["median"]
        ratio_min = row["shim"]["min"] / row["floor"]["min"]
        print(
            f"{name:40s} {row['shim']['median']:9.1f} {row['floor']['median']:9.1f} {ratio:6.2f} {ratio_min:10.2f}"
        )
    print("target: ratio <= 1.5 at batch 1 (compute_single_action, compute_actions_b1)")

    ray, label, ray_versions = (
        (None, "skipped (--no-ray)", {}) if args.no_ray else ray_timings(args.n, args.warmup)
    )
    if "ray" in ray_versions:
        results.versions_extra["ray (peer)"] = ray_versions["ray"]
    results.note(f"Ray 2.10 column: {label}.")
    if ray:
        results.note("'ceiling (Ray / floor)' is the speed-up over Ray of a shim doing only the floor's "
                     "torch work; where it is under 3, no shim can meet the >= 3x target for that call.")
    for name, row in shim.items():
        values = {"shim": row["shim"]["median"], "raw torch floor": row["floor"]["median"]}
        if ray and name in ray:
            values["Ray 2.10"] = ray[name]["median"]
        batch_one = "b1" in name or "single" in name
        results.add(name, values, unit="us", group="policy calls", label=_short(name),
                    ratio=row["shim"]["median"] / row["floor"]["median"], ratio_of="shim / floor",
                    target=("<=", 1.5) if batch_one else None)
        if ray and name in ray:
            speedup = ray[name]["median"] / row["shim"]["median"]
            results.add(f"{name}: speed-up over Ray 2.10", {"speed-up": speedup,
                        "ceiling (Ray / floor)": ray[name]["median"] / row["floor"]["median"]},
                        unit="x", group="speed-up over Ray 2.10", label=_short(name), ratio=speedup,
                        ratio_of="Ray 2.10 / shim", target=(">=", 3.0))
    print(f"\nRay 2.10 legacy Policy, same calls: {label}")
    if ray:
        print(
            f"{'call':40s} {'ray us':>9s} {'shim us':>9s} {'speed-up':>8s} {'(min)':>8s} {'ceiling':>8s}"
        )
        for name, row in shim.items():
            if name in ray:
                speedup = ray[name]["median"] / row["shim"]["median"]
                speedup_min = ray[name]["min"] / row["shim"]["min"]
                ceiling = ray[name]["median"] / row["floor"]["median"]
                print(
                    f"{name:40s} {ray[name]['median']:9.1f} {row['shim']['median']:9.1f} {speedup:7.2f}x "
                    f"{speedup_min:7.2f}x {ceiling:7.2f}x"
                )
        print(
            "medians; '(min)' compares the fastest calls (shim: fastest block of 10), the least disturbed\n"
            "by other load on a shared machine; "
            "'ceiling' is Ray / floor: the speed-up of a shim doing the floor's torch work with no overhead"
        )
        print("target: shim >= 3x faster than Ray 2.10")
    return results.finish(args.json)


def _short(call: str) -> str:
    """``compute_actions_b32_explore_true`` -> ``actions B=32 explore`` (a chart label)."""
    words = call.replace("compute_", "").split("_")
    kind = "single" if words[0] == "single" else "actions"
    batch = next((w[1:] for w in words if w.startswith("b") and w[1:].isdigit()), "1")
    return f"{kind} B={batch} {'explore' if words[-1] == 'true' else 'greedy'}"


if __name__ == "__main__":
    raise SystemExit(main())
