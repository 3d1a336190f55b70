"""Legacy policy hook functions as an RLModule: :class:`LegacyHooksRLModule`.

Runs ``action_distribution_fn`` / ``action_sampler_fn`` code against a legacy ``ModelV2``;
when the legacy code samples itself, ``forward_exploration`` returns ``actions`` and
``action_logp``. ``_PolicyStandIn`` is what those functions read as ``policy`` when no real
policy is given. Built by the ``module_from_*`` functions in ``shim.adapters.constructors``;
importable from ``shim.adapters`` too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym
import torch

from rlmigrate.core.apis import ValueFunctionAPI
from rlmigrate.core.columns import Columns
from rlmigrate.core.torch_rl_module import TorchRLModule
from shim.adapters.plumbing import _LegacyModelMixin, _map, _unfold
from shim.dist_bridge import wrap_legacy_dist_class

__all__ = ["LegacyHooksRLModule"]


class _PolicyStandIn:
    """What legacy hook functions read from ``policy``: spaces, config, model, dist class."""

    def __init__(
        self,
        observation_space: gym.Space,
        action_space: gym.Space,
        config: Mapping,
        model: Any = None,
        dist_class: Any = None,
    ) -> None:
        self.observation_space = observation_space
        self.action_space = action_space
        self.config = dict(config)
        self.model = model
        self.dist_class = dist_class
        self.framework = "torch"
        self.device = torch.device("cpu")
        self.global_timestep = 0
        self.exploration = None


def _call_hook(
    fn: Callable, owner: Any, model: Any, input_dict: Any, state: list[Any], **kwargs: Any
) -> Any:
    bound = getattr(fn, "__self__", None) is not None
    args = (model,) if bound else (owner, model)
    try:
        return fn(*args, obs_batch=input_dict, state_batches=state, **kwargs)
    except TypeError as err:
        text = str(err)
        if (
            "obs_batch" not in text
            and "unexpected keyword" not in text
            and "positional" not in text
        ):
            raise
        try:
            return fn(*args, input_dict=input_dict, state_batches=state, **kwargs)
        except TypeError:
            return fn(
                *args,
                input_dict,
                state,
                **{k: v for k, v in kwargs.items() if k in ("explore", "timestep")},
            )


class LegacyHooksRLModule(_LegacyModelMixin, TorchRLModule, ValueFunctionAPI):
    """An RLModule running legacy ``action_distribution_fn`` / ``action_sampler_fn`` code.

    Built by the ``module_from_*`` functions (not from a config). When the sampler returns
    actions, ``forward_exploration``/``forward_inference`` return ``actions`` (+ ``action_logp``);
    otherwise ``action_dist_inputs`` with the distribution class the legacy code chose.
    """

    def setup(self) -> None:
        hooks = self.model_config
        self.legacy_model = hooks["model"]
        self._owner = hooks["owner"]
        self._sampler = hooks.get("action_sampler_fn")
        self._dist_fn = hooks.get("action_distribution_fn")
        self._raw_obs_space = self.observation_space
        dist_cls = hooks.get("dist_class")
        self.legacy_dist_class = dist_cls
        self.action_dist_cls = wrap_legacy_dist_class(dist_cls) if dist_cls is not None else None
        self._last_obs: Any = None
        self._last_shape: tuple[int, int] | None = None

    def _run(
        self, batch: dict[str, Any], explore: bool, t: Any, is_training: bool
    ) -> dict[str, Any]:
        input_dict, state, seq_lens, shape = self._fold(batch)
        self._last_obs, self._last_shape = batch[Columns.OBS], shape
        timestep = int(t) if t is not None else 0
        out: dict[str, Any] = {}
        if self._sampler is not None and not (is_training and self._dist_fn is not None):
            result = _call_hook(
                self._sampler,
                self._owner,
                self.legacy_model,
                input_dict,
                state,
                explore=explore,
                timestep=timestep,
            )
            actions, logp, dist_inputs, state_out = (tuple(result) + (None, None))[:4]
            out[Columns.ACTIONS] = _map(lambda x: _unfold(torch.as_tensor(x), shape), actions)
            if logp is not None:
                out[Columns.ACTION_LOGP] = _unfold(torch.as_tensor(logp), shape)
            if dist_inputs is not None:
                out[Columns.ACTION_DIST_INPUTS] = _unfold(dist_inputs, shape)
        elif self._dist_fn is not None:
            dist_inputs, dist_class, state_out = _call_hook(
                self._dist_fn,
                self._owner,
                self.legacy_model,
                input_dict,
                state,
                seq_lens=seq_lens,
                explore=explore,
                timestep=timestep,
                is_training=is_training,
            )
            if dist_class is not None and dist_class is not self.legacy_dist_class:
                self.legacy_dist_class = dist_class
                self.action_dist_cls = wrap_legacy_dist_class(dist_class)
            out[Columns.ACTION_DIST_INPUTS] = _unfold(dist_inputs, shape)
        else:
            logits, state_out = self.legacy_model(input_dict, state, seq_lens)
            out[Columns.ACTION_DIST_INPUTS] = _unfold(logits, shape)
        if shape is not None:
            out[Columns.STATE_OUT] = {str(i): s for i, s in enumerate(state_out or [])}
        return out

    def _forward_inference(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._run(batch, explore=False, t=kwargs.get("t"), is_training=False)

    def _forward_exploration(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._run(batch, explore=True, t=kwargs.get("t"), is_training=False)

    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._run(batch, explore=True, t=kwargs.get("t"), is_training=True)

    def get_inference_action_dist_cls(self) -> Any:
        return self.action_dist_cls

    get_exploration_action_dist_cls = get_train_action_dist_cls = get_inference_action_dist_cls

    def compute_values(self, batch: dict[str, Any], embeddings: Any = None) -> torch.Tensor:
        if batch.get(Columns.OBS) is not self._last_obs:
            input_dict, state, seq_lens, shape = self._fold(batch)
            self.legacy_model(input_dict, state, seq_lens)
            self._last_obs, self._last_shape = batch[Columns.OBS], shape
        return _unfold(self.legacy_model.value_function(), self._last_shape)

    def get_initial_state(self) -> dict[str, Any]:
        return {
            str(i): torch.as_tensor(s) for i, s in enumerate(self.legacy_model.get_initial_state())
        }

    def get_ctor_args_and_kwargs(self) -> tuple[tuple, dict]:
        raise ValueError(
            "LegacyHooksRLModule holds live legacy functions; checkpoint its weights with get_state()"
        )
