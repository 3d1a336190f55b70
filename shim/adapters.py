"""Adapters: legacy model/policy code as RLModules, so call sites can move first.

* :class:`ModelV2RLModule` wraps a legacy ``ModelV2`` (a class via the model config, or an
  instance via :meth:`ModelV2RLModule.from_model`): ``forward`` -> ``action_dist_inputs``,
  ``value_function()`` -> ``compute_values``, the state list <-> a state dict keyed
  ``"0", "1", ...``, ``(B, T, ...)`` sequences for recurrent models, and the legacy
  distribution class mapped to its new-stack twin (or wrapped when there is none).
  ``get_state()`` keys are the legacy ``get_weights()`` keys.
* :class:`LegacyHooksRLModule` runs ``action_distribution_fn`` / ``action_sampler_fn`` code;
  when the legacy code samples itself, ``forward_exploration`` returns ``actions`` and
  ``action_logp``.
* ``module_from_make_model``, ``module_from_make_model_and_action_dist``,
  ``module_from_action_distribution_fn``, ``module_from_action_sampler_fn`` and
  ``module_from_policy`` build those from legacy functions or a ``TorchPolicyV2``.

This module holds :class:`ModelV2RLModule` and the batch plumbing both adapters share;
:class:`LegacyHooksRLModule` lives in ``shim.adapter_hooks`` and the ``module_from_*``
constructors in ``shim.adapter_constructors`` (all importable from here, resolved lazily).

Example:
    >>> module = ModelV2RLModule(observation_space=obs_space, action_space=act_space,
    ...                          model_config={"custom_model": "my_model"})   # doctest: +SKIP
    >>> out = module.forward_inference({"obs": obs})     # {"action_dist_inputs": (B, W)}
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import torch

from rlmigrate.core.apis import ValueFunctionAPI
from rlmigrate.core.columns import Columns
from rlmigrate.core.torch_rl_module import TorchRLModule
from shim.dist_bridge import legacy_to_new_stack
from shim.models.catalog import ModelCatalog
from shim.models.model_defaults import merge_model_config
from shim.models.modelv2 import ModelV2
from shim.models.preprocessors import flatten_to_tensor, get_preprocessor, needs_flattening
from shim.policy.sample_batch import SampleBatch

if TYPE_CHECKING:
    from shim.adapter_constructors import (
        module_from_action_distribution_fn,
        module_from_action_sampler_fn,
        module_from_make_model,
        module_from_make_model_and_action_dist,
        module_from_policy,
    )
    from shim.adapter_hooks import LegacyHooksRLModule

__all__ = [
    "ModelV2RLModule",
    "LegacyHooksRLModule",
    "module_from_make_model",
    "module_from_make_model_and_action_dist",
    "module_from_action_distribution_fn",
    "module_from_action_sampler_fn",
    "module_from_policy",
]

_MODEL_PREFIX = "model."


def _flattened_space(space: gym.Space, model_config: Mapping) -> gym.Space:
    if needs_flattening(space):
        return get_preprocessor(space)(space, dict(model_config)).observation_space
    return space


class _LegacyModelMixin:
    """Shared plumbing: calling a ModelV2 on RLModule batches (flattening, time folding)."""

    legacy_model: ModelV2
    _raw_obs_space: gym.Space

    def _fold(
        self, batch: Mapping[str, Any]
    ) -> tuple[SampleBatch, list[Any], Any, tuple[int, int] | None]:
        """RLModule batch -> (legacy input dict, state list, seq_lens, (B, T) or None)."""
        obs = batch[Columns.OBS]
        stateful = Columns.STATE_IN in batch
        shape = None
        if stateful:
            lead = _first_leaf(obs)
            shape = (int(lead.shape[0]), int(lead.shape[1]))
            obs = _map(lambda x: x.reshape((shape[0] * shape[1],) + tuple(x.shape[2:])), obs)
        if needs_flattening(self._raw_obs_space):
            obs = flatten_to_tensor(obs, self._raw_obs_space)
        input_dict = SampleBatch({SampleBatch.OBS: obs, "is_training": False})
        for key in (SampleBatch.PREV_ACTIONS, SampleBatch.PREV_REWARDS):
            if key in batch:
                value = batch[key]
                input_dict[key] = (
                    value.reshape((-1,) + tuple(value.shape[2:])) if stateful else value
                )
        state: list[Any] = []
        seq_lens = None
        if stateful:
            from shim.policy.state_layout import state_to_list

            state = state_to_list(batch[Columns.STATE_IN])
            seq_lens = torch.full((shape[0],), shape[1], dtype=torch.int32)
        return input_dict, state, seq_lens, shape


def _first_leaf(value: Any) -> torch.Tensor:
    while isinstance(value, (Mapping, tuple, list)):
        value = next(iter(value.values())) if isinstance(value, Mapping) else value[0]
    return value


def _map(fn: Callable[[Any], Any], value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _map(fn, v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_map(fn, v) for v in value)
    return fn(value)


def _unfold(value: torch.Tensor, shape: tuple[int, int] | None) -> torch.Tensor:
    if shape is None:
        return value
    return value.reshape(shape + tuple(value.shape[1:]))


class ModelV2RLModule(_LegacyModelMixin, TorchRLModule, ValueFunctionAPI):
    """An RLModule that computes with a legacy ModelV2.

    ``model_config`` is the legacy model config (``custom_model``, ``fcnet_hiddens``,
    ``use_lstm``, ``custom_action_dist``...; ``MODEL_DEFAULTS`` merged). Observations come in
    raw (Dict/Tuple/Discrete are flattened for the model). Outputs:
    ``{"action_dist_inputs": (B, W)}`` (``(B, T, W)`` + ``"state_out"`` when recurrent).
    """

    def setup(self) -> None:
        instance = (
            self.model_config.get("_legacy_model")
            if isinstance(self.model_config, Mapping)
            else None
        )
        legacy_config = merge_model_config(
            {
                k: v
                for k, v in dict(self.model_config).items()
                if k != "_legacy_model" and k != "_legacy_dist_class"
            }
        )
        self._raw_obs_space = self.observation_space
        if instance is None:
            dist_cls, num_outputs = ModelCatalog.get_action_dist(self.action_space, legacy_config)
            instance = ModelCatalog.get_model_v2(
                _flattened_space(self.observation_space, legacy_config),
                self.action_space,
                num_outputs,
                legacy_config,
                framework="torch",
            )
        else:
            dist_cls = self.model_config.get("_legacy_dist_class")
            if dist_cls is None:
                dist_cls, _ = ModelCatalog.get_action_dist(self.action_space, legacy_config)
            legacy_obs = getattr(instance, "obs_space", self.observation_space)
            if getattr(legacy_obs, "original_space", None) is None and needs_flattening(
                self.observation_space
            ):
                raise ValueError(
                    f"legacy model {type(instance).__name__} was built for {legacy_obs}, but the module's "
                    f"observation space {self.observation_space} needs flattening; build the model on "
                    "ModelCatalog.get_preprocessor_for_space(space).observation_space"
                )
        if not isinstance(instance, ModelV2) or not isinstance(instance, torch.nn.Module):
            raise ValueError(
                f"ModelV2RLModule needs a torch ModelV2 (TorchModelV2 + nn.Module), got {type(instance).__name__}"
            )
        self.legacy_model = instance
        self.legacy_dist_class = dist_cls
        self.action_dist_cls = legacy_to_new_stack(
            dist_cls, self.action_space, getattr(instance, "num_outputs", None)
        )
        self._last_obs: Any = None
        self._last_shape: tuple[int, int] | None = None

    @classmethod
    def from_model(
        cls, model: ModelV2, dist_class: Any = None, *, observation_space: gym.Space | None = None
    ) -> ModelV2RLModule:
        """Wraps an existing ModelV2 instance (its weights are kept)."""
        space = observation_space or getattr(model.obs_space, "original_space", model.obs_space)
        config = dict(model.model_config or {})
        config["_legacy_model"] = model
        config["_legacy_dist_class"] = dist_class
        return cls(observation_space=space, action_space=model.action_space, model_config=config)

    # ------------------------------------------------------------------ forward
    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        input_dict, state, seq_lens, shape = self._fold(batch)
        logits, state_out = self.legacy_model(input_dict, state, seq_lens)
        self._last_obs = batch[Columns.OBS]
        self._last_shape = shape
        out: dict[str, Any] = {Columns.ACTION_DIST_INPUTS: _unfold(logits, shape)}
        if shape is not None:
            out[Columns.STATE_OUT] = {str(i): s for i, s in enumerate(state_out)}
        return out

    def compute_values(self, batch: dict[str, Any], embeddings: Any = None) -> torch.Tensor:
        """``(B,)`` (``(B, T)`` if recurrent) from ``value_function()``; reuses the last forward
        pass when ``batch`` holds the same observation tensor, else runs the model first."""
        if batch.get(Columns.OBS) is not self._last_obs:
            self._forward(batch)
        return _unfold(self.legacy_model.value_function(), self._last_shape)

    # ------------------------------------------------------------------ state
    def get_initial_state(self) -> dict[str, Any]:
        return {
            str(i): torch.as_tensor(s) for i, s in enumerate(self.legacy_model.get_initial_state())
        }

    def get_state(
        self,
        components: Any = None,
        *,
        not_components: Any = None,
        inference_only: bool = False,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The legacy ``get_weights()`` dict (no ``legacy_model.`` prefix)."""
        state = super().get_state(
            components, not_components=not_components, inference_only=inference_only
        )
        prefix = "legacy_" + _MODEL_PREFIX
        return {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}

    def set_state(self, state: dict[str, Any]) -> None:
        """Loads legacy ``get_weights()`` keys (prefixed keys are accepted too)."""
        prefix = "legacy_" + _MODEL_PREFIX
        super().set_state(
            {(k if k.startswith(prefix) else prefix + k): v for k, v in state.items()}
        )

    def get_ctor_args_and_kwargs(self) -> tuple[tuple, dict]:
        args, kwargs = super().get_ctor_args_and_kwargs()
        config = dict(kwargs.get("model_config") or {})
        if config.get("_legacy_model") is not None:
            raise ValueError(
                "ModelV2RLModule.from_model() wraps a live model object that cannot be stored; "
                "build it from the model config (custom_model name) to checkpoint it"
            )
        config.pop("_legacy_model", None)
        config.pop("_legacy_dist_class", None)
        kwargs["model_config"] = config
        return args, kwargs



# ---------------------------------------------------------------------- lazy re-exports
#: Names defined in the modules split off this one (they import it, so resolve them lazily).
_MOVED = {
    "LegacyHooksRLModule": "shim.adapter_hooks",
    "module_from_make_model": "shim.adapter_constructors",
    "module_from_make_model_and_action_dist": "shim.adapter_constructors",
    "module_from_action_distribution_fn": "shim.adapter_constructors",
    "module_from_action_sampler_fn": "shim.adapter_constructors",
    "module_from_policy": "shim.adapter_constructors",
}


def __getattr__(name: str) -> Any:
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module 'shim.adapters' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
