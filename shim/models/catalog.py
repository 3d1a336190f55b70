"""``ModelCatalog``: the legacy registry and factory for models, distributions, preprocessors.

Custom models and action distributions are registered under a name and referenced from the
model config (``custom_model``, ``custom_action_dist``); otherwise the catalog picks the
default legacy model for the observation space and the default distribution for the action
space, exactly as RLlib 2.10 did (torch only).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import gymnasium as gym
import numpy as np

from rlmigrate.core.nest import flatten_space
from shim.models.action_dist import (
    ActionDistribution,
    TorchCategorical,
    TorchDeterministic,
    TorchDiagGaussian,
    TorchDirichlet,
    TorchMultiActionDistribution,
    TorchMultiCategorical,
)
from shim.models.attention_net import AttentionWrapper
from shim.models.complex_input_net import ComplexInputNetwork
from shim.models.fcnet import FullyConnectedNetwork
from shim.models.lstm_wrapper import LSTMWrapper
from shim.models.model_defaults import MODEL_DEFAULTS
from shim.models.modelv2 import ModelV2
from shim.models.preprocessors import Preprocessor, get_preprocessor
from shim.models.visionnet import VisionNetwork
from shim.placeholders import is_placeholder
from shim.spaces import Simplex

logger = logging.getLogger(__name__)

__all__ = ["ModelCatalog", "MODEL_DEFAULTS", "UnsupportedSpaceException"]

_CUSTOM_MODELS: dict[str, type] = {}
_CUSTOM_ACTION_DISTS: dict[str, type] = {}


class UnsupportedSpaceException(Exception):
    """The action or observation space has no legacy default for it."""


def _check_framework(framework: str | None) -> None:
    if framework not in (None, "torch"):
        raise ValueError(
            f"The shim runs legacy models on torch only; got framework={framework!r}. "
            "Pass framework='torch' (TensorFlow models must be ported to torch first)"
        )


def _import_dotted(path: str) -> Any:
    """A dotted ``custom_model`` path, through the one allow-list resolver.

    Inside a checkpoint load (:func:`rlmigrate.core.class_resolver.checkpoint_imports`) only
    registered names, already-imported modules and allowed prefixes resolve, so a name read
    from a checkpoint never imports a module; a caller's own config imports as RLlib did.
    """
    from rlmigrate.core.class_resolver import resolve_class

    return resolve_class(path, base=object, what="config.model.custom_model", registry=_CUSTOM_MODELS)


class ModelCatalog:
    """Static registry/factory (never instantiated), as in RLlib."""

    # ------------------------------------------------------------------ registry
    @staticmethod
    def register_custom_model(model_name: str, model_class: type) -> None:
        """Registers ``model_class`` (a ModelV2 subclass) as ``model_config["custom_model"]=model_name``."""
        if not isinstance(model_name, str) or not model_name:
            raise ValueError(
                f"register_custom_model: name must be a non-empty str, got {model_name!r}"
            )
        _CUSTOM_MODELS[model_name] = model_class

    @staticmethod
    def register_custom_action_dist(action_dist_name: str, action_dist_class: type) -> None:
        """Registers a legacy ``ActionDistribution`` class under ``custom_action_dist``."""
        if not isinstance(action_dist_name, str) or not action_dist_name:
            raise ValueError(
                f"register_custom_action_dist: name must be a non-empty str, got {action_dist_name!r}"
            )
        _CUSTOM_ACTION_DISTS[action_dist_name] = action_dist_class

    @staticmethod
    def registered_models() -> dict[str, type]:
        """A copy of the custom-model registry (shim addition, for diagnostics)."""
        return dict(_CUSTOM_MODELS)

    @staticmethod
    def registered_action_dists() -> dict[str, type]:
        """A copy of the custom-action-distribution registry (shim addition)."""
        return dict(_CUSTOM_ACTION_DISTS)

    @staticmethod
    def register_custom_preprocessor(preprocessor_name: str, preprocessor_class: type) -> None:
        raise NotImplementedError(
            "Custom preprocessors were deprecated in RLlib; use a gymnasium ObservationWrapper"
        )

    # ------------------------------------------------------------------ distributions
    @staticmethod
    def get_action_dist(
        action_space: gym.Space,
        config: dict | None,
        dist_type: Any = None,
        framework: str | None = "torch",
        **kwargs: Any,
    ) -> tuple[Any, int]:
        """The legacy distribution class (or partial) for ``action_space`` and its input width.

        Returns:
            ``(dist_class, required model output width)``.

        Raises:
            ValueError: unknown ``custom_action_dist`` (lists the registered names).
            UnsupportedSpaceException: float Box actions with more than one dimension.
        """
        _check_framework(framework)
        config = config or MODEL_DEFAULTS
        custom = config.get("custom_action_dist")
        if custom:
            rest = dict(config)
            rest.pop("custom_action_dist")
            if isinstance(custom, type):
                dist_cls = custom
            elif custom in _CUSTOM_ACTION_DISTS:
                dist_cls = _CUSTOM_ACTION_DISTS[custom]
            else:
                raise ValueError(
                    f"Unknown custom_action_dist {custom!r}; registered: {sorted(_CUSTOM_ACTION_DISTS)} "
                    "(register it with ModelCatalog.register_custom_action_dist)"
                )
            return ModelCatalog._get_multi_action_distribution(
                dist_cls, action_space, rest, framework
            )
        if (
            isinstance(dist_type, type)
            and issubclass(dist_type, ActionDistribution)
            and dist_type is not TorchMultiActionDistribution
        ):
            dist_cls = dist_type
        elif isinstance(action_space, gym.spaces.Box):
            if np.issubdtype(action_space.dtype, np.integer):
                low, high = int(np.min(action_space.low)), int(np.max(action_space.high))
                num_cats = int(np.prod(action_space.shape))
                lens = [high - low + 1] * num_cats
                return (
                    functools.partial(
                        TorchMultiCategorical, input_lens=lens, action_space=action_space
                    ),
                    num_cats * (high - low + 1),
                )
            if len(action_space.shape) > 1:
                raise UnsupportedSpaceException(
                    f"Action space {action_space} has shape {action_space.shape}; the legacy "
                    "distributions need a 1-D Box. Reshape it, use a Tuple action space, or a "
                    "custom action distribution"
                )
            if dist_type is None:
                return (
                    functools.partial(TorchDiagGaussian, action_space=action_space),
                    TorchDiagGaussian.required_model_output_shape(action_space, config),
                )
            if dist_type == "deterministic":
                dist_cls = TorchDeterministic
            else:
                raise ValueError(f"Unknown dist_type {dist_type!r} for {action_space}")
        elif isinstance(action_space, gym.spaces.Discrete):
            dist_cls = TorchCategorical
        elif isinstance(action_space, Simplex):  # RLlib's probability-simplex actions
            dist_cls = TorchDirichlet
        elif dist_type is TorchMultiActionDistribution or isinstance(
            action_space, (gym.spaces.Tuple, gym.spaces.Dict)
        ):
            return ModelCatalog._get_multi_action_distribution(
                TorchMultiActionDistribution, action_space, config, framework
            )
        elif isinstance(action_space, Simplex):  # an allocation over the simplex
            dist_cls = TorchDirichlet
        elif isinstance(action_space, gym.spaces.MultiDiscrete):
            return (
                functools.partial(TorchMultiCategorical, input_lens=list(action_space.nvec)),
                int(np.sum(action_space.nvec)),
            )
        else:
            raise NotImplementedError(
                f"No legacy action distribution for {action_space} (dist_type={dist_type!r})"
            )
        return dist_cls, int(dist_cls.required_model_output_shape(action_space, config))

    @staticmethod
    def _get_multi_action_distribution(
        dist_class: type, action_space: gym.Space, config: dict, framework: str | None
    ) -> tuple[Any, int]:
        if isinstance(dist_class, type) and issubclass(dist_class, TorchMultiActionDistribution):
            children = [
                ModelCatalog.get_action_dist(s, config, framework=framework)
                for s in flatten_space(action_space)
            ]
            input_lens = [int(width) for _, width in children]
            return (
                functools.partial(
                    dist_class,
                    action_space=action_space,
                    child_distributions=[cls for cls, _ in children],
                    input_lens=input_lens,
                ),
                int(sum(input_lens)),
            )
        return dist_class, int(np.sum(dist_class.required_model_output_shape(action_space, config)))

    @staticmethod
    def get_action_shape(action_space: gym.Space, framework: str = "torch") -> tuple[Any, tuple]:
        """``(dtype, shape)`` of a batch of actions (``None`` batch dim), as RLlib reported it."""
        if isinstance(action_space, gym.spaces.Discrete):
            return action_space.dtype, (None,)
        if isinstance(action_space, gym.spaces.Box):
            return np.float32, (None,) + tuple(action_space.shape)
        if isinstance(action_space, gym.spaces.MultiDiscrete):
            return action_space.dtype, (None,) + tuple(action_space.shape)
        if isinstance(action_space, (gym.spaces.Tuple, gym.spaces.Dict)):
            size = 0
            all_discrete = True
            for leaf in flatten_space(action_space):
                if isinstance(leaf, gym.spaces.Discrete):
                    size += 1
                else:
                    all_discrete = False
                    size += int(np.prod(leaf.shape))
            return (np.int64 if all_discrete else np.float32), (None, size)
        raise NotImplementedError(f"Action space {action_space} not supported")

    # ------------------------------------------------------------------ models
    @staticmethod
    def get_model_v2(
        obs_space: gym.Space,
        action_space: gym.Space,
        num_outputs: int | None,
        model_config: dict,
        framework: str | None = "torch",
        name: str = "default_model",
        model_interface: type | None = None,
        default_model: type | None = None,
        **model_kwargs: Any,
    ) -> ModelV2:
        """Builds the legacy model for ``model_config``.

        ``custom_model`` may be a class, a registered name, or a dotted import path; its
        ``custom_model_config`` entries arrive as constructor kwargs. ``use_lstm`` wraps the
        model in ``LSTMWrapper``. Without a custom model the default for the observation space
        is used (FC for flat spaces, vision for 3-D images, complex-input for Dict/Tuple with
        images).

        Raises:
            ValueError: unknown ``custom_model`` name (lists registered names), a class that
                is not a ModelV2, or both ``use_lstm`` and ``use_attention``.
        """
        _check_framework(framework)
        ModelCatalog._validate_config(model_config)
        custom = model_config.get("custom_model")
        if custom:
            kwargs = dict(model_kwargs, **(model_config.get("custom_model_config") or {}))
            if isinstance(custom, type):
                model_cls = custom
            elif isinstance(custom, str) and custom in _CUSTOM_MODELS:
                model_cls = _CUSTOM_MODELS[custom]
            elif isinstance(custom, str) and "." in custom:
                model_cls = _import_dotted(custom)
            else:
                raise ValueError(
                    f"Unknown custom_model {custom!r}; registered: {sorted(_CUSTOM_MODELS)} "
                    "(register it with ModelCatalog.register_custom_model, or pass the class "
                    "or a dotted import path)"
                )
            if is_placeholder(model_cls):  # a TF / training-side Ray class: its own error
                model_cls(obs_space, action_space, num_outputs, model_config, name)
            if not (isinstance(model_cls, type) and issubclass(model_cls, ModelV2)):
                raise ValueError(f"custom_model must be a ModelV2 subclass, got {model_cls!r}")
            model_cls = ModelCatalog._wrap_if_needed(model_cls, model_interface)
            model_cls = ModelCatalog._wrap_recurrent(model_cls, model_config)
            try:
                return model_cls(obs_space, action_space, num_outputs, model_config, name, **kwargs)
            except TypeError as err:
                if "__init__() got an unexpected" not in str(err):
                    raise
                logger.warning(
                    "Custom ModelV2 %s should accept its custom_model_config entries as **kwargs",
                    model_cls.__name__,
                )
                return model_cls(
                    obs_space, action_space, num_outputs, model_config, name, **model_kwargs
                )

        v2_class = default_model or ModelCatalog._get_v2_model_class(
            obs_space, model_config, framework
        )
        v2_class = ModelCatalog._wrap_recurrent(v2_class, model_config)
        v2_class = ModelCatalog._wrap_if_needed(v2_class, model_interface)
        return v2_class(obs_space, action_space, num_outputs, model_config, name, **model_kwargs)

    @staticmethod
    def _wrap_recurrent(model_cls: type, model_config: dict) -> type:
        if model_config.get("use_attention"):
            interface: type = AttentionWrapper
        elif model_config.get("use_lstm"):
            interface = LSTMWrapper
        else:
            return model_cls
        forward = model_cls.forward
        wrapped = ModelCatalog._wrap_if_needed(model_cls, interface)
        wrapped._wrapped_forward = forward
        return wrapped

    @staticmethod
    def _wrap_if_needed(model_cls: type, model_interface: type | None) -> type:
        """``class <Model>_as_<Interface>(Interface, Model)`` unless already a subclass."""
        if not model_interface or issubclass(model_cls, model_interface):
            return model_cls
        name = f"{model_cls.__name__}_as_{model_interface.__name__}"
        wrapper = type(name, (model_interface, model_cls), {"__module__": model_cls.__module__})
        wrapper.__qualname__ = name
        return wrapper

    @staticmethod
    def _get_v2_model_class(
        input_space: gym.Space, model_config: dict, framework: str | None = "torch"
    ) -> type:
        original = getattr(input_space, "original_space", input_space)
        if isinstance(original, (gym.spaces.Tuple, gym.spaces.Dict)):
            if any(
                isinstance(s, gym.spaces.Box) and len(s.shape) >= 2 for s in flatten_space(original)
            ):
                return ComplexInputNetwork
        if isinstance(input_space, (gym.spaces.Discrete, gym.spaces.MultiDiscrete)):
            return FullyConnectedNetwork
        if isinstance(input_space, (gym.spaces.Tuple, gym.spaces.Dict)):
            raise ValueError(
                f"Observation space {input_space} must be flattened first (use "
                "ModelCatalog.get_preprocessor_for_space(space).observation_space)"
            )
        if len(input_space.shape) in (1, 2):
            return FullyConnectedNetwork
        return VisionNetwork

    @staticmethod
    def _validate_config(config: dict) -> None:
        if config.get("use_lstm") and config.get("use_attention"):
            raise ValueError(
                "Only one of use_lstm and use_attention may be True in the model config"
            )
        if config.get("custom_preprocessor"):
            raise NotImplementedError(
                "custom_preprocessor is not supported by the shim; use a gymnasium ObservationWrapper"
            )

    # ------------------------------------------------------------------ preprocessors
    @staticmethod
    def get_preprocessor(
        env: gym.Env, options: dict | None = None, include_multi_binary: bool = False
    ) -> Preprocessor:
        """The preprocessor instance for ``env.observation_space``."""
        return ModelCatalog.get_preprocessor_for_space(
            env.observation_space, options, include_multi_binary
        )

    @staticmethod
    def get_preprocessor_for_space(
        observation_space: gym.Space,
        options: dict | None = None,
        include_multi_binary: bool = False,
    ) -> Preprocessor:
        """The preprocessor instance for ``observation_space`` (one-hot, flattening or no-op)."""
        options = options or MODEL_DEFAULTS
        cls = get_preprocessor(observation_space, include_multi_binary=include_multi_binary)
        return cls(observation_space, options)
