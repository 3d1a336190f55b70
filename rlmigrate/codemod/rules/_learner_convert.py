"""Turning a policy's ``loss_fn`` / ``stats_fn`` / ``optimizer_fn`` / ``extra_grad_process_fn``
(builder keywords, or ``loss``/``stats_fn``/``optimizer``/``extra_grad_process`` methods of a
``TorchPolicyV2`` or ``PPOTorchPolicy`` subclass) into a generated ``<Policy>Learner`` (RLM033).

Each hook's body is copied into a method of the new class and rewritten by scope analysis
(the references of each parameter, never text matching; the table of patterns is in
``_learner_rewrite.py``):

* loss ``(policy, model, dist_class, train_batch)`` → ``_loss(self, module_id, config, batch,
  fwd_out)``, called by ``compute_loss_for_module``;
* stats ``(policy, train_batch)`` → ``_stats(self, module_id, config, batch)``, its dict
  logged with ``self.metrics.log_dict(..., key=module_id)``;
* optimizer ``(policy, config)`` → ``_optimizer(self, module, config)`` registered in
  ``configure_optimizers_for_module``;
* ``extra_grad_process_fn`` that only calls ``apply_grad_clipping`` → the Learner's own
  clipping by ``config["grad_clip"]`` (global norm, as ``apply_grad_clipping``).

The base is ``PPOTorchLearner`` for PPO policies (``super().loss`` and the PPO mixins' state
convert), ``TorchLearner`` otherwise, with ``TargetModelsMixin`` in front when the loss reads
``policy.target_model(s)``. Any other use of the policy, model or dist class makes that hook
manual; the finding points at the first blocking use and says what replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.nodes import string_value, walk
from rlmigrate.codemod.rules._learner_rewrite import (
    SPACES,
    LearnerRewrite,
    LearnerUses,
    RewriteOptions,
)
from rlmigrate.codemod.rules._policy_attributes import set_nowhere
from rlmigrate.codemod.rules._policy_convert import _params, _refs

LEARNER_ARGS = ("loss_fn", "stats_fn", "optimizer_fn", "extra_grad_process_fn")
#: TorchPolicyV2 method → the builder hook it plays (same legacy signature, ``self`` = policy).
LEARNER_METHODS = {"loss": "loss_fn", "stats_fn": "stats_fn", "optimizer": "optimizer_fn",
                   "extra_grad_process": "extra_grad_process_fn", "postprocess_trajectory": "postprocess_fn"}


@dataclass
class GeneratedLearner:
    """The class to insert (or None) and one ``(hook, status, message, node)`` per hook seen
    (``node``: where the finding points when not at the hook itself, e.g. the blocking use)."""

    node: cst.ClassDef | None = None
    outcomes: list[tuple[str, str, str, cst.CSTNode | None]] = field(default_factory=list)

    def add(self, hook: str, status: str, message: str, node: cst.CSTNode | None = None) -> None:
        self.outcomes.append((hook, status, message, node))


@dataclass(frozen=True)
class Problem:
    """Why a hook does not convert, and the node that shows it (None: the hook itself)."""

    message: str
    node: cst.CSTNode | None = None


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
            if isinstance(target, cst.Attribute) and target.value in refs and target.attr.value not in ("config", "model", *SPACES):
                out.add(target.attr.value)
    return frozenset(out)


def _delegation(ctx: FileContext, loss: cst.FunctionDef) -> tuple[cst.FunctionDef, tuple[str, ...]] | None:
    """``(helper, its roles)`` when ``loss`` only returns ``helper(...)`` of this file called with
    its own parameters and ``super()`` (the centralized-critic idiom), else None."""
    body = loss.body.body if isinstance(loss.body, cst.IndentedBlock) else ()
    if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine):
        return None
    ret = body[0].body[0]
    if not (isinstance(ret, cst.Return) and isinstance(ret.value, cst.Call) and isinstance(ret.value.func, cst.Name)):
        return None
    helper = ctx.facts.functions.get(ret.value.func.value)
    own = {p.name.value: role for p, role in zip(_params(loss), ("policy", "model", "dist", "batch"))}
    if helper is None or len(_params(helper)) != len(ret.value.args):
        return None
    roles = []
    for arg in ret.value.args:
        value = arg.value
        if arg.keyword is not None or arg.star:
            return None
        if isinstance(value, cst.Name) and value.value in own:
            roles.append(own[value.value])
        elif isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "super" and not value.args:
            roles.append("base")
        else:
            return None
    if not {"policy", "model", "dist", "batch"} <= set(roles):
        return None  # a helper that does not get the whole legacy loss signature is a plain call
    return helper, tuple(roles)


def _uses_target(ctx: FileContext, func: cst.FunctionDef) -> bool:
    params = _params(func)
    refs = set(_refs(ctx, params[0])) if params else set()
    return any(isinstance(n, cst.Attribute) and n.value in refs and n.attr.value in ("target_model", "target_models")
               for n in walk(func.body, into_functions=False))


def _convert(
    ctx: FileContext, func: cst.FunctionDef, roles: tuple[str, ...], hook: str, options: RewriteOptions
) -> tuple[cst.IndentedBlock | None, Problem]:
    """The rewritten body of ``func`` (params bound to ``roles`` by position), or why not."""
    params = _params(func)
    if len(params) < len(roles) or func.asynchronous or not isinstance(func.body, cst.IndentedBlock):
        return None, Problem(f"{hook} {func.name.value}() does not have the legacy signature ({', '.join(roles)})")
    refs = {role: set(_refs(ctx, param)) for role, param in zip(roles, params)}
    uses = LearnerUses(ctx, refs, options)
    func.body.visit(uses)
    for node in walk(func.body, into_functions=False):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Call) \
                and isinstance(node.func.value.func, cst.Name) and node.func.value.func.value == "super" \
                and node not in uses.super_ok:
            return None, _super_problem(func, hook, node, options)
    order = {id(node): i for i, node in enumerate(walk(func.body, into_functions=True))}
    for role in ("policy", "base", "model", "dist"):
        for ref in sorted(refs.get(role, ()), key=lambda node: order.get(id(node), -1)):  # first in source order
            if ref not in uses.ok and ref in uses.view_problems:
                return None, Problem(f"{hook} {func.name.value}() passes its {role} object `{getattr(ref, 'value', role)}` "
                                     f"to {uses.view_problems[ref]}", ref)
            if ref not in uses.ok:
                return None, _blocked(ctx, func, hook, role, ref, uses.detail.get(ref), options)
    for node in walk(func.body, into_functions=False):
        if isinstance(node, (cst.Yield, cst.Global, cst.Nonlocal)):
            return None, Problem(f"{hook} {func.name.value}() uses {type(node).__name__.lower()}", node)
    body = func.body.visit(LearnerRewrite(ctx, refs, options, uses.views, forward_out=hook == "loss_fn"))
    assert isinstance(body, cst.IndentedBlock)
    return body, Problem("")


#: what replaces a policy attribute that has no mechanical equivalent in general
_POLICY_HINTS = {
    "kl_coeff": "a PPO Learner's curr_kl_coeffs_per_module[module_id] (the policy has no KLCoeffMixin/PPO base here)",
    "entropy_coeff": "a PPO Learner's entropy_coeff_schedulers_per_module[module_id] (no EntropyCoeffSchedule/PPO base here)",
    "device": "the module's parameters' device (next(module.parameters()).device)",
}


def _blocked(ctx: FileContext, func: cst.FunctionDef, hook: str, role: str, ref: cst.CSTNode, use: str | None,
             options: RewriteOptions) -> Problem:
    name = func.name.value
    if use is None:
        use = getattr(ref, "value", role)
        callee = _callee_of(func, ref)
        to = f"to {callee}()" if callee else "on as a value"
        what = (f"passes its {role} object `{use}` {to}; a helper given the {role} needs a person: it would have to "
                "become a Learner method reading the module, config and batch instead")
    else:
        attr = use.split(".", 1)[-1]
        if role == "model":
            what = (f"uses its model as `{use}`: a model attribute/method beyond calling it, value_function(), "
                    "tower_stats; on the new stack that state lives in the RLModule (return it from "
                    "forward_train into fwd_out, or call a module method), which needs a person")
        elif attr in _POLICY_HINTS:
            what = f"uses `{use}`, which is {_POLICY_HINTS[attr]}"
        elif role == "policy" and "." not in attr and (bases := set_nowhere(ctx, options.policy, attr)) is not None:
            when = (" (Ray 2.10 runs the loss while it builds the policy, in _initialize_loss_from_dummy_batch, so "
                    "the legacy policy does not build)" if hook == "loss_fn" and options.algorithm else "")
            what = (f"uses `{use}`, which is set nowhere: no code of this file stores `{attr}`, and "
                    f"{options.policy}'s bases ({', '.join(bases)}) have no such member in Ray 2.10, so the legacy "
                    f"{name}() raises AttributeError when it gets there{when}; give {options.policy} that attribute "
                    "(in __init__) before porting it, then keep it in the Learner's own attributes")
        else:
            what = (f"uses `{use}`, policy state with no Learner equivalent (only config, model, spaces, tower "
                    "stats, cur_lr, target_model" + (", the PPO mixins' kl_coeff/entropy_coeff/kl_target" if options.algorithm
                                                      else "") + " convert); keep it in the Learner's own attributes")
    return Problem(f"{hook} {name}() {what}", ref)


def _callee_of(func: cst.FunctionDef, ref: cst.CSTNode) -> str | None:
    """The name of the call ``ref`` is an argument of, if any."""
    for node in walk(func.body, into_functions=True):
        if isinstance(node, cst.Call) and any(arg.value is ref for arg in node.args):
            target = node.func.attr if isinstance(node.func, cst.Attribute) else node.func
            return target.value if isinstance(target, cst.Name) else None
    return None


def _super_problem(func: cst.FunctionDef, hook: str, call: cst.Call, options: RewriteOptions) -> Problem:
    method = call.func.attr.value if isinstance(call.func, cst.Attribute) else "?"
    if options.algorithm is None:
        why = ("the parent is not an algorithm policy with a Learner here (only PPOTorchPolicy's loss/stats_fn "
               "map to PPOTorchLearner)")
    else:
        why = "only super().loss(...) and super().stats_fn(...) have a parent Learner equivalent"
    return Problem(f"{hook} {func.name.value}() calls super().{method}(): {why}", call)


def _method(name: str, params: str, body: cst.IndentedBlock, prelude: str | None = None) -> cst.FunctionDef:
    stmts = list(body.body)
    uses_module = any(isinstance(n, cst.Name) and n.value == "module" for n in walk(body, into_functions=False))
    if prelude and uses_module:
        stmts.insert(0, cst.parse_statement(prelude))
    head = cst.parse_statement(f"def {name}(self, {params}):\n    pass\n")
    assert isinstance(head, cst.FunctionDef)
    return head.with_changes(body=body.with_changes(body=stmts), leading_lines=[cst.EmptyLine(indent=False)])


def _views_note(body: cst.CSTNode) -> str:
    """``; helper(policy=LegacyPolicyView(config, model)), ...`` for the helpers the converted
    body hands a view of the policy (what a reviewer should know it reads), else ``""``."""
    seen: list[str] = []
    for node in walk(body, into_functions=True):
        if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Name)):
            continue
        for arg in node.args:
            view = arg.value
            if isinstance(view, cst.Call) and isinstance(view.func, cst.Name) and view.func.value == "LegacyPolicyView":
                offered = ", ".join(a.keyword.value for a in view.args if a.keyword is not None)
                text = f"{node.func.value}() gets LegacyPolicyView({offered})"
                if text not in seen:
                    seen.append(text)
    if not seen:
        return ""
    return ("; the policy it handed to helpers is a view offering what each reads: " + ", ".join(seen)
            + " (a helper's own side effects, e.g. training a side network, run on the module's copy)")


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


def generate_learner(
    ctx: FileContext, policy: str, hooks: dict[str, cst.FunctionDef], *, algorithm: str | None = None
) -> GeneratedLearner:
    """``class <policy>Learner(<base>)`` from the hooks found (see the module doc).

    Args:
        algorithm: ``"ppo"`` when the policy is a PPO policy (the base is ``PPOTorchLearner``,
            ``super().loss`` and the PPO mixins' attributes convert), else None (``TorchLearner``).
    """
    out = GeneratedLearner()
    methods: list[cst.BaseStatement] = []
    loss = hooks.get("loss_fn")
    if loss is None:
        return out
    roles: tuple[str, ...] = ("policy", "model", "dist", "batch")
    delegated = _delegation(ctx, loss)
    if delegated is not None:  # loss() only returns helper(self, super(), model, dist_class, train_batch)
        loss, roles = delegated
    options = RewriteOptions(algorithm=algorithm, stored=stored_attributes(ctx, loss), policy=policy)
    body, problem = _convert(ctx, loss, roles, "loss_fn", options)
    if body is None:
        out.add("loss_fn", "manual", f"{policy}: no Learner generated: {problem.message}", problem.node)
        return out
    methods.append(_method("_loss", "module_id, config, batch, fwd_out", body, "module = self.module[module_id]"))
    out.add("loss_fn", "review", f"{policy}: loss_fn {loss.name.value}() → {policy}Learner.compute_loss_for_module"
            + _views_note(body))
    log_stats = ""
    stats = hooks.get("stats_fn")
    if stats is not None:
        body, problem = _convert(ctx, stats, ("policy", "batch"), "stats_fn", options)
        if body is None:
            out.add("stats_fn", "manual", f"{policy}: {problem.message}; log its values with self.metrics.log_value",
                    problem.node)
        else:
            methods.append(_method("_stats", "module_id, config, batch", body, "module = self.module[module_id]"))
            log_stats = "    self.metrics.log_dict(self._stats(module_id, config, batch), key=module_id)\n"
            out.add("stats_fn", "review", f"{policy}: stats_fn {stats.name.value}() → {policy}Learner metrics")
    optimizer = hooks.get("optimizer_fn")
    if optimizer is not None:
        roles = ("policy", "config") if len(_params(optimizer)) > 1 else ("policy",)  # method: optimizer(self)
        body, problem = _convert(ctx, optimizer, roles, "optimizer_fn", RewriteOptions())
        if body is None:
            out.add("optimizer_fn", "manual", f"{policy}: {problem.message}; override configure_optimizers_for_module",
                    problem.node)
        else:
            methods.append(_method("_optimizer", "module, config", body))
            methods.append(cst.parse_statement(
                "def configure_optimizers_for_module(self, module_id, config=None):\n"
                "    module = self.module[module_id]\n"
                "    config = config if config is not None else self.config.get_config_for_module(module_id)\n"
                "    optimizer = self._optimizer(module, config)\n"
                "    self.register_optimizer(module_id=module_id, optimizer=optimizer, params=self.get_parameters(module))\n"
            ).with_changes(leading_lines=[cst.EmptyLine(indent=False)]))
            out.add("optimizer_fn", "review", f"{policy}: optimizer_fn {optimizer.name.value}() → "
                    f"{policy}Learner.configure_optimizers_for_module (one optimizer per module)")
    grads = hooks.get("extra_grad_process_fn")
    if grads is not None:
        if _only_grad_clipping(ctx, grads):
            out.add("extra_grad_process_fn", "review", f"{policy}: extra_grad_process_fn {grads.name.value}() → "
                    "the Learner's clipping by config['grad_clip'] (global norm)")
        else:
            out.add("extra_grad_process_fn", "manual", f"{policy}: extra_grad_process_fn {grads.name.value}() "
                    "is not plain apply_grad_clipping; override postprocess_gradients")
    compute = cst.parse_statement(
        "def compute_loss_for_module(self, *, module_id, config, batch, fwd_out):\n"
        "    self.tower_stats = {}\n"
        "    loss = self._loss(module_id, config, batch, fwd_out)\n"
        + log_stats +
        "    return loss\n"
    )
    sources = ", ".join(sorted(h for h in hooks if h in LEARNER_ARGS))
    doc = cst.parse_statement(f'"""Learner of the legacy policy {policy} (from {sources})."""\n')
    out.node = cst.ClassDef(
        name=cst.Name(f"{policy}Learner"),
        bases=[cst.Arg(base) for base in _bases(ctx, algorithm, _uses_target(ctx, loss))],
        body=cst.IndentedBlock([doc, compute.with_changes(leading_lines=[cst.EmptyLine(indent=False)]), *methods]),
        leading_lines=[cst.EmptyLine(), cst.EmptyLine()],
    )
    return out


def _bases(ctx: FileContext, algorithm: str | None, target: bool) -> list[cst.Name]:
    """The generated class's bases: ``[TargetModelsMixin,] TorchLearner | PPOTorchLearner``."""
    ray = ctx.target.name == "ray"
    bases = []
    if target:
        bases.append(ctx.need_from("rlmigrate.learner.targets" if ray else "rlmigrate.learner", "TargetModelsMixin"))
    if algorithm == "ppo":
        bases.append(ctx.need_from("ray.rllib.algorithms.ppo.torch.ppo_torch_learner" if ray else "rlmigrate.learner",
                                   "PPOTorchLearner"))
    else:
        bases.append(ctx.need("TorchLearner"))
    return bases


__all__ = ["LEARNER_ARGS", "GeneratedLearner", "generate_learner", "string_value"]
