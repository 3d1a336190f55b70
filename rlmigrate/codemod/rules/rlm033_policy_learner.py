"""RLM033: a builder's loss_fn / stats_fn / optimizer_fn / extra_grad_process_fn become a Learner."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import MANUAL, REVIEW
from rlmigrate.codemod.rules._learner_bases import (
    PPO_MIXINS,
    is_learner_policy,
    policy_algorithm,
    postprocess_outcome,
)
from rlmigrate.codemod.rules._learner_convert import LEARNER_ARGS, LEARNER_METHODS, generate_learner
from rlmigrate.codemod.rules._policy_rules import builder_call
from rlmigrate.codemod.rules.base import Rule


def method_hooks(node: cst.ClassDef) -> dict[str, cst.FunctionDef]:
    """``{builder hook: method}`` for a TorchPolicyV2 subclass's learner methods."""
    hooks = {}
    if isinstance(node.body, cst.IndentedBlock):
        for stmt in node.body.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value in LEARNER_METHODS:
                hooks[LEARNER_METHODS[stmt.name.value]] = stmt
    return hooks


def learner_hooks(ctx, call: cst.Call) -> dict[str, cst.FunctionDef | cst.Name]:  # noqa: ANN001 - FileContext
    """``{hook: function}`` for the learner hooks a builder call names (functions of this file;
    ``postprocess_fn`` also as an imported name such as ``compute_gae_for_sample_batch``)."""
    hooks: dict[str, cst.FunctionDef | cst.Name] = {}
    for arg in call.args:
        if arg.keyword and arg.keyword.value in (*LEARNER_ARGS, "postprocess_fn") and isinstance(arg.value, cst.Name):
            func = ctx.facts.functions.get(arg.value.value)
            if func is not None:
                hooks[arg.keyword.value] = func
            elif arg.keyword.value == "postprocess_fn":
                hooks[arg.keyword.value] = arg.value
    return hooks


def builder_algorithm(ctx, call: cst.Call) -> str | None:  # noqa: ANN001 - FileContext
    """``"ppo"`` when a builder's ``mixins=[...]`` holds PPO's ``KLCoeffMixin``/``EntropyCoeffSchedule``."""
    for arg in call.args:
        if arg.keyword and arg.keyword.value == "mixins" and isinstance(arg.value, (cst.List, cst.Tuple)):
            if any(ctx.legacy_symbols(element.value) & PPO_MIXINS for element in arg.value.elements):
                return "ppo"
    return None


class PolicyLossToLearner(Rule):
    """Generate ``<Policy>Learner(TorchLearner)`` from a builder call's learner hooks.

    What it does:
        For ``MyPolicy = build_policy_class(..., loss_fn=..., stats_fn=..., optimizer_fn=...,
        extra_grad_process_fn=..., postprocess_fn=...)`` (or ``build_torch_policy``) whose
        ``loss_fn`` is a function of this file, and for a ``TorchPolicyV2`` or ``PPOTorchPolicy``
        subclass with a ``loss`` method (with ``stats_fn``, ``optimizer``, ``extra_grad_process``,
        ``postprocess_trajectory``; ``self`` plays the policy), it inserts ``class
        MyPolicyLearner(<base>)`` after the definition (``rlmigrate.learner``; with ``--target
        ray`` Ray's own). The base is ``PPOTorchLearner`` for a PPO policy (a ``PPOTorchPolicy``
        subclass, or PPO's ``KLCoeffMixin``/``EntropyCoeffSchedule`` mixed in), else
        ``TorchLearner``; ``TargetModelsMixin`` joins when the loss reads ``policy.target_model``.
        The loss body becomes ``_loss``, called by ``compute_loss_for_module``: calling the model
        on the train batch reads ``fwd_out[Columns.ACTION_DIST_INPUTS]`` (on another input:
        ``module.forward_train(input)``), ``model.value_function()`` is
        ``module.compute_values(batch, embeddings=fwd_out.get(Columns.EMBEDDINGS))`` (the
        values of the forward pass already run, as the legacy call read the last one; in
        stats ``module.compute_values(batch)``), ``dist_class(x, model)`` is
        ``module.get_train_action_dist_cls().from_logits(x)``, ``policy.config`` is the
        Learner's ``config``, tower stats live in ``self.tower_stats``, ``policy.kl_coeff`` /
        ``policy.entropy_coeff`` / ``policy.cur_lr`` are the PPO Learner's per-module state,
        ``super().loss(...)`` is the parent Learner's ``compute_loss_for_module``,
        ``policy.target_model(x)`` is ``self.target_model(module_id).forward_train(x)``,
        ``model.<attribute>`` of the model class's own (a side network, a flag) is
        ``module.<attribute>``, and a function of the run handed the policy
        (``train_side_net(policy=self, ...)``, in this file or another) gets a
        ``LegacyPolicyView`` offering exactly the attributes it reads on it (``config``,
        ``model``, the spaces; followed through the helpers it passes the policy on to).
        ``stats_fn``'s dict is logged with ``self.metrics.log_dict``; ``optimizer_fn`` feeds
        ``configure_optimizers_for_module``; an ``extra_grad_process_fn`` that only calls
        ``apply_grad_clipping`` is the Learner's clipping by ``config["grad_clip"]``; a
        postprocessing that is ``compute_gae_for_sample_batch`` is the learner connector piece
        ``GeneralAdvantageEstimation``. One finding per hook says where it went, or why it
        stays manual (pointing at the first use that blocks it).
    Why:
        On the new stack the loss, its metrics and the optimizers belong to a Learner; the
        legacy functions read the policy object, which no longer exists there.
    Before:
        def pg_loss(policy, model, dist_class, train_batch):
            logits, _ = model(train_batch)
            return -(dist_class(logits, model).logp(train_batch["actions"]) * train_batch["advantages"]).mean()

        PGPolicy = build_torch_policy("PGPolicy", loss_fn=pg_loss)
    After:
        class PGPolicyLearner(TorchLearner):
            def compute_loss_for_module(self, *, module_id, config, batch, fwd_out):
                self.tower_stats = {}
                loss = self._loss(module_id, config, batch, fwd_out)
                return loss

            def _loss(self, module_id, config, batch, fwd_out):
                module = self.module[module_id]
                logits, _ = (fwd_out[Columns.ACTION_DIST_INPUTS], [])
                return -(module.get_train_action_dist_cls().from_logits(logits).logp(batch["actions"]) * batch["advantages"]).mean()
    Fix safety:
        review: prove it with ``rlmigrate verify --loss`` (``assert_loss_equivalent``: loss,
        stats, gradients, and the weights after the loss, so a side network the loss trains
        must be trained alike); hooks that use the policy object otherwise (attributes the
        Learner does not keep, a helper that reads such attributes, sets one, or is not a
        function of the run, ModelV2's own attributes such as ``num_outputs``) are manual.
    """

    code = "RLM033"
    name = "policy-loss-learner"
    title = "build_policy_class loss/stats/optimizer hooks → Learner subclass"
    fix_safety = "review"

    def __init__(self, ctx) -> None:  # noqa: ANN001 - FileContext
        super().__init__(ctx)
        self._pending: list[tuple[str, cst.ClassDef]] = []

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        found = builder_call(self.ctx, node)
        if found is None:
            return
        name, call = found
        args = {arg.keyword.value: arg for arg in call.args if arg.keyword}
        self._generate(name, learner_hooks(self.ctx, call), args, node, builder_algorithm(self.ctx, call))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if is_learner_policy(self.ctx, node):
            hooks = method_hooks(node)
            self._generate(node.name.value, hooks, dict(hooks), node, policy_algorithm(self.ctx, node))

    def _generate(self, name: str, hooks: dict, anchors: dict, node: cst.CSTNode, algorithm: str | None) -> None:
        if "loss_fn" not in hooks or f"{name}Learner" in self.ctx.facts.classes:
            return  # nothing to train, or generated in an earlier run (idempotence)
        functions = {hook: func for hook, func in hooks.items() if isinstance(func, cst.FunctionDef)}
        generated = generate_learner(self.ctx, name, functions, algorithm=algorithm)
        if "postprocess_fn" in hooks:
            status, message = postprocess_outcome(self.ctx, name, hooks["postprocess_fn"], algorithm)
            generated.add("postprocess_fn", status, message)
        for hook, status, message, at in generated.outcomes:
            self.report(at or anchors.get(hook, node), MANUAL if status == "manual" else REVIEW, message)
        if generated.node is not None:
            self._pending.append((name, generated.node))

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        """Insert each Learner after its builder statement (and the RLModule RLM030 put there).

        Done here rather than by flattening the statement, so RLM030 still sees it."""
        if not self._pending:
            return updated
        body = list(updated.body)
        for name, learner in self._pending:
            at = next((i for i, stmt in enumerate(body) if _assigns(stmt, name)), len(body) - 1)
            while at + 1 < len(body) and _is_class(body[at + 1], f"{name}RLModule"):
                at += 1
            before = body[at]
            block = getattr(before, "body", None)
            if isinstance(block, cst.IndentedBlock) and block.footer and isinstance(learner.body, cst.IndentedBlock):
                # the lines that closed the block above now close the Learner (kept verbatim)
                learner = learner.with_changes(body=learner.body.with_changes(footer=block.footer))
                body[at] = before.with_changes(body=block.with_changes(footer=()))
            body.insert(at + 1, learner)
        return updated.with_changes(body=body)


def _is_class(stmt: cst.CSTNode, name: str) -> bool:
    return isinstance(stmt, cst.ClassDef) and stmt.name.value == name


def _assigns(stmt: cst.CSTNode, name: str) -> bool:
    if isinstance(stmt, cst.ClassDef):
        return stmt.name.value == name
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Assign)
        and any(isinstance(t.target, cst.Name) and t.target.value == name for t in stmt.body[0].targets)
    )


def reported_hooks(ctx, node: cst.Call | cst.ClassDef) -> set[str]:  # noqa: ANN001 - FileContext
    """The builder keywords / policy methods RLM033 reports for this builder call or policy
    class (RLM032 stays silent about those)."""
    if not ctx.is_selected(PolicyLossToLearner.code):
        return set()
    if isinstance(node, cst.ClassDef):
        hooks = method_hooks(node)
        return {m for m, h in LEARNER_METHODS.items() if h in hooks} if "loss_fn" in hooks else set()
    hooks = learner_hooks(ctx, node)
    return set(hooks) if "loss_fn" in hooks else set()
