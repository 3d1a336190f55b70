"""APPO's default RLModule: PPO's module plus frozen target copies of encoder and pi head.

The target networks (``_old_encoder``, ``_old_pi``; RLlib's names, so their state-dict keys
match) are made in ``setup()`` unless the module is inference-only; a learner keeps them in
sync with :func:`rlmigrate.core.apis.update_target_network` over
:meth:`APPOTorchRLModule.get_target_network_pairs`.

Example:
    >>> import gymnasium as gym, torch
    >>> module = APPOTorchRLModule(
    ...     observation_space=gym.spaces.Box(-1, 1, (4,)), action_space=gym.spaces.Discrete(2),
    ...     model_config={"fcnet_hiddens": [8]})
    >>> module.forward_target({"obs": torch.zeros(3, 4)})["target_network_action_dist_inputs"].shape
    torch.Size([3, 2])
"""

from __future__ import annotations

from typing import Any

import torch.nn as nn

from rlmigrate.core.apis import (
    TARGET_NETWORK_ACTION_DIST_INPUTS,
    TargetNetworkAPI,
    make_target_network,
)
from rlmigrate.core.constants import ACTOR, ENCODER_OUT
from rlmigrate.modules.ppo import PPOTorchRLModule

__all__ = ["APPOTorchRLModule"]


class APPOTorchRLModule(PPOTorchRLModule, TargetNetworkAPI):
    """:class:`PPOTorchRLModule` with target networks for APPO's KL/ratio terms."""

    def setup(self) -> None:
        super().setup()
        if not self.inference_only:
            self.make_target_networks()

    def make_target_networks(self) -> None:
        """Frozen deep copies ``_old_encoder`` / ``_old_pi`` of ``encoder`` / ``pi``."""
        self._old_encoder = make_target_network(self.encoder)
        self._old_pi = make_target_network(self.pi)

    def get_target_network_pairs(self) -> list[tuple[nn.Module, nn.Module]]:
        """``[(encoder, _old_encoder), (pi, _old_pi)]``: (main, target) pairs."""
        return [(self.encoder, self._old_encoder), (self.pi, self._old_pi)]

    def get_non_inference_attributes(self) -> list[str]:
        return [*super().get_non_inference_attributes(), "_old_encoder", "_old_pi"]

    def forward_target(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """``{TARGET_NETWORK_ACTION_DIST_INPUTS: (B, [T,] W)}`` from the target networks.

        Raises:
            RuntimeError: if the target networks were not made (inference-only module).
        """
        if getattr(self, "_old_encoder", None) is None:
            raise RuntimeError(
                f"{type(self).__name__} has no target networks (inference_only=True); build it "
                f"with inference_only=False or call make_target_networks()"
            )
        encoded = self._old_encoder(batch)[ENCODER_OUT][ACTOR]
        return {TARGET_NETWORK_ACTION_DIST_INPUTS: self._old_pi(encoded)}
