"""``TorchPolicyV2``: the legacy torch policy with its overridable hooks, on the shim.

Subclasses override ``make_model``, ``make_model_and_action_dist``, ``action_sampler_fn``,
``action_distribution_fn``, ``extra_action_out``, ``loss``, ``optimizer``... exactly as in
RLlib 2.10. Action computation follows RLlib's legacy flow: the model's ``__call__`` (or the
hooks) produce distribution inputs, the legacy distribution class wraps them, the exploration
object picks actions and logp; ``extra_action_out`` adds extra fetches. If ``make_model``
returns an RLModule instead, the RLModule path of ``Policy`` is used.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlmigrate.core.apis import ValueFunctionAPI
from rlmigrate.core.rl_module import RLModule
from shim.dist_bridge import NewStackAsLegacy
from shim.models.action_dist import TorchDistributionWrapper
from shim.models.catalog import ModelCatalog
from shim.models.modelv2 import ModelV2
from shim.policy.conversion import stack_observations, to_numpy, to_tensor
from shim.policy.exploration import Exploration
from shim.policy.policy import Policy
from shim.policy.sample_batch import SampleBatch

__all__ = ["TorchPolicyV2", "normalize_action"]


def _overridden(policy: Any, name: str) -> bool:
    return getattr(type(policy), name) is not getattr(TorchPolicyV2, name)


def normalize_action(actions: torch.Tensor, space: gym.Space) -> torch.Tensor:
    """Maps float Box actions from ``[low, high]`` to ``[-1, 1]`` (finite bounds only)."""
    if isinstance(space, gym.spaces.Box) and np.issubdtype(space.dtype, np.floating):
        low = torch.as_tensor(space.low, dtype=torch.float32)
        high = torch.as_tensor(space.high, dtype=torch.float32)
        if torch.isfinite(low).all() and torch.isfinite(high).all():
            return (actions - low) * 2.0 / (high - low) - 1.0
    return actions


class TorchPolicyV2(Policy):
    """Legacy torch policy.

    Args:
        observation_space: observation space (Dict/Tuple/Discrete ones are flattened for the
            model, as an RLlib Algorithm did; ``observation_space.original_space`` keeps the raw one).
        action_space: action space.
        config: policy config; ``config["model"]`` is merged over ``MODEL_DEFAULTS``.
        max_seq_len: maximum sequence length for recurrent training batches.

    Raises:
        ValueError: when both ``make_model`` and ``make_model_and_action_dist`` are overridden.
    """

    _input_dict_routes_to_compute_actions = False  # RLlib's TorchPolicyV2 acts from the dict itself

    def __init__(
        self,
        observation_space: gym.Space,
        action_space: gym.Space,
        config: Mapping | None = None,
        *,
        max_seq_len: int = 20,
    ) -> None:
        Policy.__init__(self, observation_space, action_space, config)
        self.config["framework"] = "torch"
        self._use_flattened_observations()
        self.view_requirements = self._get_default_view_requirements()
        self.max_seq_len = max_seq_len
        self.tower_stats: dict[str, Any] = {}
        self._is_module = False
        model, dist_class = self._init_model_and_dist_class()
        if isinstance(model, RLModule):
            self._init_module(model)
            self.unwrapped_model = model
        else:
            self.model = model
            self.dist_class = dist_class
            self.unwrapped_model = model
            self._initial_state = [
                to_numpy(torch.as_tensor(s), reduce_type=False) for s in model.get_initial_state()
            ]
            self.view_requirements.update(getattr(model, "view_requirements", {}) or {})
            self._update_state_view_requirements()
            self.exploration = self._create_exploration()
        hook = getattr(self.exploration, "before_compute_actions", None)
        # Skip calling the base class's no-op hook on every step.
        self._before_hook = (
            hook
            if hook is not None
            and getattr(type(self.exploration), "before_compute_actions", None)
            is not Exploration.before_compute_actions
            else None
        )
        self._sampler_overridden = _overridden(self, "action_sampler_fn")
        self._dist_fn_overridden = _overridden(self, "action_distribution_fn")
        self._optimizers = self.optimizer()
        if not isinstance(self._optimizers, (list, tuple)):
            self._optimizers = [self._optimizers]
        self.batch_divisibility_req = self.get_batch_divisibility_req()

    # ------------------------------------------------------------------ model construction
    def _init_model_and_dist_class(self) -> tuple[Any, Any]:
        make_model = _overridden(self, "make_model")
        make_both = _overridden(self, "make_model_and_action_dist")
        if make_model and make_both:
            raise ValueError(
                f"{type(self).__name__} overrides both make_model and make_model_and_action_dist; "
                "override only one"
            )
        if make_model:
            model = self.make_model()
            dist_class, _ = ModelCatalog.get_action_dist(
                self.action_space, self.config["model"], framework="torch"
            )
        elif make_both:
            model, dist_class = self.make_model_and_action_dist()
        else:
            dist_class, logit_dim = ModelCatalog.get_action_dist(
                self.action_space, self.config["model"], framework="torch"
            )
            model = ModelCatalog.get_model_v2(
                obs_space=self.observation_space,
                action_space=self.action_space,
                num_outputs=logit_dim,
                model_config=self.config["model"],
                framework="torch",
            )
        if not isinstance(model, (ModelV2, RLModule)):
            raise ValueError(
                f"{type(self).__name__}: the model must be a ModelV2 or an RLModule, got {type(model).__name__}"
            )
        return model, dist_class

    # ------------------------------------------------------------------ overridable hooks
    def make_model(self) -> ModelV2 | None:
        """Override to build the model yourself (dist class from ``ModelCatalog``)."""
        return None

    def make_model_and_action_dist(self) -> tuple[Any, Any]:
        """Override to build the model and pick the distribution class yourself."""
        return None, None

    def action_sampler_fn(
        self, model: Any, *, obs_batch: Any, state_batches: list[Any], **kwargs: Any
    ) -> tuple[Any, Any, Any, Any]:
        """Override to sample actions yourself: ``(actions, logp, dist_inputs, state_out)``."""
        return None, None, None, None

    def action_distribution_fn(
        self, model: Any, *, obs_batch: Any, state_batches: list[Any], **kwargs: Any
    ) -> tuple[Any, Any, Any]:
        """Override to produce ``(dist_inputs, dist_class, state_out)`` yourself."""
        return None, None, None

    def extra_action_out(
        self, input_dict: Mapping, state_batches: list[Any], model: Any, action_dist: Any
    ) -> dict[str, Any]:
        """Extra fetches per action computation (PPO's mixin adds ``vf_preds``). Default ``{}``."""
        return {}

    def extra_grad_process(self, optimizer: Any, loss: torch.Tensor) -> dict[str, Any]:
        """Called after backward, before the optimizer step (e.g. gradient clipping)."""
        return {}

    def extra_compute_grad_fetches(self) -> dict[str, Any]:
        return {"learner_stats": {}}

    def loss(self, model: Any, dist_class: Any, train_batch: SampleBatch) -> Any:
        """The training loss (one per optimizer). Override to train with ``learn_on_batch``."""
        raise NotImplementedError(f"{type(self).__name__} does not define loss()")

    def stats_fn(self, train_batch: SampleBatch) -> dict[str, Any]:
        return {}

    def get_tower_stats(self, stats_name: str) -> list[Any]:
        """``[model.tower_stats[stats_name]]``: Ray's per-GPU-tower list, with our one tower.

        Raises:
            AssertionError: the loss stored no such stat (Ray asserts the same).
        """
        stats = getattr(self.model, "tower_stats", {}) or {}
        assert stats_name in stats, (
            f"stats {stats_name!r} not found in the model's tower_stats {sorted(stats)}; "
            "did the loss run and store it?"
        )
        return [stats[stats_name]]

    def optimizer(self) -> Any:
        """Default: Adam over the model parameters with ``config["lr"]``."""
        params = list(self.model.parameters()) if isinstance(self.model, torch.nn.Module) else []
        if not params:
            return []
        optimizers = [torch.optim.Adam(params, lr=self.config["lr"])]
        if self.exploration is not None:
            optimizers = self.exploration.get_exploration_optimizer(optimizers)
        return optimizers

    def get_batch_divisibility_req(self) -> int:
        return 1

    # ------------------------------------------------------------------ action computation
    def compute_actions_from_input_dict(  # type: ignore[override]  # Ray 2.10's own narrowing
        self, input_dict: Mapping, explore: bool | None = None, timestep: int | None = None, **kwargs: Any
    ) -> tuple[Any, list[np.ndarray], dict[str, np.ndarray]]:
        """Ray 2.10's torch signature: ``episodes`` (``Policy``'s fourth positional parameter)
        only as a keyword, so a subclass passing it by position fails here as it did there."""
        return Policy.compute_actions_from_input_dict(self, input_dict, explore, timestep, **kwargs)

    def _compute_action_helper(
        self,
        input_dict: SampleBatch,
        state_batches: list[torch.Tensor],
        seq_lens: Any,
        explore: bool,
        timestep: int,
    ) -> tuple[Any, list[Any], dict[str, Any]]:
        if self._is_module:
            return Policy._compute_action_helper(
                self, input_dict, state_batches, seq_lens, explore, timestep
            )
        model = self.model
        if model.training:
            model.eval()
        if self._sampler_overridden:
            action_dist = None
            actions, logp, dist_inputs, state_out = self.action_sampler_fn(
                model,
                obs_batch=input_dict,
                state_batches=state_batches,
                explore=explore,
                timestep=timestep,
            )
        else:
            if self._before_hook is not None:
                self._before_hook(explore=explore, timestep=timestep)
            if self._dist_fn_overridden:
                dist_inputs, dist_class, state_out = self.action_distribution_fn(
                    model,
                    obs_batch=input_dict,
                    state_batches=state_batches,
                    seq_lens=seq_lens,
                    explore=explore,
                    timestep=timestep,
                    is_training=False,
                )
            else:
                dist_class = self.dist_class
                dist_inputs, state_out = model(input_dict, state_batches, seq_lens)
            action_dist = self._make_dist(dist_class, dist_inputs)
            actions, logp = self.exploration.get_exploration_action(  # type: ignore[union-attr]
                action_distribution=action_dist, timestep=timestep, explore=explore
            )
        input_dict[SampleBatch.ACTIONS] = actions
        extra = self.extra_action_out(input_dict, state_batches, model, action_dist)
        if dist_inputs is not None:
            extra[SampleBatch.ACTION_DIST_INPUTS] = dist_inputs
        if logp is not None:
            extra[SampleBatch.ACTION_PROB] = torch.exp(
                logp if logp.dtype == torch.float32 else logp.float()
            )
            extra[SampleBatch.ACTION_LOGP] = logp
        return actions, (state_out if type(state_out) is list else list(state_out or [])), extra

    def _make_dist(self, dist_class: Any, dist_inputs: Any) -> Any:
        if dist_class is self.dist_class and self.__dict__.get("_legacy_dist_ok"):
            return dist_class(dist_inputs, self.model)
        target = dist_class.func if isinstance(dist_class, functools.partial) else dist_class
        if isinstance(target, type) and issubclass(target, TorchDistributionWrapper):
            if dist_class is self.dist_class:
                self._legacy_dist_ok = True
            return dist_class(dist_inputs, self.model)
        if isinstance(target, type) and hasattr(target, "from_logits"):
            return NewStackAsLegacy(dist_class, dist_inputs, self.model)
        if isinstance(dist_class, functools.partial):
            return dist_class(dist_inputs, self.model)
        raise ValueError(
            f"dist_class {dist_class!r} is not a TorchDistributionWrapper subclass (or a partial of "
            "one); return a correct class from action_distribution_fn / make_model_and_action_dist"
        )

    def compute_log_likelihoods(
        self,
        actions: Any,
        obs_batch: Any,
        state_batches: list[Any] | None = None,
        prev_action_batch: Any = None,
        prev_reward_batch: Any = None,
        actions_normalized: bool = True,
        in_training: bool = True,
    ) -> torch.Tensor:
        """``(B,)`` log-likelihoods of ``actions`` (legacy flow: model or action_distribution_fn).

        Raises:
            ValueError: when only ``action_sampler_fn`` is overridden (no distribution).
        """
        if self._is_module:
            return Policy.compute_log_likelihoods(
                self,
                actions,
                obs_batch,
                state_batches,
                prev_action_batch,
                prev_reward_batch,
                actions_normalized,
                in_training,
            )
        if self._sampler_overridden and not self._dist_fn_overridden:
            raise ValueError(
                "Cannot compute log-likelihoods with only action_sampler_fn overridden; also "
                "override action_distribution_fn"
            )
        input_dict, states, batch = self._scoring_inputs(
            obs_batch, state_batches, prev_action_batch, prev_reward_batch
        )
        seq_lens = torch.ones(batch, dtype=torch.int32)
        with torch.no_grad():
            if self.model.training:
                self.model.eval()
            self.exploration.before_compute_actions(explore=False)  # type: ignore[union-attr]
            if self._dist_fn_overridden:
                dist_inputs, dist_class, _ = self.action_distribution_fn(
                    self.model,
                    obs_batch=input_dict,
                    state_batches=states,
                    seq_lens=seq_lens,
                    explore=False,
                    is_training=False,
                )
            else:
                dist_class = self.dist_class
                dist_inputs, _ = self.model(input_dict, states, seq_lens)
            action_dist = self._make_dist(dist_class, dist_inputs)
            actions_t = to_tensor(stack_observations(actions))
            if not actions_normalized and self.config.get("normalize_actions"):
                actions_t = normalize_action(actions_t, self.action_space)
            return action_dist.logp(actions_t)

    # ------------------------------------------------------------------ training (legacy)
    def compute_gradients(self, postprocessed_batch: Mapping) -> tuple[list[Any], dict[str, Any]]:
        """Runs ``loss`` (one per optimizer) and backward; returns ``(grads, info)``.

        Recurrent sequence padding is not done here: pass batches already shaped for the model.
        """
        batch = SampleBatch(
            {
                k: (v if k == SampleBatch.INFOS else to_tensor(v))
                for k, v in postprocessed_batch.items()
            }
        )
        batch.set_training(True)
        self.model.train()
        losses = self.loss(self.model, self.dist_class, batch)
        losses = list(losses) if isinstance(losses, (list, tuple)) else [losses]
        losses = (
            self.model.custom_loss(losses, batch) if hasattr(self.model, "custom_loss") else losses
        )
        losses = list(losses) if isinstance(losses, (list, tuple)) else [losses]
        if len(losses) != len(self._optimizers):
            raise ValueError(
                f"loss() returned {len(losses)} losses for {len(self._optimizers)} optimizers"
            )
        info: dict[str, Any] = {}
        for optimizer, loss in zip(self._optimizers, losses):
            optimizer.zero_grad()
            loss.backward(retain_graph=True)
            info.update(self.extra_grad_process(optimizer, loss))
        info.update(self.stats_fn(batch))
        grads = [
            p.grad.detach().clone() if p.grad is not None else None for p in self.model.parameters()
        ]
        fetches = self.extra_compute_grad_fetches()
        return grads, {**fetches, "learner_stats": {**fetches.get("learner_stats", {}), **info}}

    def apply_gradients(self, gradients: list[Any]) -> None:
        for param, grad in zip(self.model.parameters(), gradients):
            param.grad = grad
        for optimizer in self._optimizers:
            optimizer.step()

    def learn_on_batch(self, samples: Mapping) -> dict[str, Any]:
        """``compute_gradients`` then one step of every optimizer; returns learner fetches."""
        _, fetches = self.compute_gradients(samples)
        for optimizer in self._optimizers:
            optimizer.step()
        self.num_grad_updates += 1
        fetches["model"] = self.model.metrics() if hasattr(self.model, "metrics") else {}
        self.model.eval()
        return fetches

    # ------------------------------------------------------------------ value (PPO bootstrap)
    def _value(self, **input_dict: Any) -> float:
        """Value of one step (used for bootstrapping truncated trajectories)."""
        obs = self._prepare_obs(np.asarray(input_dict[SampleBatch.OBS])[None])
        with torch.no_grad():
            if self._is_module and isinstance(self.model, ValueFunctionAPI):
                return float(self.model.compute_values({SampleBatch.OBS: obs})[0])
            states = [
                to_tensor(np.asarray(input_dict[f"state_in_{i}"])[None])
                for i in range(self.num_state_tensors())
            ]
            self.model(
                SampleBatch({SampleBatch.OBS: obs}),
                states or self._prepare_states(None, 1),
                torch.ones(1, dtype=torch.int32),
            )
            return float(self.model.value_function()[0])
