"""Legacy policy API (``ray.rllib.policy``): Policy, TorchPolicyV2, templates, exploration,
SampleBatch and ViewRequirement. Names resolve lazily (``shim.models`` imports
``shim.policy.sample_batch``, so this package must not import models eagerly).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Policy": "shim.policy.policy",
    "PolicySpec": "shim.policy.policy",
    "TorchPolicyV2": "shim.policy.torch_policy_v2",
    "PPOTorchPolicy": "shim.policy.ppo",
    "ValueNetworkMixin": "shim.policy.ppo",
    "build_policy_class": "shim.policy.policy_template",
    "build_torch_policy": "shim.policy.policy_template",
    "SampleBatch": "shim.policy.sample_batch",
    "DEFAULT_POLICY_ID": "shim.policy.sample_batch",
    "ViewRequirement": "shim.policy.view_requirement",
    "Exploration": "shim.policy.exploration",
    "StochasticSampling": "shim.policy.exploration",
    "EpsilonGreedy": "shim.policy.exploration",
    "GaussianNoise": "shim.policy.exploration",
    "OrnsteinUhlenbeckNoise": "shim.policy.exploration",
    "Random": "shim.policy.exploration",
    "PiecewiseSchedule": "shim.policy.schedules",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'shim.policy' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
