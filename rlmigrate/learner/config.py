"""The configuration a Learner reads: attribute access like Ray's ``AlgorithmConfig``.

Ray passes an ``AlgorithmConfig`` to every Learner hook (``config.lr``, ``config.grad_clip``,
``config.get_config_for_module(module_id)``). Migrated legacy code reads the same values from
the policy's config dict (``policy.config["lr"]``), so :class:`LearnerConfig` serves both:
attribute access and item access over one dict. A real Ray ``AlgorithmConfig`` (or anything
with ``get_config_for_module``) is accepted by the Learner as is.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["LearnerConfig", "LEARNER_CONFIG_DEFAULTS"]

#: Values every Learner may read, with Ray's ``AlgorithmConfig`` defaults.
LEARNER_CONFIG_DEFAULTS: dict[str, Any] = {
    "lr": 0.001,
    "grad_clip": None,
    "grad_clip_by": "global_norm",
    "log_gradients": True,
    "seed": None,
    "num_epochs": 1,
    "minibatch_size": None,
    "shuffle_batch_per_epoch": False,
    "torch_skip_nan_gradients": False,
}

_CLIP_MODES = ("value", "norm", "global_norm")


class LearnerConfig(Mapping[str, Any]):
    """A read-mostly config: ``cfg.lr == cfg["lr"]``; unknown names raise naming the key.

    Args:
        values: user settings (e.g. a legacy policy config dict); missing keys take
            :data:`LEARNER_CONFIG_DEFAULTS`.
        per_module: ``{module_id: {key: value}}`` overrides returned by
            :meth:`get_config_for_module` (Ray's ``algorithm_config_overrides_per_module``).

    Raises:
        ValueError: for a ``grad_clip_by`` that is not ``value``/``norm``/``global_norm``.
    """

    def __init__(self, values: Mapping[str, Any] | None = None, *, per_module: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        merged = {**LEARNER_CONFIG_DEFAULTS, **dict(values or {})}
        if merged["grad_clip_by"] not in _CLIP_MODES:
            raise ValueError(f"grad_clip_by must be one of {_CLIP_MODES}, got {merged['grad_clip_by']!r}")
        object.__setattr__(self, "_values", merged)
        object.__setattr__(self, "_per_module", {k: dict(v) for k, v in (per_module or {}).items()})

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"LearnerConfig has no setting {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"LearnerConfig is read-only; build a new one to change {name!r}")

    def __repr__(self) -> str:
        return f"LearnerConfig({self._values!r})"

    def get_config_for_module(self, module_id: str) -> LearnerConfig:
        """This config with the overrides for ``module_id`` applied (itself when there are none)."""
        overrides = self._per_module.get(module_id)
        if not overrides:
            return self
        return LearnerConfig({**self._values, **overrides})

    def copy(self, copy_frozen: bool = False) -> LearnerConfig:  # noqa: ARG002 - Ray's signature
        """A deep copy (Ray's ``AlgorithmConfig.copy`` signature)."""
        return LearnerConfig(copy.deepcopy(self._values), per_module=copy.deepcopy(self._per_module))

    def to_dict(self) -> dict[str, Any]:
        """The settings as a plain dict."""
        return dict(self._values)
