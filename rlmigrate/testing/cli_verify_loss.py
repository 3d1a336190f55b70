"""``rlmigrate verify --loss``: the legacy policy's loss vs the migrated Learner's.

    rlmigrate verify --loss legacy.py:MyPolicy migrated.py:MyPolicyLearner \\
        --obs-space 'Box(-1, 1, (4,))' --action-space 'Discrete(3)' --policy-config '{"lr": 0.001}'

The legacy file runs through the shim (its ``ray.rllib`` imports aliased); the policy is built
with the spaces and ``--policy-config``; the Learner gets the same config and the module
``--module`` (default ``<MyPolicy>RLModule`` from the migrated file, as the codemod names it),
built with the config's ``"model"`` as the codemod's ``RLModuleSpec`` carries it.
Then :func:`~rlmigrate.testing.loss_equivalence.assert_loss_equivalent` compares loss, stats
and gradients on ``--examples`` generated train batches. Exit 0 equivalent, 1 different, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_EQUIVALENT, EXIT_DIFFERENT, EXIT_USAGE = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options only ``--loss`` reads."""
    parser.add_argument("--loss", action="store_true",
                        help="compare the legacy policy's loss with the migrated Learner's (FILE:Learner)")
    parser.add_argument("--module", metavar="CLASS", help="with --loss: the migrated module class "
                        "(default <Policy>RLModule in the migrated file)")
    parser.add_argument("--policy-config", metavar="JSON", help="with --loss: the policy/Learner config")
    parser.add_argument("--column", action="append", default=[], metavar="NAME=SPACE",
                        help="with --loss: a train-batch column of the policy's own that its loss reads, drawn "
                             "from SPACE (e.g. opponent_obs='Box(-1, 1, (4,))'); repeatable")


def run_loss(args: argparse.Namespace) -> int:
    """Build both sides and compare; prints a verdict (text or JSON) and returns the exit code."""
    from rlmigrate.core.legacy_config import policy_module_model_config
    from rlmigrate.testing.loading import ReferenceError_, load_reference
    from rlmigrate.testing.loss_equivalence import LossEquivalenceError, assert_loss_equivalent
    from rlmigrate.testing.space_text import SpaceSyntaxError, parse_space

    def fail(message: str, code: int) -> int:
        if args.format == "json":
            print(json.dumps({"verdict": "error" if code == EXIT_USAGE else "different", "message": message}))
        else:
            print(f"rlmigrate verify --loss: {'error: ' if code == EXIT_USAGE else ''}{message}", file=sys.stderr)
        return code

    try:
        if not (args.obs_space and args.action_space):
            return fail("--loss needs --obs-space and --action-space", EXIT_USAGE)
        obs, act = parse_space(args.obs_space), parse_space(args.action_space)
        extra = {}
        for item in args.column or []:
            name, sep, space = item.partition("=")
            if not sep or not name.strip():
                return fail(f"--column wants NAME=SPACE, got {item!r}", EXIT_USAGE)
            extra[name.strip()] = parse_space(space)
        config: dict[str, Any] = json.loads(args.policy_config) if args.policy_config else {}
        if not isinstance(config, dict):
            return fail(f"--policy-config must be a JSON object, got {type(config).__name__}", EXIT_USAGE)
        policy_cls, _ = load_reference(args.legacy, legacy=True)
        # built before the migrated file loads: a rewritten file re-registers its custom model names
        # (register_custom_model kept, now naming the migrated class), which the policy must not see
        policy = policy_cls(obs, act, dict(config))
        learner_cls, migrated = load_reference(args.migrated, legacy=True)
        module_name = args.module or f"{policy_cls.__name__}RLModule"
        if not hasattr(migrated, module_name):
            return fail(f"{args.migrated.split(':')[0]} has no module class {module_name!r}; pass --module", EXIT_USAGE)
        # the module gets the policy's model config as the acting verify builds it: as the codemod's
        # RLModuleSpec carries it (custom_model_config entries lifted), with the custom_model /
        # custom_action_dist names a module on the config's model resolves
        model_config = policy_module_model_config(config.get("model") if isinstance(config.get("model"), dict) else None)
        try:
            module = getattr(migrated, module_name)(observation_space=obs, action_space=act, model_config=model_config)
        except (TypeError, ValueError) as err:  # the module's own construction (its model config)
            return fail(f"building {module_name} with model_config={model_config!r} failed: "
                        f"{type(err).__name__}: {err}", EXIT_USAGE)
        learner = learner_cls(config=dict(config), module=module)
        learner.build()
    except (ReferenceError_, SpaceSyntaxError, json.JSONDecodeError) as err:
        return fail(str(err), EXIT_USAGE)
    try:
        report = assert_loss_equivalent(policy, learner, examples=args.examples, seed=args.seed, extra_columns=extra,
                                        atol=max(args.atol, 1e-5), rtol=max(args.rtol, 1e-4))
    except LossEquivalenceError as err:
        if args.format == "json":
            print(json.dumps({"verdict": "different", "problems": err.problems}))
        else:
            print(f"DIFFERENT: {err}")
        return EXIT_DIFFERENT
    except ValueError as err:  # weights that do not line up, an --column shadowing a generated one
        return fail(str(err), EXIT_USAGE)
    if args.format == "json":
        message = (f"{len(report.stats)} stats ({', '.join(report.stats) or 'none'}), {report.gradients} gradients "
                   f"equal on {report.examples} train batches ({report.rows} rows)")
        print(json.dumps({"verdict": "equivalent", "message": message, "examples": report.examples,
                          "stats": list(report.stats), "gradients": report.gradients, "max_abs": report.max_abs}))
    else:
        print(f"EQUIVALENT: {learner_cls.__name__} vs {policy_cls.__name__}: {report}")
    return EXIT_EQUIVALENT
