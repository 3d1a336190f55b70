"""Legacy continuous action distributions: DiagGaussian, SquashedGaussian, Beta, Dirichlet."""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlmigrate.distributions.diag_gaussian import normal_log_density, sample_normal
from shim.models.action_dist_base import (
    MAX_LOG_NN_OUTPUT,
    MIN_LOG_NN_OUTPUT,
    SMALL_NUMBER,
    ActionDistribution,
    TorchDistributionWrapper,
)


def _box_width(action_space: gym.Space) -> int:
    return int(np.prod(action_space.shape, dtype=np.int64))


class TorchDiagGaussian(TorchDistributionWrapper):
    """Gaussian with diagonal covariance; inputs ``(B, 2A)`` = ``[mean, log_std]``.

    Samples are ``(B, A)``, squeezed to ``(B,)`` when the action space has shape ``()``.
    Sampling and scoring compute exactly what torch's Normal does (the runtime's
    ``sample_normal`` / ``normal_log_density``: same kernels, same order, same RNG use)
    without building it; ``self.dist`` is built on first use. A subclass that assigns its own
    ``self.dist`` gets it used everywhere, as in RLlib.
    """

    def __init__(
        self, inputs: Any, model: Any = None, *, action_space: gym.Space | None = None
    ) -> None:
        super().__init__(inputs, model)
        mean, log_std = torch.chunk(self.inputs, 2, dim=1)
        self.log_std = log_std
        self._mean, self._std = mean, torch.exp(log_std)
        self._dist: torch.distributions.Normal | None = None
        self._custom_dist = False
        self.zero_action_dim = action_space is not None and action_space.shape == ()

    @property
    def dist(self) -> torch.distributions.Distribution:  # type: ignore[override]
        """torch's Normal over ``(B, A)``, built on first use."""
        if self._dist is None:
            self._dist = torch.distributions.Normal(self._mean, self._std, validate_args=False)
        return self._dist

    @dist.setter
    def dist(self, value: torch.distributions.Distribution) -> None:
        self._dist = value
        self._custom_dist = True

    def sample(self) -> torch.Tensor:
        if self._custom_dist:
            sample = super().sample()
        else:
            mean, std = self._mean, self._std
            if mean.requires_grad or std.requires_grad:  # a draw never carries gradient
                mean, std = mean.detach(), std.detach()
            sample = self.last_sample = sample_normal(mean, std)
        return sample.squeeze(-1) if self.zero_action_dim else sample

    def deterministic_sample(self) -> torch.Tensor:
        self.last_sample = self.dist.mean if self._custom_dist else self._mean
        return self.last_sample

    def logp(self, actions: torch.Tensor) -> torch.Tensor:
        if self._custom_dist:
            return super().logp(actions).sum(-1)
        return normal_log_density(actions, self._mean, self._std).sum(-1)

    def entropy(self) -> torch.Tensor:
        return super().entropy().sum(-1)

    def kl(self, other: ActionDistribution) -> torch.Tensor:
        return super().kl(other).sum(-1)

    @staticmethod
    def required_model_output_shape(
        action_space: gym.Space, model_config: dict | None = None
    ) -> int:
        return 2 * _box_width(action_space)


class _BoundedBoxDistribution(TorchDistributionWrapper):
    """A ``self.dist`` over raw values mapped into ``[low, high]`` by the subclass's ``_squash``.

    Inputs are ``(B, 2A)`` (two parameters per action dimension); samples ``(B, A)``.
    """

    def deterministic_sample(self) -> torch.Tensor:
        self.last_sample = self._squash(self.dist.mean)
        return self.last_sample

    def sample(self) -> torch.Tensor:
        self.last_sample = self._squash(self.dist.rsample())
        return self.last_sample

    def _squash(self, raw: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    @staticmethod
    def required_model_output_shape(
        action_space: gym.Space, model_config: dict | None = None
    ) -> int:
        return 2 * _box_width(action_space)


class TorchSquashedGaussian(_BoundedBoxDistribution):
    """tanh-squashed Gaussian on ``[low, high]``; log_std clamped to ``[-5, 2]``."""

    def __init__(
        self, inputs: Any, model: Any = None, low: float = -1.0, high: float = 1.0
    ) -> None:
        super().__init__(inputs, model)
        mean, log_std = torch.chunk(self.inputs, 2, dim=-1)
        log_std = torch.clamp(log_std, MIN_LOG_NN_OUTPUT, MAX_LOG_NN_OUTPUT)
        std = torch.exp(log_std)
        self.dist = torch.distributions.Normal(mean, std, validate_args=False)
        if not np.all(np.less(low, high)):
            raise ValueError(f"TorchSquashedGaussian needs low < high, got low={low}, high={high}")
        self.low = low
        self.high = high
        self.mean = mean
        self.std = std

    def logp(self, x: torch.Tensor) -> torch.Tensor:
        unsquashed = self._unsquash(x)
        log_prob = torch.clamp(self.dist.log_prob(unsquashed), -100, 100).sum(dim=-1)
        tanh = torch.tanh(unsquashed)
        return log_prob - torch.sum(torch.log(1 - tanh**2 + SMALL_NUMBER), dim=-1)

    def sample_logp(self) -> tuple[torch.Tensor, torch.Tensor]:
        """One reparameterised sample and its log-likelihood (RLlib's SAC helper)."""
        z = self.dist.rsample()
        actions = self._squash(z)
        logp = torch.sum(
            self.dist.log_prob(z) - torch.log(1 - actions * actions + SMALL_NUMBER), dim=-1
        )
        return actions, logp

    def entropy(self) -> torch.Tensor:
        raise ValueError("Entropy is not defined for TorchSquashedGaussian")

    def kl(self, other: ActionDistribution) -> torch.Tensor:
        raise ValueError("KL is not defined for TorchSquashedGaussian")

    def _squash(self, raw: torch.Tensor) -> torch.Tensor:
        squashed = ((torch.tanh(raw) + 1.0) / 2.0) * (self.high - self.low) + self.low
        return torch.clamp(squashed, self.low, self.high)

    def _unsquash(self, values: torch.Tensor) -> torch.Tensor:
        normed = (values - self.low) / (self.high - self.low) * 2.0 - 1.0
        return torch.atanh(torch.clamp(normed, -1.0 + SMALL_NUMBER, 1.0 - SMALL_NUMBER))


class TorchBeta(_BoundedBoxDistribution):
    """Beta on ``[low, high]``; inputs ``(B, 2A)`` pass through ``softplus(x) + 1`` -> alpha, beta."""

    def __init__(self, inputs: Any, model: Any = None, low: float = 0.0, high: float = 1.0) -> None:
        super().__init__(inputs, model)
        clamped = torch.clamp(self.inputs, math.log(SMALL_NUMBER), -math.log(SMALL_NUMBER))
        self.inputs = torch.log(torch.exp(clamped) + 1.0) + 1.0
        self.low = low
        self.high = high
        alpha, beta = torch.chunk(self.inputs, 2, dim=-1)
        self.dist = torch.distributions.Beta(concentration1=alpha, concentration0=beta)

    def logp(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sum(self.dist.log_prob(self._unsquash(x)), dim=-1)

    def entropy(self) -> torch.Tensor:
        return self.dist.entropy().sum(-1)

    def kl(self, other: ActionDistribution) -> torch.Tensor:
        return super().kl(other).sum(-1)

    def _squash(self, raw: torch.Tensor) -> torch.Tensor:
        return raw * (self.high - self.low) + self.low

    def _unsquash(self, values: torch.Tensor) -> torch.Tensor:
        return (values - self.low) / (self.high - self.low)


class TorchDirichlet(TorchDistributionWrapper):
    """Dirichlet over the simplex; concentration ``exp(inputs) + 1e-7``."""

    def __init__(self, inputs: Any, model: Any = None) -> None:
        tensor = inputs if isinstance(inputs, torch.Tensor) else torch.as_tensor(np.asarray(inputs))
        self.epsilon = torch.tensor(1e-7, device=tensor.device)
        concentration = torch.exp(tensor) + self.epsilon
        self.dist = torch.distributions.Dirichlet(concentration=concentration, validate_args=True)
        super().__init__(concentration, model)

    def deterministic_sample(self) -> torch.Tensor:
        self.last_sample = torch.nn.functional.softmax(self.dist.concentration, dim=-1)
        return self.last_sample

    def logp(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.maximum(x, self.epsilon)
        x = x / torch.sum(x, dim=-1, keepdim=True)
        return self.dist.log_prob(x)

    @staticmethod
    def required_model_output_shape(
        action_space: gym.Space, model_config: dict | None = None
    ) -> int:
        return _box_width(action_space)
