"""Bridges between legacy action distributions (``cls(inputs, model)``) and new-stack ones
(``cls.from_logits(logits)``).

* :class:`NewStackAsLegacy` gives a new-stack distribution the legacy instance interface
  (``inputs``, ``sample``, ``deterministic_sample``, ``sampled_action_logp``), so the shim's
  Policy and exploration objects can drive any RLModule.
* :func:`legacy_to_new_stack` maps a legacy class (or partial) to the equivalent new-stack
  class when one computes the same thing, else to a generated :class:`LegacyDistribution`
  subclass that wraps the legacy class, so adapters can expose it from
  ``get_*_action_dist_cls()``.
"""

from __future__ import annotations

import functools
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlmigrate.distributions.base import Distribution
from shim.models import action_dist as legacy


class NewStackAsLegacy:
    """Legacy-interface view of ``dist_cls.from_logits(inputs)``.

    Args:
        dist_cls: a new-stack Distribution class.
        inputs: ``(B, W)`` logits.
        model: the producing module (kept as ``self.model``).
    """

    def __init__(self, dist_cls: Any, inputs: torch.Tensor, model: Any = None) -> None:
        self.inputs = inputs
        self.model = model
        self.dist = dist_cls.from_logits(inputs)
        self.last_sample: Any = None

    def sample(self) -> Any:
        self.last_sample = self.dist.sample()
        return self.last_sample

    def deterministic_sample(self) -> Any:
        self.last_sample = self.dist.to_deterministic().sample()
        return self.last_sample

    def sampled_action_logp(self) -> torch.Tensor:
        if self.last_sample is None:
            raise ValueError(
                "sampled_action_logp() needs a prior sample() or deterministic_sample()"
            )
        return self.dist.logp(self.last_sample)

    def logp(self, actions: Any) -> torch.Tensor:
        return self.dist.logp(actions)

    def entropy(self) -> torch.Tensor:
        return self.dist.entropy()

    def kl(self, other: Any) -> torch.Tensor:
        return self.dist.kl(other.dist)


def as_legacy_distribution(dist_cls: Any, inputs: torch.Tensor, model: Any = None) -> Any:
    """A legacy-interface distribution for ``inputs`` from any distribution class.

    Legacy classes/partials are instantiated directly; :class:`LegacyDistribution` wrappers
    are unwrapped to their legacy class; new-stack classes get :class:`NewStackAsLegacy`.
    """
    legacy_cls = getattr(dist_cls, "legacy_cls", None)
    if legacy_cls is not None:
        return legacy_cls(inputs, model)
    if is_legacy_dist_class(dist_cls):
        return dist_cls(inputs, model)
    return NewStackAsLegacy(dist_cls, inputs, model)


def is_legacy_dist_class(dist_cls: Any) -> bool:
    """True for a legacy ``ActionDistribution`` subclass or a ``functools.partial`` of one."""
    target = dist_cls.func if isinstance(dist_cls, functools.partial) else dist_cls
    return isinstance(target, type) and issubclass(target, legacy.ActionDistribution)


class LegacyDistribution(Distribution):
    """A new-stack Distribution that computes through a legacy distribution instance.

    Generated subclasses (see :func:`wrap_legacy_dist_class`) set ``legacy_cls`` and
    ``input_dim``. ``from_logits(logits)`` builds ``legacy_cls(logits, None)``.
    """

    legacy_cls: Any = None
    input_dim: int | None = None

    def __init__(self, legacy_dist: Any, deterministic: bool = False) -> None:
        self.legacy = legacy_dist
        self._deterministic = deterministic

    @classmethod
    def from_logits(cls, logits: torch.Tensor, **kwargs: Any) -> LegacyDistribution:
        if cls.legacy_cls is None:
            raise TypeError(
                "LegacyDistribution is abstract; use wrap_legacy_dist_class(legacy_cls)"
            )
        return cls(cls.legacy_cls(logits, None, **kwargs))

    def sample(self, *, sample_shape: Any = None, **kwargs: Any) -> Any:
        if sample_shape:
            raise ValueError(
                "legacy distributions draw one sample per row; sample_shape is not supported"
            )
        with torch.no_grad():
            return (
                self.legacy.deterministic_sample() if self._deterministic else self.legacy.sample()
            )

    def rsample(self, *, sample_shape: Any = None, **kwargs: Any) -> Any:
        if sample_shape:
            raise ValueError(
                "legacy distributions draw one sample per row; sample_shape is not supported"
            )
        return self.legacy.deterministic_sample() if self._deterministic else self.legacy.sample()

    def logp(self, value: Any, **kwargs: Any) -> torch.Tensor:
        if self._deterministic:
            batch = int(self.legacy.inputs.shape[0])
            return torch.zeros((batch,), dtype=torch.float32, device=self.legacy.inputs.device)
        return self.legacy.logp(value)

    def kl(self, other: Distribution, **kwargs: Any) -> torch.Tensor:
        return self.legacy.kl(other.legacy)  # type: ignore[attr-defined]

    def entropy(self, **kwargs: Any) -> torch.Tensor:
        return self.legacy.entropy()

    @classmethod
    def required_input_dim(cls, space: gym.Space | None = None, **kwargs: Any) -> int:  # type: ignore[override]
        if cls.input_dim is not None:
            return int(cls.input_dim)
        target = (
            cls.legacy_cls.func if isinstance(cls.legacy_cls, functools.partial) else cls.legacy_cls
        )
        return int(np.sum(target.required_model_output_shape(space, {})))

    def to_deterministic(self) -> LegacyDistribution:
        return type(self)(self.legacy, deterministic=True)


def wrap_legacy_dist_class(
    legacy_cls: Any, input_dim: int | None = None
) -> type[LegacyDistribution]:
    """A :class:`LegacyDistribution` subclass computing through ``legacy_cls`` (class or partial)."""
    target = legacy_cls.func if isinstance(legacy_cls, functools.partial) else legacy_cls
    name = f"Legacy{target.__name__}"
    return type(
        name,
        (LegacyDistribution,),
        {"legacy_cls": legacy_cls, "input_dim": input_dim, "__module__": __name__},
    )


def legacy_to_new_stack(
    legacy_cls: Any, action_space: gym.Space, input_dim: int | None = None
) -> type[Distribution]:
    """The new-stack class equivalent to a legacy class/partial for ``action_space``.

    Exact equivalents: Categorical (temperature 1), DiagGaussian (non-scalar Box),
    MultiCategorical over a MultiDiscrete space, Deterministic. Anything else (custom
    classes, squashed Gaussian, Beta, multi-action) is wrapped with
    :func:`wrap_legacy_dist_class`, which reproduces the legacy numbers exactly.
    """
    from rlmigrate.distributions.categorical import TorchCategorical
    from rlmigrate.distributions.deterministic import TorchDeterministic
    from rlmigrate.distributions.diag_gaussian import TorchDiagGaussian
    from rlmigrate.distributions.multi_categorical import TorchMultiCategorical

    target = legacy_cls.func if isinstance(legacy_cls, functools.partial) else legacy_cls
    keywords = legacy_cls.keywords if isinstance(legacy_cls, functools.partial) else {}
    if target is legacy.TorchCategorical and not keywords:
        return TorchCategorical
    if (
        target is legacy.TorchDiagGaussian
        and isinstance(action_space, gym.spaces.Box)
        and action_space.shape != ()
    ):
        return TorchDiagGaussian
    if target is legacy.TorchDeterministic and not keywords:
        return TorchDeterministic
    if (
        target is legacy.TorchMultiCategorical
        and isinstance(action_space, gym.spaces.MultiDiscrete)
        and keywords.get("action_space") is None
    ):
        return TorchMultiCategorical.get_partial_dist_cls(
            input_lens=[int(n) for n in keywords["input_lens"]]
        )
    return wrap_legacy_dist_class(legacy_cls, input_dim)
