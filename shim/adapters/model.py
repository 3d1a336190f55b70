"""``ModelV2RLModule``: an RLModule that computes with a legacy ModelV2 (see ``shim.adapters``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import torch

from rlmigrate.core.apis import ValueFunctionAPI
from rlmigrate.core.columns import Columns
from rlmigrate.core.torch_rl_module import TorchRLModule
from shim.adapters.plumbing import _MODEL_PREFIX, _flattened_space, _LegacyModelMixin, _unfold
from shim.dist_bridge import legacy_to_new_stack
from shim.models.catalog import ModelCatalog
from shim.models.model_defaults import merge_model_config
from shim.models.modelv2 import ModelV2
from shim.models.preprocessors import needs_flattening

__all__ = ["ModelV2RLModule"]


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
