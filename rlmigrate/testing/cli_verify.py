"""``rlmigrate verify LEGACY_FILE:Class MIGRATED_FILE:Class``: assert_equivalent from a shell.

Where the spaces and configs come from, first match wins:

1. ``--obs-space`` / ``--action-space`` (short text form, see ``space_text``, or JSON) and
   ``--model-config`` / ``--migrated-model-config`` (JSON);
2. ``--cases CASES.json``: the entry for the legacy file and class (the format of
   ``fixtures/legacy/CASES.json``);
3. the legacy file itself: a module-level ``config`` dict (``"model"`` → model config;
   ``"observation_space"``/``"action_space"``, or ``"env"`` naming a gymnasium env whose
   spaces are used), or module-level ``observation_space``/``action_space`` spaces.

Exit codes: 0 equivalent, 1 a difference was found, 2 usage error (bad reference, space or
JSON, spaces missing, a class that cannot be built) or inconclusive (the legacy side raised on
so many inputs, the migrated side with it, that fewer than ``--examples`` acted on both sides).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from rlmigrate.testing.cli_verify_loss import add_arguments as add_loss_arguments
from rlmigrate.testing.cli_verify_loss import run_loss

__all__ = ["register", "run", "verify", "resolve_inputs"]

EXIT_EQUIVALENT, EXIT_DIFFERENT, EXIT_USAGE = 0, 1, 2


class UsageError(ValueError):
    """Bad command-line input; reported with exit code 2."""


def register(subparsers: Any) -> None:
    """Add the ``verify`` subcommand (called by ``rlmigrate.cli``)."""
    parser = subparsers.add_parser(
        "verify",
        help="prove that a migrated module computes what the legacy model computed",
        description=__doc__.split("\n\n", 1)[0].replace("``", ""),
    )
    parser.add_argument(
        "legacy", metavar="LEGACY_FILE:Class", help="legacy ModelV2 or Policy class"
    )
    parser.add_argument(
        "migrated", metavar="MIGRATED_FILE:Class", help="migrated RLModule (or Policy) class"
    )
    parser.add_argument("--obs-space", metavar="SPEC", help="e.g. 'Box(-1, 1, (4,))' or JSON")
    parser.add_argument("--action-space", metavar="SPEC", help="e.g. 'Discrete(3)' or JSON")
    parser.add_argument(
        "--model-config", metavar="JSON", help="legacy model config (custom_model_config inside)"
    )
    parser.add_argument(
        "--migrated-model-config", metavar="JSON", help="the migrated module's model_config"
    )
    parser.add_argument(
        "--config",
        metavar="JSON",
        help="a legacy Policy's config (its 'model' is the model config unless --model-config "
        "is given); the policy is built with it, the module with the model part",
    )
    parser.add_argument(
        "--cases", metavar="CASES.json", help="read spaces and configs from a cases file"
    )
    parser.add_argument(
        "--examples", type=int, default=100, metavar="N", help="examples to check (default 100)"
    )
    parser.add_argument(
        "--explore",
        action="store_true",
        help="compare sampled actions (same seed) instead of greedy",
    )
    parser.add_argument(
        "--atol", type=float, default=1e-6, help="absolute tolerance (default 1e-6)"
    )
    parser.add_argument(
        "--rtol", type=float, default=1e-5, help="relative tolerance (default 1e-5)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed for the inputs and sampling (default 0)"
    )
    parser.add_argument(
        "--engine",
        choices=("screen", "hypothesis"),
        default="screen",
        help="screen (batched, hypothesis shrinks on failure) or hypothesis (every example)",
    )
    parser.add_argument(
        "--legacy-failures",
        choices=("match", "strict"),
        default="match",
        help="match (default): where the legacy side raises, the migrated side must raise the "
        "same exception type, and --examples inputs must still act on both sides; strict: any "
        "legacy failure ends the check",
    )
    parser.add_argument(
        "--observations",
        metavar="FILE.npz",
        help="observations your environment produced (raw space; one array per leaf, named by "
        "its path: 'action_mask', 'board', '0', 'state/0'), each checked on both sides in "
        "addition to the generated ones",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    add_loss_arguments(parser)
    parser.set_defaults(func=run)


# ----------------------------------------------------------------------------- inputs
def _json_arg(text: str | None, what: str) -> Any:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise UsageError(
            f"{what}: not valid JSON ({err.msg} at column {err.colno}): {text!r}"
        ) from err
    if not isinstance(value, dict):
        raise UsageError(f"{what}: expected a JSON object, got {type(value).__name__}")
    return value


def _space_arg(text: str | None, what: str) -> Any:
    if text is None:
        return None
    from rlmigrate.testing.space_text import SpaceSyntaxError, parse_space

    try:
        return parse_space(text)
    except SpaceSyntaxError as err:
        raise UsageError(f"{what}: {err}") from err


def _from_cases(path: str, legacy_file: Path, legacy_class: str) -> dict[str, Any]:
    from rlmigrate.core.spaces import space_from_dict

    try:
        cases = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise UsageError(f"--cases {path}: {err}") from err
    entry = cases.get(legacy_file.name)
    if not isinstance(entry, dict):
        raise UsageError(
            f"--cases {path}: no entry for {legacy_file.name!r}; it has {sorted(k for k in cases if not k.startswith('_'))}"
        )
    for case in entry.get("classes", []):
        if case.get("legacy") == legacy_class:
            model_config = dict(case.get("model_config") or {})
            if case.get("custom_model_config"):
                model_config["custom_model_config"] = dict(case["custom_model_config"])
            return {
                "observation_space": space_from_dict(case["observation_space"]),
                "action_space": space_from_dict(case["action_space"]),
                "model_config": model_config,
                "migrated_model_config": case.get("migrated_model_config"),
            }
    names = [c.get("legacy") for c in entry.get("classes", [])]
    raise UsageError(
        f"--cases {path}: {legacy_file.name} lists classes {names}, not {legacy_class!r}"
    )


def _from_file(module: Any) -> dict[str, Any]:
    """Spaces and model config declared in the legacy file (a ``config`` dict or space variables)."""
    import gymnasium as gym

    found: dict[str, Any] = {}
    config = getattr(module, "config", None)
    if isinstance(config, dict):
        if isinstance(config.get("model"), dict):
            found["model_config"] = {
                k: v for k, v in config["model"].items() if k != "custom_model"
            }
        for key in ("observation_space", "action_space"):
            if isinstance(config.get(key), gym.Space):
                found[key] = config[key]
        env = config.get("env")
        if isinstance(env, str) and (
            "observation_space" not in found or "action_space" not in found
        ):
            try:
                made = gym.make(env)
            except Exception:  # an env we do not have: the user passes --obs-space instead
                made = None
            if made is not None:
                found.setdefault("observation_space", made.observation_space)
                found.setdefault("action_space", made.action_space)
                made.close()
    for key, names in (
        ("observation_space", ("observation_space", "OBS_SPACE")),
        ("action_space", ("action_space", "ACTION_SPACE")),
    ):
        for name in names:
            value = getattr(module, name, None)
            if key not in found and isinstance(value, gym.Space):
                found[key] = value
    return found


def resolve_inputs(args: argparse.Namespace) -> dict[str, Any]:
    """Classes, spaces and configs for :func:`verify` from the parsed arguments.

    Raises:
        UsageError: a reference, space or JSON that cannot be read, or spaces still missing.
    """
    from rlmigrate.testing.loading import ReferenceError_, load_reference, parse_reference

    try:
        legacy_cls, legacy_module = load_reference(args.legacy, legacy=True)
        # a migrated file may keep legacy parts the codemod left for review: aliases for both
        migrated_cls, _ = load_reference(args.migrated, legacy=True)
        legacy_path, legacy_name = parse_reference(args.legacy)
    except ReferenceError_ as err:
        raise UsageError(str(err)) from err
    inputs: dict[str, Any] = {
        "observation_space": None,
        "action_space": None,
        "model_config": None,
        "migrated_model_config": None,
    }
    sources = [_from_file(legacy_module)]
    if args.cases:
        sources.append(_from_cases(args.cases, legacy_path, legacy_name or ""))
    sources.append(
        {
            "observation_space": _space_arg(args.obs_space, "--obs-space"),
            "action_space": _space_arg(args.action_space, "--action-space"),
            "model_config": _json_arg(args.model_config, "--model-config"),
            "migrated_model_config": _json_arg(
                args.migrated_model_config, "--migrated-model-config"
            ),
        }
    )
    for source in sources:  # later sources win
        inputs.update({k: v for k, v in source.items() if v is not None})
    missing = [
        f"--{k.split('_')[0]}-space"
        for k in ("observation_space", "action_space")
        if inputs[k] is None
    ]
    if missing:
        raise UsageError(
            f"no {' or '.join(missing)} given, and none found in --cases or in {legacy_path.name} "
            "(a module-level config dict with 'env' or spaces)"
        )
    policy_config = _json_arg(getattr(args, "config", None) or getattr(args, "policy_config", None), "--config")
    if policy_config is not None:
        legacy_cls = _policy_with_config(legacy_cls, policy_config, inputs, args.model_config is None)
    inputs.update(legacy=legacy_cls, migrated=migrated_cls)
    if getattr(args, "observations", None):
        from rlmigrate.testing.recorded_obs import load_observations

        try:
            inputs["observations"] = load_observations(args.observations, inputs["observation_space"])
        except ValueError as err:
            raise UsageError(str(err)) from err
    return inputs


def _policy_with_config(legacy_cls: Any, config: dict[str, Any], inputs: dict[str, Any], model_from_config: bool) -> Any:
    """The legacy Policy built with its full ``config`` (the contract's ``--config``): spaces,
    ``config["model"]`` as model config (unless ``--model-config`` said otherwise)."""
    from rlmigrate.core.legacy_config import migrated_model_config as spec_model_config
    from rlmigrate.testing.side_module import is_hand_written_class, legacy_policy_space

    if not (isinstance(legacy_cls, type) and hasattr(legacy_cls, "compute_actions")):
        raise UsageError(f"--config is a Policy's config, but {getattr(legacy_cls, '__name__', legacy_cls)!r} is not a Policy class")
    model = config.get("model")
    if model is not None and not isinstance(model, dict):
        raise UsageError(f"--config: 'model' must be a JSON object, got {type(model).__name__}")
    if model_from_config and model is not None:
        inputs["model_config"] = dict(model)
    full = {**config, "model": dict(inputs["model_config"] or {})}
    if is_hand_written_class(legacy_cls) and inputs.get("migrated_model_config") is None:
        # RLM038's module reads the policy-config keys from its model_config (the finding
        # tells the user to pass them there): give it the config the legacy policy got
        inputs["migrated_model_config"] = {
            **spec_model_config(inputs["model_config"]),
            **{k: v for k, v in config.items() if k != "model"},
        }
    space = legacy_policy_space(legacy_cls, inputs["observation_space"], full)
    try:
        return legacy_cls(space, inputs["action_space"], full)
    except Exception as err:
        raise UsageError(f"building {legacy_cls.__name__} with --config failed: {type(err).__name__}: {err}") from err


# ----------------------------------------------------------------------------- running
def verify(
    inputs: dict[str, Any],
    *,
    examples: int = 100,
    explore: bool = False,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    seed: int = 0,
    engine: str = "screen",
    legacy_failures: str = "match",
) -> dict[str, Any]:
    """Run :func:`assert_equivalent`; returns ``{"verdict", "report", "message", "seconds"}``.

    ``verdict`` is ``"equivalent"``, ``"different"`` or ``"inconclusive"`` (both sides agreed,
    failures included, but fewer than ``examples`` examples acted on both; the result also
    has ``acted`` and ``raised``); construction errors (a class that cannot be built with these
    spaces) and, with ``legacy_failures="strict"``, a legacy model that itself raises where
    the migrated one raises too (:class:`~rlmigrate.testing.compare.LegacyFailure`) raise
    :class:`UsageError`.
    """
    from rlmigrate.testing.compare import Inconclusive, LegacyFailure
    from rlmigrate.testing.equivalence import EquivalenceError, assert_equivalent

    start = time.perf_counter()
    try:
        report = assert_equivalent(
            inputs["legacy"],
            inputs["migrated"],
            observation_space=inputs["observation_space"],
            action_space=inputs["action_space"],
            model_config=inputs.get("model_config"),
            migrated_model_config=inputs.get("migrated_model_config"),
            explore=explore,
            examples=examples,
            atol=atol,
            rtol=rtol,
            seed=seed,
            engine=engine,
            legacy_failures=legacy_failures,
            observations=inputs.get("observations"),
        )
    except EquivalenceError as err:
        diff = err.difference
        return {
            "verdict": "different",
            "report": None,
            "message": str(err),
            "seconds": time.perf_counter() - start,
            "difference": None
            if diff is None
            else {
                "quantity": diff.quantity,
                "reason": diff.reason,
                "max_abs": diff.max_abs,
                "max_rel": diff.max_rel,
            },
        }
    except Inconclusive as err:
        return {
            "verdict": "inconclusive",
            "report": None,
            "message": str(err),
            "seconds": time.perf_counter() - start,
            "difference": None,
            "acted": err.acted,
            "raised": err.raised,
        }
    except LegacyFailure as err:  # the legacy code's own bug: say so, not "cannot build"
        raise UsageError(str(err)) from err
    except (TypeError, ValueError) as err:
        raise UsageError(
            f"cannot build or compare the two classes: {type(err).__name__}: {err}"
        ) from err
    return {
        "verdict": "equivalent",
        "report": report.as_dict(),
        "message": str(report),
        "seconds": time.perf_counter() - start,
        "difference": None,
    }


def _print_text(args: argparse.Namespace, inputs: dict[str, Any], result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from rlmigrate.testing.space_text import space_to_text
    from rlmigrate.testing.warmup import WarmUp

    console = Console()
    title = (
        f"rlmigrate verify {Path(args.legacy).name} vs {Path(args.migrated).name}\n"
        f"explore={args.explore}, atol={args.atol:g}, rtol={args.rtol:g}"
    )
    table = Table(title=title, title_justify="left")
    for column in ("quantity", "max abs diff", "max rel diff", "verdict"):
        table.add_column(column, justify="right" if "diff" in column else "left")
    report = result["report"]
    if report is not None:
        for name in report["compared"]:
            table.add_row(
                name,
                f"{report['max_abs'][name]:.3g}",
                f"{report['max_rel'][name]:.3g}",
                "[green]equal[/]",
            )
        for name in report["skipped"]:
            table.add_row(name, "-", "-", "[dim]absent on both sides[/]")
    else:
        diff = result["difference"] or {
            "quantity": "weights",
            "max_abs": float("inf"),
            "max_rel": float("inf"),
        }
        table.add_row(
            diff["quantity"],
            f"{diff['max_abs']:.3g}",
            f"{diff['max_rel']:.3g}",
            "[bold red]DIFFERS[/]",
        )
    console.print(table)
    spaces = f"obs {space_to_text_safe(space_to_text, inputs['observation_space'])}, actions {space_to_text_safe(space_to_text, inputs['action_space'])}"
    if report is not None:
        console.print(
            f"[bold green]EQUIVALENT[/] over {report['examples']} examples ({report['rows']} observations, "
            f"{spaces}) in {result['seconds']:.2f} s"
        )
        warm = WarmUp({k: tuple(v) for k, v in (report.get("lazily_built") or {}).items()})
        if warm.ran:
            console.print(warm.describe(), markup=False, highlight=False, soft_wrap=True)
        if report.get("raised"):
            console.print(
                "the legacy side raised on some generated inputs and the migrated side raised "
                "the same exception there: "
                + ", ".join(f"{k} on {v}" for k, v in report["raised"].items()),
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        if report.get("recorded"):
            console.print(
                f"recorded observations ({report['recorded_source']}): both sides acted on "
                f"{report['recorded_acted']} of {report['recorded']}"
                + "".join(f", both raised {k} on {v}" for k, v in report["recorded_raised"].items()),
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    elif result["verdict"] == "inconclusive":
        console.print(f"[bold yellow]INCONCLUSIVE[/] ({spaces}) after {result['seconds']:.2f} s")
        console.print(result["message"], markup=False, highlight=False, soft_wrap=True)
    else:
        console.print(f"[bold red]DIFFERENT[/] ({spaces}) after {result['seconds']:.2f} s")
        console.print(result["message"], markup=False, highlight=False, soft_wrap=True)


def space_to_text_safe(fn: Any, space: Any) -> str:
    try:
        return fn(space)
    except TypeError:
        return repr(space)


def run(args: argparse.Namespace) -> int:
    """The ``verify`` subcommand; returns the exit code.

    The ``ray.rllib`` aliases stay on for the whole run, not only while the files load: legacy
    code may import when it runs (a policy's ``make_model`` importing the project's model
    factory, which imports ``ray.rllib``), as it did under Ray."""
    from rlmigrate.testing.loading import legacy_imports

    with legacy_imports():
        if getattr(args, "loss", False):
            return run_loss(args)
        return _run_acting(args)


def _run_acting(args: argparse.Namespace) -> int:
    try:
        if args.examples < 1:
            raise UsageError(f"--examples must be >= 1, got {args.examples}")
        inputs = resolve_inputs(args)
        result = verify(
            inputs,
            examples=args.examples,
            explore=args.explore,
            atol=args.atol,
            rtol=args.rtol,
            seed=args.seed,
            engine=args.engine,
            legacy_failures=args.legacy_failures,
        )
    except UsageError as err:
        if args.format == "json":
            print(json.dumps({"verdict": "error", "message": str(err)}))
        else:
            print(f"rlmigrate verify: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.format == "json":
        print(json.dumps({k: v for k, v in result.items()}, default=str))
    else:
        _print_text(args, inputs, result)
    return {"equivalent": EXIT_EQUIVALENT, "inconclusive": EXIT_USAGE}.get(
        result["verdict"], EXIT_DIFFERENT
    )
