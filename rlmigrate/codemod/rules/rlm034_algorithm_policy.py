"""RLM034: subclasses and ``.with_updates(...)`` of algorithm policies become an RLModule subclass."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.rules._policy_convert import PolicyHooks
from rlmigrate.codemod.rules._policy_model import Algorithm, resolve_algorithm
from rlmigrate.codemod.rules._policy_rules import (
    append_generated_module,
    inherited_hooks,
    is_torch_policy,
    policy_class_module,
    separate_generated,
)
from rlmigrate.codemod.rules.base import Rule, TopLevelClasses


def with_updates_call(stmt: cst.CSTNode) -> tuple[str, cst.Call] | None:
    """``(name, call)`` for a ``Name = Base.with_updates(...)`` statement."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    assign = stmt.body[0]
    if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name)):
        return None
    call = assign.value
    if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "with_updates":
        return assign.targets[0].target.value, call
    return None


class AlgorithmPolicyToModule(TopLevelClasses, Rule):
    """Generate ``<Policy>RLModule`` for a subclass or ``.with_updates`` of an algorithm policy.

    What it does:
        For ``class MyPolicy(PPOTorchPolicy)`` (also ``APPOTorchPolicy``, ``ImpalaTorchPolicy``,
        ``PGTorchPolicy``, ``A3CTorchPolicy``, ``MARWILTorchPolicy``, their pre-2.0
        ``ray.rllib.agents`` names such as ``AsyncPPOTorchPolicy``, under any alias, a star
        import, or through a policy class of this file or of another file of the run) and for
        ``MyPolicy = PPOTorchPolicy.with_updates(...)``, it inserts ``class MyPolicyRLModule(...)``
        after the policy. The base is the model the policy acts with: the class its
        ``make_model`` / ``make_model_and_action_dist`` hook builds (here or in another file),
        else the class registered (``register_custom_model``, anywhere in the run) under the
        ``custom_model`` name of the file's config, else ``PPOTorchRLModule``, the twin of
        RLlib's default model. Its acting is the algorithm's: the catalog's distribution of the
        action space on the model's outputs, sampled or ``deterministic_sample()``; an
        ``action_distribution_fn`` / ``action_sampler_fn`` hook is copied in as in RLM030. The
        policy stays in place; its learner hooks are reported by RLM032/RLM033.
    Why:
        On the new stack the module acts; the algorithm policy class no longer exists.
    Before:
        class MyPPOPolicy(LearningRateSchedule, PPOTorchPolicy):
            def loss(self, model, dist_class, train_batch):
                ...
    After:
        class MyPPOPolicy(LearningRateSchedule, PPOTorchPolicy):
            def loss(self, model, dist_class, train_batch):
                ...


        class MyPPOPolicyRLModule(PPOTorchRLModule):
            \"\"\"RLModule of the legacy policy MyPPOPolicy (PPO acting on RLlib's default model).\"\"\"
    Fix safety:
        review: prove it with ``rlmigrate verify file:MyPPOPolicy file:MyPPOPolicyRLModule``
        (the legacy default model's weights load through the default-model map). A policy that
        overrides ``compute_actions*``, an algorithm without a default module (DDPG), or a
        ``custom_model`` without a registration in the run is manual, with the reason. An
        override that only calls ``super()`` is nothing to port, unless it passes more positional
        arguments than Ray 2.10's torch policies take (``episodes`` to
        ``compute_actions_from_input_dict``): then the legacy call raises ``TypeError`` (for that
        method while Ray 2.10 builds the policy), reported as manual with the keyword to use.
    """

    code = "RLM034"
    name = "algorithm-policy"
    title = "subclass / with_updates of an algorithm policy → RLModule subclass"
    fix_safety = "review"

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.BaseStatement | cst.FlattenSentinel:
        if not self.left_top_level() or is_torch_policy(self.ctx, original):  # RLM031's
            return updated
        algorithm = self._algorithm_of(original)
        if algorithm is None:
            return updated
        return policy_class_module(self, original, updated, algorithm)

    def _algorithm_of(self, node: cst.ClassDef) -> Algorithm | None:
        for arg in node.bases:
            found = resolve_algorithm(self.ctx, arg.value)
            if found is not None:
                return found
        return None

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel:
        found = with_updates_call(original)
        if found is None:
            return updated
        name, call = found
        assert isinstance(call.func, cst.Attribute)
        algorithm = resolve_algorithm(self.ctx, call.func.value)
        if algorithm is None:
            return updated  # not an algorithm policy we know (RLM090 reports the with_updates)
        hooks = PolicyHooks(name=name, anchor=original)
        hooks.hooks.update(inherited_hooks(self.ctx, cst.Name(name)))  # the receiver's, then its own
        return append_generated_module(self, name, hooks, original, updated, algorithm)

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return separate_generated(self.ctx, updated)
