"""Analysis behind RLM040: does a legacy distribution class match the mechanical pattern?

The pattern (a ``TorchDistributionWrapper`` subclass whose ``__init__`` only calls
``super().__init__(<transform of inputs>, model)`` and builds ``self.dist`` from a
``torch.distributions`` class, plus optional ``deterministic_sample`` and
``required_model_output_shape``) is described in ``_dist_convert``, which builds the
new-stack class. :func:`analyze` checks a class against it and records, in a
:class:`DistAnalysis`, the nodes each new method is built from, or the blockers (node and
reason) that leave the class unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from rlmigrate.codemod import nodes as N
from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.legacy_api import DIST_ABSTRACT_BASES, DIST_WRAPPER_BASES

MAPPED_METHODS = ("__init__", "deterministic_sample", "required_model_output_shape")


@dataclass
class DistAnalysis:
    """What one legacy distribution class converts to (``blockers`` empty: it converts)."""

    node: cst.ClassDef
    wrapper: bool = False
    blockers: list[tuple[cst.CSTNode, str]] = field(default_factory=list)
    self_name: str = "self"
    inputs_param: str = "inputs"
    extra_params: list[cst.Param] = field(default_factory=list)
    input_expr: cst.BaseExpression | None = None
    dist_expr: cst.BaseExpression | None = None
    det_expr: cst.BaseExpression | None = None
    det_method: cst.FunctionDef | None = None
    shape_method: cst.FunctionDef | None = None
    init_method: cst.FunctionDef | None = None

    @property
    def convertible(self) -> bool:
        return self.wrapper and not self.blockers

    def block(self, node: cst.CSTNode, message: str) -> None:
        self.blockers.append((node, message))


def is_legacy_distribution(ctx: FileContext, node: cst.ClassDef) -> tuple[bool, bool]:
    """``(is a legacy distribution class, is a TorchDistributionWrapper subclass)``."""
    found = False
    wrapper = False
    for arg in node.bases:
        symbols = ctx.legacy_symbols(arg.value)
        if symbols & DIST_WRAPPER_BASES:
            found = wrapper = True
        elif symbols & DIST_ABSTRACT_BASES:
            found = True
    return found, wrapper


def model_calls(ctx: FileContext, node: cst.ClassDef) -> list[str]:
    """The model attributes a legacy distribution class reads outside ``__init__``'s
    ``super().__init__(..., model)`` (``self.model.mode_logits``, ``self.model.dims``), sorted:
    non-empty for a *model-aware* distribution (the autoregressive idiom), which needs the
    network and cannot be built from logits alone."""
    if not is_legacy_distribution(ctx, node)[0]:
        return []
    names: set[str] = set()
    for sub in N.walk(node):
        if (isinstance(sub, cst.Attribute) and isinstance(sub.value, cst.Attribute)
                and isinstance(sub.value.value, cst.Name) and sub.value.value.value == "self"
                and sub.value.attr.value == "model"):
            names.add(sub.attr.value)
    return sorted(names)


def analyze(ctx: FileContext, node: cst.ClassDef) -> DistAnalysis:
    """Check ``node`` (a legacy distribution class, original node) against the pattern."""
    found, wrapper = is_legacy_distribution(ctx, node)
    a = DistAnalysis(node=node, wrapper=wrapper)
    if not found:
        return a
    if not wrapper:
        a.block(node, "it subclasses ActionDistribution directly (no torch distribution to map)")
        return a
    if len(node.bases) != 1 or node.keywords:
        a.block(node, "it has other base classes or class keywords")
    if node.decorators:
        a.block(node, "the class is decorated")
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    for index, stmt in enumerate(body):
        if index == 0 and N.docstring_count([stmt]):
            continue
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value in MAPPED_METHODS:
            if stmt.name.value == "__init__":
                a.init_method = stmt
            elif stmt.name.value == "deterministic_sample":
                a.det_method = stmt
            else:
                a.shape_method = stmt
            continue
        if isinstance(stmt, cst.FunctionDef):
            a.block(stmt, f"method {stmt.name.value}() has its own logic (only __init__, "
                          "deterministic_sample and required_model_output_shape map mechanically)")
        elif isinstance(stmt, cst.SimpleStatementLine) and all(
            isinstance(s, cst.Pass) for s in stmt.body
        ):
            continue
        else:
            a.block(stmt, "the class body holds statements other than the mapped methods")
    if a.init_method is None:
        a.block(node, "it has no __init__ that builds self.dist")
    else:
        _analyze_init(ctx, a, a.init_method)
    if a.det_method is not None:
        _analyze_det(a, a.det_method)
    if a.shape_method is not None:
        _analyze_shape(a, a.shape_method)
    return a


# -- __init__ ------------------------------------------------------------------------------
def _statements(func: cst.FunctionDef) -> list[cst.BaseSmallStatement | cst.BaseStatement]:
    """The function's statements (small statements unpacked), docstring skipped."""
    body = list(func.body.body) if isinstance(func.body, cst.IndentedBlock) else [func.body]
    body = body[N.docstring_count(body):]
    out: list = []
    for stmt in body:
        if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            out.extend(stmt.body)
        else:
            out.append(stmt)
    return out


def _names(node: cst.CSTNode) -> set[str]:
    """Names ``node`` reads (not attribute names after a dot, not keyword argument names)."""
    skip = set()
    for n in N.walk(node):
        if isinstance(n, cst.Attribute):
            skip.add(id(n.attr))
        elif isinstance(n, cst.Arg) and n.keyword is not None:
            skip.add(id(n.keyword))
    return {n.value for n in N.walk(node) if isinstance(n, cst.Name) and id(n) not in skip}


def _self_attrs(node: cst.CSTNode, self_name: str) -> set[str]:
    return {n.attr.value for n in N.walk(node) if N.is_self_attr(n, self_name)}


def _has_scopes(node: cst.CSTNode) -> bool:
    return any(
        isinstance(n, (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp))
        for n in N.walk(node)
    )


def _analyze_init(ctx: FileContext, a: DistAnalysis, func: cst.FunctionDef) -> None:
    p = func.params
    if p.star_arg not in (cst.MaybeSentinel.DEFAULT, None) or p.posonly_params or p.kwonly_params:
        a.block(func, "__init__ takes *args, positional-only or keyword-only parameters")
        return
    if len(p.params) < 3:
        a.block(func, "__init__ is not (self, inputs, model, ...)")
        return
    a.self_name = p.params[0].name.value
    a.inputs_param = p.params[1].name.value
    model = p.params[2].name.value
    a.extra_params = list(p.params[3:])
    for extra in a.extra_params:
        if extra.default is None:
            a.block(extra, f"__init__ parameter {extra.name.value!r} has no default (the legacy "
                           "Policy passes only inputs and model)")
    if func.decorators:
        a.block(func, "__init__ is decorated")
    if a.inputs_param == "logits" or any(x.name.value in ("logits", "cls", "kwargs") for x in a.extra_params):
        a.block(func, "__init__ parameter names clash with from_logits(cls, logits, **kwargs)")
    stmts = _statements(func)
    if len(stmts) != 2:
        a.block(func, "__init__ does more than super().__init__(...) and self.dist = ...")
        return
    sup, assign = stmts
    if not (
        isinstance(sup, cst.Expr)
        and isinstance(sup.value, cst.Call)
        and isinstance(sup.value.func, cst.Attribute)
        and sup.value.func.attr.value == "__init__"
        and isinstance(sup.value.func.value, cst.Call)
        and isinstance(sup.value.func.value.func, cst.Name)
        and sup.value.func.value.func.value == "super"
        and not sup.value.func.value.args
    ):
        a.block(func, "__init__ does not start with super().__init__(inputs, model)")
        return
    args = sup.value.args
    if (
        len(args) != 2
        or any(arg.star for arg in args)
        or (args[0].keyword is not None and args[0].keyword.value != "inputs")
        or not isinstance(args[1].value, cst.Name)
        or args[1].value.value != model
        or (args[1].keyword is not None and args[1].keyword.value != "model")
    ):
        a.block(sup, "super().__init__ is not called as (<expression of inputs>, model)")
        return
    a.input_expr = args[0].value
    used = _names(a.input_expr)
    if model in used or a.self_name in used or _has_scopes(a.input_expr):
        a.block(sup, "the input transform reads the model, self, or has lambdas/comprehensions")
    if not (
        isinstance(assign, cst.Assign)
        and len(assign.targets) == 1
        and N.is_self_attr(assign.targets[0].target, a.self_name, "dist")
        and isinstance(assign.value, cst.Call)
    ):
        a.block(func, "__init__ does not assign self.dist = torch.distributions.<X>(...)")
        return
    call = assign.value
    if not any(q.startswith("torch.distributions.") for q in ctx.qualified_names(call.func)):
        a.block(call, "self.dist is not built by a torch.distributions class")
        return
    params = {a.inputs_param, model, *(x.name.value for x in a.extra_params)}
    if _names(call) & (params | {"logits"}) or _self_attrs(call, a.self_name) - {"inputs"}:
        a.block(call, "self.dist is built from constructor arguments or self attributes other "
                      "than self.inputs")
        return
    if _has_scopes(call):
        a.block(call, "self.dist's arguments hold lambdas or comprehensions")
        return
    a.dist_expr = call


# -- deterministic_sample -----------------------------------------------------------------
def _analyze_det(a: DistAnalysis, func: cst.FunctionDef) -> None:
    if len(func.params.params) != 1 or func.params.star_arg not in (cst.MaybeSentinel.DEFAULT, None) \
            or func.params.star_kwarg is not None or func.params.kwonly_params:
        a.block(func, "deterministic_sample() takes parameters besides self")
        return
    if _other_decorators(func, allowed=()):
        a.block(func, "deterministic_sample() has decorators other than @override")
        return
    self_name = func.params.params[0].name.value
    stmts = _statements(func)
    expr: cst.BaseExpression | None = None
    if len(stmts) == 1 and isinstance(stmts[0], cst.Return):
        expr = stmts[0].value
    elif (
        len(stmts) == 2
        and isinstance(stmts[0], cst.Assign)
        and len(stmts[0].targets) == 1
        and N.is_self_attr(stmts[0].targets[0].target, self_name, "last_sample")
        and isinstance(stmts[1], cst.Return)
        and stmts[1].value is not None
        and N.is_self_attr(stmts[1].value, self_name, "last_sample")
    ):
        expr = stmts[0].value
    if expr is None:
        a.block(func, "deterministic_sample() is not `return <expression>` (optionally stored "
                      "in self.last_sample)")
        return
    if _self_attrs(expr, self_name) - {"dist", "inputs"} or _has_scopes(expr):
        a.block(func, "deterministic_sample() reads self attributes other than dist/inputs")
        return
    a.det_expr = _rename_self(expr, self_name, a.self_name)


def _rename_self(expr: cst.BaseExpression, old: str, new: str) -> cst.BaseExpression:
    if old == new:
        return expr

    class _Rename(cst.CSTTransformer):
        def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
            return updated.with_changes(value=new) if updated.value == old else updated

    return expr.visit(_Rename())  # type: ignore[return-value]


# -- required_model_output_shape ----------------------------------------------------------
def _decorator_name(dec: cst.Decorator) -> str | None:
    target = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
    return N.dotted_name(target)


def _other_decorators(func: cst.FunctionDef, allowed: tuple[str, ...]) -> list[cst.Decorator]:
    return [
        d for d in func.decorators
        if (_decorator_name(d) or "").rsplit(".", 1)[-1] not in ("override", *allowed)
    ]


def _analyze_shape(a: DistAnalysis, func: cst.FunctionDef) -> None:
    names = [_decorator_name(d) for d in func.decorators]
    if "staticmethod" not in names or _other_decorators(func, allowed=("staticmethod",)):
        a.block(func, "required_model_output_shape is not a plain @staticmethod")
        return
    p = func.params
    if len(p.params) != 2 or p.star_arg not in (cst.MaybeSentinel.DEFAULT, None) \
            or p.star_kwarg is not None or p.kwonly_params:
        a.block(func, "required_model_output_shape is not (action_space, model_config)")
        return
    if "kwargs" in _names(func.body) or (
        "space" in _names(func.body) and p.params[0].name.value != "space"
    ):
        a.block(func, "required_model_output_shape uses the names space/kwargs")

