"""Legacy torch action distributions (``ray.rllib.models.torch.torch_action_dist``).

Discrete and composite families live here; continuous ones in ``action_dist_continuous``
and are re-exported, so ``from shim.models.action_dist import TorchDiagGaussian`` works.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlmigrate.core.nest import flatten, get_base_struct_from_space, unflatten_as
from rlmigrate.distributions.categorical import normalize_logits, sample_normalized_logits
from shim.models.action_dist_base import ActionDistribution, TorchDistributionWrapper
from shim.models.action_dist_continuous import (
    TorchBeta,
    TorchDiagGaussian,
    TorchDirichlet,
    TorchSquashedGaussian,
)

__all__ = [
    "ActionDistribution",
    "TorchDistributionWrapper",
    "TorchCategorical",
    "TorchMultiCategorical",
    "TorchDiagGaussian",
    "TorchSquashedGaussian",
    "TorchBeta",
    "TorchDirichlet",
    "TorchDeterministic",
    "TorchMultiActionDistribution",
]


class TorchCategorical(TorchDistributionWrapper):
    """Categorical over ``n`` actions from logits ``(B, n)``.

    Args:
        inputs: logits ``(B, n)``.
        model: the producing model (optional).
        temperature: logits are divided by it. Unlike RLlib, the division is NOT done in
            place, so the caller's tensor (e.g. the ``action_dist_inputs`` extra fetch) is left
            untouched (see docs/compatibility.md, "Shim").
    """

    def __init__(self, inputs: Any, model: Any = None, temperature: float = 1.0) -> None:
        if temperature != 1.0:
            if temperature <= 0.0:
                raise ValueError(f"TorchCategorical temperature must be > 0, got {temperature}")
            inputs = torch.as_tensor(inputs) / temperature
        super().__init__(inputs, model)
        self._dist: torch.distributions.Categorical | None = None
        self._custom_dist = False
        self._normalized: torch.Tensor | None = None

    @property
    def dist(self) -> torch.distributions.Categorical:  # type: ignore[override]
        """The torch Categorical, built on first use (acting greedily never needs it)."""
        if self._dist is None:
            self._dist = torch.distributions.Categorical(logits=self.inputs, validate_args=False)
        return self._dist

    @dist.setter
    def dist(self, value: torch.distributions.Categorical) -> None:
        # A subclass that assigns its own `self.dist` (e.g. masked logits) gets it used
        # everywhere, as in RLlib; the shortcuts below only stand in for the default one.
        self._dist = value
        self._custom_dist = True

    def deterministic_sample(self) -> torch.Tensor:
        if self._custom_dist:
            self.last_sample = self.dist.probs.argmax(dim=1)
        else:  # argmax of the logits == argmax of the probabilities (softmax is monotonic)
            self.last_sample = self.inputs.argmax(dim=1)
        return self.last_sample

    # Sampling and scoring below compute exactly what torch's Categorical does (the same
    # normalised logits and softmax, multinomial's one-draw kernels on the same RNG; see
    # rlmigrate.distributions.categorical.sample_normalized_logits) without building the
    # distribution object on the hot path; seeded draws match RLlib's bit for bit.
    def _normalized_logits(self) -> torch.Tensor:
        if self._normalized is None:
            self._normalized = normalize_logits(self.inputs)
        return self._normalized

    def sample(self) -> torch.Tensor:
        if self._custom_dist:
            return super().sample()
        self.last_sample = sample_normalized_logits(self._normalized_logits())
        return self.last_sample

    def logp(self, actions: torch.Tensor) -> torch.Tensor:
        if self._custom_dist:
            return self.dist.log_prob(actions)
        logits = self._normalized_logits()
        actions = torch.as_tensor(actions)
        if actions.shape == logits.shape[:-1]:
            return logits.gather(-1, actions.long().unsqueeze(-1)).squeeze(-1)
        return self.dist.log_prob(actions)

    @staticmethod
    def required_model_output_shape(
        action_space: gym.Space, model_config: dict | None = None
    ) -> int:
        return int(action_space.n)


class TorchMultiCategorical(TorchDistributionWrapper):
    """Independent categoricals; inputs ``(B, sum(input_lens))`` split along dim 1.

    For an integer Box action space the samples are reshaped to the Box shape and hold
    indices ``0 .. high - low`` (RLlib does not add ``low`` back; reproduced).
    """

    def __init__(
        self,
        inputs: Any,
        model: Any = None,
        input_lens: Any = None,
        action_space: gym.Space | None = None,
    ) -> None:
        super().__init__(inputs, model)
        if input_lens is None:
            raise ValueError(
                "TorchMultiCategorical needs input_lens (one logits width per category)"
            )
        lens = tuple(int(n) for n in np.asarray(input_lens).reshape(-1))
        if sum(lens) != self.inputs.shape[1]:
            raise ValueError(
                f"TorchMultiCategorical: input_lens {list(lens)} sum to {sum(lens)}, but inputs have "
                f"shape {tuple(self.inputs.shape)}"
            )
        self.cats = [
            torch.distributions.Categorical(logits=part, validate_args=False)
            for part in self.inputs.split(lens, dim=1)
        ]
        self.action_space = action_space

    def _shape_sample(self, sample: torch.Tensor) -> torch.Tensor:
        if isinstance(self.action_space, gym.spaces.Box):
            sample = sample.reshape([-1] + list(self.action_space.shape))
        self.last_sample = sample
        return sample

    def sample(self) -> torch.Tensor:
        return self._shape_sample(torch.stack([cat.sample() for cat in self.cats], dim=1))

    def deterministic_sample(self) -> torch.Tensor:
        return self._shape_sample(torch.stack([cat.probs.argmax(-1) for cat in self.cats], dim=1))

    def logp(self, actions: Any) -> torch.Tensor:
        if isinstance(actions, torch.Tensor):
            if isinstance(self.action_space, gym.spaces.Box):
                actions = actions.reshape(-1, int(np.prod(self.action_space.shape)))
            actions = torch.unbind(actions, dim=1)
        logps = torch.stack([cat.log_prob(act) for cat, act in zip(self.cats, actions)])
        return logps.sum(dim=0)

    def multi_entropy(self) -> torch.Tensor:
        return torch.stack([cat.entropy() for cat in self.cats], dim=1)

    def entropy(self) -> torch.Tensor:
        return self.multi_entropy().sum(dim=1)

    def multi_kl(self, other: ActionDistribution) -> torch.Tensor:
        return torch.stack(
            [torch.distributions.kl.kl_divergence(a, b) for a, b in zip(self.cats, other.cats)],  # type: ignore[attr-defined]
            dim=1,
        )

    def kl(self, other: ActionDistribution) -> torch.Tensor:
        return self.multi_kl(other).sum(dim=1)

    @staticmethod
    def required_model_output_shape(
        action_space: gym.Space, model_config: dict | None = None
    ) -> int:
        if isinstance(action_space, gym.spaces.Box):
            if not np.issubdtype(action_space.dtype, np.integer):
                raise ValueError(f"TorchMultiCategorical needs an integer Box, got {action_space}")
            low, high = np.min(action_space.low), np.max(action_space.high)
            if not (np.all(action_space.low == low) and np.all(action_space.high == high)):
                raise ValueError(f"TorchMultiCategorical needs uniform bounds, got {action_space}")
            return int(np.prod(action_space.shape)) * int(high - low + 1)
        return int(np.sum(action_space.nvec))


class TorchDeterministic(TorchDistributionWrapper):
    """Point mass at the inputs (deterministic continuous policies such as DDPG/TD3)."""

    def deterministic_sample(self) -> torch.Tensor:
        return self.inputs

    def sample(self) -> torch.Tensor:
        return self.deterministic_sample()

    def sampled_action_logp(self) -> torch.Tensor:
        """float32 zeros ``(B,)``."""
        return torch.zeros((self.inputs.shape[0],), dtype=torch.float32, device=self.inputs.device)

    def logp(self, actions: torch.Tensor) -> torch.Tensor:
        raise ValueError("TorchDeterministic has no log-likelihood; it is a point mass")

    def entropy(self) -> torch.Tensor:
        return torch.zeros((self.inputs.shape[0],), dtype=torch.float32, device=self.inputs.device)

    @staticmethod
    def required_model_output_shape(
        action_space: gym.Space, model_config: dict | None = None
    ) -> int:
        return int(np.prod(action_space.shape, dtype=np.int64))


class TorchMultiActionDistribution(TorchDistributionWrapper):
    """One child distribution per leaf of a Tuple/Dict action space.

    Args:
        inputs: ``(B, sum(input_lens))``.
        model: the producing model.
        child_distributions: per-leaf classes (or partials), flattened like the space.
        input_lens: per-leaf input widths.
        action_space: the composite action space; samples come back in its structure.
    """

    def __init__(
        self,
        inputs: Any,
        model: Any = None,
        *,
        child_distributions: list[Any],
        input_lens: list[int],
        action_space: gym.Space,
    ) -> None:
        super().__init__(inputs, model)
        self.action_space_struct = get_base_struct_from_space(action_space)
        self.input_lens = [int(n) for n in flatten(input_lens)]
        children = flatten(child_distributions)
        if sum(self.input_lens) != self.inputs.shape[1]:
            raise ValueError(
                f"TorchMultiActionDistribution: input_lens {self.input_lens} sum to "
                f"{sum(self.input_lens)}, but inputs have shape {tuple(self.inputs.shape)}"
            )
        parts = torch.split(self.inputs, self.input_lens, dim=1)
        self.flat_child_distributions = [cls(part, model) for cls, part in zip(children, parts)]

    def _split_width(self, dist: ActionDistribution) -> int:
        if isinstance(dist, TorchCategorical):
            return 1
        if isinstance(dist, TorchMultiCategorical) and dist.action_space is not None:
            return int(np.prod(dist.action_space.shape))
        if isinstance(dist, TorchDiagGaussian):
            return 1 if dist.zero_action_dim else int(dist.inputs.shape[1]) // 2
        if isinstance(dist, (TorchSquashedGaussian, TorchBeta)):
            return int(dist.inputs.shape[1]) // 2
        if isinstance(dist, (TorchDeterministic, TorchDirichlet)):
            return int(dist.inputs.shape[1])
        # Unknown family: look at a greedy sample without disturbing its last sample.
        last = getattr(dist, "last_sample", None)
        sample = dist.deterministic_sample()
        if hasattr(dist, "last_sample"):
            dist.last_sample = last
        return 1 if sample.dim() == 1 else int(sample.shape[1])

    def logp(self, x: Any) -> torch.Tensor:
        if isinstance(x, np.ndarray):
            x = torch.as_tensor(x)
        if isinstance(x, torch.Tensor):
            widths = [self._split_width(d) for d in self.flat_child_distributions]
            pieces = list(torch.split(x, widths, dim=1))
        else:
            pieces = flatten(x)
        logps = []
        for value, dist in zip(pieces, self.flat_child_distributions):
            value = torch.as_tensor(value)
            if isinstance(dist, TorchCategorical):
                value = (value.squeeze(-1) if value.dim() > 1 else value).long()
            elif isinstance(dist, TorchDiagGaussian) and dist.zero_action_dim and value.dim() == 1:
                value = value.unsqueeze(-1)
            logps.append(dist.logp(value))
        return functools.reduce(operator.add, logps)

    def kl(self, other: ActionDistribution) -> torch.Tensor:
        return functools.reduce(
            operator.add,
            [
                d.kl(o)
                for d, o in zip(self.flat_child_distributions, other.flat_child_distributions)
            ],  # type: ignore[attr-defined]
        )

    def entropy(self) -> torch.Tensor:
        return functools.reduce(operator.add, [d.entropy() for d in self.flat_child_distributions])

    def sample(self) -> Any:
        return unflatten_as(
            self.action_space_struct, [d.sample() for d in self.flat_child_distributions]
        )

    def deterministic_sample(self) -> Any:
        return unflatten_as(
            self.action_space_struct,
            [d.deterministic_sample() for d in self.flat_child_distributions],
        )

    def sampled_action_logp(self) -> torch.Tensor:
        return functools.reduce(
            operator.add, [d.sampled_action_logp() for d in self.flat_child_distributions]
        )

    def required_model_output_shape(
        self, action_space: gym.Space, model_config: dict | None = None
    ) -> int:  # type: ignore[override]
        return int(np.sum(self.input_lens))
