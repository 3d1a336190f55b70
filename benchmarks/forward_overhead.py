"""forward_inference and compute_actions vs the raw torch floor (issue: runtime core).

Module: obs Box(16,), Discrete(4) actions, a 2x256 tanh MLP + linear logits layer.
Floors, measured in the same run, on the same weights:
  * forward floor: ``with torch.no_grad(): net(obs_tensor)`` (the same nn.Sequential);
  * acting floor: numpy obs -> tensor -> no_grad net -> torch Categorical sample -> numpy
    (torch's argument validation off, as in RLlib 2.60 and rlmigrate).
Targets: forward_inference <= 1.2x the floor at batch 1 and <= 1.05x at 1024;
compute_actions <= 1.5x the acting floor at batch 1.

Run: ``.venv/bin/python benchmarks/forward_overhead.py [--quick] [--json PATH]``; the figures
go to ``benchmarks/results/forward_overhead.json`` too; exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from rich.console import Console
from rich.table import Table
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import Results, add_json_argument  # noqa: E402
from _timing import time_calls  # noqa: E402

from rlmigrate import Columns, TorchRLModule, compute_actions  # noqa: E402

OBS_DIM, NUM_ACTIONS = 16, 4


class MLPModule(TorchRLModule):
    def setup(self) -> None:
        self.net = nn.Sequential(
            nn.Linear(OBS_DIM, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(), nn.Linear(256, NUM_ACTIONS)
        )

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.net(batch[Columns.OBS])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100x fewer calls (a smoke run, figures noisy)")
    add_json_argument(parser, "forward_overhead")
    args = parser.parse_args(argv)
    scale = 100 if args.quick else 1
    results = Results("forward_overhead", "RLModule forward_inference and compute_actions vs raw torch "
                      "(obs Box(16,), Discrete(4), 2x256 tanh MLP; median per call, 1 torch thread)",
                      settings={"quick": args.quick, "torch_threads": 1})
    torch.set_num_threads(1)
    torch.manual_seed(0)
    module = MLPModule(
        observation_space=gym.spaces.Box(-1, 1, (OBS_DIM,), np.float32), action_space=gym.spaces.Discrete(NUM_ACTIONS)
    )
    net = module.net
    rows = []
    for batch_size, number in ((1, 2000), (32, 1000), (1024, 100)):
        obs_np = np.random.default_rng(0).uniform(-1, 1, (batch_size, OBS_DIM)).astype(np.float32)
        obs_t = torch.from_numpy(obs_np)

        def floor_forward():
            with torch.no_grad():
                return net(obs_t)

        def ours_forward():
            return module.forward_inference({Columns.OBS: obs_t})

        def floor_acting():
            with torch.no_grad():
                logits = net(torch.from_numpy(obs_np))
                # validate_args=False: argument checks are no part of the work (RLlib 2.60 and
                # rlmigrate turn them off), and leaving them on would flatter our ratio.
                dist = torch.distributions.Categorical(logits=logits, validate_args=False)
                return dist.sample().numpy()

        def ours_acting():
            return compute_actions(module, obs_np, explore=True)

        t = time_calls(
            {"floor_fwd": floor_forward, "fwd": ours_forward, "floor_act": floor_acting, "act": ours_acting},
            number=max(2, number // scale),
        )
        rows.append((batch_size, t))

    table = Table(title="rlmigrate runtime overhead vs raw torch (median per call, 1 thread)")
    for col in ("batch", "floor fwd µs", "forward_inference µs", "ratio", "target",
                "floor act µs", "compute_actions µs", "ratio", "target"):
        table.add_column(col, justify="right")
    for batch_size, t in rows:
        fwd_ratio = t["fwd"] / t["floor_fwd"]
        act_ratio = t["act"] / t["floor_act"]
        fwd_target = 1.2 if batch_size == 1 else (1.05 if batch_size == 1024 else None)
        act_target = 1.5 if batch_size == 1 else None
        results.add(f"forward_inference, batch {batch_size}",
                    {"rlmigrate": t["fwd"] * 1e6, "raw torch floor": t["floor_fwd"] * 1e6},
                    unit="us", group="forward_inference", label=f"B={batch_size}", ratio=fwd_ratio,
                    ratio_of="forward_inference / no_grad net(obs)",
                    target=None if fwd_target is None else ("<=", fwd_target))
        results.add(f"compute_actions (explore), batch {batch_size}",
                    {"rlmigrate": t["act"] * 1e6, "raw torch floor": t["floor_act"] * 1e6},
                    unit="us", group="compute_actions", label=f"B={batch_size}", ratio=act_ratio,
                    ratio_of="compute_actions / numpy->net->Categorical sample->numpy",
                    target=None if act_target is None else ("<=", act_target))
        table.add_row(
            str(batch_size),
            f"{t['floor_fwd'] * 1e6:.1f}", f"{t['fwd'] * 1e6:.1f}", f"{fwd_ratio:.3f}x",
            f"<= {fwd_target}x" if fwd_target else "-",
            f"{t['floor_act'] * 1e6:.1f}", f"{t['act'] * 1e6:.1f}", f"{act_ratio:.3f}x",
            f"<= {act_target}x" if act_target else "-",
        )
    Console(width=max(Console().width, 120)).print(table)
    return results.finish(args.json)


if __name__ == "__main__":
    raise SystemExit(main())
