"""Finding legacy policies (builder calls and TorchPolicyV2 subclasses) in a module."""

from __future__ import annotations

from typing import Any

import libcst as cst

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.findings import MANUAL, REVIEW
from rlmigrate.codemod.legacy_api import POLICY_BUILDERS, TORCH_POLICY_BASES
from rlmigrate.codemod.rules._policy_convert import (
    ACTION_HOOKS,
    MODEL_HOOKS,
    PolicyHooks,
    generate_module,
)


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
        if arg.keyword and arg.keyword.value in MODEL_HOOKS + ACTION_HOOKS and isinstance(arg.value, cst.Name):
            func = ctx.facts.functions.get(arg.value.value)
            if func is not None:
                hooks.hooks[arg.keyword.value] = func
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
    rule: Any, name: str, hooks: PolicyHooks, original: cst.CSTNode, updated: cst.CSTNode
) -> cst.CSTNode | cst.FlattenSentinel:
    """``updated`` followed by the ``<name>RLModule`` generated from ``hooks``, reported as
    review; ``updated`` alone when there are no hooks, the class exists already, or nothing
    could be generated (then reported as manual, with the reason)."""
    if not hooks.hooks or f"{name}RLModule" in rule.ctx.facts.classes:
        return updated
    generated = generate_module(rule.ctx, hooks)
    if generated.node is None:
        rule.report(generated.problem_node or original, MANUAL,
                    f"{name}: no RLModule generated: {generated.problem}")
        return updated
    notes = "; ".join(generated.notes)
    rule.report(original, REVIEW, f"{name} → {name}RLModule generated from "
                f"{', '.join(sorted(hooks.hooks))}" + (f" ({notes})" if notes else ""))
    return cst.FlattenSentinel([updated, generated.node])
