"""RLM078: DQN / SAC-family policies get a generated ``<Policy>RLModule`` (their acting)."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import MANUAL, REVIEW
from rlmigrate.codemod.rules._policy_qsac import QSACPolicy, qsac_module_class, qsac_policy_of
from rlmigrate.codemod.rules.base import Rule


class QSACPolicyToModule(Rule):
    """Generate ``<Policy>RLModule`` for a policy derived from RLlib's DQN / SAC / CQL policy.

    What it does:
        After ``X = DQNTorchPolicy.with_updates(...)`` (or ``SACTorchPolicy`` /
        ``CQLTorchPolicy``), ``class X(DQNTorchPolicy)``, or a ``build_policy_class`` copy of
        RLlib's DQN / SAC policy (its ``make_model_and_action_dist`` builds the model with
        ``model_interface=DQNTorchModel`` / ``default_model=SACTorchModel``), it inserts
        ``class XRLModule(DQNTorchRLModule)`` (``SACTorchRLModule``): RLlib's default model for
        ``config["model"]`` with the algorithm's heads, acting as RLlib 2.10's policy did
        (DQN: argmax Q, epsilon-greedy with the exploration config; SAC: squashed Gaussian /
        categorical). The legacy policy stays; its learner hooks are reported by RLM032.
    Why:
        On the new stack acting lives in the module; a policy that only changes learning
        (``postprocess_fn``, ``loss_fn``, mixins) acts exactly like its algorithm's module.
    Before:
        MyDQNPolicy = DQNTorchPolicy.with_updates(name="MyDQNPolicy", postprocess_fn=my_postprocess)
    After:
        MyDQNPolicy = DQNTorchPolicy.with_updates(name="MyDQNPolicy", postprocess_fn=my_postprocess)


        class MyDQNPolicyRLModule(DQNTorchRLModule):
            \"\"\"Acting of MyDQNPolicy: RLlib's default DQN model ...\"\"\"
    Fix safety:
        review: the algorithm keys of the policy config move into the module's model_config.
        A policy that replaces an acting hook (``action_distribution_fn``,
        ``action_sampler_fn``, ``make_model``, ``make_model_and_action_dist`` through
        ``with_updates`` or a method) gets no module: manual, naming the hook. ``--target ray``:
        manual (no Ray counterpart of these modules).
    """

    code = "RLM078"
    name = "qsac-policy"
    title = "DQN / SAC-family policy → generated DQN / SAC RLModule subclass"
    fix_safety = "review"

    def _generate(self, policy: QSACPolicy, original: cst.CSTNode) -> cst.ClassDef | None:
        if f"{policy.name}RLModule" in self.ctx.facts.classes:
            return None
        if self.ctx.target.name != "rlmigrate":
            self.report(original, MANUAL, f"{policy.name}: no RLModule generated: --target ray has no "
                        "counterpart of rlmigrate's DQN/SAC modules with RLlib 2.10's layouts")
            return None
        if policy.blocker is not None:
            self.report(policy.blocker_node or original, MANUAL,
                        f"{policy.name}: no RLModule generated: it replaces the acting hook "
                        f"{policy.blocker} of {policy.source}; subclass "
                        f"{'DQNTorchRLModule' if policy.kind == 'dqn' else 'SACTorchRLModule'} and "
                        "port the hook into _forward_inference / _forward_exploration by hand")
            return None
        self.report(original, REVIEW,
                    f"{policy.name} → {policy.name}RLModule generated: {policy.source} acts like "
                    f"rlmigrate's {policy.kind.upper()} module (the policy config's algorithm keys "
                    "go into its model_config)")
        return qsac_module_class(self.ctx, policy)

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel:
        policy = qsac_policy_of(self.ctx, original)
        generated = self._generate(policy, original) if policy is not None else None
        return updated if generated is None else cst.FlattenSentinel([updated, generated])

    def leave_ClassDef(
        self, original: cst.ClassDef, updated: cst.ClassDef
    ) -> cst.BaseStatement | cst.FlattenSentinel:
        policy = qsac_policy_of(self.ctx, original)
        generated = self._generate(policy, original) if policy is not None else None
        return updated if generated is None else cst.FlattenSentinel([updated, generated])
