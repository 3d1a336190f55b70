"""The SAC settings a SAC module reads from its ``model_config`` (Ray 2.10 SAC config names).

RLlib 2.10's ``build_sac_model`` gave ``SACTorchModel`` ``policy_model_config`` and
``q_model_config`` as the policy's ``config["model"]`` updated with SAC's own
``policy_model_config`` / ``q_model_config`` (defaults: ``fcnet_hiddens [256, 256]``,
``relu``), plus ``twin_q``, ``initial_alpha`` and ``target_entropy``. rlmigrate's SAC module
reads the same keys from its ``model_config``; :func:`legacy_sac_model_kwargs` gives the
legacy constructor's keyword arguments for the same dict.

Example:
    >>> legacy_sac_model_kwargs({"fcnet_hiddens": [8]})["policy_model_config"]["fcnet_hiddens"]
    [256, 256]
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

__all__ = ["SAC_DEFAULTS", "SAC_POLICY_KEYS", "SUB_MODEL_DEFAULTS", "sac_settings", "sub_model_config",
           "legacy_sac_model_kwargs"]

#: Ray 2.10 ``SACConfig``'s ``policy_model_config`` / ``q_model_config`` default.
SUB_MODEL_DEFAULTS: dict[str, Any] = {
    "fcnet_hiddens": [256, 256],
    "fcnet_activation": "relu",
    "post_fcnet_hiddens": [],
    "post_fcnet_activation": None,
    "custom_model": None,
    "custom_model_config": {},
}

#: Ray 2.10 ``SACConfig`` defaults of the other keys that shape the model and its acting.
SAC_DEFAULTS: dict[str, Any] = {
    "twin_q": True,
    "initial_alpha": 1.0,
    "target_entropy": "auto",
    "normalize_actions": True,
}


#: the policy-config keys a SAC module reads from its model_config (with
#: ``rlmigrate.modules.dqn_config.module_config_from_policy_config(config, SAC_POLICY_KEYS)``)
SAC_POLICY_KEYS = ("policy_model_config", "q_model_config", *SAC_DEFAULTS)


def sac_settings(model_config: Mapping[str, Any] | None) -> dict[str, Any]:
    """:data:`SAC_DEFAULTS` updated with the SAC keys present in ``model_config``."""
    config = model_config or {}
    return {key: config.get(key, default) for key, default in SAC_DEFAULTS.items()}


def sub_model_config(model_config: Mapping[str, Any] | None, which: str) -> dict[str, Any]:
    """``model_config`` (minus the SAC keys) ⊕ SAC's defaults ⊕ ``model_config[which]``.

    ``which`` is ``"policy_model_config"`` or ``"q_model_config"``; RLlib 2.10 laid the sub
    config over the whole model config, top-level keys replaced (no deep merge).
    """
    if which not in ("policy_model_config", "q_model_config"):
        raise ValueError(f"which={which!r}: expected 'policy_model_config' or 'q_model_config'")
    config = dict(model_config or {})
    own = config.get(which) or {}
    if not isinstance(own, Mapping):
        raise ValueError(f"model_config[{which!r}] must be a dict, got {type(own).__name__}")
    merged = {k: copy.deepcopy(v) for k, v in config.items()
              if k not in ("policy_model_config", "q_model_config", *SAC_DEFAULTS)}
    merged.update(copy.deepcopy(SUB_MODEL_DEFAULTS))
    merged.update(copy.deepcopy(dict(own)))
    return merged


def legacy_sac_model_kwargs(model_config: Mapping[str, Any] | None) -> dict[str, Any]:
    """The keyword arguments RLlib 2.10's ``build_sac_model`` gave ``SACTorchModel``."""
    s = sac_settings(model_config)
    return {
        "policy_model_config": sub_model_config(model_config, "policy_model_config"),
        "q_model_config": sub_model_config(model_config, "q_model_config"),
        "twin_q": bool(s["twin_q"]),
        "initial_alpha": float(s["initial_alpha"]),
        "target_entropy": s["target_entropy"],
    }
