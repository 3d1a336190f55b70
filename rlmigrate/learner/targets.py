"""``TargetModelsMixin``: the legacy ``policy.target_model`` (``TargetNetworkMixin``) on a Learner.

A legacy DQN/SAC-style loss reads a frozen copy of the model (``policy.target_model`` /
``policy.target_models[model]``) that ``TargetNetworkMixin.update_target(tau)`` refreshes.
On the new stack that copy is a target network the Learner syncs (Ray 2.40's
``TargetNetworkAPI`` modules; its DQN/SAC Learners call ``update_target_network`` after the
update). Modules generated from legacy policies need not implement that API, so a migrated
Learner mixes this in: :meth:`target_model` is a frozen copy of ``self.module[module_id]``
made at first use (i.e. of the weights the training starts from, as the legacy policy's
``update_target(tau=1.0)`` at init), and :meth:`after_gradient_based_update` syncs it every
``config["target_network_update_freq"]`` sampled env steps with ``config["tau"]`` (polyak,
default 1.0: a hard copy).

Example:
    >>> class QLearner(TargetModelsMixin, TorchLearner):  # doctest: +SKIP
    ...     def compute_loss_for_module(self, *, module_id, config, batch, fwd_out):
    ...         q_next = self.target_model(module_id).forward_train({"obs": batch["new_obs"]})
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import torch

__all__ = ["TargetModelsMixin"]


class TargetModelsMixin:
    """Lazily made, periodically synced frozen copies of the Learner's modules (see above)."""

    module: Any
    config: Any

    def target_model(self, module_id: str) -> torch.nn.Module:
        """The frozen target copy of ``self.module[module_id]`` (made at the first call)."""
        targets = self.__dict__.setdefault("_target_models", {})
        if module_id not in targets:
            target = copy.deepcopy(self.module[module_id])
            target.requires_grad_(False)
            targets[module_id] = target
        return targets[module_id]

    def update_target(self, module_id: str, tau: float = 1.0) -> None:
        """``target = tau * main + (1 - tau) * target`` for every parameter and buffer."""
        target = self.target_model(module_id)
        main = self.module[module_id].state_dict()
        with torch.no_grad():
            new = {k: tau * main[k] + (1.0 - tau) * v if v.is_floating_point() else main[k]
                   for k, v in target.state_dict().items()}
        target.load_state_dict(new)

    def after_gradient_based_update(self, *, timesteps: Mapping[str, Any]) -> None:
        """After the parent's update: sync the targets when ``target_network_update_freq``
        sampled env steps passed since the last sync (never when the setting is absent/0)."""
        super().after_gradient_based_update(timesteps=timesteps)  # type: ignore[misc]
        step = int(timesteps.get("num_env_steps_sampled_lifetime", 0)) if timesteps else 0
        last = self.__dict__.setdefault("_last_target_sync", {})
        for module_id in list(self.__dict__.get("_target_models", {})):
            config = self.config.get_config_for_module(module_id)
            freq = config.get("target_network_update_freq", 0) if isinstance(config, Mapping) else \
                getattr(config, "target_network_update_freq", 0)
            if freq and step - last.get(module_id, 0) >= freq:
                tau = config.get("tau", 1.0) if isinstance(config, Mapping) else getattr(config, "tau", 1.0)
                self.update_target(module_id, tau=float(tau))
                last[module_id] = step
