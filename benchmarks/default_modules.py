"""PPO default module vs hand-written torch, and safe checkpoints vs torch.save/torch.load.

1. ``forward_inference`` of ``PPOTorchRLModule`` (obs Box(16,), Discrete(4), RLlib's default
   model config: 2x256 tanh encoder, linear pi head) vs the equivalent hand-written
   ``nn.Sequential`` holding the same weights, under ``torch.no_grad()``.
   Targets: <= 1.2x at batch 1, <= 1.05x at batch 1024.
2. Checkpoint save + load (``save_to_path`` + ``restore_from_path``: metadata.json, sha256,
   safetensors, validation) vs ``torch.save(state_dict)`` + ``load_state_dict(torch.load(...,
   weights_only=True))`` of the same module (``vf_share_layers=False``, ~140k parameters).
   Target: <= 1.5x. ``from_checkpoint`` (which also builds the module) is shown, untargeted.

Run: ``.venv/bin/python benchmarks/default_modules.py [--quick] [--json PATH]`` (1 torch thread;
prints a ratio table, writes ``benchmarks/results/default_modules.json``; exit status 1 when a
target is missed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
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

from rlmigrate import Columns, PPOTorchRLModule, RLModule  # noqa: E402

OBS_DIM, NUM_ACTIONS = 16, 4


def build_module(**config) -> PPOTorchRLModule:
    return PPOTorchRLModule(
        observation_space=gym.spaces.Box(-1, 1, (OBS_DIM,), np.float32),
        action_space=gym.spaces.Discrete(NUM_ACTIONS),
        model_config=config,
    )


def hand_written_copy(module: PPOTorchRLModule) -> nn.Sequential:
    """The same actor computation as a plain nn.Sequential, weights copied from ``module``."""
    net = nn.Sequential(
        nn.Linear(OBS_DIM, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(), nn.Linear(256, NUM_ACTIONS)
    )
    encoder = module.encoder.encoder.net.mlp
    with torch.no_grad():
        for dst, src in ((net[0], encoder[0]), (net[2], encoder[2]), (net[4], module.pi.net.mlp[0])):
            dst.weight.copy_(src.weight)
            dst.bias.copy_(src.bias)
    return net


def forward_rows(scale: int = 1) -> list[tuple[str, float, float, float | None]]:
    module = build_module()
    net = hand_written_copy(module)
    rows = []
    for batch_size, number in ((1, 3000), (1024, 150)):
        obs = torch.from_numpy(np.random.default_rng(0).uniform(-1, 1, (batch_size, OBS_DIM)).astype(np.float32))
        batch = {Columns.OBS: obs}
        torch.testing.assert_close(module.forward_inference(batch)[Columns.ACTION_DIST_INPUTS], net(obs))

        def floor(obs=obs):
            with torch.no_grad():
                return net(obs)

        def ours(batch=batch):
            return module.forward_inference(batch)

        t = time_calls({"floor": floor, "ours": ours}, number=max(2, number // scale))
        rows.append((f"forward_inference, batch {batch_size}", t["floor"], t["ours"], 1.2 if batch_size == 1 else 1.05))
    return rows


def checkpoint_rows(scale: int = 1) -> list[tuple[str, float, float, float | None]]:
    module = build_module(vf_share_layers=False)
    target = build_module(vf_share_layers=False)
    workdir = Path(tempfile.mkdtemp(prefix="rlmigrate-bench-"))
    raw_file = workdir / "state.pt"
    ckpt_dir = workdir / "ckpt"

    def floor():
        torch.save(module.state_dict(), raw_file)
        target.load_state_dict(torch.load(raw_file, weights_only=True))

    def ours():
        module.save_to_path(ckpt_dir)
        target.restore_from_path(ckpt_dir)

    def ours_rebuild():
        module.save_to_path(ckpt_dir)
        RLModule.from_checkpoint(ckpt_dir)

    t = time_calls({"floor": floor, "ours": ours, "rebuild": ours_rebuild}, number=max(2, 40 // scale))
    return [
        ("checkpoint save + restore_from_path", t["floor"], t["ours"], 1.5),
        ("checkpoint save + from_checkpoint (builds)", t["floor"], t["rebuild"], None),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20x fewer calls (a smoke run, figures noisy)")
    add_json_argument(parser, "default_modules")
    args = parser.parse_args(argv)
    scale = 20 if args.quick else 1
    results = Results("default_modules", "PPO default module and safe checkpoints vs raw torch "
                      "(obs Box(16,), Discrete(4), RLlib's default 2x256 tanh model; 1 torch thread)",
                      settings={"quick": args.quick, "torch_threads": 1}, packages=(
                          "torch", "numpy", "gymnasium", "safetensors", "rlmigrate"))
    torch.set_num_threads(1)
    torch.manual_seed(0)
    rows = forward_rows(scale) + checkpoint_rows(scale)
    table = Table(title="PPO default module and checkpoints vs raw torch (median per call, 1 thread)")
    for column in ("case", "raw torch µs", "rlmigrate µs", "ratio", "target"):
        table.add_column(column, justify="right")
    for name, floor, ours, target in rows:
        ratio = ours / floor
        checkpoint = name.startswith("checkpoint")
        results.add(name, {"rlmigrate": ours * 1e6, "raw torch floor": floor * 1e6},
                    unit="us", group="checkpoint" if checkpoint else "forward_inference",
                    label=name.replace("checkpoint save + ", "save + ").replace("forward_inference, batch ", "B="),
                    ratio=ratio, ratio_of=("save_to_path+restore / torch.save+torch.load" if checkpoint
                                           else "PPO forward_inference / hand-written nn.Sequential"),
                    target=None if target is None else ("<=", target))
        table.add_row(name, f"{floor * 1e6:.1f}", f"{ours * 1e6:.1f}", f"{ratio:.3f}x", f"<= {target}x" if target else "-")
    Console(width=120).print(table)
    return results.finish(args.json)


if __name__ == "__main__":
    raise SystemExit(main())
