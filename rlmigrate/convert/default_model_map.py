"""Weight names of RLlib 2.10's default torch models -> rlmigrate's default PPO module.

RLlib's legacy default model for a flat Box observation is ``FullyConnectedNetwork`` (FCNet),
optionally wrapped by ``LSTMWrapper`` (``use_lstm``). rlmigrate's default module for the same
``model_config`` is :class:`~rlmigrate.modules.ppo.PPOTorchRLModule`, which computes the same
function with differently named layers. The table (also in docs/guide/checkpoints.md):

=====================================  ==============================================  ==========
legacy key (``get_weights()``)          PPO module key                                  when
=====================================  ==============================================  ==========
``_hidden_layers.{i}._model.0.*``      ``encoder.actor_encoder.net.mlp.{2i}.*``        separate vf
``_value_branch_separate.{i}._model.0`` ``encoder.critic_encoder.net.mlp.{2i}.*``      separate vf
``_hidden_layers.{i}._model.0.*``      ``encoder.encoder.net.mlp.{2i}.*``              vf_share_layers
``_logits._model.0.*``                 ``pi.net.mlp.0.*``                              FCNet
``_value_branch._model.0.*``           ``vf.net.mlp.0.*``                              always
``_hidden_layers.{i}._model.0.*``      ``encoder.encoder.tokenizer.net.mlp.{2i}.*``    use_lstm
``lstm.*``                             ``encoder.encoder.lstm.*``                      use_lstm
``_logits_branch._model.0.*``          ``pi.net.mlp.0.*``                              use_lstm
=====================================  ==============================================  ==========

With ``use_lstm``, RLlib 2.10's wrapped FCNet still builds ``_value_branch_separate`` layers
that nothing calls (the value comes from the LSTM features); they are dropped and reported, and
the module is built with ``vf_share_layers=True`` so that its value head reads the shared
LSTM features too.
Configs whose legacy model has no counterpart here (``free_log_std``, ``no_final_linear``,
``post_fcnet_hiddens``, ``use_attention``, conv filters, a ``custom_model``) are refused
with a message naming the key: convert those with ``--module-class``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["DEFAULT_MODULE_KEYS", "DefaultModelMapError", "UNSUPPORTED_KEYS", "default_model_key_map"]

#: model-config keys whose truthy value means the legacy model has no mapping here.
UNSUPPORTED_KEYS = (
    "custom_model",
    "free_log_std",
    "no_final_linear",
    "post_fcnet_hiddens",
    "use_attention",
    "conv_filters",
    "lstm_use_prev_action",
    "lstm_use_prev_reward",
)

#: the model-config keys a default module is built from (the rest do not shape FCNet/LSTM).
DEFAULT_MODULE_KEYS = (
    "fcnet_hiddens",
    "fcnet_activation",
    "vf_share_layers",
    "use_lstm",
    "lstm_cell_size",
    "max_seq_len",
)

_LAYER = re.compile(r"^(_hidden_layers|_value_branch_separate)\.(\d+)\._model\.0\.(weight|bias)$")


class DefaultModelMapError(ValueError):
    """The legacy default model cannot be mapped onto the default PPO module."""


def default_model_key_map(
    model_config: Mapping[str, Any], legacy_keys: list[str]
) -> dict[str, str | None]:
    """``{legacy key: PPO module key or None (dropped)}`` for a legacy default model.

    Raises:
        DefaultModelMapError: the config uses a feature without a mapping (named), or a key
            matches no row of the table.
    """
    for key in UNSUPPORTED_KEYS:
        if model_config.get(key):
            raise DefaultModelMapError(
                f"model config {key}={model_config[key]!r}: the legacy model is not RLlib's plain "
                "FCNet/LSTM default, so it has no default-module mapping; pass --module-class "
                "FILE:Class (the migrated class keeps the legacy weight names)"
            )
    lstm = bool(model_config.get("use_lstm"))
    shared = bool(model_config.get("vf_share_layers"))
    mapping: dict[str, str | None] = {}
    for key in legacy_keys:
        match = _LAYER.match(key)
        if match:
            tower, index, leaf = match.group(1), int(match.group(2)), match.group(3)
            if tower == "_value_branch_separate":
                target = None if lstm else f"encoder.critic_encoder.net.mlp.{2 * index}.{leaf}"
            elif lstm:
                target = f"encoder.encoder.tokenizer.net.mlp.{2 * index}.{leaf}"
            elif shared:
                target = f"encoder.encoder.net.mlp.{2 * index}.{leaf}"
            else:
                target = f"encoder.actor_encoder.net.mlp.{2 * index}.{leaf}"
            mapping[key] = target
        elif key.startswith(("_logits._model.0.", "_logits_branch._model.0.")):
            mapping[key] = "pi.net.mlp.0." + key.rsplit(".", 1)[1]
        elif key.startswith("_value_branch._model.0."):
            mapping[key] = "vf.net.mlp.0." + key.rsplit(".", 1)[1]
        elif lstm and key.startswith("lstm."):
            mapping[key] = "encoder.encoder." + key
        else:
            raise DefaultModelMapError(
                f"legacy weight {key!r} is not part of RLlib's default FCNet/LSTM model; pass "
                "--module-class FILE:Class"
            )
    return mapping
