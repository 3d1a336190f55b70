"""Where a legacy policy's stats live among a migrated Learner's metrics.

Ray 2.10's legacy ``PPOTorchPolicy.stats_fn`` (the shim's too) and Ray 2.40's
``PPOTorchLearner`` (``rlmigrate.learner.PPOTorchLearner``) report the same quantities under
different names (:data:`LEGACY_TO_LEARNER_STATS`). Some of them a Learner logs around the
gradient step rather than in ``compute_loss_for_module`` (``total_loss``, the learning rate,
the KL and entropy coefficients); :func:`learner_state_metrics` reads those off the Learner
as they stood when the loss was computed, which is when the legacy ``stats_fn`` read them
(before ``update_kl`` / the schedules moved them).

Example:
    >>> LEGACY_TO_LEARNER_STATS["kl"]
    'mean_kl_loss'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["LEGACY_TO_LEARNER_STATS", "learner_state_metrics", "learner_stat_name"]

#: Ray 2.10 legacy stat name → Ray 2.40 / ``rlmigrate.learner`` metric name (per module).
LEGACY_TO_LEARNER_STATS: dict[str, str] = {
    "cur_kl_coeff": "curr_kl_coeff",
    "cur_lr": "default_optimizer_learning_rate",
    "total_loss": "total_loss",
    "policy_loss": "policy_loss",
    "vf_loss": "vf_loss",
    "vf_explained_var": "vf_explained_var",
    "kl": "mean_kl_loss",
    "entropy": "entropy",
    "entropy_coeff": "curr_entropy_coeff",
}


def learner_stat_name(legacy_name: str, metrics: Mapping[str, Any], rename: Mapping[str, str] | None = None) -> str:
    """The metric that holds ``legacy_name``: the given ``rename``, else the same name when the
    Learner logs it, else :data:`LEGACY_TO_LEARNER_STATS`, else the name itself (then missing)."""
    if rename and legacy_name in rename:
        return rename[legacy_name]
    if legacy_name in metrics:
        return legacy_name
    return LEGACY_TO_LEARNER_STATS.get(legacy_name, legacy_name)


def learner_state_metrics(learner: Any, module_id: str, loss: Any) -> dict[str, Any]:
    """The metrics a Learner logs around one update of ``module_id``, as of the loss just computed.

    ``total_loss`` is ``loss`` (what ``update`` logs); ``<optimizer>_learning_rate`` each of the
    module's optimizers' current lr; ``curr_kl_coeff`` / ``curr_entropy_coeff`` the PPO
    Learner's coefficients the loss used (only on Learners that keep them).
    """
    out: dict[str, Any] = {"total_loss": loss}
    optimizers = getattr(learner, "get_optimizers_for_module", None)
    for name, optimizer in optimizers(module_id) if optimizers is not None else []:
        groups = getattr(optimizer, "param_groups", None)
        if groups:
            out[f"{name}_learning_rate"] = groups[0]["lr"]
    kl_coeffs = getattr(learner, "curr_kl_coeffs_per_module", None)
    if kl_coeffs is not None:
        out["curr_kl_coeff"] = kl_coeffs[module_id]
    entropy = getattr(learner, "entropy_coeff_schedulers_per_module", None)
    if entropy is not None:
        out["curr_entropy_coeff"] = entropy[module_id].get_current_value()
    return out
