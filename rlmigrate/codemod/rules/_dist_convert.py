"""Rewrite behind RLM040: a mechanical legacy distribution → ``TorchDistribution``.

The mechanical pattern is a ``TorchDistributionWrapper`` subclass whose only job is to build one
``torch.distributions`` object from (a transform of) the model outputs::

    class TemperatureCategorical(TorchDistributionWrapper):
        def __init__(self, inputs, model=None, temperature=2.0):
            super().__init__(inputs / temperature, model)
            self.dist = torch.distributions.Categorical(logits=self.inputs)

        def deterministic_sample(self):                       # optional
            self.last_sample = self.dist.probs.argmax(dim=1)
            return self.last_sample

        @staticmethod
        def required_model_output_shape(action_space, model_config):   # optional
            return action_space.n

Everything the legacy base class then does (``sample``, ``logp``, ``entropy``, ``kl`` on
``self.dist``) is what the new-stack ``TorchDistribution`` does on ``self._dist``, so the class
maps one to one:

* ``__init__`` → ``_get_torch_distribution(self, logits, **kwargs)`` returning the same torch
  distribution (``self.inputs`` → ``logits``), plus ``from_logits(cls, logits, <the extra
  constructor parameters with their defaults>, **kwargs)`` returning ``cls(<the same input
  transform>)`` — the legacy Policy built ``cls(inputs, model)``, so the defaults are what ran;
* ``deterministic_sample`` → ``to_deterministic()`` returning ``TorchDeterministic(loc=...)``;
* ``required_model_output_shape(action_space, model_config)`` →
  ``required_input_dim(space, **kwargs)`` with ``model_config = kwargs.get("model_config", {})``.

Anything else (other methods, class attributes, other statements in ``__init__``, other ``self``
attributes) is a blocker: the class is left unchanged and reported with the reason.

Whether a class matches (and the nodes each new method is built from) is decided by
``_dist_analysis`` (:func:`analyze`, :class:`DistAnalysis`, re-exported here); this module
builds the new-stack methods and the converted class.
"""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod import nodes as N
from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.rules._dist_analysis import (
    MAPPED_METHODS,
    DistAnalysis,
    _decorator_name,
    _names,
    _self_attrs,
    analyze,
    is_legacy_distribution,
)

__all__ = [
    "MAPPED_METHODS",
    "DistAnalysis",
    "analyze",
    "is_legacy_distribution",
    "build_methods",
    "converted_class",
]


# -- building ------------------------------------------------------------------------------
class _SelfInputs(cst.CSTTransformer):
    """``<self>.inputs`` → ``logits``; ``<inputs param>`` → ``logits``; ``<self>.dist`` →
    ``<self>._dist`` (whichever the instance sets)."""

    def __init__(self, self_name: str, inputs_name: str | None = None, dist: bool = False) -> None:
        super().__init__()
        self.self_name = self_name
        self.inputs_name = inputs_name
        self.dist = dist

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if N.is_self_attr(original, self.self_name, "inputs") and not self.dist:
            return cst.Name("logits")
        if self.dist and N.is_self_attr(original, self.self_name, "dist"):
            return updated.with_changes(attr=cst.Name("_dist"))
        return updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        if self.inputs_name is not None and original.value == self.inputs_name:
            return updated.with_changes(value="logits")
        return updated


def _defaulted(param: cst.Param) -> cst.Param:
    return param.with_changes(comma=cst.MaybeSentinel.DEFAULT)


def _method(code: str) -> cst.FunctionDef:
    stmt = N.statement(code)
    assert isinstance(stmt, cst.FunctionDef)
    return stmt


def _replace_expr(func: cst.FunctionDef, marker: str, expr: cst.BaseExpression) -> cst.FunctionDef:
    class _Put(cst.CSTTransformer):
        def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
            return expr if original.value == marker else updated

    return func.visit(_Put())  # type: ignore[return-value]


def _leading(original: cst.FunctionDef | None, new: cst.FunctionDef) -> cst.FunctionDef:
    """Keep the comments/blank lines above the legacy method, and the comment lines in its
    body, on its replacement."""
    if original is None:
        return new.with_changes(leading_lines=(cst.EmptyLine(indent=False),))
    return N.with_body_comments(new, original).with_changes(leading_lines=original.leading_lines)


def _with_docstring(new: cst.FunctionDef, original: cst.FunctionDef | None) -> cst.FunctionDef:
    if original is None or not isinstance(original.body, cst.IndentedBlock):
        return new
    body = list(original.body.body)
    if not N.docstring_count(body):
        return new
    return new.with_changes(body=N.insert_after_docstring(new.body, [body[0]]))


def build_methods(ctx: FileContext, a: DistAnalysis) -> list[cst.FunctionDef]:
    """The new-stack methods replacing the legacy ones, in the legacy order."""
    assert a.input_expr is not None and a.dist_expr is not None
    s = a.self_name
    stores_inputs = a.det_expr is not None and "inputs" in _self_attrs(a.det_expr, s)
    dist = a.dist_expr.visit(_SelfInputs(s))
    get = _method(
        f"def _get_torch_distribution({s}, logits, **kwargs):\n"
        + (f"    {s}.inputs = logits\n" if stores_inputs else "")
        + "    return DIST_EXPR\n"
    )
    get = _with_docstring(_replace_expr(get, "DIST_EXPR", dist), a.init_method)
    transform = a.input_expr.visit(_SelfInputs(s, a.inputs_param))
    from_logits = _method(
        "@classmethod\ndef from_logits(cls, logits, **kwargs):\n    return cls(INPUT_EXPR)\n"
    )
    from_logits = _replace_expr(from_logits, "INPUT_EXPR", transform)
    from_logits = from_logits.with_changes(params=from_logits.params.with_changes(
        params=[*from_logits.params.params[:2], *map(_defaulted, a.extra_params)]
    ))
    methods = [_leading(a.init_method, get), from_logits.with_changes(leading_lines=(cst.EmptyLine(indent=False),))]
    if a.det_expr is not None:
        ctx.need("TorchDeterministic")
        det = _method(f"def to_deterministic({s}):\n    return TorchDeterministic(loc=DET_EXPR)\n")
        det = _replace_expr(det, "DET_EXPR", a.det_expr.visit(_SelfInputs(s, dist=True)))
        methods.append(_leading(a.det_method, _with_docstring(det, a.det_method)))
    if a.shape_method is not None:
        methods.append(_leading(a.shape_method, _shape_method(a.shape_method)))
    else:
        # abstract on the new stack; the legacy base raised NotImplementedError here too
        name = a.node.name.value
        methods.append(_method(
            "@staticmethod\ndef required_input_dim(space, **kwargs):\n"
            f"    raise NotImplementedError(\"{name} defines no required_model_output_shape; \"\n"
            "                              \"size the model's outputs yourself\")\n"
        ).with_changes(leading_lines=(cst.EmptyLine(indent=False),)))
    return methods


def _shape_method(func: cst.FunctionDef) -> cst.FunctionDef:
    space_param, config_param = (p.name.value for p in func.params.params)
    used = _names(func.body)
    bindings = []
    if space_param != "space" and space_param in used:
        bindings.append(N.assign(space_param, cst.Name("space")))
    if config_param in used:
        bindings.append(N.assign(config_param, N.expression('kwargs.get("model_config", {})')))
    decorators = [d for d in func.decorators if _decorator_name(d) == "staticmethod"]
    body = func.body
    if isinstance(body, cst.IndentedBlock):
        body = N.insert_after_docstring(body, bindings)
    return func.with_changes(
        name=cst.Name("required_input_dim"),
        params=N.params("space", star_kwargs="kwargs"),
        body=body,
        decorators=decorators,
    )


def converted_class(
    ctx: FileContext, a: DistAnalysis, updated: cst.ClassDef
) -> cst.ClassDef:
    """``updated`` (the class after the other rules) rebuilt as a ``TorchDistribution``."""
    methods = build_methods(ctx, a)
    body = list(updated.body.body) if isinstance(updated.body, cst.IndentedBlock) else []
    original_body = list(a.node.body.body) if isinstance(a.node.body, cst.IndentedBlock) else []
    mapped = {id(m) for m in (a.init_method, a.det_method, a.shape_method) if m is not None}
    out: list[cst.BaseStatement] = []
    pending = list(methods)
    if a.shape_method is None:
        tail = [methods[-1]]
    else:
        tail = []
    for orig, upd in zip(original_body, body):
        if id(orig) in mapped:
            if orig is a.init_method:
                out.extend(pending[:2])
                pending = pending[2:]
            elif orig is a.det_method and a.det_expr is not None:
                out.append(next(m for m in methods if m.name.value == "to_deterministic"))
            elif orig is a.shape_method:
                out.append(next(m for m in methods if m.name.value == "required_input_dim"))
            continue
        out.append(upd)
    out.extend(tail)
    base = cst.Arg(ctx.need("TorchDistribution"))
    return updated.with_changes(bases=[base], body=updated.body.with_changes(body=out))
