"""``make demo``: rewrite the legacy fixtures, prove every conversion, serve a legacy policy.

1. ``rlmigrate rewrite fixtures/legacy --out build/migrated --report build/report.json``;
2. every class the codemod converted (``fixtures/legacy/CASES.json`` says how to build it)
   is checked with :func:`rlmigrate.testing.assert_equivalent` against its legacy class run
   through the shim: weights transferred, 100 examples, greedy and exploring;
3. one legacy ``Policy.compute_actions`` call is served through the shim (the legacy PPO
   policy around the unmodified legacy ``MLPModel``) and the migrated module, given the
   policy's weights, acts the same in CartPole;
4. one table: file, class, rules, status, equivalence, max abs difference.

Exit code 1 if a conversion the codemod marked safe (file status ``converted``) fails its
verification; conversions marked ``review``/``manual`` are shown but do not fail the demo.

Run: ``python -m rlmigrate.demo [--root DIR] [--examples N]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["main"]

SAFE_STATUS = "converted"


def _root(given: str | None) -> Path:
    if given:
        return Path(given)
    for candidate in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if (candidate / "fixtures" / "legacy").is_dir():
            return candidate
    raise SystemExit(
        "rlmigrate.demo: no fixtures/legacy here; run it from the repository root (or pass --root)"
    )


def rewrite(root: Path, out: Path, report: Path) -> dict[str, Any]:
    """Run the codemod CLI on ``fixtures/legacy``; returns the JSON report."""
    from rlmigrate.cli import main as cli

    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        "rewrite",
        str(root / "fixtures" / "legacy"),
        "--out",
        str(out),
        "--report",
        str(report),
        "--format",
        "json",
        "--no-progress",
    ]
    code = cli(argv)
    data = json.loads(report.read_text())
    print(f"$ rlmigrate {' '.join(argv)}\n  exit {code}; summary {data.get('summary')}")
    return data


def _model_config(case: dict[str, Any]) -> dict[str, Any]:
    config = dict(case.get("model_config") or {})
    if case.get("custom_model_config"):
        config["custom_model_config"] = dict(case["custom_model_config"])
    return config


def verify_case(
    legacy_file: Path, migrated_file: Path, case: dict[str, Any], examples: int
) -> dict[str, Any]:
    """assert_equivalent greedy and exploring; ``{"ok", "max_abs", "detail"}``."""
    from rlmigrate.core.spaces import space_from_dict
    from rlmigrate.testing.equivalence import EquivalenceError, assert_equivalent
    from rlmigrate.testing.loading import ReferenceError_, load_reference

    try:
        legacy, _ = load_reference(f"{legacy_file}:{case['legacy']}", legacy=True)
        migrated, _ = load_reference(f"{migrated_file}:{case['migrated']}", legacy=True)
    except ReferenceError_ as err:
        return {"ok": False, "max_abs": None, "detail": f"not loadable: {err}"}
    worst = 0.0
    for explore in (False, True):
        try:
            report = assert_equivalent(
                legacy,
                migrated,
                observation_space=space_from_dict(case["observation_space"]),
                action_space=space_from_dict(case["action_space"]),
                model_config=_model_config(case),
                migrated_model_config=case.get("migrated_model_config"),
                explore=explore,
                examples=examples,
            )
        except (EquivalenceError, TypeError, ValueError) as err:
            first = str(err).splitlines()[0]
            return {"ok": False, "max_abs": None, "detail": f"explore={explore}: {first}"}
        worst = max([worst, *report.max_abs.values()])
    return {"ok": True, "max_abs": worst, "detail": f"{examples} examples x greedy+explore"}


def serve_legacy_policy(root: Path, out: Path) -> str:
    """One legacy ``Policy.compute_actions`` call through the shim, and the migrated module acting."""
    import gymnasium as gym
    import numpy as np

    from rlmigrate.acting import compute_actions, rollout
    from rlmigrate.testing.loading import load_reference
    from rlmigrate.testing.transfer import transfer_weights
    from shim.models.catalog import ModelCatalog
    from shim.policy.ppo import PPOTorchPolicy

    legacy_cls, _ = load_reference(
        f"{root / 'fixtures' / 'legacy' / 'mlp.py'}:MLPModel", legacy=True
    )
    migrated_cls, _ = load_reference(f"{out / 'mlp.py'}:MLPModel", legacy=True)
    env = gym.make("CartPole-v1")
    ModelCatalog.register_custom_model("demo_mlp", legacy_cls)
    policy = PPOTorchPolicy(
        env.observation_space,
        env.action_space,
        {"model": {"custom_model": "demo_mlp", "fcnet_hiddens": [16, 16]}},
    )
    obs = np.stack([env.reset(seed=seed)[0] for seed in range(4)])
    actions, state_outs, extra = policy.compute_actions(obs, explore=False)
    module = migrated_cls(
        observation_space=env.observation_space,
        action_space=env.action_space,
        model_config={"fcnet_hiddens": [16, 16]},
    )
    transfer_weights(policy, module)  # the policy's get_weights() → the migrated module
    same = np.array_equal(compute_actions(module, obs, explore=False)["actions"], actions)
    returns = rollout(module, env, num_episodes=2, explore=False, seed=0)
    env.close()
    fetched = ", ".join(f"{k} {tuple(v.shape)}" for k, v in sorted(extra.items()))
    return (
        f"legacy PPOTorchPolicy(MLPModel).compute_actions(obs (4, 4), explore=False) -> actions {actions.tolist()} "
        f"({actions.dtype}), {len(state_outs)} state outs, extra fetches: {fetched}\n"
        f"migrated MLPModel with the policy's weights: same actions: {same}; CartPole returns {returns}"
    )


def _rules(findings: list[dict[str, Any]], path_name: str) -> str:
    codes = sorted({f["code"] for f in findings if Path(f["path"]).name == path_name})
    return " ".join(codes) or "-"


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the exit code (1 if a conversion marked safe fails verification)."""
    parser = argparse.ArgumentParser(
        prog="python -m rlmigrate.demo", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--root", help="repository root holding fixtures/legacy (default: here)")
    parser.add_argument("--build", default="build", help="output folder (default: build)")
    parser.add_argument(
        "--examples", type=int, default=100, help="examples per check (default 100)"
    )
    args = parser.parse_args(argv)

    import torch
    from rich.console import Console
    from rich.table import Table

    torch.set_num_threads(1)  # small models: threads only add overhead
    console = Console()
    if not console.is_terminal:  # piped or captured (make demo | tee): a wide, unwrapped table
        console = Console(width=160)
    start = time.perf_counter()
    root = _root(args.root)
    build = Path(args.build)
    out, report_path = build / "migrated", build / "report.json"
    report = rewrite(root, out, report_path)
    cases_file = root / "fixtures" / "legacy" / "CASES.json"
    cases = json.loads(cases_file.read_text()) if cases_file.is_file() else {}

    table = Table(title="rlmigrate demo: rewrite → verify", title_justify="left")
    for column in ("file", "class", "rules", "status", "equivalence", "max abs diff"):
        table.add_column(column, justify="right" if column == "max abs diff" else "left")
    safe_failures: list[str] = []
    for entry in sorted(report["files"], key=lambda f: f["path"]):
        name = Path(entry["path"]).name
        status = entry["status"]
        rules = _rules(report["findings"], name)
        classes = (cases.get(name) or {}).get("classes", [])
        if not classes:
            table.add_row(name, "-", rules, status, "[dim]no class converted[/]", "-")
            continue
        for case in classes:
            result = verify_case(
                root / "fixtures" / "legacy" / name, out / name, case, args.examples
            )
            label = (
                f"{case['legacy']} → {case['migrated']}"
                if case["legacy"] != case["migrated"]
                else case["legacy"]
            )
            if result["ok"]:
                table.add_row(
                    name, label, rules, status, "[green]equivalent[/]", f"{result['max_abs']:.2g}"
                )
            else:
                table.add_row(
                    name, label, rules, status, f"[red]DIFFERS[/] {result['detail']}", "-"
                )
                if status == SAFE_STATUS:
                    safe_failures.append(f"{name}:{case['legacy']}: {result['detail']}")

    console.print(serve_legacy_policy(root, out), highlight=False)
    console.print(table)
    verified = sum(
        len((cases.get(Path(f["path"]).name) or {}).get("classes", [])) for f in report["files"]
    )
    console.print(
        f"{verified} classes checked with {args.examples} examples, greedy and exploring, in "
        f"{time.perf_counter() - start:.1f} s; report: {report_path}; migrated code: {out}/"
    )
    if safe_failures:
        console.print("[bold red]conversions marked safe that fail verification:[/]")
        for line in safe_failures:
            console.print(f"  {line}", markup=False)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
