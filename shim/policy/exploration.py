"""Legacy exploration objects (``ray.rllib.utils.exploration``), torch paths.

A Policy asks its exploration object for ``(actions, logp)`` given an action distribution:
``StochasticSampling`` samples (the default), ``EpsilonGreedy`` mixes argmax with uniform
random valid actions, ``GaussianNoise`` / ``OrnsteinUhlenbeckNoise`` perturb deterministic
continuous actions, ``Random`` ignores the model. Without exploration (``explore=False``) all
return the deterministic action and zero logp (so ``action_prob`` is 1).

The classes live in ``shim.policy.exploration_base`` (``Exploration``, ``Random``,
``StochasticSampling``), ``shim.policy.exploration_epsilon`` (``EpsilonGreedy``) and
``shim.policy.exploration_noise`` (``GaussianNoise``, ``OrnsteinUhlenbeckNoise``); this module
re-exports them (and ``FLOAT_MIN``) and builds one from an ``exploration_config``
(:func:`make_exploration`).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from shim.policy.exploration_base import Exploration, Random, StochasticSampling
from shim.policy.exploration_epsilon import FLOAT_MIN as FLOAT_MIN
from shim.policy.exploration_epsilon import EpsilonGreedy
from shim.policy.exploration_noise import GaussianNoise, OrnsteinUhlenbeckNoise

__all__ = [
    "Exploration",
    "StochasticSampling",
    "EpsilonGreedy",
    "GaussianNoise",
    "OrnsteinUhlenbeckNoise",
    "Random",
    "make_exploration",
]


_BUILTIN: dict[str, type[Exploration]] = {
    "StochasticSampling": StochasticSampling,
    "EpsilonGreedy": EpsilonGreedy,
    "GaussianNoise": GaussianNoise,
    "OrnsteinUhlenbeckNoise": OrnsteinUhlenbeckNoise,
    "Random": Random,
}


def _resolve_type(kind: Any) -> type[Exploration]:
    if isinstance(kind, type) and issubclass(kind, Exploration):
        return kind
    if isinstance(kind, str):
        short = kind.rsplit(".", 1)[-1]
        if short in _BUILTIN:
            return _BUILTIN[short]
        if "." in kind and not kind.startswith("ray."):
            # The one allow-list resolver: inside a checkpoint load nothing new is imported.
            from rlmigrate.core.class_resolver import resolve_class

            return resolve_class(kind, base=Exploration, what="config.exploration_config.type")
    raise ValueError(
        f"Unsupported exploration type {kind!r}; the shim provides {sorted(_BUILTIN)} or an "
        "Exploration subclass (class object or dotted path)"
    )


def make_exploration(
    exploration_config: dict | None,
    action_space: gym.Space,
    *,
    policy_config: dict | None = None,
    model: Any = None,
) -> Exploration:
    """Builds the exploration object from ``{"type": ..., **kwargs}`` (default StochasticSampling)."""
    config = dict(exploration_config or {"type": "StochasticSampling"})
    cls = _resolve_type(config.pop("type", "StochasticSampling"))
    return cls(action_space, framework="torch", policy_config=policy_config, model=model, **config)
