"""Base classes of the legacy action distributions (``ActionDistribution``,
``TorchDistributionWrapper``).

Legacy distributions are *instances built from model outputs*: ``cls(inputs, model)``; they
remember their last sample so ``sampled_action_logp()`` can score it. (The new stack builds
them with ``cls.from_logits(logits)`` instead; see ``shim.adapters`` for the bridge.)
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch

SMALL_NUMBER = 1e-6
MIN_LOG_NN_OUTPUT = -5.0
MAX_LOG_NN_OUTPUT = 2.0


class ActionDistribution:
    """Framework-independent legacy distribution contract.

    Args:
        inputs: the model output ``(B, required_model_output_shape)``.
        model: the ModelV2 that produced them (may be None).
    """

    def __init__(self, inputs: Any, model: Any) -> None:
        self.inputs = inputs
        self.model = model

    def sample(self) -> Any:
        """Draws one action per row."""
        raise NotImplementedError

    def deterministic_sample(self) -> Any:
        """The most likely action per row (the greedy / mean action)."""
        raise NotImplementedError

    def sampled_action_logp(self) -> Any:
        """``(B,)`` log-likelihood of the last ``sample()``/``deterministic_sample()``."""
        raise NotImplementedError

    def logp(self, x: Any) -> Any:
        """``(B,)`` log-likelihood of actions ``x``."""
        raise NotImplementedError

    def kl(self, other: ActionDistribution) -> Any:
        """``(B,)`` KL(self || other)."""
        raise NotImplementedError

    def entropy(self) -> Any:
        """``(B,)`` entropy."""
        raise NotImplementedError

    def multi_kl(self, other: ActionDistribution) -> Any:
        """Per-component KL (default: same as ``kl``)."""
        return self.kl(other)

    def multi_entropy(self) -> Any:
        """Per-component entropy (default: same as ``entropy``)."""
        return self.entropy()

    @staticmethod
    def required_model_output_shape(action_space: gym.Space, model_config: dict) -> Any:
        """Width of the model output this distribution needs for ``action_space``."""
        raise NotImplementedError


class TorchDistributionWrapper(ActionDistribution):
    """Wraps a ``torch.distributions`` object stored as ``self.dist``.

    Numpy inputs are converted to a tensor (on the model's device when the model has
    parameters).
    """

    dist: torch.distributions.Distribution

    def __init__(self, inputs: Any, model: Any = None) -> None:
        if not isinstance(inputs, torch.Tensor):
            inputs = torch.from_numpy(np.asarray(inputs))
            parameters = getattr(model, "parameters", None)
            if callable(parameters):
                first = next(iter(parameters()), None)
                if first is not None:
                    inputs = inputs.to(first.device)
        super().__init__(inputs, model)
        self.last_sample: torch.Tensor | None = None

    def logp(self, actions: torch.Tensor) -> torch.Tensor:
        return self.dist.log_prob(actions)

    def entropy(self) -> torch.Tensor:
        return self.dist.entropy()

    def kl(self, other: ActionDistribution) -> torch.Tensor:
        return torch.distributions.kl.kl_divergence(self.dist, other.dist)  # type: ignore[attr-defined]

    def sample(self) -> torch.Tensor:
        self.last_sample = self.dist.sample()
        return self.last_sample

    def sampled_action_logp(self) -> torch.Tensor:
        if self.last_sample is None:
            raise ValueError(
                f"{type(self).__name__}.sampled_action_logp() needs a prior sample() or "
                "deterministic_sample() call"
            )
        return self.logp(self.last_sample)
