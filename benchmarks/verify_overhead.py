"""Overhead of the equivalence kit: ``assert_equivalent`` vs. the raw forward passes it checks.

Case: the legacy ``fixtures/legacy/mlp.py`` ``MLPModel`` with ``fcnet_hiddens=[256, 256]``
(2x256 tanh MLP, logits and value heads; Box(-1, 1, (8,)) observations, Discrete(4) actions)
against its golden rewrite ``fixtures/expected/mlp.py``.

* **floor**: 100 raw forward passes of *both* models (legacy ``model.forward(input_dict, [],
  None)`` and migrated ``module._forward(batch)``, under ``no_grad``) on the very batches the
  kit checks (100 batches of 1..8 observations, drawn like its screen draws them);
* **kit**: ``assert_equivalent(LegacyClass, MigratedClass, examples=100)`` end to end: building
  both models, transferring the weights, generating the inputs, acting greedily (or
  exploring), comparing logits, actions, logp and values, and the extra single-row pass;
* for reference: the same observations in one batched pass of both models (what the
  default screen engine does, so kit / this row is its own bookkeeping cost), the same with ``engine="hypothesis"`` (every example through ``@given``) and
  the wall time of the ``rlmigrate verify`` command (process start and imports included).

Target: kit <= 3x floor. Run: ``.venv/bin/python benchmarks/verify_overhead.py [--repeats 7]
[--json PATH]``; the figures go to ``benchmarks/results/verify_overhead.json`` too; exit status
1 when the target is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "benchmarks"))

from _results import Results, add_json_argument  # noqa: E402

from rlmigrate.testing.equivalence import assert_equivalent  # noqa: E402
from rlmigrate.testing.loading import load_reference  # noqa: E402
from rlmigrate.testing.sampling import sample_observations  # noqa: E402

OBS = gym.spaces.Box(-1.0, 1.0, (8,), dtype=np.float32)
ACT = gym.spaces.Discrete(4)
CONFIG = {"fcnet_hiddens": [256, 256]}
EXAMPLES = 100


def _median_seconds(fn, repeats: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    add_json_argument(parser, "verify_overhead")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    results = Results("verify_overhead", f"equivalence kit vs the raw forward passes it checks (legacy "
                      f"vs migrated 2x256 MLP, {EXAMPLES} examples, 1 torch thread)",
                      settings={"repeats": args.repeats, "examples": EXAMPLES, "torch_threads": 1},
                      packages=("torch", "numpy", "gymnasium", "hypothesis", "rlmigrate"))

    legacy_cls, _ = load_reference(f"{ROOT / 'fixtures/legacy/mlp.py'}:MLPModel", legacy=True)
    migrated_cls, _ = load_reference(f"{ROOT / 'fixtures/expected/mlp.py'}:MLPModel", legacy=True)

    # the floor: both models' raw forward passes over the batches the kit's screen uses
    from shim.models.catalog import ModelCatalog
    from shim.models.model_defaults import merge_model_config

    legacy_config = merge_model_config(dict(CONFIG, custom_model=legacy_cls))
    legacy = ModelCatalog.get_model_v2(OBS, ACT, 4, legacy_config, framework="torch", name="mlp")
    migrated = migrated_cls(observation_space=OBS, action_space=ACT, model_config=dict(CONFIG))
    migrated.load_state_dict(legacy.state_dict())
    rng = np.random.default_rng(0)
    sizes = rng.integers(1, 9, size=EXAMPLES)
    batches = [torch.from_numpy(sample_observations(OBS, (int(b),), rng)) for b in sizes]

    def floor() -> None:
        with torch.no_grad():
            for obs in batches:
                legacy.forward({"obs": obs, "obs_flat": obs}, [], None)
                migrated._forward({"obs": obs})

    def kit(explore: bool = False, engine: str = "screen") -> None:
        assert_equivalent(
            legacy_cls,
            migrated_cls,
            observation_space=OBS,
            action_space=ACT,
            model_config=CONFIG,
            migrated_model_config=CONFIG,
            examples=EXAMPLES,
            explore=explore,
            engine=engine,
        )

    everything = torch.cat(batches)

    def batched_floor() -> None:  # the same observations in one pass: the kit's own work floor
        with torch.no_grad():
            legacy.forward({"obs": everything, "obs_flat": everything}, [], None)
            migrated._forward({"obs": everything})

    floor_s = _median_seconds(floor, args.repeats)
    rows = [
        ("floor: 100 raw forward passes of both models", floor_s),
        (
            "  (the same observations as 1 batched pass of both models)",
            _median_seconds(batched_floor, args.repeats),
        ),
        (
            "assert_equivalent, 100 examples, greedy (screen)",
            _median_seconds(lambda: kit(False), args.repeats),
        ),
        (
            "assert_equivalent, 100 examples, explore (screen)",
            _median_seconds(lambda: kit(True), args.repeats),
        ),
        (
            "assert_equivalent, 100 examples, greedy (hypothesis engine)",
            _median_seconds(lambda: kit(False, "hypothesis"), max(1, args.repeats // 3)),
        ),
    ]
    command = [
        sys.executable,
        "-m",
        "rlmigrate.cli",
        "verify",
        f"{ROOT / 'fixtures/legacy/mlp.py'}:MLPModel",
        f"{ROOT / 'fixtures/expected/mlp.py'}:MLPModel",
        "--obs-space",
        "Box(-1, 1, (8,))",
        "--action-space",
        "Discrete(4)",
        "--model-config",
        json.dumps(CONFIG),
        "--migrated-model-config",
        json.dumps(CONFIG),
        "--format",
        "json",
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    cli_s = time.perf_counter() - start
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
        return 2  # an error, not a missed target
    rows.append(("`rlmigrate verify` command (process start + imports)", cli_s))

    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"verify overhead: 2x256 MLP, {EXAMPLES} examples ({int(sizes.sum())} observations), torch 1 thread",
        title_justify="left",
    )
    table.add_column("what")
    table.add_column("time (ms)", justify="right")
    table.add_column("x floor", justify="right")
    for name, seconds in rows:
        table.add_row(name, f"{seconds * 1e3:.1f}", f"{seconds / floor_s:.2f}")
    console = Console(width=max(Console().width, 110))
    console.print(table)
    ratio = rows[2][1] / floor_s
    verdict = "meets" if ratio <= 3.0 else "MISSES"
    console.print(
        f"kit (greedy, screen) = {ratio:.2f}x the floor: {verdict} the <= 3x target "
        f"({rows[2][1] / rows[1][1]:.1f}x one batched pass: the screen batches all examples)"
    )
    labels = ["floor: 100 passes", "floor: 1 batched pass", "kit greedy", "kit explore",
              "kit hypothesis engine", "verify command"]
    for (name, seconds), label in zip(rows, labels):
        targeted = name.startswith("assert_equivalent, 100 examples, greedy (screen)")
        results.add(name.strip(), {"time": seconds * 1e3}, unit="ms", group="verify", label=label,
                    ratio=seconds / floor_s, ratio_of="x the floor (100 raw forward passes of both models)",
                    target=("<=", 3.0) if targeted else None)
    return results.finish(args.json)


if __name__ == "__main__":
    sys.exit(main())
