"""API mixins: what a module offers beyond acting (RLLIB_REFERENCE §1.7).

Algorithms ask ``isinstance(module, ValueFunctionAPI)`` instead of relying on a base
class, so any module (default or custom) opts in by inheriting the mixin and
implementing its abstract methods.
"""

from __future__ import annotations

import abc
import copy
from typing import Any

import torch
from torch import nn

__all__ = [
    "ValueFunctionAPI",
    "InferenceOnlyAPI",
    "TargetNetworkAPI",
    "SelfSupervisedLossAPI",
    "QNetAPI",
    "TARGET_NETWORK_ACTION_DIST_INPUTS",
    "make_target_network",
    "update_target_network",
    "non_inference_prefixes",
]

TARGET_NETWORK_ACTION_DIST_INPUTS = "target_network_action_dist_inputs"


class ValueFunctionAPI(abc.ABC):
    """Modules with a state-value function (PPO, IMPALA, APPO, custom actor-critics)."""

    @abc.abstractmethod
    def compute_values(self, batch: dict[str, Any], embeddings: Any = None) -> torch.Tensor:
        """Values of shape ``(B,)`` or ``(B, T)`` (last dim squeezed).

        Args:
            batch: at least ``{Columns.OBS: (B, ...)}`` (``(B, T, ...)`` + ``STATE_IN`` if stateful).
            embeddings: encoder output from ``forward_train`` (``Columns.EMBEDDINGS``) to
                skip recomputing it; ``None`` means "compute from the batch".
        """


class InferenceOnlyAPI(abc.ABC):
    """Modules that can drop learner-only parts (critics) when built ``inference_only``."""

    @abc.abstractmethod
    def get_non_inference_attributes(self) -> list[str]:
        """Attribute paths (dotted for nested, e.g. ``"encoder.critic_encoder"``) acting does not use."""


def non_inference_prefixes(module: Any) -> tuple[str, ...]:
    """``module``'s critic-only attribute paths; ``()`` unless it is an :class:`InferenceOnlyAPI`.

    State keys equal to a prefix or under ``prefix + "."`` are dropped from inference-only
    states and are not required when checking that a checkpoint fits a module.
    """
    if not isinstance(module, InferenceOnlyAPI):
        return ()
    return tuple(module.get_non_inference_attributes())


class TargetNetworkAPI(abc.ABC):
    """Modules with target networks (DQN, SAC, APPO). The learner owns syncing."""

    @abc.abstractmethod
    def make_target_networks(self) -> None:
        """Create the target copies (see :func:`make_target_network`)."""

    @abc.abstractmethod
    def get_target_network_pairs(self) -> list[tuple[nn.Module, nn.Module]]:
        """``[(main_net, target_net), ...]`` for :func:`update_target_network`."""

    @abc.abstractmethod
    def forward_target(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Forward pass through the target networks."""


class SelfSupervisedLossAPI(abc.ABC):
    """Modules that compute their own loss (the learner calls this instead of its loss)."""

    @abc.abstractmethod
    def compute_self_supervised_loss(
        self, *, learner: Any, module_id: str, config: Any, batch: dict, fwd_out: dict
    ) -> torch.Tensor:
        """A scalar loss tensor."""


class QNetAPI(abc.ABC):
    """Modules with Q-value heads (DQN family)."""

    @abc.abstractmethod
    def compute_q_values(self, batch: dict[str, Any]) -> dict[str, Any]:
        """``{"qf_preds": (B, num_actions)}`` plus ``atoms``/``qf_logits``/``qf_probs`` if distributional."""

    def compute_advantage_distribution(self, batch: dict[str, Any]) -> dict[str, Any]:
        return self.compute_q_values(batch)


def make_target_network(main_net: nn.Module) -> nn.Module:
    """A frozen deep copy of ``main_net`` (gradients off)."""
    target = copy.deepcopy(main_net)
    target.requires_grad_(False)
    return target


@torch.no_grad()
def update_target_network(*, main_net: nn.Module, target_net: nn.Module, tau: float) -> None:
    """Polyak update ``target = tau * main + (1 - tau) * target`` in place.

    Raises:
        ValueError: if ``tau`` is outside ``[0, 1]`` or the networks' parameters differ in shape.
    """
    if not 0.0 <= tau <= 1.0:
        raise ValueError(f"tau must be in [0, 1], got {tau}")
    main_state = main_net.state_dict()
    for name, target_value in target_net.state_dict().items():
        main_value = main_state.get(name)
        if main_value is None or main_value.shape != target_value.shape:
            raise ValueError(
                f"target network key {name!r} {tuple(target_value.shape)} has no same-shaped "
                f"counterpart in the main network"
            )
        if target_value.is_floating_point():
            target_value.mul_(1.0 - tau).add_(main_value, alpha=tau)
        else:
            target_value.copy_(main_value)
