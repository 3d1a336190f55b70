"""RLM038 for a policy that acts through a new-stack RLModule it holds (transitional 2.x code).

Some Ray 2.x policies build an early RLModule in ``__init__``
(``self.model = SomeRLModule(config=RLModuleConfig(...))``) and act by handing their input dict
to it (``fwd_out = self.model.forward_exploration(input_dict)``), then return pieces of its
output as the legacy triple. The module that acts like such a policy is that module, built as
the policy built it: ``<Policy>RLModule`` subclasses the held class, its constructor runs the
policy's own construction statements, and its forward runs the policy's acting code around the
held module's forward (``self.model.forward_X(input_dict)`` → ``super()._forward_X(...)``, the
triple → the output dict). ``get_initial_state()`` is the policy's, ported: a path returning
``None`` (no state: Ray 2.10's collectors took it as ``[]``) returns ``{}``, and
``self.model.get_initial_state()`` is the held module's. Policy-config keys the copied code
reads (``self.config``) come from the module's ``model_config``, kept as
``self.policy_config`` (the held module's own ``model_config`` is what the policy gave it).

Anything else the policy does with ``self`` or ``input_dict``, and a ``--target ray`` rewrite
(Ray moved its example modules), blocks, with a manual finding each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from rlmigrate.codemod import nodes as N
from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.rules._heuristic_analysis import (
    DROPPED_METHODS,
    ENTRY_METHODS,
    _dropped_init_statement,
    is_noop,
    own_returns,
    positional_params,
    references,
)
from rlmigrate.codemod.rules._heuristic_checks import PLUMBING_ATTRS, Blocker

#: the held module's forward methods a policy may call, and the hooks they run
_FORWARDS = {"forward_exploration": "_forward_exploration", "forward_inference": "_forward_inference"}
#: legacy names the copied code may keep (plain utilities, imported as the policy imported them)
_KEPT_LEGACY = frozenset({"SampleBatch", "override", "convert_to_numpy"})
#: the generated constructor's parameters, by the legacy Policy constructor's positions
_CTOR_ROLES = ("observation_space", "action_space", "config")


@dataclass
class WrapperPlan:
    """One policy that acts through the RLModule it holds (original nodes throughout)."""

    name: str
    node: cst.ClassDef
    held: str  # the held module class, as this file spells it
    model_call: cst.Call  # ``Held(...)`` in ``__init__``
    init: cst.FunctionDef
    init_kept: list[cst.BaseStatement] = field(default_factory=list)
    entry: cst.FunctionDef | None = None
    forwards: set[str] = field(default_factory=set)
    initial_state: cst.FunctionDef | None = None
    notes: list[str] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _methods(node: cst.ClassDef) -> dict[str, cst.FunctionDef]:
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else []
    return {s.name.value: s for s in body if isinstance(s, cst.FunctionDef)}


def _self_attr(node: cst.CSTNode, self_name: str, attr: str | None = None) -> bool:
    return (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name)
            and node.value.value == self_name and (attr is None or node.attr.value == attr))


def is_new_stack_module(ctx: FileContext, func: cst.BaseExpression) -> bool:
    """Whether ``func`` names a new-stack RLModule class: one of Ray's (a ``ray.rllib`` path
    through an ``rl_module`` package) or a class of this file whose base is one."""
    if any(n.startswith("ray.rllib.") and ".rl_module." in f".{n}." for n in ctx.qualified_names(func)):
        return True
    local = ctx.facts.classes.get(func.value) if isinstance(func, cst.Name) else None
    return local is not None and any(
        is_new_stack_module(ctx, arg.value) for arg in local.bases if arg.value is not func)


def _model_assignment(ctx: FileContext, stmt: cst.BaseStatement, self_name: str) -> cst.Call | None:
    """The ``Held(...)`` call of a top-level ``self.model = Held(...)`` statement."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    small = stmt.body[0]
    if not (isinstance(small, cst.Assign) and len(small.targets) == 1
            and _self_attr(small.targets[0].target, self_name, "model")):
        return None
    value = small.value
    if isinstance(value, cst.Call) and is_new_stack_module(ctx, value.func):
        return value
    return None


def plan_wrapper(ctx: FileContext, node: cst.ClassDef) -> WrapperPlan | None:
    """The plan for policy ``node`` when its ``__init__`` makes ``self.model`` a new-stack
    RLModule (None otherwise: the other RLM038 paths apply)."""
    methods = _methods(node)
    init = methods.get("__init__")
    params = positional_params(init) if init is not None else []
    if init is None or not params:
        return None
    self_name = params[0].name.value
    found = next(((stmt, call) for stmt in N.body_statements(init)
                  if (call := _model_assignment(ctx, stmt, self_name)) is not None), None)
    if found is None:
        return None
    entry_name = next((m for m in ENTRY_METHODS if m in methods), None)
    if entry_name != "compute_actions_from_input_dict":
        return None  # no input dict handed over: the hand-written path says what to do
    model_stmt, call = found
    plan = WrapperPlan(name=node.name.value, node=node, held=_code(call.func), model_call=call,
                       init=init)
    _plan_init(ctx, plan, model_stmt, self_name)
    if ctx.target.name == "ray":
        plan.blockers.append(Blocker(call, f"acts through {plan.held}, the new-stack RLModule its "
                                     "__init__ builds (Ray 2.10's early API, RLModuleConfig); with "
                                     "--target ray use that module itself (Ray >= 2.40 keeps its "
                                     "examples' modules under ray.rllib.examples.rl_modules.classes): "
                                     "RLModuleSpec(module_class=..., model_config=...); port by hand"))
    for name, func in methods.items():
        if name in ("__init__", entry_name):
            continue
        if name == "get_initial_state":
            plan.initial_state = func
            _check_copied(ctx, plan, func, allow_model=("get_initial_state",))
        elif name in ("get_weights", "set_weights", "learn_on_batch") and is_noop(func):
            plan.notes.append(f"{name}() dropped: a no-op")
        elif name in ("get_weights", "set_weights"):
            plan.blockers.append(Blocker(func, f"{name}() does more than nothing: a module's "
                                         "weights are its own state (get_state/set_state); port "
                                         "by hand"))
        elif name in DROPPED_METHODS:
            plan.notes.append(f"{name}() dropped: {DROPPED_METHODS[name]}")
        elif name in ENTRY_METHODS:
            plan.notes.append(f"{name}() dropped: the module acts through {entry_name}()")
        else:
            plan.notes.append(f"{name}() dropped: not part of acting (the module acts through "
                              f"{plan.held})")
    plan.entry = methods[entry_name]
    _plan_entry(ctx, plan)
    return plan


def _plan_init(ctx: FileContext, plan: WrapperPlan, model_stmt: cst.BaseStatement, self_name: str) -> None:
    """Statements before ``self.model = ...`` are kept (the module's construction); after it,
    only view-requirement plumbing may follow (dropped)."""
    seen_model = False
    for index, stmt in enumerate(N.body_statements(plan.init)):
        if stmt is model_stmt:
            seen_model = True
            continue
        if index == 0 and N.docstring_count([stmt]):
            continue
        reason = _dropped_init_statement(ctx, stmt, self_name)
        if reason is not None:
            if reason:
                plan.notes.append(reason)
            continue
        if seen_model:
            plan.blockers.append(Blocker(stmt, f"__init__ goes on after building {plan.held} (its "
                                         "self.model): only view-requirement plumbing may follow "
                                         "it; port by hand"))
            continue
        plan.init_kept.append(stmt)
    for stmt in [*plan.init_kept, model_stmt]:
        for sub in N.walk(stmt):
            if _self_attr(sub, self_name) and isinstance(sub, cst.Attribute) \
                    and sub.attr.value not in (*_CTOR_ROLES, "model"):
                plan.blockers.append(Blocker(sub, f"__init__ builds {plan.held} from self."
                                             f"{sub.attr.value}, which the module's constructor "
                                             "does not get (only spaces and model_config); port "
                                             "by hand"))
    for star in (plan.init.params.star_arg, plan.init.params.star_kwarg):
        if isinstance(star, cst.Param):
            used = [r for r in references(ctx, star)
                    if any(any(n is r for n in N.walk(s)) for s in [*plan.init_kept, model_stmt])]
            if used:
                plan.blockers.append(Blocker(used[0], f"__init__ builds {plan.held} from "
                                             f"{star.name.value}; port by hand"))


def _plan_entry(ctx: FileContext, plan: WrapperPlan) -> None:
    entry = plan.entry
    assert entry is not None
    params = positional_params(entry)
    self_name = params[0].name.value
    input_param = params[1] if len(params) > 1 else None
    calls: list[cst.Call] = []
    for sub in N.walk(entry.body):
        if isinstance(sub, cst.Call) and isinstance(sub.func, cst.Attribute) \
                and sub.func.attr.value in _FORWARDS and _self_attr(sub.func.value, self_name, "model"):
            calls.append(sub)
            plan.forwards.add(sub.func.attr.value)
    if not calls:
        plan.blockers.append(Blocker(entry, f"holds {plan.held} as self.model but acts without "
                                     "calling its forward_exploration/forward_inference; port by hand"))
    for param in [*params[1:], *entry.params.kwonly_params]:
        for ref in references(ctx, param):
            handed = any(len(c.args) == 1 and c.args[0].value is ref for c in calls)
            if param is input_param and handed:
                continue
            what = ("uses its input dict other than by handing it to self.model"
                    if param is input_param else f"reads its parameter {param.name.value}")
            plan.blockers.append(Blocker(ref, f"compute_actions_from_input_dict() {what}: the "
                                         "module's forward gets the batch only; port by hand"))
            break
    _check_copied(ctx, plan, entry, allow_model=tuple(_FORWARDS))
    for ret in own_returns(entry):
        if not (isinstance(ret.value, cst.Tuple) and len(ret.value.elements) == 3):
            plan.blockers.append(Blocker(ret, "compute_actions_from_input_dict() returns something "
                                         "other than the (actions, state_outs, extra_fetches) "
                                         "triple; port by hand"))


def _check_copied(ctx: FileContext, plan: WrapperPlan, func: cst.FunctionDef,
                  allow_model: tuple[str, ...]) -> None:
    """Blockers in a copied method: ``self`` uses other than ``self.config`` and
    ``self.model.<allowed>(...)``, legacy names other than plain utilities."""
    params = positional_params(func)
    self_name = params[0].name.value if params else None
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    for sub in N.walk(func.body):
        for child in N.children(sub):
            parents[child] = sub
    for sub in N.walk(func.body):
        if self_name and _self_attr(sub, self_name):
            assert isinstance(sub, cst.Attribute)
            attr, parent = sub.attr.value, parents.get(sub)
            if attr == "config":
                continue
            if attr == "model" and isinstance(parent, cst.Attribute) and parent.attr.value in allow_model \
                    and isinstance(parents.get(parent), cst.Call):
                continue
            message = PLUMBING_ATTRS.get(attr) if attr != "model" else None
            plan.blockers.append(Blocker(sub, f"{func.name.value}() " + (message or (
                f"uses self.{attr}: only self.config and the held module's "
                f"{'/'.join(allow_model)}() map onto {plan.held}; port by hand"))))
        elif isinstance(sub, cst.Name):
            legacy = ctx.legacy_symbols(sub)
            new_stack = any(q.startswith("ray.rllib.core.") for q in ctx.qualified_names(sub))
            if legacy and not new_stack and not legacy & _KEPT_LEGACY:
                plan.blockers.append(Blocker(sub, f"{func.name.value}() uses the legacy RLlib name "
                                             f"{sub.value}, which has no counterpart inside an "
                                             "RLModule; port by hand"))
