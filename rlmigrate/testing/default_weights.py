"""Weight transfer from a legacy policy on RLlib's default model into the default PPO module.

A legacy policy without a custom model runs RLlib 2.10's ``FullyConnectedNetwork`` (or its
``LSTMWrapper``); the codemod migrates it to a subclass of
:class:`~rlmigrate.modules.ppo.PPOTorchRLModule`, which computes the same function with other
layer names. :func:`default_weight_mapping` recognises that pair and returns the
``{legacy key: module key}`` table of :mod:`rlmigrate.convert.default_model_map`;
:func:`transfer_default_weights` copies through it, allowing only the module's constant
buffers (``*.log_std_clip_param_const``) to stay as they are.

Example:
    >>> mapping = default_weight_mapping(policy, module)  # doctest: +SKIP
    >>> transfer_default_weights(policy, module, mapping).pairs[0]  # doctest: +SKIP
    ('_hidden_layers.0._model.0.weight', 'encoder.actor_encoder.net.mlp.0.weight')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rlmigrate.testing.transfer import (
    TransferReport,
    WeightTransferError,
    source_state,
    transfer_weights,
)

__all__ = ["default_weight_mapping", "transfer_default_weights"]

#: module buffers that hold constants set from the config, not trained weights
_CONSTANT_BUFFERS = ("log_std_clip_param_const",)


def _legacy_model_config(source: Any) -> Mapping[str, Any] | None:
    config = getattr(source, "config", None)
    if isinstance(config, Mapping) and isinstance(config.get("model"), Mapping):
        return config["model"]  # a policy: its merged model config
    model_config = getattr(source, "model_config", None)
    return model_config if isinstance(model_config, Mapping) else None


def default_weight_mapping(source: Any, target: Any) -> dict[str, str | None] | None:
    """``{legacy key: module key or None}`` when ``source`` is a policy (or model) on RLlib's
    default FCNet/LSTM and ``target`` a ``PPOTorchRLModule``; None for any other pair."""
    from rlmigrate.convert.default_model_map import DefaultModelMapError, default_model_key_map
    from rlmigrate.modules.ppo import PPOTorchRLModule

    if not isinstance(target, PPOTorchRLModule):
        return None
    model_config = _legacy_model_config(source)
    if model_config is None:
        return None
    try:
        keys = sorted(source_state(source))
    except TypeError:
        return None
    try:
        return default_model_key_map(model_config, keys)
    except DefaultModelMapError:
        return None


def transfer_default_weights(source: Any, target: Any, mapping: Mapping[str, str | None]) -> TransferReport:
    """Copy ``source`` into ``target`` through ``mapping`` (from :func:`default_weight_mapping`).

    Raises:
        WeightTransferError: a legacy weight has no place in the module, or a module weight
            (other than a constant buffer) is left unfilled, or shapes differ.
    """
    report = transfer_weights(source, target, mapping=dict(mapping), strict=False)
    unfilled = [k for k in report.unfilled_target if not k.endswith(_CONSTANT_BUFFERS)]
    problems = []
    if report.unused_source:
        problems.append(f"legacy weights without a place in the module: {report.unused_source}")
    if unfilled:
        problems.append(f"module weights the legacy default model does not have: {unfilled}")
    if problems:
        raise WeightTransferError(
            f"{type(source).__name__} → {type(target).__name__} through the default-model map:\n  "
            + "\n  ".join(problems), problems)
    return report
