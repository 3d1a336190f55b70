"""Build ``class <Policy>RLModule(<Held>)`` from a :class:`WrapperPlan` (RLM038).

The policy acted through the new-stack module it held; the generated module *is* that module
(a subclass of its class), built as the policy built it:

* ``__init__(observation_space=None, action_space=None, *, model_config=None, **kwargs)``
  (what ``RLModuleSpec.build`` passes): the policy's construction statements with
  ``self.observation_space`` / ``self.action_space`` → the spaces given and ``self.config`` →
  the ``model_config`` given (the policy's config), then ``super().__init__(<the arguments the
  policy built its module with>)``; the policy config stays as ``self.policy_config``, and a
  space the policy did not give its module is the spec's.
* the acting method → the forward hook it called (``_forward_exploration`` for
  ``self.model.forward_exploration(input_dict)``), the other hook delegating to it: the
  policy called that one whatever ``explore`` said. ``input_dict`` is the module's batch with
  the observations a 2.10 worker gave the policy (``legacy_policy_observations``, the last
  time step of a stateful module's batch); ``self.model.forward_X(input_dict)`` →
  ``super()._forward_X(input_dict, **kwargs)``; ``return actions, state_outs, extra`` →
  ``{Columns.ACTIONS: actions, Columns.STATE_OUT: state_outs, **extra}``.
* ``get_initial_state()`` ported (see :mod:`._wrapped_module`).
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from rlmigrate.codemod import nodes as N
from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.rules._heuristic_analysis import own_returns, positional_params, references
from rlmigrate.codemod.rules._heuristic_codegen import PolicyCodePort
from rlmigrate.codemod.rules._wrapped_module import _CTOR_ROLES, _FORWARDS, WrapperPlan
from rlmigrate.core.columns import Columns  # plain string constants: no torch import

_CTOR = ("def __init__(self, observation_space=None, action_space=None, *, model_config=None, "
         "**kwargs):\n    pass\n")


class _Port(PolicyCodePort):
    """Rewrites copied policy code to run inside the generated module (original nodes decide).

    ``in_init``: ``self.<space>`` → the constructor's parameter, ``self.config`` →
    ``policy_config``; elsewhere ``self.config`` → ``self.policy_config``.
    """

    def __init__(self, ctx: FileContext, self_name: str, *, in_init: bool,
                 names: dict[cst.CSTNode, str] | None = None,
                 convert_return: Callable[[cst.Return], cst.Return] | None = None) -> None:
        super().__init__()
        self.ctx, self.self_name, self.in_init = ctx, self_name, in_init
        self.names = names or {}
        self.convert_return = convert_return

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if N.is_self_attr(original, self.self_name):
            attr = original.attr.value
            if self.in_init and attr in _CTOR_ROLES:
                return cst.Name("policy_config" if attr == "config" else attr)
            if attr == "config":
                return updated.with_changes(attr=cst.Name("policy_config"))
        if self.ctx.legacy_symbols(original.value) & {"SampleBatch"}:
            column = {"CUR_OBS": "OBS"}.get(original.attr.value, original.attr.value)
            if hasattr(Columns, column):
                self.ctx.need("Columns")
                return N.column(column)
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = original.func
        if isinstance(func, cst.Attribute) and N.is_self_attr(func.value, self.self_name, "model"):
            method = func.attr.value
            if method in _FORWARDS:
                args = [*updated.args, cst.Arg(cst.Name("kwargs"), star="**")]
                return updated.with_changes(func=N.expression(f"super().{_FORWARDS[method]}"), args=args)
            return updated.with_changes(func=N.expression(f"super().{method}"))
        return updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return cst.Name(self.names[original]) if original in self.names else updated

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        return self.convert_return(updated) if self.convert_return is not None else updated


def _init_names(ctx: FileContext, plan: WrapperPlan) -> dict[cst.CSTNode, str]:
    """The legacy constructor's positional parameters (spaces, config) read by kept code →
    the generated constructor's names."""
    out: dict[cst.CSTNode, str] = {}
    for param, role in zip(positional_params(plan.init)[1:], _CTOR_ROLES):
        for ref in references(ctx, param):
            if isinstance(ref, cst.Name):
                out[ref] = "policy_config" if role == "config" else role
    return out


def _constructor(ctx: FileContext, plan: WrapperPlan) -> cst.FunctionDef:
    self_name = positional_params(plan.init)[0].name.value
    port = _Port(ctx, self_name, in_init=True, names=_init_names(ctx, plan))
    kept = [stmt.visit(port) for stmt in plan.init_kept]
    if kept:
        kept[0] = kept[0].with_changes(leading_lines=N.leading_comment_lines(kept[0]))
    built = plan.model_call.visit(port)
    assert isinstance(built, cst.Call)
    body = [N.statement("policy_config = dict(model_config or {})\n"), *kept,
            cst.SimpleStatementLine([cst.Expr(built.with_changes(func=N.expression("super().__init__")))]),
            N.statement("self.policy_config = policy_config\n"),
            *(N.statement(f"if self.{space} is None:  # not given to the module it built: the spec's\n"
                          f"    self.{space} = {space}\n")
              for space in ("observation_space", "action_space"))]
    return N.with_statements(N.method(_CTOR), body)


def _is_empty(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, (cst.List, cst.Tuple, cst.Dict)) and not expr.elements:
        return True
    return isinstance(expr, cst.Name) and expr.value == "None"


def _output(ret: cst.Return) -> cst.Return:
    """``return actions, state_outs, extra`` → the module's output dict."""
    assert isinstance(ret.value, cst.Tuple)
    actions, state_outs, extra = (e.value for e in ret.value.elements)
    elements: list[cst.BaseDictElement] = [cst.DictElement(N.column("ACTIONS"), actions)]
    if not _is_empty(state_outs):
        elements.append(cst.DictElement(N.column("STATE_OUT"), state_outs))
    if isinstance(extra, cst.Dict):
        elements.extend(extra.elements)
    elif not _is_empty(extra):
        elements.append(cst.StarredDictElement(extra))
    return ret.with_changes(value=cst.Dict(elements))


def _acting(ctx: FileContext, plan: WrapperPlan) -> list[cst.FunctionDef]:
    entry = plan.entry
    assert entry is not None
    params = positional_params(entry)
    self_name, input_name = params[0].name.value, params[1].name.value
    ctx.need("Columns")
    ctx.need("legacy_policy_observations")
    prelude = N.statement(
        f"{input_name} = {{**batch, Columns.OBS: legacy_policy_observations(batch[Columns.OBS], "
        f"{self_name}.observation_space, {self_name}.policy_config, "
        f"last_step={self_name}.is_stateful())}}\n")
    port = _Port(ctx, self_name, in_init=False, convert_return=_output)
    body = [stmt.visit(port) for stmt in N.body_statements(entry)]
    body = list(N.insert_after_docstring(cst.IndentedBlock(body=body), [prelude]).body)
    hooks = sorted(_FORWARDS[f] for f in plan.forwards)
    main = hooks[0] if len(hooks) == 1 else "_act"
    methods = [N.with_statements(N.method(f"def {main}({self_name}, batch, **kwargs):\n    pass\n"), body)]
    for hook in sorted(_FORWARDS.values()):
        if hook != main:
            methods.append(N.method(
                f"def {hook}(self, batch, **kwargs):\n"
                f"    # {plan.name} acted through {main.lstrip('_').replace('_', ' ', 1)} "
                "whatever explore said\n"
                f"    return self.{main}(batch, **kwargs)\n"))
    return methods


def _always_returns(func: cst.FunctionDef) -> bool:
    body = N.body_statements(func)
    last = body[-1] if body else None
    return isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Return)


def _initial_state(ctx: FileContext, plan: WrapperPlan) -> cst.FunctionDef:
    func = plan.initial_state
    assert func is not None

    def no_state(ret: cst.Return) -> cst.Return:
        # None is no state (Ray 2.10's collectors took it as []): a module's is an empty dict
        if ret.value is None or _is_empty(ret.value):
            return ret.with_changes(value=cst.Dict([]), whitespace_after_return=cst.SimpleWhitespace(" "))
        return ret

    returns = set(own_returns(func))
    port = _Port(ctx, positional_params(func)[0].name.value, in_init=False,
                 convert_return=None)
    ported = func.visit(port)
    assert isinstance(ported, cst.FunctionDef)
    ported = ported.visit(_Returns(no_state)) if returns else ported
    assert isinstance(ported, cst.FunctionDef)
    if not _always_returns(func):
        ported = ported.with_changes(body=ported.body.with_changes(
            body=[*N.body_statements(ported), N.statement("return {}\n")]))
    return ported.with_changes(leading_lines=[cst.EmptyLine(indent=False)])


class _Returns(cst.CSTTransformer):
    """Apply ``convert`` to every ``return`` not inside a nested function or lambda."""

    def __init__(self, convert: Callable[[cst.Return], cst.Return]) -> None:
        super().__init__()
        self.depth, self.convert = 0, convert

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth += 1
        return True

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        self.depth -= 1
        return updated

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        return self.convert(updated) if self.depth == 1 else updated


def generate_wrapper(ctx: FileContext, plan: WrapperPlan) -> cst.ClassDef:
    """The ``<Policy>RLModule`` class (see the module docstring)."""
    members: list[cst.BaseStatement] = [
        N.statement(f'"""{plan.name} as an RLModule: the {plan.held} it built in __init__ and acted '
                    'through, built the same way (rlmigrate RLM038)."""\n'),
        _constructor(ctx, plan),
        *_acting(ctx, plan),
    ]
    if plan.initial_state is not None:
        members.append(_initial_state(ctx, plan))
    else:  # the legacy Policy's default: no state
        members.append(N.method(f"def get_initial_state(self):\n    # {plan.name} reported no "
                               "initial state (Policy's default)\n    return {}\n"))
    return cst.ClassDef(
        name=cst.Name(f"{plan.name}RLModule"),
        bases=[cst.Arg(N.expression(plan.held))],
        body=cst.IndentedBlock(body=members),
        leading_lines=[cst.EmptyLine(indent=False), cst.EmptyLine(indent=False)],
    )
