"""RLM031: TorchPolicyV2 subclasses' model hooks become an RLModule subclass."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.rules._policy_model import resolve_algorithm
from rlmigrate.codemod.rules._policy_rules import is_torch_policy, policy_class_module
from rlmigrate.codemod.rules.base import Rule, TopLevelClasses


class TorchPolicyV2ToModule(TopLevelClasses, Rule):
    """Generate ``<Policy>RLModule`` from a ``TorchPolicyV2`` subclass's model hooks.

    What it does:
        Like RLM030, for the methods ``make_model``, ``make_model_and_action_dist``,
        ``action_sampler_fn`` and ``action_distribution_fn`` of a ``TorchPolicyV2`` (or
        ``TorchPolicy``) subclass: ``class <Policy>RLModule(<model class>)`` is inserted after
        the policy class, with ``_forward_exploration`` / ``_forward_inference`` and the
        ``get_*_action_dist_cls()`` getters (from the dist class that
        ``make_model_and_action_dist`` or ``action_distribution_fn`` returns); the model class
        is found as RLM030 finds it (also through helpers and model factories of the run, e.g.
        ``return make_my_model(self, ...)`` imported inside the method). The policy class
        stays unchanged. Without a ``make_model*`` hook the policy acts with the catalog's model
        for ``config["model"]``: the registered class of the file's literal ``custom_model``, or
        RLlib's default model, whose twin is ``PPOTorchRLModule`` (see RLM034). A method that
        overrides ``compute_actions*`` (beyond calling ``super()``) blocks the module (manual).
    Why:
        The new stack has no Policy: the module acts, the Learner trains.
    Before:
        class MyPolicy(TorchPolicyV2):
            def make_model_and_action_dist(self):
                model = MyModel(self.observation_space, self.action_space, 2, self.config["model"], "m")
                return model, TorchCategorical
    After:
        class MyPolicyRLModule(MyModel):
            def get_inference_action_dist_cls(self):
                return TorchCategorical
            ...
    Fix safety:
        review: ``num_outputs`` of the module comes from the default distribution of the
        action space, not from the policy's dist class; hooks that use the policy (``self``)
        are reported as manual.
    """

    code = "RLM031"
    name = "torch-policy-v2"
    title = "TorchPolicyV2 subclass hooks → RLModule subclass"
    fix_safety = "review"

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.BaseStatement | cst.FlattenSentinel:
        if not self.left_top_level() or not is_torch_policy(self.ctx, original):
            return updated
        algorithm = next(filter(None, (resolve_algorithm(self.ctx, arg.value) for arg in original.bases)), None)
        return policy_class_module(self, original, updated, algorithm)
