"""Build ``class <Policy>RLModule(RLModule)`` from a :class:`HeuristicPlan` (RLM038).

The policy's own code is copied, so the module computes what the policy computed:

* ``__init__`` → ``setup()``: constructor parameters become ``self.observation_space`` /
  ``self.action_space`` / ``self.model_config``; the base constructor call and legacy
  plumbing (view requirements, exploration, ``self.model = None``) are dropped.
* the acting method → ``_forward(self, batch, **kwargs)`` (``_forward_inference`` /
  ``_forward_exploration`` through ``_act(batch, explore)`` when it reads ``explore``):
  ``obs_batch = convert_to_numpy(batch[Columns.OBS])`` (``[:, -1]``: the last time step of a
  stateful module's ``(B, T, ...)`` batch), ``state_batches`` from ``batch[Columns.STATE_IN]``,
  ``timestep = kwargs.get("t")``; ``return actions, state_outs, extra`` →
  ``{Columns.ACTIONS: np.asarray(actions), Columns.STATE_OUT: {...}, **extra}``.
* ``get_initial_state()`` returning the legacy state list ``[s0, s1]`` → the module's dict
  ``{"0": s0, "1": s1}`` (keys are list positions, so the order survives).
* non-trivial ``get_weights`` / ``set_weights`` → ``get_state`` / ``set_state``.
* ``self.config`` → ``self.model_config``; ``SampleBatch.X`` → ``Columns.X``; ``@override``
  decorators dropped.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from rlmigrate.codemod import nodes as N
from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.rules._heuristic_analysis import (
    HeuristicPlan,
    own_returns,
    positional_params,
    references,
)
from rlmigrate.codemod.rules._heuristic_checks import episode_column
from rlmigrate.core.columns import Columns  # plain string constants: no torch import

_STATE_NAMES = ("state", "input_dict")
#: the module attribute holding the space the legacy policy was built with (preprocessed)
POLICY_SPACE = "policy_observation_space"


def preprocesses(ctx: FileContext) -> bool:
    """Whether the module acts on observations preprocessed as a 2.10 worker did (the
    ``legacy_policy_observations`` helper has no ``--target ray`` home: there it acts on the
    raw observations and the finding says to add ``FlattenObservations``)."""
    return ctx.target.name != "ray"


def _obs_expression(ctx: FileContext, plan: HeuristicPlan) -> str:
    """The prelude's expression for the observation batch the legacy policy acted on."""
    if preprocesses(ctx):
        ctx.need("legacy_policy_observations")
        last = ", last_step=True" if plan.stateful else ""
        return f"legacy_policy_observations(batch[Columns.OBS], self.observation_space, self.model_config{last})"
    ctx.need("convert_to_numpy")
    return "convert_to_numpy(batch[Columns.OBS])" + ("[:, -1]" if plan.stateful else "")


class PolicyCodePort(cst.CSTTransformer):
    """Base of the transformers that copy legacy policy methods into a generated module: RLlib's
    ``@override(...)`` markers name legacy bases the module does not have, so they go."""

    ctx: FileContext

    def leave_Decorator(
        self, original: cst.Decorator, updated: cst.Decorator
    ) -> cst.Decorator | cst.RemovalSentinel:
        target = original.decorator.func if isinstance(original.decorator, cst.Call) else original.decorator
        if self.ctx.legacy_symbols(target) & {"override"}:
            return cst.RemoveFromParent()
        return updated


class _Port(PolicyCodePort):
    """Rewrites copied policy code to run inside the module (original nodes decide)."""

    def __init__(
        self,
        ctx: FileContext,
        self_name: str | None,
        names: dict[cst.CSTNode, cst.BaseExpression] | None = None,
        returns: set[cst.CSTNode] | None = None,
        convert_return: Callable[[cst.Return], cst.Return] | None = None,
    ) -> None:
        super().__init__()
        self.ctx, self.self_name = ctx, self_name
        self.names = names or {}
        self.returns = returns or set()
        self.convert_return = convert_return
        self.renamed = {"config": "model_config"}
        if preprocesses(ctx):
            self.renamed["observation_space"] = POLICY_SPACE

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if (
            self.self_name
            and isinstance(original.value, cst.Name)
            and original.value.value == self.self_name
            and original.attr.value in self.renamed
        ):
            return updated.with_changes(attr=cst.Name(self.renamed[original.attr.value]))
        if self.ctx.legacy_symbols(original.value) & {"SampleBatch"}:
            column = {"CUR_OBS": "OBS"}.get(original.attr.value, original.attr.value)
            key = episode_column(self.ctx, original)
            if not hasattr(Columns, column) and key is not None:
                return cst.SimpleString(f'"{key}"')  # no Columns name: the batch key itself
            self.ctx.need("Columns")
            return N.column(column)
        return updated

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        # ``self.global_timestep += 1``: the policy's step counter (the env runner's on the
        # new stack); the plan noted the drop
        if self.self_name and all(
            isinstance(small, cst.AugAssign)
            and N.is_self_attr(small.target, self.self_name, "global_timestep")
            for small in original.body
        ):
            return cst.RemoveFromParent()
        return updated

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False  # a nested class (a stand-in model) is copied as is: its self is its own

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self.names.get(original, updated)

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        if original in self.returns and self.convert_return is not None:
            return self.convert_return(updated)
        return updated


def _numpy(ctx: FileContext, plan: HeuristicPlan) -> str:
    """How the module's code spells ``numpy.asarray``: the file's own numpy alias, or an import."""
    scope = ctx.scope_of(plan.node)
    for alias in ("np", "numpy"):
        if scope is not None and alias in scope and any(
            q.name == "numpy" for q in scope.get_qualified_names_for(alias)
        ):
            return f"{alias}.asarray"
    ctx.need_from("numpy", "asarray")
    return "asarray"


def _ported(statements: list[cst.BaseStatement], port: cst.CSTTransformer) -> list[cst.BaseStatement]:
    """``statements`` through ``port``, without those it removed."""
    out = [stmt.visit(port) for stmt in statements]
    return [stmt for stmt in out if isinstance(stmt, cst.BaseStatement)]


def _is_array_call(expr: cst.BaseExpression, asarray: str) -> bool:
    """``np.asarray(...)`` / ``np.array(...)`` already (``asarray`` = how this file spells it)."""
    if not isinstance(expr, cst.Call):
        return False
    prefix = asarray.rpartition(".")[0]
    names = {f"{prefix}.asarray", f"{prefix}.array"} if prefix else {"asarray"}
    return _code(expr.func) in names


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _is_empty_state(expr: cst.BaseExpression, state_params: set[str]) -> bool:
    if isinstance(expr, (cst.List, cst.Tuple)) and not expr.elements:
        return True
    return isinstance(expr, cst.Name) and (expr.value == "None" or expr.value in state_params)


def _convert_return(
    ctx: FileContext, plan: HeuristicPlan, asarray: str, state_params: set[str]
) -> Callable[[cst.Return], cst.Return]:
    def convert(ret: cst.Return) -> cst.Return:
        if plan.delegations and _is_super_call(ret.value, plan.entry):
            # the base module acts through _forward (HeuristicPlan.base_module)
            return ret.with_changes(value=N.expression("super()._forward(batch, **kwargs)"))
        assert isinstance(ret.value, cst.Tuple)
        actions, state_outs, extra = (e.value for e in ret.value.elements)
        ctx.need("Columns")
        action_value = actions if _is_array_call(actions, asarray) else N.call(
            N.expression(asarray), actions)
        if plan.stateful:
            action_value = N.expression("ACTIONS[:, None]").visit(_Substitute({"ACTIONS": action_value}))
        elements: list[cst.BaseDictElement] = [cst.DictElement(N.column("ACTIONS"), action_value)]
        if plan.stateful:
            state_value = N.expression("{str(i): s for i, s in enumerate(STATE)}").visit(
                _Substitute({"STATE": state_outs}))
            elements.append(cst.DictElement(N.column("STATE_OUT"), state_value))
        if isinstance(extra, cst.Dict):
            elements.extend(extra.elements)
        elif not (isinstance(extra, cst.Name) and extra.value == "None"):
            elements.append(cst.StarredDictElement(extra))
        return ret.with_changes(value=cst.Dict(elements))

    return convert


def _is_super_call(value: cst.BaseExpression | None, entry: cst.FunctionDef | None) -> bool:
    """``super().<entry's name>(...)``."""
    return (entry is not None and isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
            and value.func.attr.value == entry.name.value and isinstance(value.func.value, cst.Call)
            and isinstance(value.func.value.func, cst.Name) and value.func.value.func.value == "super")


class _Substitute(cst.CSTTransformer):
    """Replace placeholder Names of a parsed template with expressions."""

    def __init__(self, values: dict[str, cst.BaseExpression]) -> None:
        super().__init__()
        self.values = values

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self.values.get(original.value, updated)


def _prelude(ctx: FileContext, plan: HeuristicPlan) -> list[cst.BaseStatement]:
    """Statements binding the acting method's parameters from the module's batch."""
    entry = plan.entry
    assert entry is not None
    out: list[cst.BaseStatement] = []
    params = positional_params(entry)[1:] + list(entry.params.kwonly_params)
    for param in params:
        name, role = param.name.value, plan.roles.get(param.name.value)
        if not _read_outside_delegations(ctx, plan, param):
            continue
        code = None
        if role == "obs":
            code = f"{name} = {_obs_expression(ctx, plan)}\n"
        elif role == "input_dict":
            code = f"{name} = {{Columns.OBS: {_obs_expression(ctx, plan)}{_column_items(plan)}}}\n"
        elif role == "state":
            code = (f"{name} = [convert_to_numpy(batch[Columns.STATE_IN][key]) "
                    "for key in sorted(batch[Columns.STATE_IN], key=int)]\n"
                    if plan.stateful else f"{name} = []\n")
        elif role == "timestep":
            code = f'{name} = kwargs.get("t")\n'
        if code is not None:
            if "convert_to_numpy" in code:
                ctx.need("convert_to_numpy")
            if "Columns" in code:
                ctx.need("Columns")
            out.append(N.statement(code))
    star = entry.params.star_kwarg
    if isinstance(star, cst.Param) and star.name.value != "kwargs" and references(ctx, star):
        out.append(N.statement(f"{star.name.value} = kwargs\n"))
    return out


def _column_items(plan: HeuristicPlan) -> str:
    """``, "t": convert_to_numpy(batch[Columns.T]), ...``: the episode columns the policy read
    from its input dict, from the module's batch (the last time step of a stateful module's)."""
    items = []
    for key in plan.columns:
        column = next((n for n, v in vars(Columns).items() if v == key and not n.startswith("_")), None)
        spelled = f"Columns.{column}" if column else repr(key).replace("'", '"')
        last = "[:, -1]" if plan.stateful else ""
        items.append(f", {spelled}: convert_to_numpy(batch[{spelled}]){last}")
    return "".join(items)


def _read_outside_delegations(ctx: FileContext, plan: HeuristicPlan, param: cst.Param) -> bool:
    """Whether the copied code reads ``param`` other than by handing it on to the base's acting
    (``super().<acting method>(..., param, ...)``, which becomes ``super()._forward(batch)``)."""
    return any(not any(any(n is ref for n in N.walk(call)) for call in plan.delegations)
               for ref in references(ctx, param))


def _acting_methods(ctx: FileContext, plan: HeuristicPlan, asarray: str) -> list[cst.FunctionDef]:
    entry = plan.entry
    assert entry is not None
    if entry.name.value == "compute_single_action":
        # the policy acted per observation: the module calls that method once per batch row
        ctx.need("Columns")
        return [N.method(
            "def _forward(self, batch, **kwargs):\n"
            f"    obs_batch = {_obs_expression(ctx, plan)}\n"
            f"    actions = [self.compute_single_action(obs)[0] for obs in obs_batch]\n"
            f"    return {{Columns.ACTIONS: {asarray}(actions)}}\n"
        )]
    state_params = {n for n, r in plan.roles.items() if r == "state"}
    returns = set(own_returns(entry))
    if not plan.stateful:
        for ret in returns:
            if _is_super_call(ret.value, entry):
                continue  # the base module's own output
            assert isinstance(ret.value, cst.Tuple)
            state_outs = ret.value.elements[1].value
            if not _is_empty_state(state_outs, state_params):
                plan.notes.append(
                    f"the state outs {_code(state_outs)} it returns are dropped: without "
                    "get_initial_state() RLlib fed no state back (verify compares them)")
    port = _Port(ctx, plan.self_name, returns=returns,
                 convert_return=_convert_return(ctx, plan, asarray, state_params))
    body = _ported(N.body_statements(entry), port)
    body = list(N.insert_after_docstring(cst.IndentedBlock(body=body), _prelude(ctx, plan)).body)
    explore = next((n for n, r in plan.roles.items() if r == "explore"), None)
    explore_param = next((p for p in positional_params(entry) + list(entry.params.kwonly_params)
                          if p.name.value == explore), None)
    if explore_param is None or not references(ctx, explore_param):
        return [N.with_statements(N.method("def _forward(self, batch, **kwargs):\n    pass\n"), body)]
    return [
        N.method("def _forward_inference(self, batch, **kwargs):\n"
                "    return self._act(batch, False, **kwargs)\n"),
        N.method("def _forward_exploration(self, batch, **kwargs):\n"
                "    return self._act(batch, True, **kwargs)\n"),
        N.with_statements(N.method(f"def _act(self, batch, {explore}, **kwargs):\n    pass\n"), body),
    ]


def _setup(ctx: FileContext, plan: HeuristicPlan) -> cst.FunctionDef | None:
    """``setup()``: the kept ``__init__`` statements, after the policy's own space
    (:data:`POLICY_SPACE`) where the copied code reads the observation space."""
    init = plan.init
    space = preprocesses(ctx) and _reads_observation_space(ctx, plan)
    if not space and (init is None or not plan.init_kept):
        return None
    self_name = positional_params(init)[0].name.value if init is not None else "self"
    names: dict[cst.CSTNode, cst.BaseExpression] = {}
    for param in positional_params(init)[1:] if init is not None else []:
        attr = plan.init_params.get(param.name.value)
        if attr is None:
            continue
        if attr == "observation_space" and preprocesses(ctx):
            attr = POLICY_SPACE
        for ref in references(ctx, param):
            if isinstance(ref, cst.Name):
                names[ref] = N.self_attr(attr, self_name)
    port = _Port(ctx, self_name, names=names)
    body = _ported(plan.init_kept, port)
    if body:  # the statements after the dropped base constructor call: no blank first line
        body[0] = body[0].with_changes(leading_lines=N.leading_comment_lines(body[0]))
    if space:
        ctx.need("legacy_policy_observation_space")
        body.insert(0, N.statement(
            f"{self_name}.{POLICY_SPACE} = legacy_policy_observation_space("
            f"{self_name}.observation_space, {self_name}.model_config)\n"))
    if plan.local_base is not None or plan.base_module is not None:
        body.insert(0, N.statement("super().setup()\n"))
    return N.with_statements(N.method(f"def setup({self_name}):\n    pass\n"), body)


def _reads_observation_space(ctx: FileContext, plan: HeuristicPlan) -> bool:
    """Whether copied code reads ``self.observation_space`` or the init's space parameter."""
    roots: list[cst.CSTNode] = [*plan.init_kept, *plan.helpers, *plan.weights]
    roots += [f for f in (plan.entry, plan.initial_state) if f is not None]
    if any(isinstance(n, cst.Attribute) and n.attr.value == "observation_space"
           and isinstance(n.value, cst.Name) for root in roots for n in N.walk(root)):
        return True
    if plan.init is None:
        return False
    params = [p for p in positional_params(plan.init)[1:]
              if plan.init_params.get(p.name.value) == "observation_space"]
    kept = [n for stmt in plan.init_kept for n in N.walk(stmt)]
    return any(any(ref is node for node in kept) for p in params for ref in references(ctx, p))


def _initial_state(ctx: FileContext, plan: HeuristicPlan, asarray: str) -> cst.FunctionDef:
    func = plan.initial_state
    assert func is not None

    def convert(ret: cst.Return) -> cst.Return:
        value = ret.value
        assert value is not None
        if isinstance(value, cst.List) and all(isinstance(e, cst.Element) for e in value.elements):
            return ret.with_changes(value=cst.Dict([
                cst.DictElement(cst.SimpleString(f'"{i}"'), N.call(N.expression(asarray), e.value))
                for i, e in enumerate(value.elements)
            ]))
        template = N.expression(f"{{str(i): {asarray}(s) for i, s in enumerate(STATE)}}")
        return ret.with_changes(value=template.visit(_Substitute({"STATE": value})))

    port = _Port(ctx, positional_params(func)[0].name.value, returns=set(own_returns(func)),
                 convert_return=convert)
    ported = func.visit(port)
    assert isinstance(ported, cst.FunctionDef)
    return ported.with_changes(leading_lines=[cst.EmptyLine(indent=False)])


def _weights(ctx: FileContext, func: cst.FunctionDef) -> cst.FunctionDef:
    ported = func.visit(_Port(ctx, positional_params(func)[0].name.value))
    assert isinstance(ported, cst.FunctionDef)
    self_name = positional_params(func)[0].name.value
    if func.name.value == "get_weights":
        header = N.method(f"def get_state({self_name}, components=None, *, not_components=None, "
                         "inference_only=False, **kwargs):\n    pass\n")
    else:
        rest = ", ".join(p.name.value for p in positional_params(func)[1:])
        header = N.method(f"def set_state({self_name}, {rest}):\n    pass\n")
    return header.with_changes(body=ported.body)


def _builds_arrays(plan: HeuristicPlan) -> bool:
    """Whether the generated code calls ``asarray`` (not when every return of the acting
    method hands over to the base module and there is no initial state)."""
    entry = plan.entry
    if plan.initial_state is not None or entry is None:
        return plan.initial_state is not None
    return entry.name.value == "compute_single_action" or any(
        not _is_super_call(ret.value, entry) for ret in own_returns(entry))


def generate_module(ctx: FileContext, plan: HeuristicPlan) -> cst.ClassDef:
    """The ``<Policy>RLModule`` class (see the module docstring); notes go to ``plan.notes``."""
    asarray = _numpy(ctx, plan) if _builds_arrays(plan) else "asarray"
    members: list[cst.BaseStatement] = []
    for index, stmt in enumerate(plan.helpers):
        if index == 0 and N.docstring_count([stmt]):
            continue  # the policy's docstring: the module gets its own
        if not isinstance(stmt, cst.FunctionDef):
            members.append(stmt.visit(_Port(ctx, None)))
    setup = _setup(ctx, plan)
    if setup is not None:
        members.append(setup)
    if plan.initial_state is not None:
        members.append(_initial_state(ctx, plan, asarray))
    if plan.entry is not None:
        members.extend(_acting_methods(ctx, plan, asarray))
        members.append(N.method(
            "def _forward_train(self, batch, **kwargs):\n"
            f'    raise NotImplementedError("{plan.name}RLModule acts by hand-written rules and '
            'cannot be trained: leave it out of policies_to_train")\n'
        ))
    copied = list(plan.helpers)
    if plan.entry is not None and plan.entry.name.value == "compute_single_action":
        copied.insert(0, plan.entry)
    for stmt in copied:
        if isinstance(stmt, cst.FunctionDef):
            self_name = positional_params(stmt)[0].name.value if positional_params(stmt) else None
            ported = stmt.visit(_Port(ctx, self_name))
            assert isinstance(ported, cst.FunctionDef)
            members.append(ported.with_changes(leading_lines=[cst.EmptyLine(indent=False)]))
    members.extend(_weights(ctx, f) for f in plan.weights)
    entry = plan.entry.name.value if plan.entry is not None else "its base's acting method"
    doc = N.statement(f'"""{plan.name} as an RLModule: acts with the policy\'s own {entry}() '
                      '(rlmigrate RLM038)."""\n')
    base: cst.BaseExpression
    if plan.base_module is not None:
        base = ctx.need(plan.base_module)
    elif plan.local_base is not None:
        base = cst.Name(f"{plan.local_base}RLModule")
    else:
        base = ctx.need("RLModule")
    return cst.ClassDef(
        name=cst.Name(f"{plan.name}RLModule"),
        bases=[cst.Arg(base)],
        body=cst.IndentedBlock(body=[doc, *members]),
        leading_lines=[cst.EmptyLine(indent=False), cst.EmptyLine(indent=False)],
    )
