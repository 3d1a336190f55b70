"""Weight names of RLlib 2.10's default DQN / SAC models -> rlmigrate's DQN / SAC modules.

==================================================  ===========================================
legacy key (``model.state_dict()``)                  module key
==================================================  ===========================================
DQN: ``_hidden_layers.{i}._model.0.*``               ``encoder.net.mlp.{2i}.*``
DQN: ``_logits._model.0.*`` (``hiddens=[]``)          ``logits._model.0.*``
DQN: ``advantage_module.*``, ``value_module.*``       unchanged
DQN: ``_value_branch*`` (FCNet's value head)          dropped: DQN never calls it
SAC: ``action_model._hidden_layers.{i}._model.0.*``  ``pi.mlp.{2i}.*``
SAC: ``action_model._logits._model.0.*``             ``pi.mlp.{2k}.*`` (k hidden layers)
SAC: ``q_net.*`` / ``twin_q_net.*``                  ``qf.*`` / ``qf_twin.*`` (same rule)
SAC: ``*._value_branch*``                            dropped: SAC never calls them
SAC: ``log_alpha``, ``target_entropy``               unchanged
==================================================  ===========================================

Example:
    >>> legacy_dqn_key_map(["_hidden_layers.0._model.0.weight", "_value_branch._model.0.bias"])
    {'_hidden_layers.0._model.0.weight': 'encoder.net.mlp.0.weight', '_value_branch._model.0.bias': None}
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["legacy_dqn_key_map", "legacy_sac_key_map"]

_HIDDEN = re.compile(r"^(?P<prefix>(?:[\w]+\.)?)_hidden_layers\.(?P<i>\d+)\._model\.0\.(?P<leaf>weight|bias)$")
_LOGITS = re.compile(r"^(?P<prefix>(?:[\w]+\.)?)_logits\._model\.0\.(?P<leaf>weight|bias)$")
_VALUE = re.compile(r"^(?:[\w]+\.)?_value_branch(?:_separate)?\.")


def legacy_dqn_key_map(keys: Iterable[str]) -> dict[str, str | None]:
    """``{legacy_key: module_key or None (dropped)}`` for a default DQN model's keys."""
    out: dict[str, str | None] = {}
    for key in keys:
        hidden, logits = _HIDDEN.match(key), _LOGITS.match(key)
        if hidden and not hidden["prefix"]:
            out[key] = f"encoder.net.mlp.{2 * int(hidden['i'])}.{hidden['leaf']}"
        elif logits and not logits["prefix"]:
            out[key] = f"logits._model.0.{logits['leaf']}"
        elif _VALUE.match(key):
            out[key] = None
        else:
            out[key] = key
    return out


_SAC_NETS = {"action_model.": "pi", "q_net.": "qf", "twin_q_net.": "qf_twin"}


def legacy_sac_key_map(keys: Iterable[str]) -> dict[str, str | None]:
    """``{legacy_key: module_key or None (dropped)}`` for a default ``SACTorchModel``'s keys."""
    keys = list(keys)
    depth: dict[str, int] = {}
    for key in keys:
        hidden = _HIDDEN.match(key)
        if hidden and hidden["prefix"] in _SAC_NETS:
            depth[hidden["prefix"]] = max(depth.get(hidden["prefix"], 0), int(hidden["i"]) + 1)
    out: dict[str, str | None] = {}
    for key in keys:
        hidden, logits = _HIDDEN.match(key), _LOGITS.match(key)
        if hidden and hidden["prefix"] in _SAC_NETS:
            out[key] = f"{_SAC_NETS[hidden['prefix']]}.mlp.{2 * int(hidden['i'])}.{hidden['leaf']}"
        elif logits and logits["prefix"] in _SAC_NETS:
            index = 2 * depth.get(logits["prefix"], 0)
            out[key] = f"{_SAC_NETS[logits['prefix']]}.mlp.{index}.{logits['leaf']}"
        elif _VALUE.match(key):
            out[key] = None
        else:
            out[key] = key
    return out
