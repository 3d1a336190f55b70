"""``rlmigrate convert-checkpoint SRC DST``: Ray 2.x legacy checkpoint -> module checkpoint.

Reads a Ray legacy Policy or Algorithm checkpoint without executing any of its code
(:mod:`rlmigrate.convert.ray_checkpoint`), builds each policy's module with the same weights
(:mod:`rlmigrate.convert.convert`) and writes an rlmigrate module checkpoint (``--to
rlmigrate``; a multi-module checkpoint for several policies) or a directory Ray RLlib >= 2.40
restores with ``RLModule.from_checkpoint`` (``--to ray``, :mod:`rlmigrate.convert.ray_target`).
``--verify`` then checks, on generated observations, that each converted module acts like
the legacy policy rebuilt by the shim from the same checkpoint.

Exit codes: 0 converted (and verified), 1 ``--verify`` found a difference,
2 usage error or a checkpoint/module that cannot be converted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["register", "run"]

EXIT_OK, EXIT_DIFFERENT, EXIT_ERROR = 0, 1, 2


def register(subparsers: Any) -> None:
    """Adds the ``convert-checkpoint`` subcommand."""
    parser = subparsers.add_parser(
        "convert-checkpoint",
        help="convert a Ray legacy Policy/Algorithm checkpoint into a module checkpoint",
        description=__doc__.split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes: 0 converted (and verified), 1 --verify found a difference, "
        "2 usage error or unconvertible checkpoint",
    )
    parser.add_argument("src", help="Ray checkpoint directory (rllib_checkpoint.json inside)")
    parser.add_argument("dst", help="output directory (must not exist, or be empty)")
    parser.add_argument("--to", choices=("rlmigrate", "ray"), default="rlmigrate")
    parser.add_argument(
        "--module-class",
        metavar="FILE:Class",
        help="the migrated module class (default: rlmigrate's PPO module for RLlib's default model)",
    )
    parser.add_argument(
        "--legacy-model",
        metavar="FILE:Class",
        help="for --verify of a custom model: the legacy ModelV2 class the checkpoint was trained with",
    )
    parser.add_argument(
        "--ray-class",
        metavar="package.module:Class",
        help="with --to ray and --module-class: the migrated class's import path on the Ray side",
    )
    parser.add_argument("--policy-id", action="append", help="convert only these policies")
    parser.add_argument("--verify", action="store_true", help="prove each module acts like the legacy policy")
    parser.add_argument("--examples", type=int, default=200, help="examples per policy for --verify")
    parser.set_defaults(func=run)


def _load_class(reference: str | None, *, legacy: bool) -> type | None:
    if reference is None:
        return None
    from rlmigrate.testing.loading import load_reference

    cls, _ = load_reference(reference, legacy=legacy)
    return cls


def _write(converted: dict[str, Any], dst: Path, target: str, ray_class: str | None) -> None:
    if dst.exists() and any(dst.iterdir()):
        raise ValueError(f"{dst}: the output directory exists and is not empty")
    if target == "ray":
        from rlmigrate.convert.ray_target import write_ray_checkpoint

        write_ray_checkpoint(converted, dst, ray_class)
        return
    from rlmigrate.core.checkpoint import save_module

    if len(converted) == 1:
        save_module(next(iter(converted.values())).module, dst)
        return
    from rlmigrate.core.multi_rl_module import MultiRLModule

    multi = MultiRLModule()
    for policy_id, item in converted.items():
        multi.add_module(policy_id, item.module)
    save_module(multi, dst)


def run(args: argparse.Namespace) -> int:
    """Runs the subcommand; returns the exit code."""
    from rlmigrate.convert.convert import ConversionError, convert_policy
    from rlmigrate.convert.ray_checkpoint import LegacyCheckpointError, read_ray_checkpoint

    try:
        states = read_ray_checkpoint(args.src)
        wanted = args.policy_id or sorted(states)
        missing = [p for p in wanted if p not in states]
        if missing:
            raise LegacyCheckpointError(f"{args.src}: no policies {missing}; it has {sorted(states)}")
        module_class = _load_class(args.module_class, legacy=True)
        converted = {pid: convert_policy(states[pid], module_class) for pid in wanted}
        _write(converted, Path(args.dst), args.to, args.ray_class)
    except (LegacyCheckpointError, ConversionError, ValueError, OSError) as err:
        print(f"rlmigrate convert-checkpoint: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    for pid, item in converted.items():
        note = f", dropped unused legacy weights {item.dropped}" if item.dropped else ""
        print(f"{pid}: {item.route} {type(item.module).__name__}, {len(item.key_map)} tensors{note}")
    print(f"wrote {args.to} checkpoint {args.dst}")
    if not args.verify:
        return EXIT_OK
    from rlmigrate.convert.verify import verify_converted
    from rlmigrate.testing.compare import EquivalenceError

    legacy_model = _load_class(args.legacy_model, legacy=True)
    status = EXIT_OK
    for pid, item in converted.items():
        try:
            report = verify_converted(states[pid], item.module, legacy_model, examples=args.examples)
        except EquivalenceError as err:
            print(f"{pid}: DIFFERENT from the legacy policy\n{err}")
            status = EXIT_DIFFERENT
            continue
        except (ValueError, TypeError) as err:
            print(f"rlmigrate convert-checkpoint: --verify {pid}: {err}", file=sys.stderr)
            return EXIT_ERROR
        print(f"{pid}: equivalent to the legacy policy on {report}")
    return status
