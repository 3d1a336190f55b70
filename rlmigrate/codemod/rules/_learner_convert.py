"""Turning a builder's ``loss_fn`` / ``stats_fn`` / ``optimizer_fn`` / ``extra_grad_process_fn``
into a generated ``<Policy>Learner(TorchLearner)`` (RLM033).

Each hook's body is copied into a method of the new class and rewritten by scope analysis
(the references of each parameter, never text matching):

* loss ``(policy, model, dist_class, train_batch)`` → ``_loss(self, module_id, config, batch,
  fwd_out)``: ``model(...)`` → ``(fwd_out[Columns.ACTION_DIST_INPUTS], [])``,
  ``model.value_function()`` → ``module.compute_values(batch)``, ``dist_class(x, model)`` →
  ``module.get_train_action_dist_cls().from_logits(x)``, ``model.tower_stats`` /
  ``policy.model.tower_stats`` → ``self.tower_stats``, ``policy.get_tower_stats(k)`` →
  ``[self.tower_stats[k]]``, ``policy.config`` → ``config``, ``train_batch`` → ``batch``;
* stats ``(policy, train_batch)`` → ``_stats(self, module_id, config, batch)``, its dict
  logged with ``self.metrics.log_dict(..., key=module_id)``;
* optimizer ``(policy, config)`` → ``_optimizer(self, module, config)`` registered in
  ``configure_optimizers_for_module``;
* ``extra_grad_process_fn`` that only calls ``apply_grad_clipping`` → the Learner's own
  clipping by ``config["grad_clip"]`` (global norm, as ``apply_grad_clipping``).

Any other use of the policy, model or dist class (``policy.kl_coeff``, ``model.some_layer``,
passing ``model`` on) makes that hook manual, with the line that stops it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from rlmigrate.codemod import nodes as N
from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.nodes import string_value, walk
from rlmigrate.codemod.rules._policy_convert import _params, _refs

LEARNER_ARGS = ("loss_fn", "stats_fn", "optimizer_fn", "extra_grad_process_fn")
#: TorchPolicyV2 method → the builder hook it plays (same legacy signature, ``self`` = policy).
LEARNER_METHODS = {"loss": "loss_fn", "stats_fn": "stats_fn", "optimizer": "optimizer_fn",
                   "extra_grad_process": "extra_grad_process_fn"}


@dataclass
class GeneratedLearner:
    """The class to insert (or None) and one ``(hook, status, message)`` per hook seen."""

    node: cst.ClassDef | None = None
    outcomes: list[tuple[str, str, str]] = field(default_factory=list)


class _Uses(cst.CSTVisitor):
    """Marks the parameter references that sit in a pattern the rewrite knows."""

    def __init__(self, refs: dict[str, set], stored: frozenset[str] = frozenset()) -> None:
        self.refs, self.stored = refs, stored
        self.ok: set[cst.CSTNode] = set()
        self.detail: dict[cst.CSTNode, str] = {}  # ref → the use that blocks it (for the finding)

    def _is(self, node: cst.CSTNode, role: str) -> bool:
        return node in self.refs.get(role, ())

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if self._is(func, "model"):
            self.ok.add(func)
        elif self._is(func, "dist"):
            self.ok.add(func)
            for arg in node.args[1:]:
                if self._is(arg.value, "model"):
                    self.ok.add(arg.value)
        elif isinstance(func, cst.Attribute) and self._is(func.value, "model") and func.attr.value == "value_function":
            self.ok.add(func.value)
        elif isinstance(func, cst.Attribute) and self._is(func.value, "policy") and func.attr.value == "get_tower_stats":
            self.ok.add(func.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        value, attr = node.value, node.attr.value
        if self._is(value, "policy") and attr in ("config", "model", *_SPACES, *self.stored):
            self.ok.add(value)
        elif self._is(value, "model") and attr in ("tower_stats", "parameters"):
            self.ok.add(value)
        elif isinstance(value, cst.Name):
            self.detail.setdefault(value, f"{value.value}.{attr}")


_SPACES = ("observation_space", "action_space")


def stored_attributes(ctx: FileContext, func: cst.FunctionDef) -> frozenset[str]:
    """Attributes the loss stores on its policy argument (``policy.td_error = ...``): on the
    new stack they live on the Learner (``self.td_error``), where the stats hook reads them."""
    params = _params(func)
    if not params:
        return frozenset()
    refs = set(_refs(ctx, params[0]))
    out = set()
    for node in walk(func.body, into_functions=False):
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else (
            [node.target] if isinstance(node, (cst.AugAssign, cst.AnnAssign)) else [])
        for target in targets:
            if isinstance(target, cst.Attribute) and target.value in refs and target.attr.value not in ("config", "model", *_SPACES):
                out.add(target.attr.value)
    return frozenset(out)


class _Rewrite(cst.CSTTransformer):
    def __init__(self, ctx: FileContext, refs: dict[str, set], stored: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.ctx, self.refs, self.stored = ctx, refs, stored

    def _is(self, node: cst.CSTNode, role: str) -> bool:
        return node in self.refs.get(role, ())

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = original.func
        if (isinstance(func, cst.Name) and func.value == "len" and len(original.args) == 1
                and self._is(original.args[0].value, "batch")):
            # a SampleBatch's len() is its rows; a Learner batch is a plain dict of columns
            self.ctx.need("Columns")
            return N.expression("len(batch[Columns.OBS])")
        if self._is(func, "model"):
            self.ctx.need("Columns")
            return N.expression("(fwd_out[Columns.ACTION_DIST_INPUTS], [])")
        if self._is(func, "dist") and updated.args:
            return cst.Call(
                func=N.expression("module.get_train_action_dist_cls().from_logits"),
                args=[updated.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)],
            )
        if isinstance(func, cst.Attribute) and self._is(func.value, "model") and func.attr.value == "value_function":
            return N.expression("module.compute_values(batch)")
        if isinstance(func, cst.Attribute) and self._is(func.value, "policy") and func.attr.value == "get_tower_stats":
            key = updated.args[0].value if updated.args else cst.SimpleString('""')
            return cst.List([cst.Element(cst.Subscript(N.expression("self.tower_stats"), [cst.SubscriptElement(cst.Index(key))]))])
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        value, attr = original.value, original.attr.value
        if self._is(value, "batch") and attr == "count":
            self.ctx.need("Columns")
            return N.expression("len(batch[Columns.OBS])")
        if attr == "tower_stats" and (
            self._is(value, "model")
            or (isinstance(value, cst.Attribute) and self._is(value.value, "policy") and value.attr.value == "model")
        ):
            return N.expression("self.tower_stats")
        if self._is(value, "policy") and attr == "config":
            return cst.Name("config")
        if self._is(value, "policy") and attr == "model":
            return cst.Name("module")
        if self._is(value, "policy") and attr in _SPACES:
            return N.expression(f"module.{attr}")
        if self._is(value, "policy") and attr in self.stored:
            return N.expression(f"self.{attr}")
        return updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        for role, name in (("batch", "batch"), ("model", "module"), ("config", "config")):
            if self._is(original, role):
                return cst.Name(name)
        return updated


def _convert(
    ctx: FileContext, func: cst.FunctionDef, roles: tuple[str, ...], hook: str, stored: frozenset[str] = frozenset()
) -> tuple[cst.IndentedBlock | None, str | None]:
    """The rewritten body of ``func`` (params bound to ``roles`` by position), or why not."""
    params = _params(func)
    if len(params) < len(roles) or func.asynchronous or not isinstance(func.body, cst.IndentedBlock):
        return None, f"{hook} {func.name.value}() does not have the legacy signature ({', '.join(roles)})"
    refs = {role: set(_refs(ctx, param)) for role, param in zip(roles, params)}
    uses = _Uses(refs, stored)
    func.body.visit(uses)
    for role in ("policy", "model", "dist"):
        # the refs are a set of nodes (ordered by address): name the blocking use that sorts
        # first (a described use before a bare name), so the message is the same on every run
        blocking = sorted((ref not in uses.detail, str(uses.detail.get(ref, getattr(ref, "value", role))))
                          for ref in refs.get(role, ()) if ref not in uses.ok)
        if blocking:
            use = blocking[0][1]
            return None, (
                f"{hook} {func.name.value}() uses its {role} argument as `{use}`, "
                "a use with no mechanical Learner equivalent (only config/model/tower stats of the "
                "policy, calling the model, value_function() and dist_class(inputs, model) convert)"
            )
    for node in walk(func.body, into_functions=False):
        if isinstance(node, (cst.Yield, cst.Global, cst.Nonlocal)):
            return None, f"{hook} {func.name.value}() uses {type(node).__name__.lower()}"
    body = func.body.visit(_Rewrite(ctx, refs, stored))
    assert isinstance(body, cst.IndentedBlock)
    return body, None


def _method(name: str, params: str, body: cst.IndentedBlock, prelude: str | None = None) -> cst.FunctionDef:
    stmts = list(body.body)
    uses_module = any(isinstance(n, cst.Name) and n.value == "module" for n in walk(body, into_functions=False))
    if prelude and uses_module:
        stmts.insert(0, cst.parse_statement(prelude))
    head = cst.parse_statement(f"def {name}(self, {params}):\n    pass\n")
    assert isinstance(head, cst.FunctionDef)
    return head.with_changes(body=body.with_changes(body=stmts), leading_lines=[cst.EmptyLine(indent=False)])


def _only_grad_clipping(ctx: FileContext, func: cst.FunctionDef) -> bool:
    body = func.body.body if isinstance(func.body, cst.IndentedBlock) else ()
    if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine):
        return False
    small = body[0].body[0]
    value = small.value if isinstance(small, (cst.Return, cst.Expr)) else None
    if not isinstance(value, cst.Call):
        return False
    names = set(ctx.qualified_names(value.func))
    if isinstance(value.func, cst.Name):
        names.add(value.func.value)
    return any(name.endswith("apply_grad_clipping") for name in names)


def generate_learner(ctx: FileContext, policy: str, hooks: dict[str, cst.FunctionDef]) -> GeneratedLearner:
    """``class <policy>Learner(TorchLearner)`` from the builder hooks found (see module doc)."""
    out = GeneratedLearner()
    methods: list[cst.BaseStatement] = []
    loss = hooks.get("loss_fn")
    if loss is None:
        return out
    stored = stored_attributes(ctx, loss)
    body, problem = _convert(ctx, loss, ("policy", "model", "dist", "batch"), "loss_fn", stored)
    if body is None:
        out.outcomes.append(("loss_fn", "manual", f"{policy}: no Learner generated: {problem}"))
        return out
    methods.append(_method("_loss", "module_id, config, batch, fwd_out", body, "module = self.module[module_id]"))
    out.outcomes.append(("loss_fn", "review", f"{policy}: loss_fn {loss.name.value}() → {policy}Learner.compute_loss_for_module"))
    log_stats = ""
    stats = hooks.get("stats_fn")
    if stats is not None:
        body, problem = _convert(ctx, stats, ("policy", "batch"), "stats_fn", stored)
        if body is None:
            out.outcomes.append(("stats_fn", "manual", f"{policy}: {problem}; log its values with self.metrics.log_value"))
        else:
            methods.append(_method("_stats", "module_id, config, batch", body, "module = self.module[module_id]"))
            log_stats = "    self.metrics.log_dict(self._stats(module_id, config, batch), key=module_id)\n"
            out.outcomes.append(("stats_fn", "review", f"{policy}: stats_fn {stats.name.value}() → {policy}Learner metrics"))
    optimizer = hooks.get("optimizer_fn")
    if optimizer is not None:
        roles = ("policy", "config") if len(_params(optimizer)) > 1 else ("policy",)  # method: optimizer(self)
        body, problem = _convert(ctx, optimizer, roles, "optimizer_fn")
        if body is None:
            out.outcomes.append(("optimizer_fn", "manual", f"{policy}: {problem}; override configure_optimizers_for_module"))
        else:
            methods.append(_method("_optimizer", "module, config", body))
            methods.append(cst.parse_statement(
                "def configure_optimizers_for_module(self, module_id, config=None):\n"
                "    module = self.module[module_id]\n"
                "    config = config if config is not None else self.config.get_config_for_module(module_id)\n"
                "    optimizer = self._optimizer(module, config)\n"
                "    self.register_optimizer(module_id=module_id, optimizer=optimizer, params=self.get_parameters(module))\n"
            ).with_changes(leading_lines=[cst.EmptyLine(indent=False)]))
            out.outcomes.append(("optimizer_fn", "review", f"{policy}: optimizer_fn {optimizer.name.value}() → "
                                 f"{policy}Learner.configure_optimizers_for_module (one optimizer per module)"))
    grads = hooks.get("extra_grad_process_fn")
    if grads is not None:
        if _only_grad_clipping(ctx, grads):
            out.outcomes.append(("extra_grad_process_fn", "review", f"{policy}: extra_grad_process_fn "
                                 f"{grads.name.value}() → the Learner's clipping by config['grad_clip'] (global norm)"))
        else:
            out.outcomes.append(("extra_grad_process_fn", "manual", f"{policy}: extra_grad_process_fn "
                                 f"{grads.name.value}() is not plain apply_grad_clipping; override postprocess_gradients"))
    compute = cst.parse_statement(
        "def compute_loss_for_module(self, *, module_id, config, batch, fwd_out):\n"
        "    self.tower_stats = {}\n"
        "    loss = self._loss(module_id, config, batch, fwd_out)\n"
        + log_stats +
        "    return loss\n"
    )
    doc = cst.parse_statement(f'"""Learner of the legacy policy {policy} (from {", ".join(sorted(h for h in hooks if h in LEARNER_ARGS))})."""\n')
    base = ctx.need("TorchLearner")
    out.node = cst.ClassDef(
        name=cst.Name(f"{policy}Learner"),
        bases=[cst.Arg(base)],
        body=cst.IndentedBlock([doc, compute.with_changes(leading_lines=[cst.EmptyLine(indent=False)]), *methods]),
        leading_lines=[cst.EmptyLine(), cst.EmptyLine()],
    )
    return out


__all__ = ["LEARNER_ARGS", "GeneratedLearner", "generate_learner", "string_value"]
