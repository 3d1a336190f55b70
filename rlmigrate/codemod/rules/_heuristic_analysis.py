"""What a hand-written (heuristic) ``Policy`` subclass is made of, for RLM038.

A heuristic policy subclasses RLlib's framework-free ``Policy`` and computes its actions
itself in ``compute_actions`` (or ``compute_actions_from_input_dict`` /
``compute_single_action``). :func:`plan_heuristic` sorts its methods into what becomes part
of the generated ``<Policy>RLModule`` (``__init__`` → ``setup()``, ``get_initial_state``,
the acting method → ``_forward``, helpers copied), what is dropped (learning no-ops, legacy
plumbing) and what blocks a mechanical port (previous actions, episodes, infos, the wrapped
model, ...), each blocker with the node it is at and what replaces it on the new stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.nodes import walk
from rlmigrate.codemod.rules._heuristic_checks import (
    PLUMBING_ATTRS,
    ROLE_BLOCKERS,
    Blocker,
    assigns_own_model,
    check_body,
    check_input_dict,
    own_model_class,
)
from rlmigrate.codemod.unpickling import unpickling_calls

ENTRY_METHODS = ("compute_actions", "compute_actions_from_input_dict", "compute_single_action")
# Positional parameters after ``self``, per legacy signature.
_POSITIONS = {
    "compute_actions": ("obs", "state", "prev_actions", "prev_rewards", "infos", "episodes",
                        "explore", "timestep"),
    "compute_actions_from_input_dict": ("input_dict", "explore", "timestep", "episodes"),
    "compute_single_action": ("single_obs", "state", "prev_actions", "prev_rewards", "infos",
                              "episodes", "clip_actions", "explore", "timestep"),
}
_ROLE_BY_NAME = {
    "obs_batch": "obs", "state_batches": "state", "prev_action_batch": "prev_actions",
    "prev_reward_batch": "prev_rewards", "info_batch": "infos", "episodes": "episodes",
    "episode": "episodes", "explore": "explore", "timestep": "timestep",
    "input_dict": "input_dict", "prev_action": "prev_actions", "prev_reward": "prev_rewards",
    "info": "infos", "clip_actions": "clip_actions",
}
# Legacy Policy methods the module does not need; the note says why.
DROPPED_METHODS = {
    "is_recurrent": "the module is stateful exactly when get_initial_state() is not empty",
    "compute_log_likelihoods": "the module returns its actions itself (no action distribution, "
                               "so no logp)",
    "init_view_requirements": "view requirements become ConnectorV2 pieces",
    "_get_dummy_batch_from_view_requirements": "view requirements become ConnectorV2 pieces",
    "postprocess_trajectory": "trajectory postprocessing becomes a learner connector piece "
                              "(not converted)",
    "get_state": "the policy's checkpoint state: a module checkpoints get_state()/set_state()",
    "set_state": "the policy's checkpoint state: a module checkpoints get_state()/set_state()",
    "export_checkpoint": "modules save with save_to_path()",
    "export_model": "modules save with save_to_path()",
    "on_global_var_update": "global vars (timesteps) reach a module as forward kwargs (t=...)",
    "get_exploration_state": "exploration lives in _forward_exploration",
    "compute_gradients": "training moves to a Learner (not converted)",
    "apply_gradients": "training moves to a Learner (not converted)",
    "loss": "training moves to a Learner (not converted)",
    "action_distribution_fn": "only a TorchPolicy calls it; this policy acts in its own "
                              "acting method",
    "action_sampler_fn": "only a TorchPolicy calls it; this policy acts in its own acting method",
    "make_model": "only a TorchPolicy calls it; this policy acts in its own acting method",
    "make_model_and_action_dist": "only a TorchPolicy calls it; this policy acts in its own "
                                  "acting method",
}
WEIGHT_METHODS = {"get_weights": "get_state", "set_weights": "set_state"}


@dataclass
class HeuristicPlan:
    """One heuristic policy class, sorted for generation (original nodes throughout)."""

    name: str
    node: cst.ClassDef
    self_name: str = "self"
    entry: cst.FunctionDef | None = None
    roles: dict[str, str] = field(default_factory=dict)  # param name -> role
    init: cst.FunctionDef | None = None
    init_kept: list[cst.BaseStatement] = field(default_factory=list)
    init_params: dict[str, str] = field(default_factory=dict)  # param name -> self.<attr>
    initial_state: cst.FunctionDef | None = None
    helpers: list[cst.BaseStatement] = field(default_factory=list)
    weights: list[cst.FunctionDef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)
    local_base: str | None = None
    #: the module class the generated one subclasses when the policy's base is a Ray example
    #: policy rlmigrate knows (``RandomRLModule``): the base acts through its ``_forward``, so
    #: ``return super().<acting method>(...)`` with the method's own arguments becomes
    #: ``return super()._forward(batch, **kwargs)``
    base_module: str | None = None
    delegations: list[cst.Call] = field(default_factory=list)
    #: episode columns (``t``, ``eps_id``, ``env_id``, ``agent_index``, ``unroll_id``) the
    #: acting method reads from its input dict: the module reads them from its batch
    columns: list[str] = field(default_factory=list)
    #: a class of the policy's own, defined in ``__init__``, whose instance ``__init__`` makes
    #: ``self.model`` (a stand-in holding view requirements or an initial state): kept as is
    own_model: cst.ClassDef | None = None

    @property
    def stateful(self) -> bool:
        return self.initial_state is not None


def positional_params(func: cst.FunctionDef) -> list[cst.Param]:
    """Positional-or-keyword parameters (``self`` included)."""
    return list(func.params.posonly_params) + list(func.params.params)


def references(ctx: FileContext, param: cst.Param) -> list[cst.CSTNode]:
    """The nodes that read ``param`` inside its function (scope analysis)."""
    scope = ctx.scope_of(param.name)
    if scope is None:
        return []
    out: list[cst.CSTNode] = []
    for assignment in scope.assignments[param.name.value]:
        if getattr(assignment, "node", None) is param:
            out.extend(access.node for access in assignment.references)
    return out


def own_returns(func: cst.FunctionDef) -> list[cst.Return]:
    """The ``return`` statements of ``func`` itself (not of functions nested in it)."""
    return [n for n in walk(func.body, into_functions=False) if isinstance(n, cst.Return)]


def is_noop(func: cst.FunctionDef) -> bool:
    """A body of only a docstring, ``pass``, ``...`` or ``return`` of None / ``{}`` / ``[]``."""
    body = func.body.body if isinstance(func.body, cst.IndentedBlock) else [func.body]
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            return False
        for small in stmt.body:
            if isinstance(small, cst.Pass):
                continue
            if isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.Ellipsis)):
                continue
            if isinstance(small, cst.Return) and (
                small.value is None
                or (isinstance(small.value, cst.Name) and small.value.value == "None")
                or (isinstance(small.value, cst.Dict) and not small.value.elements)
                or (isinstance(small.value, cst.List) and not small.value.elements)
            ):
                continue
            return False
    return True


def _methods(node: cst.ClassDef) -> list[cst.BaseStatement]:
    return list(node.body.body) if isinstance(node.body, cst.IndentedBlock) else []


def _self_name(func: cst.FunctionDef) -> str | None:
    params = positional_params(func)
    if not params or any(_decorator_name(d) in ("staticmethod", "classmethod") for d in func.decorators):
        return None
    return params[0].name.value


def _decorator_name(decorator: cst.Decorator) -> str | None:
    target = decorator.decorator
    if isinstance(target, cst.Call):
        target = target.func
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        return target.attr.value
    return None


def plan_heuristic(
    ctx: FileContext, node: cst.ClassDef, local_base: str | None, base_module: str | None = None
) -> HeuristicPlan:
    """Sort the methods of heuristic policy ``node`` (see the module docstring); ``base_module``
    names the known module of a Ray example base (see :attr:`HeuristicPlan.base_module`)."""
    plan = HeuristicPlan(name=node.name.value, node=node, local_base=local_base, base_module=base_module)
    by_name = {s.name.value: s for s in _methods(node) if isinstance(s, cst.FunctionDef)}
    entry_name = next((m for m in ENTRY_METHODS if m in by_name), None)
    if entry_name is None and local_base is None:
        plan.blockers.append(Blocker(node, "defines none of compute_actions, "
                                     "compute_actions_from_input_dict, compute_single_action: "
                                     "nothing to turn into the module's _forward; port by hand"))
        return plan
    defined = set(by_name)
    for stmt in _methods(node):
        if not isinstance(stmt, cst.FunctionDef):
            plan.helpers.append(stmt)
            continue
        name = stmt.name.value
        if name == entry_name:
            plan.entry = stmt
        elif name in ENTRY_METHODS:
            plan.notes.append(f"{name}() dropped: the module acts on batches through {entry_name}()")
        elif name == "__init__":
            plan.init = stmt
        elif name == "get_initial_state":
            plan.initial_state = stmt
        elif name in DROPPED_METHODS:
            plan.notes.append(f"{name}() dropped: {DROPPED_METHODS[name]}")
        elif name == "learn_on_batch":
            plan.notes.append("learn_on_batch() dropped: " + (
                "it learned nothing" if is_noop(stmt) else
                "not converted; training moves to a Learner"))
        elif name in WEIGHT_METHODS:
            if is_noop(stmt):
                plan.notes.append(f"{name}() dropped: a no-op (the module has no weights)")
            else:
                plan.weights.append(stmt)
        else:
            plan.helpers.append(stmt)
    if plan.entry is not None:
        plan.self_name = _self_name(plan.entry) or "self"
        _plan_entry(ctx, plan, entry_name or "")
    if plan.init is not None:
        plan.own_model = own_model_class(ctx, plan.init, _self_name(plan.init) or "self")
        _plan_init(ctx, plan)
    if plan.initial_state is not None:
        _plan_initial_state(plan)
    assigned = _assigned_self_attrs(node)
    for func in [f for f in (plan.entry, plan.initial_state, *plan.weights) if f is not None] + [
        h for h in plan.helpers if isinstance(h, cst.FunctionDef)
    ]:
        check_body(ctx, plan, func.body, _self_name(func), defined | assigned)
    for stmt in plan.init_kept:
        check_body(ctx, plan, stmt, plan.init and _self_name(plan.init), defined | assigned)
    loads = unpickling_calls(ctx, [*plan.init_kept, *plan.helpers, *plan.weights,
                                   *([plan.entry] if plan.entry is not None else [])])
    if loads:
        plan.notes.append(f"the module keeps {', '.join(f'{n}()' for n in loads)}, which unpickles "
                          "the file it loads (and may run code from it), as the legacy policy did: "
                          "load only files you trust, or save the model's weights in a format that "
                          "holds no code (safetensors) and load those")
    return plan


def _plan_entry(ctx: FileContext, plan: HeuristicPlan, entry_name: str) -> None:
    entry = plan.entry
    assert entry is not None
    positions = _POSITIONS[entry_name]
    for index, param in enumerate(positional_params(entry)[1:]):
        name = param.name.value
        role = _ROLE_BY_NAME.get(name) or (positions[index] if index < len(positions) else "extra")
        if entry_name == "compute_single_action" and role == "obs":
            role = "single_obs"
        plan.roles[name] = role
        refs = references(ctx, param)
        if role in ROLE_BLOCKERS and refs:
            plan.blockers.append(Blocker(refs[0], f"{entry_name}() "
                                         + ROLE_BLOCKERS[role].format(name=name)))
        if role == "extra" and refs:
            plan.blockers.append(Blocker(refs[0], f"{entry_name}() reads its parameter {name}, "
                                         "which has no counterpart in an RLModule's forward; port by hand"))
        if role == "input_dict":
            check_input_dict(ctx, plan, refs)
    for param in entry.params.kwonly_params:
        plan.roles[param.name.value] = _ROLE_BY_NAME.get(param.name.value, "extra")
        refs = references(ctx, param)
        role = plan.roles[param.name.value]
        if refs and role not in ("explore", "timestep", "obs", "state"):
            plan.blockers.append(Blocker(refs[0], f"{entry_name}() reads {param.name.value}, which "
                                         "an RLModule's forward does not get; port by hand"))
    delegations = _super_delegations(entry, entry_name)
    star = entry.params.star_arg
    if isinstance(star, cst.Param) and _outside(references(ctx, star), delegations):
        plan.blockers.append(Blocker(star, f"{entry_name}() reads *{star.name.value}: positional "
                                     "extras have no counterpart in an RLModule's forward; port by hand"))
    if entry_name == "compute_single_action":
        if plan.initial_state is not None:
            plan.blockers.append(Blocker(entry, "compute_single_action() of a stateful policy: "
                                         "thread the state through a batch by hand"))
        for param in positional_params(entry)[1:] + list(entry.params.kwonly_params):
            refs = references(ctx, param)
            if plan.roles.get(param.name.value) in ("explore", "timestep") and refs:
                plan.blockers.append(Blocker(refs[0], f"compute_single_action() reads "
                                             f"{param.name.value}; the module calls it once per "
                                             "observation row without it; port by hand"))
    returned = [ret.value for ret in own_returns(entry) if ret.value is not None]
    for call in delegations:
        if not any(value is call for value in returned):
            plan.blockers.append(Blocker(call, f"{entry_name}() calls super().{entry_name}(...) "
                                         "without returning its result as it is: a module's "
                                         "_forward returns a dict, not the legacy triple; port by hand"))
        elif plan.base_module is not None:
            problem = _delegation_problem(entry, call)
            if problem:
                plan.blockers.append(Blocker(call, f"{entry_name}() returns super().{entry_name}"
                                             f"(...) {problem}; port by hand"))
            else:
                plan.delegations.append(call)
    for ret in own_returns(entry):
        if ret.value is not None and any(ret.value is call for call in delegations):
            if plan.base_module is not None:
                continue
            plan.blockers.append(Blocker(ret, f"{entry_name}() returns super().{entry_name}(...): "
                                         "it acts as its base class does, after its own "
                                         "statements; a module has one _forward: fold the base's "
                                         "acting code into it (the statements before the call "
                                         "run first, as side effects) and port by hand"))
            continue
        if not (isinstance(ret.value, cst.Tuple) and len(ret.value.elements) == 3):
            plan.blockers.append(Blocker(ret, f"{entry_name}() returns something other than the "
                                         "(actions, state_outs, extra_fetches) triple; port by hand"))


def _delegation_problem(entry: cst.FunctionDef, call: cst.Call) -> str | None:
    """Why ``super().<entry>(...)`` does not hand the base exactly what ``entry`` got (None: it
    does: ``*args``/``**kwargs`` passed on, or each parameter under its own name/position)."""
    star, star_kwarg = entry.params.star_arg, entry.params.star_kwarg
    params = [p.name.value for p in positional_params(entry)[1:]]
    for index, arg in enumerate(call.args):
        value = arg.value
        if not isinstance(value, cst.Name):
            return "with an argument of its own"
        if arg.star == "*" and isinstance(star, cst.Param) and value.value == star.name.value:
            continue
        if arg.star == "**" and isinstance(star_kwarg, cst.Param) and value.value == star_kwarg.name.value:
            continue
        if arg.star == "" and arg.keyword is None and index < len(params) and params[index] == value.value:
            continue
        own = params + [p.name.value for p in entry.params.kwonly_params]
        if arg.star == "" and arg.keyword is not None and arg.keyword.value == value.value in own:
            continue
        return f"with {value.value} where the base expects the caller's own argument"
    return None


def _super_delegations(func: cst.FunctionDef, name: str) -> list[cst.Call]:
    """The ``super().<name>(...)`` calls in ``func``'s own body (an override that hands the
    acting over to its base class)."""
    return [n for n in walk(func.body, into_functions=False)
            if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value == name
            and isinstance(n.func.value, cst.Call) and isinstance(n.func.value.func, cst.Name)
            and n.func.value.func.value == "super"]


def _outside(refs: list[cst.CSTNode], calls: list[cst.Call]) -> list[cst.CSTNode]:
    """The references of ``refs`` that are not arguments passed on by one of ``calls``."""
    return [r for r in refs if not any(_contains(call, r) for call in calls)]


def _is_init_call(call: cst.Call) -> bool:
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value == "__init__"


def _self_target(node: cst.BaseExpression, self_name: str) -> str | None:
    """``attr`` of ``self.attr`` / ``self.attr[...]`` / ``self.attr.x``, else None."""
    while isinstance(node, (cst.Subscript, cst.Attribute)) and not (
        isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == self_name
    ):
        node = node.value
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == self_name:
        return node.attr.value
    return None


def _plan_init(ctx: FileContext, plan: HeuristicPlan) -> None:
    init = plan.init
    assert init is not None
    self_name = _self_name(init) or "self"
    roles = ("observation_space", "action_space", "model_config")
    for param, attr in zip(positional_params(init)[1:], roles):
        plan.init_params[param.name.value] = attr
    body = init.body.body if isinstance(init.body, cst.IndentedBlock) else []
    for index, stmt in enumerate(body):
        if index == 0 and isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Expr) \
                and isinstance(stmt.body[0].value, cst.SimpleString):
            continue  # the docstring
        if plan.own_model is not None and (stmt is plan.own_model or assigns_own_model(stmt, self_name, plan.own_model)):
            plan.init_kept.append(stmt)  # the policy's own stand-in model, kept as is
            continue
        reason = _dropped_init_statement(ctx, stmt, self_name)
        if reason == "" and (plan.local_base is not None or plan.base_module is not None):
            changed = _changed_base_arguments(init, stmt)
            if changed is not None:
                plan.blockers.append(Blocker(changed, "__init__ hands its base constructor an "
                                             "argument of its own: the module's setup() gets no "
                                             "arguments, and its base module's setup() reads the "
                                             "spaces and model_config the module was built with; "
                                             "port by hand"))
        if reason is None:
            plan.init_kept.append(stmt)
        elif reason:
            plan.notes.append(reason)
    for star in (init.params.star_arg, init.params.star_kwarg):
        if isinstance(star, cst.Param):
            kept_refs = [r for r in references(ctx, star) if any(_contains(s, r) for s in plan.init_kept)]
            if kept_refs:
                plan.blockers.append(Blocker(kept_refs[0], f"__init__ reads {star.name.value} beyond "
                                             "the base constructor call; setup() gets only spaces and "
                                             "model_config; port by hand"))


def _changed_base_arguments(init: cst.FunctionDef, stmt: cst.BaseStatement) -> cst.CSTNode | None:
    """The first argument of the base constructor call ``stmt`` that is not one of ``init``'s
    own parameters passed on unchanged (None: all are)."""
    if not isinstance(stmt, cst.SimpleStatementLine) or not isinstance(stmt.body[0], cst.Expr):
        return None
    call = stmt.body[0].value
    if not isinstance(call, cst.Call):
        return None
    own = {p.name.value for p in positional_params(init)} | {p.name.value for p in init.params.kwonly_params}
    own |= {p.name.value for p in (init.params.star_arg, init.params.star_kwarg) if isinstance(p, cst.Param)}
    for arg in call.args:
        if not (isinstance(arg.value, cst.Name) and arg.value.value in own):
            return arg
    return None


def _contains(root: cst.CSTNode, node: cst.CSTNode) -> bool:
    return any(n is node for n in walk(root))


def _dropped_init_statement(ctx: FileContext, stmt: cst.BaseStatement, self_name: str) -> str | None:
    """Why a top-level ``__init__`` statement is dropped ('' = silently), or None to keep it."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        call = small.value
        if _is_init_call(call):
            return ""  # the base constructor: RLModule.__init__ runs setup()
        legacy = ctx.legacy_symbols(call.func)
        if legacy:
            return f"{sorted(legacy)[0]}() call dropped from __init__ (legacy RLlib plumbing)"
        attr = _self_target(call.func, self_name) if isinstance(call.func, cst.Attribute) else None
        if attr in PLUMBING_ATTRS:
            return f"self.{attr} edits dropped from __init__ ({'view requirements become ConnectorV2 pieces' if attr == 'view_requirements' else 'legacy Policy plumbing'})"
        return None
    targets: list[cst.BaseExpression] = []
    if isinstance(small, cst.Assign):
        targets = [t.target for t in small.targets]
    elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
        targets = [small.target]
    attrs = {_self_target(t, self_name) for t in targets}
    if attrs and attrs <= set(PLUMBING_ATTRS):
        names = ", ".join(f"self.{a}" for a in sorted(a for a in attrs if a))
        return f"{names} assignment dropped from __init__ (legacy Policy plumbing)"
    return None


def _plan_initial_state(plan: HeuristicPlan) -> None:
    func = plan.initial_state
    assert func is not None
    returns = own_returns(func)
    if not returns or any(r.value is None for r in returns) or not _always_returns(func):
        plan.blockers.append(Blocker(func, "get_initial_state() does not return a state list on "
                                     "every path; a module's get_initial_state() returns a dict; "
                                     "port by hand"))


def _always_returns(func: cst.FunctionDef) -> bool:
    body = func.body.body if isinstance(func.body, cst.IndentedBlock) else []
    last = body[-1] if body else None
    return isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Return)


def _assigned_self_attrs(node: cst.ClassDef) -> set[str]:
    out: set[str] = set()
    for stmt in _methods(node):
        if not isinstance(stmt, cst.FunctionDef):
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)):
                        for target in ([t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]):
                            if isinstance(target, cst.Name):
                                out.add(target.value)
            continue
        self_name = _self_name(stmt)
        if self_name is None:
            continue
        for sub in walk(stmt.body):
            targets: list[cst.BaseExpression] = []
            if isinstance(sub, cst.Assign):
                targets = [t.target for t in sub.targets]
            elif isinstance(sub, (cst.AnnAssign, cst.AugAssign)):
                targets = [sub.target]
            for target in targets:
                if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) \
                        and target.value.value == self_name:
                    out.add(target.attr.value)
    return out
