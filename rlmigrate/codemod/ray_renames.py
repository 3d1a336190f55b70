"""Names Ray renamed before 2.10 and where they live in Ray 2.10 (RLM035, RLM036).

Legacy code written for Ray 1.x imports paths that Ray 2.10 no longer has although the thing
behind them still exists under another name:

* the package ``ray.rllib.agents`` became ``ray.rllib.algorithms`` in Ray 2.0 (same sub-module
  paths: ``agents.ppo.ppo_torch_policy`` -> ``algorithms.ppo.ppo_torch_policy``);
* ``ray.rllib.utils.torch_ops`` / ``tf_ops`` became ``torch_utils`` / ``tf_utils`` (Ray 1.x
  kept the old modules as deprecated star re-exports of the new ones);
* the type alias ``TrainerConfigDict`` became ``AlgorithmConfigDict`` (both ``dict``);
* ``build_torch_policy(...)`` was Ray 1.x's deprecated spelling of
  ``build_policy_class(..., framework="torch")`` (RLM036).

A rename is applied only where Ray 2.10 has the new path and *every* name the statement
imports from it: that is checked against the inventory of the Ray 2.10 wheel the shim is built
from (``shim/data/ray_2_10_inventory.json``, written by ``tools/ray_inventory.py`` from the
wheel, statically). Everything else is a finding saying what is missing.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

#: the modernize rules (RLM035, RLM036)
MODERNIZE_CODES = frozenset({"RLM035", "RLM036"})
#: spellings only pre-2.10 code has: a file holding one is analysed even when its Ray imports
#: all sit inside functions (the engine otherwise skips a file without a top-level one)
OLD_SPELLINGS = ("rllib.agents", "torch_ops", "tf_ops", "TrainerConfigDict", "build_torch_policy")
#: old module prefix -> the Ray 2.10 prefix it was renamed to (longest first)
MODULE_RENAMES: tuple[tuple[str, str], ...] = (
    ("ray.rllib.utils.torch_ops", "ray.rllib.utils.torch_utils"),
    ("ray.rllib.utils.tf_ops", "ray.rllib.utils.tf_utils"),
    ("ray.rllib.agents", "ray.rllib.algorithms"),
)
#: qualified old name -> its Ray 2.10 name in the same module
NAME_RENAMES: dict[str, str] = {
    "ray.rllib.utils.typing.TrainerConfigDict": "AlgorithmConfigDict",
    "ray.rllib.utils.typing.PartialTrainerConfigDict": "PartialAlgorithmConfigDict",
}
#: where ``build_torch_policy`` was importable from (RLM036)
BUILD_TORCH_POLICY = frozenset({
    "ray.rllib.policy.torch_policy_template.build_torch_policy",
    "ray.rllib.policy.build_torch_policy",
})
#: ``build_torch_policy``'s module -> the Ray 2.10 module that has ``build_policy_class``
BUILD_POLICY_CLASS_FROM = {
    "ray.rllib.policy.torch_policy_template": "ray.rllib.policy.policy_template",
    "ray.rllib.policy": "ray.rllib.policy",
}
#: Ray 2.10's ``build_policy_class(name, framework, *, ...)`` keyword parameters (from the
#: wheel's ``ray/rllib/policy/policy_template.py``; tests/codemod/rules/test_rlm036.py checks
#: this list against the oracle venv's file when it is there)
BUILD_POLICY_CLASS_KEYWORDS = frozenset({
    "loss_fn", "get_default_config", "stats_fn", "postprocess_fn", "extra_action_out_fn",
    "extra_grad_process_fn", "extra_learn_fetches_fn", "optimizer_fn", "validate_spaces",
    "before_init", "before_loss_init", "after_init", "_after_loss_init", "action_sampler_fn",
    "action_distribution_fn", "make_model", "make_model_and_action_dist",
    "compute_gradients_fn", "apply_gradients_fn", "mixins", "get_batch_divisibility_req",
})
#: modules/names gone from Ray 2.10 with no same-meaning successor: what to do instead
NO_SUCCESSOR: dict[str, str] = {
    "ray.rllib.agents.trainer_template": "build_trainer was removed in Ray 2.0: subclass "
        "ray.rllib.algorithms.algorithm.Algorithm (its training_step) with an AlgorithmConfig",
    "ray.rllib.agents.trainer": "Ray 2.0 aliased Trainer to ray.rllib.algorithms.algorithm."
        "Algorithm (configured by an AlgorithmConfig); with_common_config there raises on Ray 2.10",
    "ray.rllib.models.model": "Ray 0.x's TF Model module (replaced by ModelV2)",
    "ray.rllib.agents.dqn.dqn_tf_policy._adjust_nstep": "a private helper; Ray 2.10's "
        "ray.rllib.evaluation.postprocessing.adjust_nstep(n_step, gamma, batch) takes a "
        "SampleBatch, not the columns: not the same call",
}


@functools.lru_cache(maxsize=1)
def ray_2_10_modules() -> dict[str, frozenset[str]]:
    """``{module path: names importable from it}`` of Ray 2.10's ``ray.rllib``."""
    text = resources.files("shim").joinpath("data/ray_2_10_inventory.json").read_text(encoding="utf-8")
    modules: dict[str, Any] = json.loads(text)["modules"]
    return {path: frozenset(record["names"]) for path, record in modules.items()}


@functools.lru_cache(maxsize=1)
def ray_2_10_raising() -> dict[str, frozenset[str]]:
    """``{module: names}`` that Ray 2.10 keeps only as stubs raising when used (``@Deprecated(
    error=True)``; ``"*"``: importing the module raises), from ``tools/ray_raising_names.py``."""
    text = resources.files("rlmigrate.codemod").joinpath("data/ray_2_10_raising.json").read_text(encoding="utf-8")
    return {module: frozenset(names) for module, names in json.loads(text).items()}


def raises_in_2_10(module: str, name: str | None = None) -> bool:
    """Whether Ray 2.10 has ``module`` (or ``module.name``) only as a stub that raises."""
    stubs = ray_2_10_raising().get(module, frozenset())
    return "*" in stubs or (name is not None and name in stubs)


def module_in_2_10(path: str) -> bool:
    """Whether ``import path`` works on Ray 2.10 (the module exists and does not raise)."""
    return path in ray_2_10_modules() and not raises_in_2_10(path)


def name_in_2_10(module: str, name: str) -> bool:
    """Whether ``from module import name`` gives a working name on Ray 2.10 (a name or a
    sub-module, not a deprecated stub that raises when used)."""
    inventory = ray_2_10_modules()
    if raises_in_2_10(module, name):
        return False
    return name in inventory.get(module, ()) or module_in_2_10(f"{module}.{name}")


def renamed_module(path: str) -> str | None:
    """The Ray 2.10 path of a module under a renamed prefix (whether or not 2.10 has it)."""
    for old, new in MODULE_RENAMES:
        if path == old or path.startswith(old + "."):
            return new + path[len(old):]
    return None


#: module trees the inventory lists by path only (tools/ray_inventory.py ``PATHS_ONLY``): their
#: names are unknown, so nothing under them is judged
PATHS_ONLY = ("ray.rllib.examples", "ray.rllib.tuned_examples")


def is_ray_rllib(path: str) -> bool:
    """A ``ray.rllib`` path whose names the inventory knows (not Ray's examples)."""
    if any(path == p or path.startswith(p + ".") for p in PATHS_ONLY):
        return False
    return path == "ray.rllib" or path.startswith("ray.rllib.")


def no_successor(module: str, name: str | None = None) -> str | None:
    """What replaces a module (or ``module.name``) that Ray 2.10 lacks without a same-meaning
    successor, when it is one we know; else None."""
    if name is not None and f"{module}.{name}" in NO_SUCCESSOR:
        return NO_SUCCESSOR[f"{module}.{name}"]
    if raises_in_2_10(module, name):
        return "Ray 2.10 keeps it only as a deprecated stub that raises when used"
    if name is not None and module.startswith(("ray.rllib.agents.", "ray.rllib.algorithms.")):
        if name.endswith("Trainer"):
            return (f"Ray 2.0 replaced the Trainer classes by Algorithm classes ({name} → "
                    f"{name[: -len('Trainer')] or 'Algorithm'}) configured by an AlgorithmConfig, "
                    "not a config dict: not a rename")
        if name == "DEFAULT_CONFIG":
            return "Ray 2.x replaced the DEFAULT_CONFIG dicts by AlgorithmConfig objects: not a rename"
    return NO_SUCCESSOR.get(module)


def modernized_key(module: str, obj: str | None, asname: str | None) -> tuple[str, str | None, str | None]:
    """An import ``(module, name, asname)`` as RLM035/RLM036 respell it (unchanged when they do
    not): what the rewritten file holds in its place."""
    qualified = f"{module}.{obj}" if obj else module
    if qualified in BUILD_TORCH_POLICY:
        return BUILD_POLICY_CLASS_FROM[module], "build_policy_class", asname
    if qualified in NAME_RENAMES:
        return module, NAME_RENAMES[qualified], asname
    return renamed_module(module) or module, obj, asname
