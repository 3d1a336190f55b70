"""``Catalog``: decides which encoder and action distribution fit a pair of spaces.

A catalog reads a model config (defaults of :class:`DefaultModelConfig` under what the user
gave), picks an encoder config for the observation space and a distribution class for the
action space, and builds them on request. Modules call it from ``setup()``; algorithms
subclass it (see :class:`~rlmigrate.PPOCatalog`) to add heads.

Beyond RLlib, every common observation space has a default encoder:

=============================  =====================================================
observation space              encoder
=============================  =====================================================
1-D ``Box``                    MLP (``fcnet_*``)
3-D ``Box`` (image, HWC)       CNN (``conv_filters`` or the default for the size)
2-D ``Box``                    CNN over a 1-channel image, only if ``conv_filters`` set
``Discrete``/``MultiDiscrete`` one-hot, then MLP
``MultiBinary``, 0-D ``Box``   flatten, then MLP
``Dict``/``Tuple`` (nested)    one sub-encoder per leaf, concatenated, then MLP
any of these + ``use_lstm``    LSTM (or GRU) with the encoder above as tokenizer
=============================  =====================================================

Example:
    >>> import gymnasium as gym
    >>> cat = Catalog(gym.spaces.Box(-1, 1, (4,)), gym.spaces.Discrete(2), {"fcnet_hiddens": [8]})
    >>> cat.latent_dims
    (8,)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
import torch.nn as nn

from rlmigrate.models.configs import (
    CNNEncoderConfig,
    MLPEncoderConfig,
    ModelConfig,
    RecurrentEncoderConfig,
)
from rlmigrate.models.default_model_config import DefaultModelConfig, resolve_model_config
from rlmigrate.models.filters import get_filter_config
from rlmigrate.models.input_configs import (
    FlattenEncoderConfig,
    MultiInputEncoderConfig,
    OneHotEncoderConfig,
)
from rlmigrate.models.space_utils import leaf_spaces, path_name

if TYPE_CHECKING:
    from rlmigrate.distributions.base import Distribution

_NOT_GIVEN = object()


def _fcnet_fields(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """MLP-config fields from the ``fcnet_*`` keys: last hidden size is the latent layer."""
    hiddens = [int(h) for h in cfg["fcnet_hiddens"]]
    return {
        "hidden_layer_dims": hiddens[:-1],
        "hidden_layer_activation": cfg["fcnet_activation"],
        "hidden_layer_use_layernorm": cfg.get("fcnet_use_layernorm", False),
        "hidden_layer_weights_initializer": cfg["fcnet_kernel_initializer"],
        "hidden_layer_weights_initializer_config": cfg["fcnet_kernel_initializer_kwargs"],
        "hidden_layer_bias_initializer": cfg["fcnet_bias_initializer"],
        "hidden_layer_bias_initializer_config": cfg["fcnet_bias_initializer_kwargs"],
        "output_layer_dim": hiddens[-1] if hiddens else None,
        "output_layer_activation": cfg["fcnet_activation"],
        "output_layer_weights_initializer": cfg["fcnet_kernel_initializer"],
        "output_layer_weights_initializer_config": cfg["fcnet_kernel_initializer_kwargs"],
        "output_layer_bias_initializer": cfg["fcnet_bias_initializer"],
        "output_layer_bias_initializer_config": cfg["fcnet_bias_initializer_kwargs"],
    }


def _cnn_config(shape: tuple[int, ...], cfg: Mapping[str, Any]) -> CNNEncoderConfig:
    filters = cfg.get("conv_filters") or get_filter_config(shape)
    dims = shape if len(shape) == 3 else (*shape, 1)
    return CNNEncoderConfig(
        input_dims=list(dims),
        cnn_filter_specifiers=[list(f) for f in filters],
        cnn_activation=cfg["conv_activation"],
        cnn_kernel_initializer=cfg["conv_kernel_initializer"],
        cnn_kernel_initializer_config=cfg["conv_kernel_initializer_kwargs"],
        cnn_bias_initializer=cfg["conv_bias_initializer"],
        cnn_bias_initializer_config=cfg["conv_bias_initializer_kwargs"],
    )


def _leaf_encoder_config(space: gym.Space, cfg: Mapping[str, Any], where: str) -> ModelConfig:
    """Sub-encoder for one leaf of a multi-input observation."""
    if isinstance(space, gym.spaces.Box):
        shape = tuple(int(d) for d in space.shape)
        if len(shape) == 3:
            try:
                return _cnn_config(shape, cfg)
            except ValueError as err:
                raise ValueError(f"image observation {where}: {err}") from err
        return FlattenEncoderConfig(input_dims=list(shape))
    if isinstance(space, gym.spaces.Discrete):
        return OneHotEncoderConfig(input_dims=[], nvec=[int(space.n)], starts=[int(space.start)])
    if isinstance(space, gym.spaces.MultiDiscrete):
        nvec = np.asarray(space.nvec).reshape(-1)
        start = np.asarray(getattr(space, "start", np.zeros_like(space.nvec))).reshape(-1)
        return OneHotEncoderConfig(
            input_dims=list(space.shape), nvec=[int(n) for n in nvec], starts=[int(s) for s in start]
        )
    if isinstance(space, gym.spaces.MultiBinary):
        return FlattenEncoderConfig(input_dims=list(np.atleast_1d(space.shape)))
    raise ValueError(
        f"no default encoder for observation {where} of space {space!r}: supported leaves are "
        f"Box, Discrete, MultiDiscrete and MultiBinary (inside Dict/Tuple); write a custom "
        f"RLModule (or a custom Catalog overriding _get_encoder_config) for this space"
    )


class Catalog:
    """Picks and builds the encoder and action-distribution class for a module.

    Args:
        observation_space: the module's (single) observation space.
        action_space: the module's (single) action space.
        model_config_dict: a dict or :class:`DefaultModelConfig`; the defaults are laid
            under it, legacy keys renamed (``DeprecationWarning``), unknown keys kept.

    Override :meth:`_determine_components_hook` (calling super) to add components.
    """

    def __init__(
        self,
        observation_space: gym.Space,
        action_space: gym.Space,
        model_config_dict: DefaultModelConfig | Mapping[str, Any] | None = None,
        view_requirements: Any = _NOT_GIVEN,
    ) -> None:
        if view_requirements is not _NOT_GIVEN:
            from rlmigrate.core.deprecation import deprecated

            deprecated("Catalog(view_requirements=...)", "Catalog(observation_space, action_space, model_config_dict)")
        self.observation_space = observation_space
        self.action_space = action_space
        # Our own resolved copy: unlike RLlib we never write defaults into the caller's dict.
        self._model_config_dict = resolve_model_config(model_config_dict)
        self._latent_dims: tuple[int, ...] | None = None
        self._determine_components_hook()

    @property
    def model_config_dict(self) -> dict[str, Any]:
        """The resolved model config (defaults + user keys)."""
        return self._model_config_dict

    def _determine_components_hook(self) -> None:
        """Choose the encoder config and distribution class, and set ``latent_dims``."""
        self._encoder_config = self._get_encoder_config(
            observation_space=self.observation_space,
            model_config_dict=self._model_config_dict,
            action_space=self.action_space,
        )
        self._action_dist_class_fn = functools.partial(
            self._get_dist_cls_from_action_space, action_space=self.action_space
        )
        self.latent_dims = self._encoder_config.output_dims

    @property
    def latent_dims(self) -> tuple[int, ...]:
        """Shape of the encoder output per sample (what the heads take), e.g. ``(256,)``."""
        if self._latent_dims is None:
            raise ValueError(f"{type(self).__name__}.latent_dims is not set yet")
        return self._latent_dims

    @latent_dims.setter
    def latent_dims(self, value: tuple[int, ...]) -> None:
        self._latent_dims = tuple(int(v) for v in value)

    @property
    def encoder_config(self) -> ModelConfig:
        """The encoder config chosen for the observation space."""
        return self._encoder_config

    def build_encoder(self, framework: str = "torch") -> nn.Module:
        """Build the encoder: ``{OBS: (B, ...)} -> {ENCODER_OUT: (B, *latent_dims)}``."""
        return self._encoder_config.build(framework=framework)

    def get_action_dist_cls(self, framework: str | None = "torch") -> type[Distribution] | None:
        """The distribution class for the action space (None when ``framework`` is None)."""
        return self._action_dist_class_fn(framework=framework)

    @classmethod
    def _get_encoder_config(
        cls,
        observation_space: gym.Space,
        model_config_dict: Mapping[str, Any],
        action_space: gym.Space | None = None,
    ) -> ModelConfig:
        """Encoder config for ``observation_space`` (see the table in the module docstring).

        Raises:
            ValueError: for spaces or configs with no default, saying what to set.
        """
        cfg = resolve_model_config(model_config_dict)
        if cfg.get("use_lstm"):
            layer_type = cfg.get("recurrent_layer_type", "lstm")
            return RecurrentEncoderConfig(
                input_dims=list(observation_space.shape) if isinstance(observation_space, gym.spaces.Box) else None,
                recurrent_layer_type=layer_type,
                hidden_dim=int(cfg["lstm_cell_size"]),
                num_layers=1,
                batch_major=True,
                hidden_weights_initializer=cfg["lstm_kernel_initializer"],
                hidden_weights_initializer_config=cfg["lstm_kernel_initializer_kwargs"],
                hidden_bias_initializer=cfg["lstm_bias_initializer"],
                hidden_bias_initializer_config=cfg["lstm_bias_initializer_kwargs"],
                tokenizer_config=cls.get_tokenizer_config(observation_space, cfg),
            )
        if isinstance(observation_space, gym.spaces.Box):
            shape = tuple(int(d) for d in observation_space.shape)
            if len(shape) == 1:
                if not cfg["fcnet_hiddens"]:
                    raise ValueError(
                        f"a 1-D Box observation {shape} needs an MLP encoder: set "
                        f"model_config['fcnet_hiddens'] to at least one layer size, e.g. [64]"
                    )
                return MLPEncoderConfig(input_dims=list(shape), **_fcnet_fields(cfg))
            if len(shape) == 3:
                return _cnn_config(shape, cfg)
            if len(shape) == 2:
                if not cfg.get("conv_filters"):
                    raise ValueError(
                        f"no default encoder for a 2-D Box observation of shape {shape}: set "
                        f"model_config['conv_filters'] to treat it as a 1-channel image, or "
                        f"flatten it to 1-D (gymnasium.wrappers.FlattenObservation)"
                    )
                return _cnn_config(shape, cfg)
            if len(shape) > 3:
                raise ValueError(
                    f"no default encoder for a {len(shape)}-D Box observation of shape {shape}: "
                    f"reshape it to 1-D (MLP) or 3-D (D1, D2, channels) image, or write a custom "
                    f"RLModule"
                )
        return cls._get_multi_input_config(observation_space, cfg)

    @classmethod
    def _get_multi_input_config(
        cls, observation_space: gym.Space, cfg: Mapping[str, Any]
    ) -> MultiInputEncoderConfig:
        """Beyond RLlib: per-leaf sub-encoders, concatenated, then the ``fcnet_*`` MLP."""
        leaf_configs = {
            path_name(path): _leaf_encoder_config(
                space, cfg, f"at {path_name(path)!r}" if path else "(top level)"
            )
            for path, space in leaf_spaces(observation_space)
        }
        if not leaf_configs:
            raise ValueError(f"observation space {observation_space!r} is an empty Dict/Tuple")
        return MultiInputEncoderConfig(
            observation_space=observation_space, leaf_configs=leaf_configs, **_fcnet_fields(cfg)
        )

    @classmethod
    def get_tokenizer_config(
        cls, observation_space: gym.Space, model_config_dict: Mapping[str, Any], view_requirements: Any = None
    ) -> ModelConfig:
        """The per-timestep encoder a recurrent encoder runs first: the non-recurrent
        encoder for the same space (MLP, CNN or multi-input)."""
        return cls._get_encoder_config(observation_space, {**model_config_dict, "use_lstm": False})

    @classmethod
    def _get_dist_cls_from_action_space(
        cls, action_space: gym.Space, *, framework: str | None = None
    ) -> type[Distribution] | None:
        """Default distribution class for ``action_space`` (None when ``framework`` is None).

        Raises:
            ValueError: for action spaces without a default (message names the space).
        """
        if framework is None:
            return None
        if framework != "torch":
            raise ValueError(f"only framework='torch' is supported, got {framework!r}")
        from rlmigrate.distributions.defaults import get_default_dist_cls

        return get_default_dist_cls(action_space)
