"""Opt-in ``ray.rllib.*`` import aliases, so unmodified legacy files import from the shim.

    >>> from shim import ray_compat
    >>> ray_compat.install()                      # doctest: +SKIP
    >>> from ray.rllib.models.torch.torch_modelv2 import TorchModelV2   # -> shim's class

or, scoped: ``with ray_compat.installed(): import my_legacy_models``.

A meta-path finder serves every aliased ``ray...`` module as a small alias module whose
attributes resolve lazily to shim objects (``ray.rllib.models.ModelCatalog`` ->
``shim.models.catalog.ModelCatalog``). Unknown ``ray.rllib`` modules raise an ImportError that
says what is provided. ``install()`` refuses to shadow a real Ray installation.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Iterator
from typing import Any

from shim import _ray_aliases

__all__ = [
    "install",
    "uninstall",
    "installed",
    "is_installed",
    "RealRayInstalledError",
    "provided_modules",
]


class RealRayInstalledError(RuntimeError):
    """Ray itself is importable here; the shim will not shadow it."""


class _AliasLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return _make_alias_module(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:  # attributes are lazy
        return None


def _make_alias_module(name: str) -> types.ModuleType:
    sources, extras = _ray_aliases.ALIASES[name]
    module = types.ModuleType(
        name, f"shim.ray_compat alias of {name} (sources: {', '.join(sources) or 'none'})"
    )
    module.__path__ = []  # every alias may have aliased sub-modules
    module.__shim_alias__ = True  # type: ignore[attr-defined]
    module.__dict__.update(extras)

    def __getattr__(attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        for source in sources:
            target = importlib.import_module(source)
            if hasattr(target, attr):
                value = getattr(target, attr)
                setattr(module, attr, value)
                return value
        child = f"{name}.{attr}"
        if child in _ray_aliases.ALIASES:
            return importlib.import_module(child)
        raise AttributeError(
            f"shim.ray_compat: {name!r} has no attribute {attr!r} in the shim (looked in {sources}); "
            "import it from its rlmigrate/shim home or migrate that code"
        )

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    return module


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "ray" and not fullname.startswith("ray."):
            return None
        if fullname in _ray_aliases.ALIASES:
            return importlib.machinery.ModuleSpec(fullname, _LOADER, is_package=True)
        raise ImportError(
            f"shim.ray_compat does not provide {fullname!r}. Aliased modules: "
            f"{', '.join(sorted(n for n in _ray_aliases.ALIASES if n.count('.') >= 2))}. Import the "
            "shim/rlmigrate equivalent directly, or run this code with Ray installed.",
            name=fullname,
        )


_LOADER = _AliasLoader()
_FINDER = _AliasFinder()


def provided_modules() -> list[str]:
    """The ``ray...`` module names the aliases provide."""
    return sorted(_ray_aliases.ALIASES)


def is_installed() -> bool:
    """True while the alias finder is on ``sys.meta_path``."""
    return _FINDER in sys.meta_path


def _check_no_real_ray() -> None:
    loaded = sys.modules.get("ray")
    if loaded is not None and not getattr(loaded, "__shim_alias__", False):
        raise RealRayInstalledError(
            f"Ray is already imported from {getattr(loaded, '__file__', '?')}; shim.ray_compat will "
            "not shadow it. Use Ray directly, or import from `shim` in this process"
        )
    if loaded is None and importlib.util.find_spec("ray") is not None:
        origin = importlib.util.find_spec("ray").origin  # type: ignore[union-attr]
        raise RealRayInstalledError(
            f"Ray is installed ({origin}); shim.ray_compat refuses to shadow it. Run legacy code on "
            "Ray itself, or import from `shim` explicitly (or use an environment without Ray)"
        )


def install() -> None:
    """Puts the ``ray.*`` alias finder first on ``sys.meta_path`` (idempotent).

    Raises:
        RealRayInstalledError: when a real ``ray`` package is importable or imported.
    """
    if is_installed():
        return
    _check_no_real_ray()
    sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    """Removes the finder and every alias module from ``sys.modules`` (idempotent)."""
    while _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [
        n
        for n, m in sys.modules.items()
        if (n == "ray" or n.startswith("ray.")) and getattr(m, "__shim_alias__", False)
    ]:
        del sys.modules[name]


@contextlib.contextmanager
def installed() -> Iterator[None]:
    """Context manager: aliases active inside the block, removed after (if this call added them)."""
    already = is_installed()
    install()
    try:
        yield
    finally:
        if not already:
            uninstall()
