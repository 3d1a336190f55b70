"""PPO's legacy policy pieces: ``ValueNetworkMixin`` (``vf_preds`` extra fetch) and
``PPOTorchPolicy``.

RLlib's ``PPOTorchPolicy`` returned ``vf_preds`` from ``model.value_function()`` with every
action computation (both explore values); a bare ``TorchPolicyV2`` does not. To get the PPO
behaviour, use ``PPOTorchPolicy`` or mix ``ValueNetworkMixin`` into your own policy class.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import torch

from shim.models.model_defaults import merge_model_config
from shim.policy.sample_batch import SampleBatch
from shim.policy.torch_policy_v2 import TorchPolicyV2
from shim.torch_utils import convert_to_non_torch_type, explained_variance

__all__ = [
    "ValueNetworkMixin",
    "PPOTorchPolicy",
    "PPO_DEFAULT_CONFIG",
    "PPOConfig",
    "LearningRateSchedule",
    "EntropyCoeffSchedule",
    "KLCoeffMixin",
]

#: The PPO-specific config keys (RLlib 2.10 PPOConfig defaults, ``PPOConfig.__init__``).
PPO_DEFAULT_CONFIG: dict[str, Any] = {
    "lr": 5e-5,
    "lr_schedule": None,
    "rollout_fragment_length": "auto",
    "train_batch_size": 4000,
    "use_kl_loss": True,
    "sgd_minibatch_size": 128,
    "num_sgd_iter": 30,
    "shuffle_sequences": True,
    "entropy_coeff_schedule": None,
    "grad_clip": None,
    "use_critic": True,
    "use_gae": True,
    "lambda": 1.0,
    "kl_coeff": 0.2,
    "kl_target": 0.01,
    "clip_param": 0.3,
    "vf_clip_param": 10.0,
    "vf_loss_coeff": 1.0,
    "entropy_coeff": 0.0,
    # AlgorithmConfig's discount, which Ray 2.10's PPOConfig().to_dict() carries too: a copy of
    # PPOTorchPolicy.__init__ merges those defaults and its loss may read config["gamma"]
    "gamma": 0.99,
    "model": {"vf_share_layers": False},
}


def _no_value(*args: Any, **kwargs: Any) -> float:
    """The bootstrap value of a policy without GAE / V-trace (Ray 2.10: always 0.0)."""
    return 0.0


class ValueNetworkMixin:
    """Adds ``vf_preds`` (``model.value_function()`` of the forward pass just run) to the
    extra fetches of a TorchPolicyV2 subclass; list it before ``TorchPolicyV2`` in the bases.

    ``ValueNetworkMixin.__init__(self, config)`` (Ray 2.10's signature, called by policies that
    copy PPO's constructor) picks the bootstrap value ``_value(**input_dict)``: the model's
    (``TorchPolicyV2._value``) with GAE or V-trace on, else 0.0. A policy class without an
    ``__init__`` of its own that lists the mixin first is built by ``TorchPolicyV2.__init__``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) + len(kwargs) != 1:  # cls(obs_space, action_space, config): the policy's own
            super().__init__(*args, **kwargs)
            return
        config = args[0] if args else kwargs["config"]
        if not (config.get("use_gae") or config.get("vtrace")):
            self._value = _no_value

    def extra_action_out(
        self, input_dict: Mapping, state_batches: list[Any], model: Any, action_dist: Any
    ) -> dict[str, Any]:
        return {SampleBatch.VF_PREDS: model.value_function()}


class PPOTorchPolicy(ValueNetworkMixin, TorchPolicyV2):
    """The legacy PPO torch policy: PPO config defaults (``vf_share_layers=False``), ``vf_preds``
    in every action computation, the clipped-surrogate ``loss`` and Ray 2.10's ``stats_fn``.
    """

    def __init__(
        self, observation_space: gym.Space, action_space: gym.Space, config: Mapping | None = None
    ) -> None:
        given = dict(config or {})
        merged = copy.deepcopy(PPO_DEFAULT_CONFIG)
        model = merge_model_config(merged.pop("model"))
        model.update(given.pop("model", None) or {})
        merged.update(given)
        merged["model"] = model
        self.kl_coeff = merged["kl_coeff"]
        self.kl_target = merged["kl_target"]
        self.entropy_coeff = merged["entropy_coeff"]
        self.cur_lr = merged["lr"]  # RLlib's PPOTorchPolicy mixes in LearningRateSchedule
        TorchPolicyV2.__init__(
            self, observation_space, action_space, merged, max_seq_len=model["max_seq_len"]
        )

    def loss(self, model: Any, dist_class: Any, train_batch: SampleBatch) -> torch.Tensor:
        """Clipped surrogate + clipped value loss + KL penalty - entropy bonus (feed-forward batches).

        Needs ``obs``, ``actions``, ``action_logp``, ``action_dist_inputs``, ``advantages`` and
        ``value_targets`` columns.
        """
        logits, _ = model(train_batch)
        curr = dist_class(logits, model)
        prev = dist_class(train_batch[SampleBatch.ACTION_DIST_INPUTS], model)
        ratio = torch.exp(
            curr.logp(train_batch[SampleBatch.ACTIONS]) - train_batch[SampleBatch.ACTION_LOGP]
        )
        advantages = train_batch["advantages"]
        clip = self.config["clip_param"]
        surrogate = torch.min(
            advantages * ratio, advantages * torch.clamp(ratio, 1 - clip, 1 + clip)
        )
        # Ray 2.10 computes (and adds) the KL term only when the configured kl_coeff is > 0
        use_kl = self.config["kl_coeff"] > 0.0
        kl = prev.kl(curr).mean() if use_kl else torch.tensor(0.0)
        entropy = curr.entropy().mean()
        mean_policy_loss = -surrogate.mean()
        total = mean_policy_loss - self.entropy_coeff * entropy
        if use_kl:
            total = total + self.kl_coeff * kl
        targets = train_batch["value_targets"]
        if self.config.get("use_critic", True):
            values = model.value_function()
            vf_error = (values - targets) ** 2
            mean_vf_loss = torch.clamp(vf_error, 0, self.config["vf_clip_param"]).mean()
            total = total + self.config["vf_loss_coeff"] * mean_vf_loss
        else:
            values, mean_vf_loss = torch.zeros_like(targets), torch.tensor(0.0)
        # the stats Ray 2.10's PPO loss leaves on the model (its stats_fn and subclasses read them
        # back through ``get_tower_stats``); a model without tower_stats (not a ModelV2) gets none
        stats = getattr(model, "tower_stats", None)
        if isinstance(stats, dict):
            stats.update(
                total_loss=total, mean_policy_loss=mean_policy_loss, mean_vf_loss=mean_vf_loss,
                vf_explained_var=explained_variance(targets, values), mean_entropy=entropy,
                mean_kl_loss=kl,
            )
        return total

    def stats_fn(self, train_batch: SampleBatch) -> dict[str, Any]:
        """Ray 2.10's PPO learner stats, read back from the tower stats :meth:`loss` left.

        Keys (in Ray's order): ``cur_kl_coeff``, ``cur_lr``, ``total_loss``, ``policy_loss``
        (tower ``mean_policy_loss``), ``vf_loss`` (``mean_vf_loss``), ``vf_explained_var``,
        ``kl`` (``mean_kl_loss``), ``entropy`` (``mean_entropy``), ``entropy_coeff``; each
        tower stat averaged over the towers (one here), all as numpy / Python numbers.

        Raises:
            AssertionError: the loss has not run on this model yet (no tower stats).
        """

        def tower_mean(name: str) -> torch.Tensor:
            return torch.mean(torch.stack([torch.as_tensor(v) for v in self.get_tower_stats(name)]))

        return convert_to_non_torch_type({
            "cur_kl_coeff": self.kl_coeff,
            "cur_lr": self.cur_lr,
            "total_loss": tower_mean("total_loss"),
            "policy_loss": tower_mean("mean_policy_loss"),
            "vf_loss": tower_mean("mean_vf_loss"),
            "vf_explained_var": tower_mean("vf_explained_var"),
            "kl": tower_mean("mean_kl_loss"),
            "entropy": tower_mean("mean_entropy"),
            "entropy_coeff": self.entropy_coeff,
        })


class LearningRateSchedule:
    """Legacy mixin: keeps ``cur_lr`` (constant here; schedules belong to the Learner now)."""

    def __init__(self, lr: float, lr_schedule: Any = None) -> None:
        self.cur_lr = lr


class EntropyCoeffSchedule:
    """Legacy mixin: keeps ``entropy_coeff`` (constant here)."""

    def __init__(self, entropy_coeff: float, entropy_coeff_schedule: Any = None) -> None:
        self.entropy_coeff = entropy_coeff


class KLCoeffMixin:
    """Legacy mixin: keeps ``kl_coeff`` / ``kl_target`` and adapts the coefficient."""

    def __init__(self, config: Mapping) -> None:
        self.kl_coeff = config["kl_coeff"]
        self.kl_target = config["kl_target"]

    def update_kl(self, sampled_kl: float) -> float:
        if sampled_kl > 2.0 * self.kl_target:
            self.kl_coeff *= 1.5
        elif sampled_kl < 0.5 * self.kl_target:
            self.kl_coeff *= 0.5
        return self.kl_coeff


class PPOConfig:
    """Just enough of RLlib's ``PPOConfig`` for legacy files that read its defaults
    (``PPOConfig().model``, ``.to_dict()``) or chain setters; there is no Algorithm to build.
    """

    def __init__(self) -> None:
        defaults = copy.deepcopy(PPO_DEFAULT_CONFIG)
        self.model = merge_model_config(defaults.pop("model"))
        self._config: dict[str, Any] = {"framework": "torch", "explore": True, **defaults}

    def _update(self, **kwargs: Any) -> PPOConfig:
        if "model" in kwargs:
            self.model.update(kwargs.pop("model") or {})
        self._config.update(kwargs)
        return self

    def training(self, **kwargs: Any) -> PPOConfig:
        return self._update(**kwargs)

    def framework(self, framework: str = "torch", **kwargs: Any) -> PPOConfig:
        return self._update(framework=framework)

    def exploration(self, **kwargs: Any) -> PPOConfig:
        return self._update(**kwargs)

    def environment(self, env: Any = None, **kwargs: Any) -> PPOConfig:
        return self._update(env=env, **kwargs)

    def rollouts(self, **kwargs: Any) -> PPOConfig:
        return self._update(**kwargs)

    env_runners = resources = debugging = reporting = rollouts

    def to_dict(self) -> dict[str, Any]:
        return {**copy.deepcopy(self._config), "model": copy.deepcopy(self.model)}

    def build(self, *args: Any, **kwargs: Any) -> Any:
        from shim.placeholders import TrainingSideError, training_message

        raise TrainingSideError(
            training_message("PPOConfig.build()")
            + "; to act with the legacy policy here, build PPOTorchPolicy(obs_space, act_space, "
            "config.to_dict())"
        )
