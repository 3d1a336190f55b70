"""Model configs: dataclasses that say what to build, with ``build()`` and ``output_dims``.

Names, fields and defaults follow RLlib's ``ray.rllib.core.models.configs`` (2.40), so a
custom catalog written for RLlib ports unchanged. A config checks itself when built (or
when ``output_dims`` is read) and raises a ``ValueError`` that says which field to set.

Example:
    >>> cfg = MLPEncoderConfig(input_dims=[4], hidden_layer_dims=[8], output_layer_dim=2)
    >>> cfg.output_dims
    (2,)
    >>> encoder = cfg.build(framework="torch")
"""

from __future__ import annotations

import abc
import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import torch.nn as nn

from rlmigrate.models.torch.primitives import cnn_output_dims

Initializer = str | Callable[..., Any] | None


def _check_framework(config: ModelConfig, framework: str) -> None:
    if framework != "torch":
        raise ValueError(
            f"{type(config).__name__}.build(framework={framework!r}): only framework='torch' "
            f"is supported by rlmigrate"
        )


@dataclasses.dataclass
class ModelConfig(abc.ABC):
    """Base of every model config.

    Attributes:
        input_dims: shape of one input sample (no batch dim).
        always_check_shapes: kept for RLlib compatibility (torch modules here always check).
    """

    input_dims: Sequence[int] | None = None
    always_check_shapes: bool = False

    @property
    @abc.abstractmethod
    def output_dims(self) -> tuple[int, ...]:
        """Shape of one output sample (no batch or time dim)."""

    @abc.abstractmethod
    def build(self, framework: str = "torch") -> nn.Module:
        """Build the torch module this config describes."""


@dataclasses.dataclass
class _MLPConfig(ModelConfig):
    """Shared fields of MLP encoders and heads (see RLLIB_REFERENCE §1.10)."""

    hidden_layer_dims: Sequence[int] = (256, 256)
    hidden_layer_use_bias: bool = True
    hidden_layer_activation: str | Callable[..., Any] | None = "relu"
    hidden_layer_use_layernorm: bool = False
    hidden_layer_weights_initializer: Initializer = None
    hidden_layer_weights_initializer_config: dict | None = None
    hidden_layer_bias_initializer: Initializer = None
    hidden_layer_bias_initializer_config: dict | None = None
    output_layer_dim: int | None = None
    output_layer_use_bias: bool = True
    output_layer_activation: str | Callable[..., Any] | None = "linear"
    output_layer_weights_initializer: Initializer = None
    output_layer_weights_initializer_config: dict | None = None
    output_layer_bias_initializer: Initializer = None
    output_layer_bias_initializer_config: dict | None = None
    clip_log_std: bool = False
    log_std_clip_param: float = 20.0

    @property
    def output_dims(self) -> tuple[int, ...]:
        if self.output_layer_dim is None and not self.hidden_layer_dims:
            raise ValueError(
                f"{type(self).__name__}: set output_layer_dim or a non-empty hidden_layer_dims "
                f"(both are empty, so the output size is undefined)"
            )
        return (int(self.output_layer_dim or self.hidden_layer_dims[-1]),)

    def _validate(self) -> None:
        if self.input_dims is None or len(self.input_dims) != 1:
            raise ValueError(
                f"{type(self).__name__}.input_dims must be 1-D like [n], got {self.input_dims!r}"
            )
        _ = self.output_dims

    def mlp_kwargs(self, output_dim: int | None = None) -> dict[str, Any]:
        """Keyword arguments for :class:`~rlmigrate.models.torch.primitives.TorchMLP`."""
        return {
            "input_dim": int(self.input_dims[0]),  # type: ignore[index]
            "hidden_layer_dims": list(self.hidden_layer_dims),
            "hidden_layer_activation": self.hidden_layer_activation,
            "hidden_layer_use_bias": self.hidden_layer_use_bias,
            "hidden_layer_use_layernorm": self.hidden_layer_use_layernorm,
            "hidden_layer_weights_initializer": self.hidden_layer_weights_initializer,
            "hidden_layer_weights_initializer_config": self.hidden_layer_weights_initializer_config,
            "hidden_layer_bias_initializer": self.hidden_layer_bias_initializer,
            "hidden_layer_bias_initializer_config": self.hidden_layer_bias_initializer_config,
            "output_dim": self.output_layer_dim if output_dim is None else output_dim,
            "output_use_bias": self.output_layer_use_bias,
            "output_activation": self.output_layer_activation,
            "output_weights_initializer": self.output_layer_weights_initializer,
            "output_weights_initializer_config": self.output_layer_weights_initializer_config,
            "output_bias_initializer": self.output_layer_bias_initializer,
            "output_bias_initializer_config": self.output_layer_bias_initializer_config,
        }


@dataclasses.dataclass
class MLPHeadConfig(_MLPConfig):
    """An MLP head ``(B, [T,] latent) -> (B, [T,] out)``; optionally clips the log-std half.

    Example:
        >>> MLPHeadConfig(input_dims=[8], hidden_layer_dims=[], output_layer_dim=3).output_dims
        (3,)
    """

    def build(self, framework: str = "torch") -> nn.Module:
        _check_framework(self, framework)
        self._validate()
        from rlmigrate.models.torch.heads import TorchMLPHead

        return TorchMLPHead(self)


@dataclasses.dataclass
class FreeLogStdMLPHeadConfig(_MLPConfig):
    """A Gaussian head whose log-stds are free parameters, not network outputs.

    ``output_layer_dim`` is the full ``2 * A`` (means ++ log-stds); the net computes the
    ``A`` means and a learned ``log_std`` vector of size ``A`` is appended.
    """

    def _validate(self) -> None:
        super()._validate()
        if self.output_dims[0] % 2:
            raise ValueError(
                f"FreeLogStdMLPHeadConfig needs an even output size (means ++ log-stds), got "
                f"{self.output_dims[0]}: free_log_std only works with a Gaussian action "
                f"distribution whose inputs are 2 * action_dim"
            )

    def build(self, framework: str = "torch") -> nn.Module:
        _check_framework(self, framework)
        self._validate()
        from rlmigrate.models.torch.heads import TorchFreeLogStdMLPHead

        return TorchFreeLogStdMLPHead(self)


@dataclasses.dataclass
class MLPEncoderConfig(_MLPConfig):
    """MLP encoder ``{OBS: (B, n)} -> {ENCODER_OUT: (B, latent)}`` for 1-D Box observations."""

    def build(self, framework: str = "torch") -> nn.Module:
        _check_framework(self, framework)
        self._validate()
        from rlmigrate.models.torch.encoders import TorchMLPEncoder

        return TorchMLPEncoder(self)


@dataclasses.dataclass
class CNNEncoderConfig(ModelConfig):
    """CNN encoder for channels-last images ``(B, D1, D2, C)``.

    Attributes:
        cnn_filter_specifiers: ``[[out_channels, kernel, stride(, padding)], ...]``;
            padding ``"same"`` (default) or ``"valid"``.
        flatten_at_end: flatten the last feature map to ``(B, D1' * D2' * C')``.
    """

    cnn_filter_specifiers: list = dataclasses.field(
        default_factory=lambda: [[16, [4, 4], 2], [32, [4, 4], 2], [64, [8, 8], 2]]
    )
    cnn_use_bias: bool = True
    cnn_activation: str | Callable[..., Any] | None = "relu"
    cnn_use_layernorm: bool = False
    cnn_kernel_initializer: Initializer = None
    cnn_kernel_initializer_config: dict | None = None
    cnn_bias_initializer: Initializer = None
    cnn_bias_initializer_config: dict | None = None
    flatten_at_end: bool = True

    def _validate(self) -> None:
        if self.input_dims is None or len(self.input_dims) != 3:
            raise ValueError(
                f"CNNEncoderConfig.input_dims must be 3-D (D1, D2, channels), got "
                f"{self.input_dims!r}"
            )

    @property
    def output_dims(self) -> tuple[int, ...]:
        self._validate()
        dims = cnn_output_dims(self.input_dims, self.cnn_filter_specifiers)  # type: ignore[arg-type]
        if min(dims) <= 0:
            raise ValueError(
                f"conv_filters {self.cnn_filter_specifiers} shrink an input of "
                f"{tuple(self.input_dims or ())} to nothing ({dims}); use fewer or smaller strides"
            )
        return (math.prod(dims),) if self.flatten_at_end else dims

    def build(self, framework: str = "torch") -> nn.Module:
        _check_framework(self, framework)
        _ = self.output_dims
        from rlmigrate.models.torch.encoders import TorchCNNEncoder

        return TorchCNNEncoder(self)


@dataclasses.dataclass
class RecurrentEncoderConfig(ModelConfig):
    """An LSTM or GRU over ``(B, T, ...)`` inputs, optionally after a per-step tokenizer.

    Attributes:
        recurrent_layer_type: ``"lstm"`` or ``"gru"``.
        hidden_dim: cell size ``H``; ``output_dims == (H,)``.
        num_layers: stacked layers ``L`` (None means 1).
        batch_major: inputs are ``(B, T, ...)`` (True) or ``(T, B, ...)``.
        tokenizer_config: encoder config applied to every timestep first (any
            non-recurrent encoder: MLP, CNN, multi-input); None feeds ``obs`` directly.
    """

    recurrent_layer_type: str = "lstm"
    hidden_dim: int | None = None
    num_layers: int | None = None
    batch_major: bool = True
    hidden_weights_initializer: Initializer = None
    hidden_weights_initializer_config: dict | None = None
    use_bias: bool = True
    hidden_bias_initializer: Initializer = None
    hidden_bias_initializer_config: dict | None = None
    tokenizer_config: ModelConfig | None = None

    def _validate(self) -> None:
        if self.recurrent_layer_type not in ("lstm", "gru"):
            raise ValueError(
                f"RecurrentEncoderConfig.recurrent_layer_type must be 'lstm' or 'gru', got "
                f"{self.recurrent_layer_type!r}"
            )
        if not self.hidden_dim or int(self.hidden_dim) <= 0:
            raise ValueError(
                f"RecurrentEncoderConfig.hidden_dim must be a positive int (model_config key "
                f"'lstm_cell_size'), got {self.hidden_dim!r}"
            )
        if self.tokenizer_config is None and (self.input_dims is None or len(self.input_dims) != 1):
            raise ValueError(
                f"a recurrent encoder without tokenizer_config needs 1-D input_dims, got "
                f"{self.input_dims!r}; give a tokenizer_config for other inputs"
            )

    @property
    def output_dims(self) -> tuple[int, ...]:
        self._validate()
        return (int(self.hidden_dim),)  # type: ignore[arg-type]

    @property
    def input_size(self) -> int:
        """Features per timestep entering the recurrent layer."""
        if self.tokenizer_config is not None:
            dims = self.tokenizer_config.output_dims
        else:
            dims = tuple(self.input_dims)  # type: ignore[arg-type]
        if len(dims) != 1:
            raise ValueError(f"the recurrent layer needs 1-D per-step features, got {dims}")
        return int(dims[0])

    def build(self, framework: str = "torch") -> nn.Module:
        _check_framework(self, framework)
        self._validate()
        from rlmigrate.models.torch.recurrent import TorchGRUEncoder, TorchLSTMEncoder

        if self.recurrent_layer_type == "lstm":
            return TorchLSTMEncoder(self)
        return TorchGRUEncoder(self)


@dataclasses.dataclass
class ActorCriticEncoderConfig(ModelConfig):
    """One shared encoder, or an actor and a critic encoder, built from one base config.

    Attributes:
        base_encoder_config: what each encoder is (a recurrent base makes it stateful).
        shared: one ``encoder`` for both (True) or ``actor_encoder`` + ``critic_encoder``.
        inference_only: skip the critic encoder (separate, stateless case only).
    """

    base_encoder_config: ModelConfig | None = None
    shared: bool = True
    inference_only: bool = False

    @property
    def output_dims(self) -> tuple[int, ...]:
        if self.base_encoder_config is None:
            raise ValueError("ActorCriticEncoderConfig.base_encoder_config is not set")
        return self.base_encoder_config.output_dims

    def build(self, framework: str = "torch") -> nn.Module:
        _check_framework(self, framework)
        _ = self.output_dims
        from rlmigrate.models.torch.actor_critic import (
            TorchActorCriticEncoder,
            TorchStatefulActorCriticEncoder,
        )

        if isinstance(self.base_encoder_config, RecurrentEncoderConfig):
            return TorchStatefulActorCriticEncoder(self)
        return TorchActorCriticEncoder(self)


# Beyond RLlib: encoders for Discrete/MultiDiscrete/MultiBinary/Dict/Tuple inputs live in
# input_configs.py (it builds on the classes above); re-exported lazily so that
# ``from rlmigrate.models.configs import MultiInputEncoderConfig`` works without a cycle.
_INPUT_CONFIGS = ("OneHotEncoderConfig", "FlattenEncoderConfig", "MultiInputEncoderConfig")


if TYPE_CHECKING:  # the lazy re-exports, as type checkers should see them (redundant aliases)
    from rlmigrate.models.input_configs import FlattenEncoderConfig as FlattenEncoderConfig
    from rlmigrate.models.input_configs import MultiInputEncoderConfig as MultiInputEncoderConfig
    from rlmigrate.models.input_configs import OneHotEncoderConfig as OneHotEncoderConfig


def __getattr__(name: str) -> Any:
    if name in _INPUT_CONFIGS:
        from rlmigrate.models import input_configs

        return getattr(input_configs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ModelConfig",
    "MLPHeadConfig",
    "FreeLogStdMLPHeadConfig",
    "MLPEncoderConfig",
    "CNNEncoderConfig",
    "RecurrentEncoderConfig",
    "ActorCriticEncoderConfig",
]
