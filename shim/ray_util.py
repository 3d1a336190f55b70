"""The few ``ray.util`` names legacy model files import: ``log_once`` and the API annotations.

``ray.util.annotations`` decorators only mark stability in Ray, so here they return what they
decorate (bare ``@PublicAPI`` or called ``@PublicAPI(stability="beta")``).
"""

from __future__ import annotations

from typing import Any

from shim.legacy_utils import _LOGGED_ONCE, log_once

__all__ = [
    "log_once",
    "reset_log_once",
    "disable_log_once_globally",
    "enable_periodic_logging",
    "PublicAPI",
    "DeveloperAPI",
    "Deprecated",
    "RayDeprecationWarning",
]


def reset_log_once(key: str | None = None) -> None:
    """Forget ``key`` (or every key), so ``log_once`` returns True again."""
    if key is None:
        _LOGGED_ONCE.clear()
    else:
        _LOGGED_ONCE.discard(key)


def disable_log_once_globally() -> None:
    """Accepted for compatibility; ``log_once`` keeps answering once per key."""


def enable_periodic_logging() -> None:
    """Accepted for compatibility; ``log_once`` keeps answering once per key."""


def _annotation(*args: Any, **kwargs: Any) -> Any:
    if len(args) == 1 and not kwargs and callable(args[0]):
        return args[0]
    return lambda obj: obj


PublicAPI = DeveloperAPI = Deprecated = _annotation


class RayDeprecationWarning(DeprecationWarning):
    """Ray's deprecation warning category."""
