"""``validate_config``: the check Ray 2.10's PPO policies run first in their constructor.

Ray defines it in ``ppo_tf_policy`` and ``ppo_torch_policy`` imports it from there, so torch
policies written by users (a ``TorchPolicyV2`` subclass that copies ``PPOTorchPolicy.__init__``)
call it too. It is framework-free: it only informs that ``vf_share_layers=True`` needs a tuned
``vf_loss_coeff``. Served for ``ray.rllib.algorithms.ppo.ppo_tf_policy.validate_config`` (the
rest of that module stays TensorFlow).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

__all__ = ["validate_config"]

logger = logging.getLogger(__name__)


def validate_config(config: Mapping[str, Any]) -> None:
    """Check a PPO policy config before the policy is built (as Ray 2.10: log, never raise).

    Args:
        config: the policy's config dict (``config["model"]`` the model config, if any).
    """
    if (config.get("model") or {}).get("vf_share_layers") is True:
        logger.info(
            "`vf_share_layers=True` in your model. "
            "Therefore, remember to tune the value of `vf_loss_coeff`!"
        )
