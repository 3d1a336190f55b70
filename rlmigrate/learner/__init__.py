"""``rlmigrate.learner``: a small single-machine Learner API mirroring Ray 2.40's.

``Learner``/``TorchLearner`` have Ray's method names and signatures
(``compute_loss_for_module(*, module_id, config, batch, fwd_out)``,
``configure_optimizers_for_module``, ``register_optimizer``, ``compute_gradients``,
``apply_gradients``, ``self.metrics.log_value``), so a migrated Learner trains here on one
machine and on Ray's distributed stack by changing one import. Names load lazily (torch is
imported only when ``TorchLearner`` is used).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rlmigrate.learner.config import LearnerConfig
    from rlmigrate.learner.connectors import GeneralAdvantageEstimation
    from rlmigrate.learner.learner import DEFAULT_OPTIMIZER, Learner
    from rlmigrate.learner.metrics import MetricsLogger
    from rlmigrate.learner.policy_view import LegacyPolicyView
    from rlmigrate.learner.ppo import PPOTorchLearner
    from rlmigrate.learner.schedules import Scheduler
    from rlmigrate.learner.targets import TargetModelsMixin
    from rlmigrate.learner.torch_learner import TorchLearner, to_torch_batch

_EXPORTS = {
    "Learner": "rlmigrate.learner.learner",
    "DEFAULT_OPTIMIZER": "rlmigrate.learner.learner",
    "LearnerConfig": "rlmigrate.learner.config",
    "MetricsLogger": "rlmigrate.learner.metrics",
    "TorchLearner": "rlmigrate.learner.torch_learner",
    "to_torch_batch": "rlmigrate.learner.torch_learner",
    "PPOTorchLearner": "rlmigrate.learner.ppo",
    "LegacyPolicyView": "rlmigrate.learner.policy_view",
    "GeneralAdvantageEstimation": "rlmigrate.learner.connectors",
    "Scheduler": "rlmigrate.learner.schedules",
    "TargetModelsMixin": "rlmigrate.learner.targets",
}

__all__ = [
    "DEFAULT_OPTIMIZER",
    "GeneralAdvantageEstimation",
    "Learner",
    "LearnerConfig",
    "LegacyPolicyView",
    "MetricsLogger",
    "PPOTorchLearner",
    "Scheduler",
    "TargetModelsMixin",
    "TorchLearner",
    "to_torch_batch",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rlmigrate.learner' has no attribute {name!r}")
