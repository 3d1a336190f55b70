"""Build the right :class:`~rlmigrate.testing.sides.Side` for what was given.

The top of the sides' layering: it imports ``side_legacy``, ``side_module`` and ``side_qsac``
(DQN / SAC semantics on the legacy side), which import only ``sides`` and the two below them. Both sides get the config they would have seen, from one definition
(:mod:`rlmigrate.core.legacy_config`): the legacy model ``MODEL_DEFAULTS`` ⊕ the user's
``"model"`` dict (``custom_model_config`` entries passed as keyword arguments and kept in the
config; ``_disable_preprocessor_api`` honoured), the migrated module exactly the
``model_config`` the codemod's ``RLModuleSpec`` carries for the same dict.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from rlmigrate.core.legacy_config import migrated_model_config as spec_model_config
from rlmigrate.testing.side_legacy import LegacyModelSide
from rlmigrate.testing.side_module import ModuleSide, PolicySide, legacy_policy_space
from rlmigrate.testing.side_qsac import LegacyDQNSide, LegacySACSide, QSACPolicySide, qsac_kind
from rlmigrate.testing.sides import Side, SideBuildError, require_spaces

__all__ = ["as_side"]


def _is_policy(obj: Any) -> bool:
    return (
        hasattr(obj, "compute_actions")
        and hasattr(obj, "get_weights")
        and not isinstance(obj, type)
    )


def _is_rl_module(obj: Any) -> bool:
    from rlmigrate.core.rl_module import RLModule

    return isinstance(obj, RLModule) or (isinstance(obj, type) and issubclass(obj, RLModule))


def _is_modelv2(obj: Any) -> bool:
    try:
        from shim.models.modelv2 import ModelV2
    except ImportError:  # pragma: no cover - the shim ships with rlmigrate
        return False
    return isinstance(obj, ModelV2) or (isinstance(obj, type) and issubclass(obj, ModelV2))


def _policy_config(model_config: dict | None) -> dict:
    """``{"model": model_config}`` plus the DQN / SAC algorithm keys found in it at the top
    level, where a legacy DQN / SAC policy reads them (the DQN / SAC modules read them from
    model_config: one dict gives both sides the same settings)."""
    from rlmigrate.modules.dqn_config import DQN_POLICY_KEYS
    from rlmigrate.modules.sac_config import SAC_POLICY_KEYS

    model = dict(model_config or {})
    return {"model": model, **{k: model[k] for k in (*DQN_POLICY_KEYS, *SAC_POLICY_KEYS) if k in model}}


def _policy_side(policy: Any, label: str) -> Side:
    """A DQN / SAC policy (its model has the Q / policy heads) renames default-model weights."""
    if qsac_kind(getattr(policy, "model", None)) is not None:
        return QSACPolicySide(policy, label=label)
    return PolicySide(policy, label=label)


def as_side(
    obj: Any,
    *,
    label: str,
    observation_space: gym.Space | None,
    action_space: gym.Space | None,
    model_config: dict | None,
    migrated_model_config: dict | None = None,
) -> Side:
    """Wrap a legacy ModelV2 class/instance, a shim Policy class/instance, or an RLModule class/instance.

    Classes are built with the given spaces and config: a Policy class as
    ``cls(observation_space, action_space, {"model": model_config})``, a ModelV2 class through
    ``shim.ModelCatalog.get_model_v2`` (``MODEL_DEFAULTS`` merged in, ``custom_model_config``
    entries as kwargs, the observation space preprocessed as the legacy Policy did), an RLModule
    class with ``(observation_space=, action_space=, model_config=)`` where ``model_config`` is
    :func:`rlmigrate.core.legacy_config.migrated_model_config` of the legacy config (what the
    codemod's spec carries) unless ``migrated_model_config`` is given.

    Example:
        >>> side = as_side(MyModel, label="legacy", observation_space=obs, action_space=act,
        ...                model_config={"custom_model_config": {"hidden": 64}})  # doctest: +SKIP

    Raises:
        TypeError: ``obj`` is none of these, naming what came.
        ValueError: a class was given without the spaces needed to build it.
        SideBuildError: building a class raised (the message names class, spaces and error).
    """
    try:
        return _as_side(
            obj,
            label=label,
            observation_space=observation_space,
            action_space=action_space,
            model_config=model_config,
            migrated_model_config=migrated_model_config,
        )
    except (TypeError, ValueError):
        raise
    except Exception as err:
        name = getattr(obj, "__name__", type(obj).__name__)
        raise SideBuildError(
            f"{label}: building {name} with observation_space={observation_space}, "
            f"action_space={action_space} failed: {type(err).__name__}: {err}"
        ) from err


def _as_side(
    obj: Any,
    *,
    label: str,
    observation_space: gym.Space | None,
    action_space: gym.Space | None,
    model_config: dict | None,
    migrated_model_config: dict | None = None,
) -> Side:
    """:func:`as_side` without the error wrapping."""
    if _is_modelv2(obj):
        kind = qsac_kind(obj)
        legacy_cls = {"dqn": LegacyDQNSide, "sac": LegacySACSide}.get(kind or "", LegacyModelSide)
        return legacy_cls.build(
            obj,
            label=label,
            observation_space=observation_space,
            action_space=action_space,
            model_config=model_config,
        )
    if _is_rl_module(obj):
        return ModuleSide.build(
            obj,
            label=label,
            observation_space=observation_space,
            action_space=action_space,
            model_config=migrated_model_config
            if migrated_model_config is not None
            else spec_model_config(model_config),
        )
    if _is_policy(obj):
        return _policy_side(obj, label)
    if isinstance(obj, type) and hasattr(obj, "compute_actions") and hasattr(obj, "get_weights"):
        observation_space, action_space = require_spaces(
            f"policy {obj.__name__}", observation_space, action_space
        )
        config = _policy_config(model_config)
        space = legacy_policy_space(obj, observation_space, config)
        return _policy_side(obj(space, action_space, config), label)
    raise TypeError(
        f"{label}: cannot compare {obj!r} ({type(obj).__name__}); expected a legacy ModelV2 class or "
        "instance, a shim Policy, or an RLModule class or instance"
    )
