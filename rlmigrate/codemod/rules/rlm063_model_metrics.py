"""RLM063: ModelV2.metrics is reported with its new-stack home."""

from __future__ import annotations

from rlmigrate.codemod.rules._reporting import _ModelMethodReporter


class ModelMetricsNeedLearner(_ModelMethodReporter):
    """Report a model's ``metrics()``.

    What it does:
        Reports ``metrics`` in a legacy model class; the method stays in place, unused.
    Why:
        Legacy ``learn_on_batch`` returned ``model.metrics()`` under ``fetches["model"]``; on
        the new stack the Learner logs values with ``self.metrics.log_value(...)``.
    Before:
        def metrics(self):
            return {"aux_loss": self._aux.item()}
    After:
        def metrics(self):  # left in place; reported
            return {"aux_loss": self._aux.item()}
    Fix safety:
        manual.
    """

    code = "RLM063"
    name = "model-metrics"
    title = "metrics() → Learner metrics logging"
    fix_safety = "manual"
    method = "metrics"
    advice = "log these values from the Learner with metrics.log_value(...)"
