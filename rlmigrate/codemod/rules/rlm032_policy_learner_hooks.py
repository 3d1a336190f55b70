"""RLM032: policy loss / postprocess / stats / optimizer hooks are reported with their Learner API."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import MANUAL
from rlmigrate.codemod.rules._policy_convert import LEARNER_HOOKS
from rlmigrate.codemod.rules._policy_model import resolve_algorithm
from rlmigrate.codemod.rules._policy_rules import builder_call, is_torch_policy
from rlmigrate.codemod.rules.base import Rule
from rlmigrate.codemod.rules.rlm033_policy_learner import reported_hooks


class PolicyLearnerHooks(Rule):
    """Report a legacy policy's training hooks, each with the Learner API it maps to.

    What it does:
        For builder calls (``loss_fn=``, ``postprocess_fn=``, ``stats_fn=``, ``optimizer_fn=``,
        ``extra_grad_process_fn=``, ``extra_action_out_fn=``) and ``TorchPolicyV2`` methods
        (``loss``, ``postprocess_trajectory``, ``stats_fn``, ``optimizer``,
        ``extra_grad_process``, ``extra_action_out``, also those a mixin class of the same
        file gives the policy) it reports a manual finding naming the
        new-stack place: ``Learner.compute_loss_for_module``, a learner connector,
        ``Learner`` metrics, ``Learner.configure_optimizers_for_module``,
        ``Learner.postprocess_gradients``, extra forward outputs. The code stays in place.
    Why:
        Training moved from the Policy to the Learner; these hooks need a person to decide how
        they fit the Learner of the algorithm being used.
    Before:
        MyPolicy = build_policy_class(name="MyPolicy", framework="torch", loss_fn=my_loss)
    After:
        MyPolicy = build_policy_class(name="MyPolicy", framework="torch", loss_fn=my_loss)  # reported
    Fix safety:
        manual.
    """

    code = "RLM032"
    name = "policy-learner-hooks"
    title = "policy loss/postprocess/stats/optimizer hooks → Learner API"
    fix_safety = "manual"

    def visit_Module(self, node: cst.Module) -> None:
        # the file's own classes: a policy's mixin defined here brings hooks of its own
        self._classes = {stmt.name.value: stmt for stmt in node.body if isinstance(stmt, cst.ClassDef)}

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        found = builder_call(self.ctx, node)
        if found is None:
            return
        name, call = found
        handled = reported_hooks(self.ctx, call)  # RLM033 reports these (converted or why not)
        for arg in call.args:
            if arg.keyword and arg.keyword.value in LEARNER_HOOKS and arg.keyword.value not in handled:
                self.report(arg, MANUAL, f"{name}: {arg.keyword.value} left in place; on the new "
                            f"stack it belongs in {LEARNER_HOOKS[arg.keyword.value]}")

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if not isinstance(node.body, cst.IndentedBlock) or not (
            is_torch_policy(self.ctx, node) or any(resolve_algorithm(self.ctx, a.value) for a in node.bases)
        ):
            return
        # RLM033 reports these (converted or why not); it converts TorchPolicyV2 subclasses only
        handled = reported_hooks(self.ctx, node) if is_torch_policy(self.ctx, node) else set()
        own = set()
        for stmt in node.body.body:
            if isinstance(stmt, cst.FunctionDef):
                own.add(stmt.name.value)
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value in LEARNER_HOOKS and stmt.name.value not in handled:
                self.report(stmt, MANUAL, f"{node.name.value}.{stmt.name.value}() left in place; "
                            f"on the new stack it belongs in {LEARNER_HOOKS[stmt.name.value]}")
        self._mixin_hooks(node, own | handled)

    def _mixin_hooks(self, node: cst.ClassDef, seen: set[str]) -> None:
        """Hooks the policy inherits from a mixin class of this file (``extra_action_out``
        adding extra fetches, ...): reported on the mixin's method, since neither the
        generated module nor a Learner carries them."""
        classes = getattr(self, "_classes", {})
        for base in node.bases:
            mixin = classes.get(base.value.value) if isinstance(base.value, cst.Name) else None
            if mixin is None or mixin is node or not isinstance(mixin.body, cst.IndentedBlock):
                continue
            for stmt in mixin.body.body:
                name = stmt.name.value if isinstance(stmt, cst.FunctionDef) else ""
                if name in LEARNER_HOOKS and name not in seen:
                    seen.add(name)
                    self.report(stmt, MANUAL, f"{node.name.value} inherits {mixin.name.value}."
                                f"{name}() (left in place): neither the generated module nor a "
                                f"Learner carries it; on the new stack it belongs in "
                                f"{LEARNER_HOOKS[name]}")
