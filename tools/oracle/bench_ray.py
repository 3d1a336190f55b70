"""Time Ray 2.10's legacy Policy calls and print the result as JSON on stdout.

Meant to be run as a subprocess from rlmigrate's own venv (which has no Ray), e.g. by
``benchmarks/shim_overhead.py`` when ``tools/oracle/.venv`` exists::

    tools/oracle/.venv/bin/python tools/oracle/bench_ray.py --case fc_discrete
    tools/oracle/.venv/bin/python tools/oracle/bench_ray.py --spec '{"observation_space": ...}'
    tools/oracle/.venv/bin/python tools/oracle/bench_ray.py --spec @my_spec.json --n 500

A spec has the layout described in ``cases.py`` (space records from ``jsonio.py``). Only the
JSON document goes to stdout; Ray's logging and warnings go to stderr. Timings use one torch
thread (``torch.set_num_threads(1)``) and report the median (and min, 10th/90th percentiles) of
``n`` timed calls after ``warmup`` untimed ones, in microseconds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import cases
import numpy as np
import torch

FORMAT_VERSION = 1


def _percentiles_us(call: Callable[[], Any], n: int, warmup: int) -> dict[str, float]:
    for _ in range(warmup):
        call()
    samples = np.empty(n, dtype=np.float64)
    for i in range(n):
        start = time.perf_counter_ns()
        call()
        samples[i] = time.perf_counter_ns() - start
    samples /= 1e3
    return {
        "median": float(np.median(samples)),
        "min": float(np.min(samples)),
        "p10": float(np.percentile(samples, 10)),
        "p90": float(np.percentile(samples, 90)),
    }


def bench_spec(
    spec: dict[str, Any],
    *,
    case: str | None = None,
    n: int = 300,
    warmup: int = 30,
    batch: int = 32,
) -> dict[str, Any]:
    """Build the spec's policy and time its legacy calls.

    Args:
        spec: a case spec (see ``cases.py``); ``letter``/``description`` are optional.
        case: the case name, copied into the output when the spec is a recorded case.
        n: timed calls per measurement; warmup: untimed calls before them.
        batch: batch size ``B`` of the batched ``compute_actions`` measurements.

    Returns:
        JSON-able dict; ``timings_us[<call>] = {"median", "min", "p10", "p90"}`` in
        microseconds (``min`` is the least disturbed by other load on a shared machine).
        Calls: ``compute_single_action_explore_false`` / ``_true`` (one unbatched obs),
        ``compute_actions_b1_explore_false``, ``compute_actions_b<batch>_explore_false`` /
        ``_true``, and ``model_forward_b1`` (the ModelV2 ``__call__`` plus
        ``value_function()`` under ``no_grad``: a floor with no policy plumbing).
    """
    torch.set_num_threads(1)
    spec = {"seed": 0, "policy": "ppo", **spec}
    policy, preprocessor = cases.build_policy(spec)
    rng = np.random.default_rng(spec["seed"])
    _, obs = cases.sample_observations(spec, preprocessor, batch, rng)
    initial = [np.asarray(s) for s in policy.get_initial_state()]
    states_b = [np.repeat(s[None], batch, axis=0) for s in initial] or None
    states_1 = [s[None] for s in initial] or None
    single_state = initial or None
    obs_1 = obs[:1]
    obs_t = torch.from_numpy(obs_1)

    def forward_floor() -> None:
        with torch.no_grad():
            input_dict = {"obs": obs_t}
            policy.model(
                input_dict,
                [torch.from_numpy(s) for s in states_1 or []],
                torch.ones(1, dtype=torch.int32),
            )
            policy.model.value_function()

    calls: dict[str, Callable[[], Any]] = {
        "compute_single_action_explore_false": lambda: policy.compute_single_action(
            obs[0], state=single_state, explore=False
        ),
        "compute_single_action_explore_true": lambda: policy.compute_single_action(
            obs[0], state=single_state, explore=True
        ),
        "compute_actions_b1_explore_false": lambda: policy.compute_actions(
            obs_1, state_batches=states_1, explore=False
        ),
        f"compute_actions_b{batch}_explore_false": lambda: policy.compute_actions(
            obs, state_batches=states_b, explore=False
        ),
        f"compute_actions_b{batch}_explore_true": lambda: policy.compute_actions(
            obs, state_batches=states_b, explore=True
        ),
        "model_forward_b1": forward_floor,
    }
    timings = {name: _percentiles_us(call, n, warmup) for name, call in calls.items()}
    import ray

    return {
        "format_version": FORMAT_VERSION,
        "case": case,
        "unit": "microseconds",
        "statistic": f"median (and min/p10/p90) of n={n} calls after {warmup} warmup calls",
        "torch_num_threads": torch.get_num_threads(),
        "batch_size": batch,
        "timings_us": timings,
        "versions": {
            "ray": ray.__version__,
            "torch": torch.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "machine": {
            "cpu_count": os.cpu_count(),
            "loadavg_1m_5m_15m": list(os.getloadavg()),
            "platform": platform.platform(),
            "processor": platform.processor(),
        },
        "policy_class": type(policy).__name__,
        "model_class": type(policy.model).__name__,
        "spec": spec,
    }


def _load_spec(text: str) -> dict[str, Any]:
    if text.startswith("@"):
        with open(text[1:], encoding="utf-8") as handle:
            text = handle.read()
    spec = json.loads(text)
    missing = [k for k in ("observation_space", "action_space") if k not in spec]
    if missing:
        raise SystemExit(f"bench_ray: --spec is missing {missing}; got keys {sorted(spec)}")
    return spec


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--case", choices=sorted(cases.CASES), help="a recorded case from cases.py")
    which.add_argument("--spec", help="a case spec as JSON text, or @path to a JSON file")
    parser.add_argument(
        "--n", type=int, default=300, help="timed calls per measurement (default 300)"
    )
    parser.add_argument("--warmup", type=int, default=30, help="untimed calls first (default 30)")
    parser.add_argument(
        "--batch", type=int, default=32, help="batch size of compute_actions (default 32)"
    )
    args = parser.parse_args(argv)
    spec = cases.CASES[args.case] if args.case else _load_spec(args.spec)
    warnings.filterwarnings("ignore")
    with contextlib.redirect_stdout(sys.stderr):
        result = bench_spec(spec, case=args.case, n=args.n, warmup=args.warmup, batch=args.batch)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
