"""The config the model saw: one definition shared by the codemod and ``rlmigrate verify``.

A legacy ``ModelV2`` never saw the user's ``"model"`` dict as written: RLlib 2.10 merged it
over ``MODEL_DEFAULTS`` and passed ``custom_model_config``'s entries as constructor keyword
arguments *and* kept them under ``model_config["custom_model_config"]``. The codemod's
rewrite moves the user's dict into ``RLModuleSpec(model_config=...)``; what that spec carries
is :func:`migrated_model_config` of the same dict, and a rewritten ``setup()`` that reads a
legacy default key gets the legacy value from :data:`MODEL_DEFAULTS` (``rlmigrate``'s own
``resolve_model_config`` would lay the *new* stack's defaults under it).

This module imports neither torch nor the shim, so the codemod (installed without torch) and
the verify sides read the same table.

Example:
    >>> user = {"fcnet_hiddens": [64], "custom_model": "m", "custom_model_config": {"k": 1}}
    >>> legacy_model_config(user)["vf_share_layers"], legacy_model_kwargs(user)
    (True, {'k': 1})
    >>> migrated_model_config(user)
    {'fcnet_hiddens': [64], 'custom_model_config': {'k': 1}, 'k': 1}
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

__all__ = [
    "DEPRECATED_VALUE",
    "MODEL_DEFAULTS",
    "SPEC_KEYS",
    "legacy_model_config",
    "legacy_model_kwargs",
    "merge_model_config",
    "migrated_model_config",
    "preprocessor_disabled",
]

DEPRECATED_VALUE = -1

MODEL_DEFAULTS: dict[str, Any] = {
    "_disable_preprocessor_api": False,
    "_disable_action_flattening": False,
    "fcnet_hiddens": [256, 256],
    "fcnet_activation": "tanh",
    "fcnet_weights_initializer": None,
    "fcnet_weights_initializer_config": None,
    "fcnet_bias_initializer": None,
    "fcnet_bias_initializer_config": None,
    "conv_filters": None,
    "conv_activation": "relu",
    "conv_kernel_initializer": None,
    "conv_kernel_initializer_config": None,
    "conv_bias_initializer": None,
    "conv_bias_initializer_config": None,
    "conv_transpose_kernel_initializer": None,
    "conv_transpose_kernel_initializer_config": None,
    "conv_transpose_bias_initializer": None,
    "conv_transpose_bias_initializer_config": None,
    "post_fcnet_hiddens": [],
    "post_fcnet_activation": "relu",
    "post_fcnet_weights_initializer": None,
    "post_fcnet_weights_initializer_config": None,
    "post_fcnet_bias_initializer": None,
    "post_fcnet_bias_initializer_config": None,
    "free_log_std": False,
    "no_final_linear": False,
    "vf_share_layers": True,
    "use_lstm": False,
    "max_seq_len": 20,
    "lstm_cell_size": 256,
    "lstm_use_prev_action": False,
    "lstm_use_prev_reward": False,
    "lstm_weights_initializer": None,
    "lstm_weights_initializer_config": None,
    "lstm_bias_initializer": None,
    "lstm_bias_initializer_config": None,
    "_time_major": False,
    "use_attention": False,
    "attention_num_transformer_units": 1,
    "attention_dim": 64,
    "attention_num_heads": 1,
    "attention_head_dim": 32,
    "attention_memory_inference": 50,
    "attention_memory_training": 50,
    "attention_position_wise_mlp_dim": 32,
    "attention_init_gru_gate_bias": 2.0,
    "attention_use_n_prev_actions": 0,
    "attention_use_n_prev_rewards": 0,
    "framestack": True,
    "dim": 84,
    "grayscale": False,
    "zero_mean": True,
    "custom_model": None,
    "custom_model_config": {},
    "custom_action_dist": None,
    "custom_preprocessor": None,
    "encoder_latent_dim": None,
    "always_check_shapes": False,
    "lstm_use_prev_action_reward": DEPRECATED_VALUE,
    "_use_default_native_models": DEPRECATED_VALUE,
}

#: keys of the legacy "model" dict that the rewrite moves out of ``model_config``: the module
#: class goes to ``RLModuleSpec(module_class=...)``, the distribution into the module itself
SPEC_KEYS = ("custom_model", "custom_action_dist")


def merge_model_config(model_config: Mapping[str, Any] | None) -> dict[str, Any]:
    """A fresh dict: ``MODEL_DEFAULTS`` (deep-copied) updated with ``model_config``.

    Full configs recorded from Ray pass through unchanged; partial ones get the defaults.
    """
    merged = copy.deepcopy(MODEL_DEFAULTS)
    merged.update(model_config or {})
    return merged


def legacy_model_config(user: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``model_config`` a legacy ``ModelV2`` received for the user's ``"model"`` dict.

    ``MODEL_DEFAULTS`` (deep-copied) ⊕ ``user``; ``custom_model_config`` stays in it.
    """
    return merge_model_config(user)


def legacy_model_kwargs(user: Mapping[str, Any] | None) -> dict[str, Any]:
    """The keyword arguments ``ModelCatalog`` passed to a custom model's constructor:
    the entries of ``custom_model_config`` (empty when there is none)."""
    return dict((user or {}).get("custom_model_config") or {})


def migrated_model_config(user: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``model_config`` the rewritten ``RLModuleSpec`` carries for the user's dict.

    Every key except :data:`SPEC_KEYS`, ``custom_model_config`` kept as it was (a rewritten
    ``setup()`` may still read it) and its entries also lifted to the top level (where the
    rewritten constructor keyword arguments are read from). No defaults are added: a rewrite
    that reads a legacy default key carries the legacy value itself.
    """
    config = {k: v for k, v in (user or {}).items() if k not in SPEC_KEYS}
    if isinstance(config.get("custom_model_config"), Mapping):
        config["custom_model_config"] = dict(config["custom_model_config"])
    config.update(legacy_model_kwargs(user))
    return config


def policy_module_model_config(user: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``model_config`` a module generated for a legacy policy is built with.

    :func:`migrated_model_config` of the policy's ``config["model"]``, keeping the
    :data:`SPEC_KEYS` it names: a policy without a ``make_model`` hook acted with the model its
    config named, and its module resolves the same names at run time
    (:mod:`rlmigrate.core.custom_models`), as ``ModelCatalog`` did for the policy.

    Example:
        >>> policy_module_model_config({"custom_model": "m", "custom_model_config": {"k": 1}})
        {'custom_model_config': {'k': 1}, 'k': 1, 'custom_model': 'm'}
    """
    config = migrated_model_config(user)
    config.update({k: v for k, v in (user or {}).items() if k in SPEC_KEYS and v})
    return config


def preprocessor_disabled(config: Mapping[str, Any] | None) -> bool:
    """Whether the legacy stack fed raw observations to the model
    (``_disable_preprocessor_api``: no one-hot, no Dict/Tuple flattening)."""
    return bool((config or {}).get("_disable_preprocessor_api"))
