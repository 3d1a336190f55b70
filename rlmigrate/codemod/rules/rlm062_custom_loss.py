"""RLM062: ModelV2.custom_loss is reported with its new-stack home."""

from __future__ import annotations

from rlmigrate.codemod.rules._reporting import _ModelMethodReporter


class CustomLossNeedsLearner(_ModelMethodReporter):
    """Report a model's ``custom_loss(policy_loss, loss_inputs)``.

    What it does:
        Reports ``custom_loss`` in a legacy model class; the method stays in the converted
        class, unused by the runtime.
    Why:
        The new stack computes losses in the Learner. A model-side auxiliary loss becomes
        ``SelfSupervisedLossAPI.compute_self_supervised_loss`` on the module or part of a
        custom ``Learner.compute_loss_for_module``.
    Before:
        def custom_loss(self, policy_loss, loss_inputs):
            return policy_loss + 0.1 * self._aux
    After:
        def custom_loss(self, policy_loss, loss_inputs):  # left in place; reported
            return policy_loss + 0.1 * self._aux
    Fix safety:
        manual.
    """

    code = "RLM062"
    name = "custom-loss"
    title = "custom_loss() → SelfSupervisedLossAPI / Learner.compute_loss_for_module"
    fix_safety = "manual"
    method = "custom_loss"
    advice = ("move it to SelfSupervisedLossAPI.compute_self_supervised_loss or a custom "
              "Learner.compute_loss_for_module(module_id, config, batch, fwd_out)")
