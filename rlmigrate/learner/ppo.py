"""``PPOTorchLearner``: PPO's clipped-surrogate loss on the new stack, for migrated PPO policies.

The loss is the one Ray 2.40's ``PPOTorchLearner.compute_loss_for_module`` computes (and, on the
same batch and weights, the one Ray 2.10's legacy ``PPOTorchPolicy.loss`` computed: pinned by
``tests/learner/test_ppo.py`` against numbers recorded from Ray 2.10):

    total = mean(-min(A * r, A * clip(r, 1 - clip_param, 1 + clip_param))
                 + vf_loss_coeff * clip((V - value_targets)^2, 0, vf_clip_param)
                 - entropy_coeff * entropy)
            + kl_coeff * mean(KL(prev || curr))          (when use_kl_loss)

with ``r = exp(logp(actions) - action_logp)`` and ``mean`` over the rows (over the valid rows
when the batch carries ``loss_mask``). Batch columns (``B`` rows): ``obs``, ``actions``,
``action_logp (B,)``, ``action_dist_inputs (B, W)`` (the behaviour policy's),
``advantages (B,)``, ``value_targets (B,)``.

State the legacy PPO mixins kept on the policy lives here under Ray 2.40's names:
``curr_kl_coeffs_per_module[module_id]`` (``KLCoeffMixin.kl_coeff``, adapted after each update
from the mean KL against ``kl_target``), ``entropy_coeff_schedulers_per_module[module_id]``
(``EntropyCoeffSchedule.entropy_coeff``), and the learning rate / ``lr_schedule`` on the
optimizer (``LearningRateSchedule.cur_lr``). GAE (``compute_gae_for_sample_batch`` in the
legacy ``postprocess_trajectory``) is :attr:`learner_connector`'s
:class:`~rlmigrate.learner.connectors.GeneralAdvantageEstimation`, as Ray's ``PPOLearner`` appends it.

Example:
    >>> learner = PPOTorchLearner(config={"lr": 3e-4, "kl_coeff": 0.2}, module=module)  # doctest: +SKIP
    >>> learner.build(); learner.update_from_batch(learner.learner_connector(batch))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from rlmigrate.core.columns import Columns
from rlmigrate.learner.config import LearnerConfig
from rlmigrate.learner.connectors import GeneralAdvantageEstimation
from rlmigrate.learner.schedules import Scheduler
from rlmigrate.learner.torch_learner import TorchLearner
from rlmigrate.learner.utils import explained_variance

__all__ = ["PPOTorchLearner", "PPO_LEARNER_DEFAULTS", "LambdaDefaultDict"]

#: PPO's settings with Ray's defaults (the legacy ``PPOConfig`` ones; ``lambda`` is GAE's).
PPO_LEARNER_DEFAULTS: dict[str, Any] = {
    "lr": 5e-5,
    "lr_schedule": None,
    "gamma": 0.99,
    "lambda": 1.0,
    "use_critic": True,
    "use_gae": True,
    "use_kl_loss": True,
    "kl_coeff": 0.2,
    "kl_target": 0.01,
    "clip_param": 0.3,
    "vf_clip_param": 10.0,
    "vf_loss_coeff": 1.0,
    "entropy_coeff": 0.0,
    "entropy_coeff_schedule": None,
}


class LambdaDefaultDict(dict):
    """A dict whose missing key ``k`` is filled with ``factory(k)`` (Ray's helper of that name)."""

    def __init__(self, factory: Callable[[Any], Any]) -> None:
        super().__init__()
        self._factory = factory

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self._factory(key)
        return value


def _with_defaults(config: Any) -> Any:
    if config is None or isinstance(config, Mapping):
        return LearnerConfig({**PPO_LEARNER_DEFAULTS, **dict(config or {})})
    return config  # a Ray AlgorithmConfig already carries PPO's defaults


def _get(config: Any, key: str) -> Any:
    return config[key] if isinstance(config, Mapping) else getattr(config, key)


class PPOTorchLearner(TorchLearner):
    """PPO's Learner; see the module docstring. ``config`` is a dict of PPO settings (missing
    ones take :data:`PPO_LEARNER_DEFAULTS`), a :class:`LearnerConfig` or a Ray ``PPOConfig``."""

    def __init__(self, *, config: Any = None, module_spec: Any = None, module: Any = None) -> None:
        super().__init__(config=_with_defaults(config), module_spec=module_spec, module=module)
        self.curr_kl_coeffs_per_module: dict[str, torch.Tensor] = LambdaDefaultDict(
            lambda module_id: torch.tensor(float(_get(self.config.get_config_for_module(module_id), "kl_coeff")))
        )
        self.entropy_coeff_schedulers_per_module: dict[str, Scheduler] = LambdaDefaultDict(
            lambda module_id: Scheduler(self._scheduled(module_id, "entropy_coeff"))
        )
        self.learner_connector = GeneralAdvantageEstimation(
            gamma=_get(self.config, "gamma"), lambda_=_get(self.config, "lambda"),
            use_gae=_get(self.config, "use_gae"), use_critic=_get(self.config, "use_critic"),
        )

    def _scheduled(self, module_id: str, key: str) -> Any:
        config = self.config.get_config_for_module(module_id)
        schedule = config.get(f"{key}_schedule") if isinstance(config, Mapping) else None
        return schedule if schedule else _get(config, key)

    def configure_optimizers_for_module(self, module_id: str, config: Any = None) -> None:
        """Adam over the module's parameters at ``lr`` (or the legacy ``lr_schedule``)."""
        params = self.get_parameters(self.module[module_id])
        if params:
            self.register_optimizer(module_id=module_id, optimizer=torch.optim.Adam(params), params=params,
                                    lr_or_lr_schedule=self._scheduled(module_id, "lr"))

    def compute_loss_for_module(
        self, *, module_id: str, config: Any, batch: Mapping[str, Any], fwd_out: Mapping[str, Any]
    ) -> torch.Tensor:
        """PPO's total loss of one module; logs ``policy_loss``, ``vf_loss``,
        ``vf_loss_unclipped``, ``vf_explained_var``, ``entropy``, ``mean_kl_loss``."""
        module = self.module[module_id]
        if Columns.LOSS_MASK in batch:
            mask = batch[Columns.LOSS_MASK].bool()
            valid = torch.sum(mask)

            def reduce(values: torch.Tensor) -> torch.Tensor:
                return torch.sum(values[mask]) / valid
        else:
            def reduce(values: torch.Tensor) -> torch.Tensor:
                return torch.mean(values)
        curr = module.get_train_action_dist_cls().from_logits(fwd_out[Columns.ACTION_DIST_INPUTS])
        prev = module.get_exploration_action_dist_cls().from_logits(batch[Columns.ACTION_DIST_INPUTS])
        ratio = torch.exp(curr.logp(batch[Columns.ACTIONS]) - batch[Columns.ACTION_LOGP])
        use_kl = _get(config, "use_kl_loss")
        mean_kl = reduce(prev.kl(curr)) if use_kl else torch.tensor(0.0)
        entropy = curr.entropy()
        advantages = batch[Columns.ADVANTAGES]
        clip = _get(config, "clip_param")
        surrogate = torch.min(advantages * ratio, advantages * torch.clamp(ratio, 1 - clip, 1 + clip))
        if _get(config, "use_critic"):
            values = module.compute_values(batch, embeddings=fwd_out.get(Columns.EMBEDDINGS)) \
                if Columns.EMBEDDINGS in fwd_out else module.compute_values(batch)
            vf_error = torch.pow(values - batch[Columns.VALUE_TARGETS], 2.0)
            vf_clipped = torch.clamp(vf_error, 0, _get(config, "vf_clip_param"))
            mean_vf, mean_vf_unclipped = reduce(vf_clipped), reduce(vf_error)
        else:
            values = vf_clipped = mean_vf = mean_vf_unclipped = torch.tensor(0.0)
        entropy_coeff = self.entropy_coeff_schedulers_per_module[module_id].get_current_value()
        total = reduce(-surrogate + _get(config, "vf_loss_coeff") * vf_clipped - entropy_coeff * entropy)
        if use_kl:
            total = total + self.curr_kl_coeffs_per_module[module_id] * mean_kl
        self.metrics.log_dict(
            {
                "policy_loss": -reduce(surrogate),
                "vf_loss": mean_vf,
                "vf_loss_unclipped": mean_vf_unclipped,
                "vf_explained_var": explained_variance(batch[Columns.VALUE_TARGETS], values)
                if _get(config, "use_critic") else torch.tensor(0.0),
                "entropy": reduce(entropy),
                "mean_kl_loss": mean_kl,
            },
            key=module_id,
            window=1,
        )
        return total

    def after_gradient_based_update(self, *, timesteps: Mapping[str, Any]) -> None:
        """Step the lr and entropy schedules; adapt each module's KL coefficient to ``kl_target``."""
        super().after_gradient_based_update(timesteps=timesteps)
        step = int(timesteps.get("num_env_steps_sampled_lifetime", 0)) if timesteps else 0
        for module_id in self.module.keys():
            config = self.config.get_config_for_module(module_id)
            coeff = self.entropy_coeff_schedulers_per_module[module_id].update(timestep=step)
            self.metrics.log_value((module_id, "curr_entropy_coeff"), coeff, window=1)
            kl = self.metrics.peek((module_id, "mean_kl_loss"))
            if _get(config, "use_kl_loss") and kl is not None:
                self._update_module_kl_coeff(module_id=module_id, config=config, kl_loss=float(kl))

    def _update_module_kl_coeff(self, *, module_id: str, config: Any, kl_loss: float) -> None:
        coeff = self.curr_kl_coeffs_per_module[module_id]
        target = _get(config, "kl_target")
        if not np.isfinite(kl_loss):
            return
        if kl_loss > 2.0 * target:
            coeff.data *= 1.5
        elif kl_loss < 0.5 * target:
            coeff.data *= 0.5
        self.metrics.log_value((module_id, "curr_kl_coeff"), float(coeff), window=1)
