"""Finding legacy policies (builder calls and TorchPolicyV2 subclasses) in a module."""

from __future__ import annotations

from typing import Any

import libcst as cst

from rlmigrate.codemod.algorithm_policies import (
    ACTING_OVERRIDES,
    POLICY_POSITIONAL,
    TORCH_POSITIONAL,
)
from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.findings import MANUAL, REVIEW
from rlmigrate.codemod.legacy_api import POLICY_BUILDERS, TORCH_POLICY_BASES
from rlmigrate.codemod.rules._policy_convert import (
    ACTION_HOOKS,
    MODEL_HOOKS,
    PolicyHooks,
    generate_module,
)
from rlmigrate.codemod.rules._policy_model import Algorithm, resolve_model


def builder_call(ctx: FileContext, stmt: cst.CSTNode) -> tuple[str, cst.Call] | None:
    """``(policy name, call)`` for ``Name = build_policy_class(...)`` statements."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    assign = stmt.body[0]
    if not (isinstance(assign, cst.Assign) and isinstance(assign.value, cst.Call)):
        return None
    if not ctx.legacy_symbols(assign.value.func) & POLICY_BUILDERS:
        return None
    target = assign.targets[0].target
    if not isinstance(target, cst.Name):
        return None
    return target.value, assign.value


def builder_hooks(ctx: FileContext, name: str, call: cst.Call, anchor: cst.CSTNode) -> PolicyHooks:
    """The hook functions a builder call names (functions defined in this module)."""
    hooks = PolicyHooks(name=name, anchor=anchor)
    for arg in call.args:
        if arg.keyword and arg.keyword.value in MODEL_HOOKS + ACTION_HOOKS:
            func = ctx.facts.functions.get(arg.value.value) if isinstance(arg.value, cst.Name) else None
            if func is not None:
                hooks.hooks[arg.keyword.value] = func
            elif not (isinstance(arg.value, cst.Name) and arg.value.value == "None"):
                hooks.foreign[arg.keyword.value] = arg.value  # imported, a lambda, an attribute...
    return hooks


def is_torch_policy(ctx: FileContext, node: cst.ClassDef) -> bool:
    """A subclass of the legacy ``TorchPolicyV2`` / ``TorchPolicy``."""
    return any(ctx.legacy_symbols(arg.value) & TORCH_POLICY_BASES for arg in node.bases)


def class_hooks(node: cst.ClassDef) -> PolicyHooks:
    """The hook methods of a TorchPolicyV2 subclass."""
    hooks = PolicyHooks(name=node.name.value, anchor=node, is_method=True)
    if isinstance(node.body, cst.IndentedBlock):
        for stmt in node.body.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value in MODEL_HOOKS + ACTION_HOOKS:
                hooks.hooks[stmt.name.value] = stmt
    return hooks


def append_generated_module(
    rule: Any, name: str, hooks: PolicyHooks, original: cst.CSTNode, updated: cst.CSTNode,
    algorithm: Algorithm | None = None,
) -> cst.CSTNode | cst.FlattenSentinel:
    """``updated`` followed by the ``<name>RLModule`` generated from ``hooks`` (and, for a
    policy of a known ``algorithm`` without ``make_model*`` hooks, the model it runs with),
    reported as review; ``updated`` alone when there is nothing to act with, the class exists
    already, or nothing could be generated (then reported as manual, with the reason)."""
    if f"{name}RLModule" in rule.ctx.facts.classes or not (hooks.hooks or algorithm):
        return updated
    fallback = None
    if algorithm is not None and not set(hooks.hooks) & set(MODEL_HOOKS):
        fallback = resolve_model(rule.ctx, algorithm)
    generated = generate_module(rule.ctx, hooks, fallback)
    if generated.node is None:
        rule.report(generated.problem_node or original, MANUAL,
                    f"{name}: no RLModule generated: {generated.problem}")
        return updated
    notes = "; ".join(generated.notes)
    if generated.model_source:
        source = generated.model_source
        acting = f"; acts as {algorithm.via} did: it {algorithm.entry.acting}" if algorithm else ""
        hooks_part = f", with {', '.join(sorted(hooks.hooks))}" if hooks.hooks else ""
        message = f"{name} → {name}RLModule on {source}{hooks_part}{acting}"
    else:
        message = f"{name} → {name}RLModule generated from {', '.join(sorted(hooks.hooks))}"
    rule.report(original, REVIEW, message + (f" ({notes})" if notes else ""))
    rule.ctx.shared.setdefault(GENERATED, set()).add(generated.node.name.value)
    return cst.FlattenSentinel([updated, generated.node])


GENERATED = "generated_policy_modules"  # ctx.shared key: names of the classes inserted


def separate_generated(ctx: FileContext, module: cst.Module) -> cst.Module:
    """Two blank lines between an inserted ``<Policy>RLModule`` and the statement after it
    (the statement's own leading lines belonged to the policy definition before it)."""
    names = ctx.shared.get(GENERATED)
    if not names:
        return module
    body = list(module.body)
    for i in range(1, len(body)):
        before = body[i - 1]
        if isinstance(before, cst.ClassDef) and before.name.value in names:
            blank = sum(1 for line in body[i].leading_lines if line.comment is None)
            if blank < 2:
                body[i] = body[i].with_changes(
                    leading_lines=[cst.EmptyLine(indent=False)] * (2 - blank) + list(body[i].leading_lines))
    return module.with_changes(body=body)


def _super_call(func: cst.FunctionDef) -> cst.Call | None:
    """The call of ``return super().<same name>(...)`` when that (after an optional docstring)
    is the whole body, else None."""
    body = list(func.body.body) if isinstance(func.body, cst.IndentedBlock) else []
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr) \
            and isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
        return None
    stmt = body[0].body[0]
    call = stmt.value if isinstance(stmt, (cst.Return, cst.Expr)) else None
    if (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
            and call.func.attr.value == func.name.value and isinstance(call.func.value, cst.Call)
            and isinstance(call.func.value.func, cst.Name) and call.func.value.func.value == "super"):
        return call
    return None


def _only_calls_super(func: cst.FunctionDef) -> bool:
    """``return super().<same name>(...)`` (after an optional docstring) and nothing else."""
    return _super_call(func) is not None


def positional_overflow(func: cst.FunctionDef) -> str | None:
    """Why a pass-through acting override cannot run on Ray 2.10's torch policies: its
    ``super()`` call passes more positional arguments than the torch base takes by position
    (:data:`TORCH_POSITIONAL`), so the call raises ``TypeError``; None when it fits (or a
    ``*args`` makes the count unknown)."""
    call = _super_call(func)
    takes = TORCH_POSITIONAL.get(func.name.value)
    if call is None or takes is None:
        return None
    positional = [arg for arg in call.args if arg.keyword is None and arg.star == ""]
    if any(arg.star == "*" for arg in call.args) or len(positional) <= len(takes):
        return None
    extra = [cst.Module([]).code_for_node(arg.value) for arg in positional[len(takes):]]
    method = func.name.value
    when = (" Ray 2.10 makes this call while it builds the policy (Policy._initialize_loss_from_dummy_batch, "
            "which the algorithm policies' __init__ call), so the legacy policy does not build on Ray 2.10;"
            if method == "compute_actions_from_input_dict" else "")
    meant = POLICY_POSITIONAL.get(method, takes)[len(takes):]
    keywords = [f"{param}={arg}" for param, arg in zip(meant, extra)]
    fix = (f"pass it by keyword ({', '.join(keywords)})" if len(keywords) == len(extra)
           else f"drop the positional argument(s) {', '.join(extra[len(keywords):])}")
    return (f"with {len(positional)} positional arguments where Ray 2.10's torch policies take "
            f"{len(takes)} ({', '.join(takes)}; the rest by keyword only): the call raises TypeError."
            f"{when} {fix}")


def acting_overrides(node: cst.ClassDef) -> tuple[list[cst.FunctionDef], list[cst.FunctionDef]]:
    """``(blocking, pass-through)`` overrides of the policy methods that decide actions."""
    blocking, passing = [], []
    if isinstance(node.body, cst.IndentedBlock):
        for stmt in node.body.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value in ACTING_OVERRIDES:
                (passing if _only_calls_super(stmt) else blocking).append(stmt)
    return blocking, passing


def policy_class_module(
    rule: Any, node: cst.ClassDef, updated: cst.CSTNode, algorithm: Algorithm | None
) -> cst.CSTNode | cst.FlattenSentinel:
    """The module of a policy class (RLM031, RLM034): its acting overrides reported (one
    finding each), then :func:`append_generated_module` unless one of them blocks it."""
    name = node.name.value
    blocking, passing = acting_overrides(node)
    for func in passing:
        overflow = positional_overflow(func)
        if overflow is not None:
            rule.report(func, MANUAL, f"{name}.{func.name.value}() only calls super(), {overflow}. {name}RLModule acts as "
                        "the call was meant to (forward_inference/forward_exploration)")
            continue
        rule.report(func, REVIEW, f"{name}.{func.name.value}() only calls super(): nothing to port; "
                    f"{name}RLModule acts through forward_inference/forward_exploration")
    for func in blocking:
        rule.report(func, MANUAL, f"{name}.{func.name.value}() overrides how the policy picks actions: "
                    "no RLModule generated, since the model alone would not act like it; port that logic "
                    f"into {name}RLModule._forward_inference/_forward_exploration (or an env-to-module "
                    "connector piece)")
    if blocking:
        return updated
    hooks = class_hooks(node)
    for arg in reversed(node.bases):  # hooks of policy classes of this file it derives from
        for kind, func in inherited_hooks(rule.ctx, arg.value).items():
            hooks.hooks.setdefault(kind, func)
    return append_generated_module(rule, name, hooks, node, updated, algorithm)


def _call_hooks(ctx: FileContext, call: cst.Call) -> dict[str, cst.FunctionDef]:
    """The model/acting hook functions (of this file) a builder or ``with_updates`` call names."""
    found = {}
    for arg in call.args:
        if arg.keyword and arg.keyword.value in MODEL_HOOKS + ACTION_HOOKS and isinstance(arg.value, cst.Name):
            func = ctx.facts.functions.get(arg.value.value)
            if func is not None:
                found[arg.keyword.value] = func
    return found


def inherited_hooks(ctx: FileContext, base: cst.BaseExpression, seen: frozenset[str] = frozenset()) -> dict[str, cst.FunctionDef]:
    """The hooks a policy inherits from ``base`` when ``base`` is a policy of this file: a class
    (its hook methods and its own bases'), a builder call or a ``with_updates`` of one."""
    if not isinstance(base, cst.Name) or base.value in seen:
        return {}
    name, seen = base.value, seen | {base.value}
    local = ctx.facts.classes.get(name)
    if local is not None:
        hooks: dict[str, cst.FunctionDef] = {}
        for arg in reversed(local.bases):  # the first base wins, as in the MRO
            hooks.update(inherited_hooks(ctx, arg.value, seen))
        hooks.update(class_hooks(local).hooks)
        return hooks
    call = ctx.facts.assigned_calls.get(name)
    if call is None:
        return {}
    hooks = {}
    if isinstance(call.func, cst.Attribute) and call.func.attr.value == "with_updates":
        hooks.update(inherited_hooks(ctx, call.func.value, seen))
    if isinstance(call.func, cst.Attribute) and call.func.attr.value == "with_updates" or (
        ctx.legacy_symbols(call.func) & POLICY_BUILDERS
    ):
        hooks.update(_call_hooks(ctx, call))
    return hooks
