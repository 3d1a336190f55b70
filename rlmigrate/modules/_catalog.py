"""Catalog plumbing the default modules share: a default ``catalog_class``, and a clear
error in ``setup()`` when no catalog could be built."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def default_catalog_class(args: tuple, kwargs: dict[str, Any], load: Callable[[], type]) -> None:
    """Set ``kwargs["catalog_class"]`` to ``load()`` unless the caller chose one.

    A positional (2.10-style) ``RLModuleConfig`` carries its own catalog class, so nothing
    is set then. ``load`` imports lazily: the catalogs import the modules' packages.
    """
    if not args and kwargs.get("catalog_class") is None:
        kwargs["catalog_class"] = load()


def require_catalog(module: Any, hint: str) -> Any:
    """``module.catalog``; else re-raise why building it failed, or say what to pass.

    Raises:
        Exception: the catalog constructor's own error, kept by ``RLModule.__init__``.
        ValueError: no catalog class was given; the message names ``hint``.
    """
    catalog = module.catalog
    if catalog is None:
        if module._catalog_ctor_error is not None:
            raise module._catalog_ctor_error
        raise ValueError(f"{type(module).__name__} needs a catalog: pass {hint}")
    return catalog
