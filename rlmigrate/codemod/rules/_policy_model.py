"""Which algorithm a legacy policy derives from, and which model it acts with (RLM031, RLM034).

A policy's acting is its model + the algorithm's sampling. Both are found statically:

* the algorithm (:func:`resolve_algorithm`): the policy's base or ``.with_updates`` receiver,
  through import aliases, ``from ray.rllib... import *``, classes and ``with_updates`` results of
  this file, and policy classes of other files of the run (the project index);
* the model (:func:`resolve_model`), when no ``make_model*`` hook builds one: the literal
  ``config["model"]["custom_model"]`` of this file (else the only one of the run), looked up in
  the run's ``register_custom_model`` calls; without one, the model config's model at run time,
  as ``ModelCatalog`` chose it: the migrated module registered under its ``custom_model``
  (:mod:`rlmigrate.core.custom_models`), else RLlib's default model, whose new-stack twin is the
  algorithm's default module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from rlmigrate.codemod import nodes as N
from rlmigrate.codemod.algorithm_policies import ALGORITHM_POLICIES, AlgorithmPolicy
from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.legacy_api import POLICY_BUILDERS
from rlmigrate.codemod.project_policies import Registration, shared_depth


@dataclass(frozen=True)
class Algorithm:
    """The legacy algorithm policy a user policy derives from."""

    symbol: str  # the legacy class name ("PPOTorchPolicy")
    entry: AlgorithmPolicy
    via: str  # how it was found, for findings ("PPOTorchPolicy", "BasePolicy (other.py)")


@dataclass
class ModelChoice:
    """The base class of the generated module, or why there is none."""

    base: cst.BaseExpression | None = None
    describe: str = ""  # quoted in the finding ("RLlib's default model → PPOTorchRLModule")
    notes: list[str] = field(default_factory=list)
    problem: str | None = None
    methods: list[cst.BaseStatement] = field(default_factory=list)  # put first in the module body


#: PPO's legacy default model kept a separate value branch (PPOConfig sets
#: ``model["vf_share_layers"] = False``; with ``use_lstm`` the value reads the LSTM features); the
#: new stack's default shares the encoder. The generated module pins the legacy layout unless the
#: config says otherwise.
_LEGACY_LAYOUT_INIT = (
    "def __init__(self, *args, **kwargs):\n"
    "    # {why}\n"
    "    model_config = kwargs.get(\"model_config\")\n"
    "    if model_config is None or isinstance(model_config, dict):\n"
    "        model_config = dict(model_config or {{}})\n"
    "        model_config.setdefault(\"vf_share_layers\", {value})\n"
    "        kwargs[\"model_config\"] = model_config\n"
    "    super().__init__(*args, **kwargs)\n"
)
_DEFAULT_MODEL_INIT = _LEGACY_LAYOUT_INIT.format(
    why="PPO's legacy default model: separate value layers (PPOConfig), shared with use_lstm",
    value='bool(model_config.get(\"use_lstm\"))')
#: a custom model under a PPO policy read PPOConfig's model defaults too
_CUSTOM_MODEL_INIT = _LEGACY_LAYOUT_INIT.format(
    why="the legacy PPO policy gave its model PPOConfig's model config (vf_share_layers=False)",
    value="False")


#: a policy on RLlib's default model built ``config["model"]["custom_model"]`` whenever the config
#: named one (``ModelCatalog.get_model_v2``); the module does the same with its own model config
_CONFIG_MODEL_NEW = (
    "def __new__(cls, *args, **kwargs):\n"
    "    # as {why} did: the model config's custom_model, else the default model (this class)\n"
    "    module = custom_model_module(args, kwargs{defaults})\n"
    "    return module if module is not None else super().__new__(cls)\n"
)


def _init(text: str) -> cst.BaseStatement:
    return N.statement(text).with_changes(leading_lines=[cst.EmptyLine(indent=False)])


def resolve_algorithm(ctx: FileContext, expr: cst.BaseExpression, seen: frozenset[str] = frozenset()) -> Algorithm | None:
    """The algorithm policy ``expr`` (a base class or ``with_updates`` receiver) derives from."""
    for symbol in sorted(ctx.legacy_symbols(expr)):
        if symbol in ALGORITHM_POLICIES:
            return Algorithm(symbol, ALGORITHM_POLICIES[symbol], symbol)
    if not isinstance(expr, cst.Name):
        return None
    name = expr.value
    if name in seen:
        return None
    if name in ALGORITHM_POLICIES and ctx.facts.legacy_star_modules and not ctx.qualified_names(expr) - {name}:
        star = ", ".join(ctx.facts.legacy_star_modules)
        return Algorithm(name, ALGORITHM_POLICIES[name], f"{name} (from {star} import *)")
    found = ctx.project.policy_bases.get(name)
    if found is not None:
        symbol, where = found
        return Algorithm(symbol, ALGORITHM_POLICIES[symbol], where)
    local = ctx.facts.classes.get(name)
    if local is not None:
        for arg in local.bases:
            algo = resolve_algorithm(ctx, arg.value, seen | {name})
            if algo is not None:
                return Algorithm(algo.symbol, algo.entry, f"{name} → {algo.via}")
    call = ctx.facts.assigned_calls.get(name)
    if call is None:
        return None
    builder = ctx.legacy_symbols(call.func) & POLICY_BUILDERS
    if builder:
        return template_algorithm(sorted(builder)[0])
    if isinstance(call.func, cst.Attribute) and call.func.attr.value == "with_updates":
        algo = resolve_algorithm(ctx, call.func.value, seen | {name})
        if algo is not None:
            return Algorithm(algo.symbol, algo.entry, f"{name} → {algo.via}")
    return None


def template_algorithm(builder: str) -> Algorithm:
    """A ``build_torch_policy`` / ``build_policy_class`` class: a TorchPolicyV2 that acts with
    the catalog's model and distribution unless its hooks say otherwise."""
    return Algorithm("TorchPolicyV2", ALGORITHM_POLICIES["TorchPolicyV2"], f"a {builder}() policy")


def _custom_model_name(ctx: FileContext) -> tuple[str | None, str]:
    """The literal ``custom_model`` this file's policy most likely runs with, and from where."""
    here = sorted({name for name, _ in ctx.project.custom_models_here})
    if len(here) == 1:
        line = next(line for name, line in ctx.project.custom_models_here if name == here[0])
        return here[0], f"the custom_model of this file's config (line {line})"
    if len(here) > 1:
        return None, f"this file's configs name several custom models ({', '.join(here)})"
    run = ctx.project.custom_models_run
    if len(run) == 1:
        return run[0], "the only custom_model named in the run"
    near = ctx.project.custom_models_near
    if len(near) == 1:
        return near[0], (f"the custom_model of {ctx.project.custom_models_near_from}, the config nearest this "
                         "file in the run (other configs of the run name others)")
    if run:
        return None, f"the run's configs name several custom models ({', '.join(run)}) and this file none"
    return None, ""


def _registered(ctx: FileContext, name: str) -> Registration | None:
    """The run's ``register_custom_model(name, cls)`` this file's policy means: this file's own
    registration, else the one in the files nearest it (the deepest shared directory), a torch
    class over another at the same distance (``cls_a if framework == "torch" else cls_b``
    registers both; the first arm wins when neither is known to be torch). In a monorepo two
    projects may register the same name, and a training script registers its own project's model."""
    here = ctx.project.display
    return max(ctx.project.registrations.get(name, []),
               key=lambda r: (r.path == here, shared_depth(here, r.path), r.torch), default=None)


def _class_expr(ctx: FileContext, reg: Registration) -> cst.BaseExpression:
    """An expression naming the registered class here: its local name if this file binds it,
    else an import of its qualified path (what the registering file imported or defined)."""
    local = reg.cls.split(".")[0]
    bound = local in ctx.facts.classes or any(imp.local == local for imp in ctx.facts.legacy_imports)
    scope_names = ctx.project.model_classes
    if bound or local in scope_names or reg.path == ctx.project.display:
        return N.expression(reg.cls)
    module, _, symbol = reg.qualified.rpartition(".")
    if not module:
        return N.expression(reg.cls)
    return ctx.need_from(module, symbol)


def resolve_model(ctx: FileContext, algo: Algorithm) -> ModelChoice:
    """The model a policy without ``make_model*`` hooks acts with (see the module docstring)."""
    name, source = _custom_model_name(ctx)
    if name is not None:
        reg = _registered(ctx, name)
        if reg is None:
            return ModelChoice(problem=(
                f"its model is custom_model {name!r} ({source}), but no register_custom_model({name!r}, "
                "<class>) with a class name was found in the run: register the class by name, or base "
                f"the module on the migrated model class by hand (class {ctx.project.display or 'X'}RLModule(MyModel))"))
        return ModelChoice(
            base=_class_expr(ctx, reg),
            describe=f"custom_model {name!r} ({source}) = {reg.cls}, registered at {reg.path}:{reg.line}",
            notes=[f"{reg.cls} must itself be migrated to an RLModule (see the findings of {reg.path})"],
            methods=[_init(_CUSTOM_MODEL_INIT)] if algo.entry.separate_value_layers else [],
        )
    entry = algo.entry
    if entry.module is None:
        return ModelChoice(problem=entry.why_not)
    base = ctx.need(entry.module)
    layout = ("separate value layers, as PPOConfig set them" if entry.separate_value_layers
              else "value layers shared, as MODEL_DEFAULTS and the new stack's default")
    methods = [_init(_DEFAULT_MODEL_INIT)] if entry.separate_value_layers else []
    if ctx.target.name != "rlmigrate":
        notes = [f"{source}: check that the policy runs on RLlib's default model" if source else
                 "no literal custom_model found in this file or the run: if the config names one, base "
                 "the module on that (migrated) class instead"]
        return ModelChoice(
            base=base,
            describe=f"RLlib's default model for config['model'] → {entry.module} ({layout}; legacy "
                     "weights load through the default-model map)",
            notes=notes, methods=methods)
    defaults = ', model_defaults={"vf_share_layers": False}' if entry.separate_value_layers else ""
    new = _init(_CONFIG_MODEL_NEW.format(why="ModelCatalog", defaults=defaults))
    ctx.need_from("rlmigrate.core.custom_models", "custom_model_module")
    notes = [("the module is the class registered under the model config's custom_model (as "
              "ModelCatalog built it): register each migrated model with register_custom_module(name, "
              "<module class>) and each migrated distribution with register_custom_action_dist(name, "
              "<distribution class>) from rlmigrate.core.custom_models")
             + (f"; {source}" if source else "")]
    return ModelChoice(
        base=base,
        describe=f"the model config's model: its registered custom_model, else RLlib's default model → "
                 f"{entry.module} ({layout}; legacy weights load through the default-model map)",
        notes=notes,
        methods=[new, *methods],
    )
