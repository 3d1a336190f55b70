"""``DefaultModelConfig``: every key the default catalog reads (RLLIB_REFERENCE §1.11).

A model config reaches a module either as this dataclass or as a plain dict. Dicts may
carry keys of their own (custom modules read them) and the legacy (RLlib 2.10) spellings
of the default keys; :func:`resolve_model_config` renames those with a
``DeprecationWarning`` and lays the defaults under what was given.

Example:
    >>> cfg = resolve_model_config({"fcnet_hiddens": [32], "my_key": 1})
    >>> cfg["fcnet_hiddens"], cfg["vf_share_layers"], cfg["my_key"]
    ([32], True, 1)
"""

from __future__ import annotations

import dataclasses
import difflib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

Initializer = str | Callable[..., Any] | None


@dataclasses.dataclass
class DefaultModelConfig:
    """Settings of the default encoders and heads built by :class:`~rlmigrate.Catalog`.

    Field names and defaults follow RLlib 2.40 plus the 2.60 additions
    (``*_use_layernorm``, ``fusionnet_*``). Legacy names (``post_fcnet_hiddens``,
    ``fcnet_weights_initializer``, ``*_initializer_config``, ...) are accepted as keyword
    arguments and renamed with a ``DeprecationWarning``.

    Example:
        >>> DefaultModelConfig(fcnet_hiddens=[64, 64], vf_share_layers=False).fcnet_hiddens
        [64, 64]
    """

    # Encoder MLP (1-D Box observations; the fusion MLP of Dict/Tuple/Discrete inputs).
    fcnet_hiddens: list[int] = dataclasses.field(default_factory=lambda: [256, 256])
    fcnet_activation: str = "tanh"
    fcnet_kernel_initializer: Initializer = None
    fcnet_kernel_initializer_kwargs: dict | None = None
    fcnet_bias_initializer: Initializer = None
    fcnet_bias_initializer_kwargs: dict | None = None
    fcnet_use_layernorm: bool = False
    # CNN (image observations).
    conv_filters: list | None = None
    conv_activation: str = "relu"
    conv_kernel_initializer: Initializer = None
    conv_kernel_initializer_kwargs: dict | None = None
    conv_bias_initializer: Initializer = None
    conv_bias_initializer_kwargs: dict | None = None
    # Heads (policy and value).
    head_fcnet_hiddens: list[int] = dataclasses.field(default_factory=list)
    head_fcnet_activation: str = "relu"
    head_fcnet_kernel_initializer: Initializer = None
    head_fcnet_kernel_initializer_kwargs: dict | None = None
    head_fcnet_bias_initializer: Initializer = None
    head_fcnet_bias_initializer_kwargs: dict | None = None
    head_fcnet_use_layernorm: bool = False
    free_log_std: bool = False
    log_std_clip_param: float = 20.0
    vf_share_layers: bool = True
    # Recurrent encoder.
    use_lstm: bool = False
    max_seq_len: int = 20
    lstm_cell_size: int = 256
    lstm_use_prev_action: bool = False
    lstm_use_prev_reward: bool = False
    lstm_kernel_initializer: Initializer = None
    lstm_kernel_initializer_kwargs: dict | None = None
    lstm_bias_initializer: Initializer = None
    lstm_bias_initializer_kwargs: dict | None = None
    # rlmigrate only: "lstm" or "gru" for the recurrent encoder built when use_lstm=True.
    recurrent_layer_type: str = "lstm"
    # RLlib 2.60 multi-input fusion keys: accepted and kept, see docs/compatibility.md.
    fusionnet_hiddens: list[int] = dataclasses.field(default_factory=lambda: [256, 256])
    fusionnet_activation: str = "tanh"
    fusionnet_kernel_initializer: Initializer = None
    fusionnet_kernel_initializer_kwargs: dict | None = None
    fusionnet_bias_initializer: Initializer = None
    fusionnet_bias_initializer_kwargs: dict | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DefaultModelConfig:
        """Build from a dict; legacy keys are renamed (warning), unknown keys refused.

        Raises:
            TypeError: naming unknown keys (keep custom keys in a plain dict instead).
        """
        return cls(**dict(data))

    def to_dict(self) -> dict[str, Any]:
        """All fields as a plain dict (what ``dataclasses.asdict`` gives)."""
        return dataclasses.asdict(self)


_FIELD_NAMES = tuple(f.name for f in dataclasses.fields(DefaultModelConfig))
_dataclass_init = DefaultModelConfig.__init__


def _init_with_legacy_names(self: DefaultModelConfig, **kwargs: Any) -> None:
    renamed = rename_legacy_keys(kwargs, stacklevel=3)
    unknown = [key for key in renamed if key not in _FIELD_NAMES]
    if unknown:
        hints = {
            key: difflib.get_close_matches(key, _FIELD_NAMES, n=1) for key in unknown
        }
        hint_text = ", ".join(
            f"{key!r}" + (f" (did you mean {match[0]!r}?)" if match else "")
            for key, match in hints.items()
        )
        raise TypeError(
            f"DefaultModelConfig got unknown key(s) {hint_text}; pass a plain dict as "
            f"model_config to keep custom keys (they are kept and merged over the defaults)"
        )
    _dataclass_init(self, **renamed)


_init_with_legacy_names.__doc__ = _dataclass_init.__doc__
DefaultModelConfig.__init__ = _init_with_legacy_names  # type: ignore[method-assign,assignment]

# Legacy (RLlib 2.10 MODEL_DEFAULTS) spelling -> current spelling.
LEGACY_KEY_RENAMES: dict[str, str] = {
    "post_fcnet_hiddens": "head_fcnet_hiddens",
    "post_fcnet_activation": "head_fcnet_activation",
    "post_fcnet_weights_initializer": "head_fcnet_kernel_initializer",
    "post_fcnet_weights_initializer_config": "head_fcnet_kernel_initializer_kwargs",
    "post_fcnet_bias_initializer": "head_fcnet_bias_initializer",
    "post_fcnet_bias_initializer_config": "head_fcnet_bias_initializer_kwargs",
    "fcnet_weights_initializer": "fcnet_kernel_initializer",
    "fcnet_weights_initializer_config": "fcnet_kernel_initializer_kwargs",
    "fcnet_bias_initializer_config": "fcnet_bias_initializer_kwargs",
    "conv_kernel_initializer_config": "conv_kernel_initializer_kwargs",
    "conv_bias_initializer_config": "conv_bias_initializer_kwargs",
    "lstm_weights_initializer": "lstm_kernel_initializer",
    "lstm_weights_initializer_config": "lstm_kernel_initializer_kwargs",
    "lstm_bias_initializer_config": "lstm_bias_initializer_kwargs",
}


def rename_legacy_keys(config: Mapping[str, Any], *, stacklevel: int = 2) -> dict[str, Any]:
    """Return a copy of ``config`` with legacy key names replaced by current ones.

    One ``DeprecationWarning`` lists every renamed key.

    Raises:
        ValueError: if a legacy key and its new name are both present with different values.
    """
    result = dict(config)
    renamed = []
    for old, new in LEGACY_KEY_RENAMES.items():
        if old not in result:
            continue
        value = result.pop(old)
        if new in config and config[new] != value:
            raise ValueError(
                f"model_config has both legacy key {old!r}={value!r} and its new name "
                f"{new!r}={config[new]!r}; keep only {new!r}"
            )
        result[new] = value
        renamed.append(f"{old} -> {new}")
    if renamed:
        warnings.warn(
            "legacy model_config keys renamed: " + ", ".join(renamed),
            DeprecationWarning,
            stacklevel=stacklevel,
        )
    return result


def model_config_to_dict(config: DefaultModelConfig | Mapping[str, Any] | None) -> dict[str, Any]:
    """A dataclass or dict model config as a plain dict (no defaults added)."""
    if config is None:
        return {}
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return dataclasses.asdict(config)
    if isinstance(config, Mapping):
        return dict(config)
    raise TypeError(
        f"model_config must be a dict or a DefaultModelConfig, got {type(config).__name__}"
    )


def resolve_model_config(config: DefaultModelConfig | Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults of :class:`DefaultModelConfig` overlaid with ``config`` (legacy keys renamed).

    Unknown keys are kept, so custom modules and catalogs can read their own settings.
    """
    given = rename_legacy_keys(model_config_to_dict(config), stacklevel=3)
    return {**dataclasses.asdict(DefaultModelConfig()), **given}
