"""Legacy policy API (``ray.rllib.policy``): Policy, TorchPolicyV2, templates, exploration,
SampleBatch and ViewRequirement. Names resolve lazily (``shim.models`` imports
``shim.policy.sample_batch``, so this package must not import models eagerly).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what mypy and editors see; at run time __getattr__ imports lazily
    from shim.policy.exploration import (
        EpsilonGreedy,
        Exploration,
        GaussianNoise,
        OrnsteinUhlenbeckNoise,
        Random,
        StochasticSampling,
    )
    from shim.policy.policy import Policy, PolicySpec
    from shim.policy.policy_template import build_policy_class, build_torch_policy
    from shim.policy.ppo import PPOTorchPolicy, ValueNetworkMixin
    from shim.policy.sample_batch import DEFAULT_POLICY_ID, SampleBatch
    from shim.policy.schedules import PiecewiseSchedule
    from shim.policy.torch_policy_v2 import TorchPolicyV2
    from shim.policy.view_requirement import ViewRequirement

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

__all__ = [
    "DEFAULT_POLICY_ID",
    "EpsilonGreedy",
    "Exploration",
    "GaussianNoise",
    "OrnsteinUhlenbeckNoise",
    "PPOTorchPolicy",
    "PiecewiseSchedule",
    "Policy",
    "PolicySpec",
    "Random",
    "SampleBatch",
    "StochasticSampling",
    "TorchPolicyV2",
    "ValueNetworkMixin",
    "ViewRequirement",
    "build_policy_class",
    "build_torch_policy",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'shim.policy' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
