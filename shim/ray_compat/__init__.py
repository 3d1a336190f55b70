"""Opt-in ``ray.*`` imports for unmodified legacy files: Ray 2.10's import surface, served by the shim.

    >>> from shim import ray_compat
    >>> ray_compat.install()                      # doctest: +SKIP
    >>> from ray.rllib.models.torch.torch_modelv2 import TorchModelV2   # -> shim's class

or, scoped: ``with ray_compat.installed(): import my_legacy_models``.

Every module path of Ray 2.10's ``ray.rllib`` (the committed inventory, see
``tools/ray_inventory.py``) imports. Its names resolve lazily (:mod:`shim.ray_compat.modules`):
to the shim's real implementation where torch user code needs behaviour, to Ray's own
re-exports, literals and outside objects (``typing.Dict``), and otherwise to a placeholder
that raises one clear error when used (TensorFlow: port it, RLM060; training-side: train with
Ray). The few deliberately unserved paths (:data:`served.UNSERVED`) and paths Ray 2.10 does not
have raise an ImportError saying why and what to use instead.

``install()`` also restores the numpy-1 names legacy code calls (``np.product``...; see
:mod:`shim.ray_compat.numpy_aliases`, opt out with ``install(numpy_aliases=False)``), and
refuses to shadow a real Ray installation.
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

from shim.placeholders import NotInShimError, PortToTorchError, TrainingSideError
from shim.ray_compat import inventory, served
from shim.ray_compat import numpy_aliases as _numpy_aliases
from shim.ray_compat.errors import UnservedPathError
from shim.ray_compat.errors import unserved_error as _unserved_error
from shim.ray_compat.modules import make_module

__all__ = [
    "install",
    "uninstall",
    "installed",
    "is_installed",
    "RealRayInstalledError",
    "NotInShimError",
    "PortToTorchError",
    "TrainingSideError",
    "UnservedPathError",
    "provided_modules",
    "unserved_modules",
]


class RealRayInstalledError(RuntimeError):
    """Ray itself is importable here; the shim will not shadow it."""


class _Loader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return make_module(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:  # attributes are lazy
        return None


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "ray" and not fullname.startswith("ray."):
            return None
        rec = inventory.record(fullname)
        if rec is None or served.unserved_reason(fullname):
            raise _unserved_error(fullname)
        return importlib.machinery.ModuleSpec(fullname, _LOADER, is_package=rec["package"])


_LOADER = _Loader()
_FINDER = _Finder()


def provided_modules() -> list[str]:
    """Every ``ray...`` module path ``install()`` serves (Ray 2.10's, less the unserved)."""
    return sorted(p for p in inventory.modules() if not served.unserved_reason(p))


def unserved_modules() -> dict[str, str]:
    """Ray 2.10 module paths that raise :class:`UnservedPathError`, with the reason."""
    out = {}
    for path in inventory.modules():
        reason = served.unserved_reason(path)
        if reason:
            out[path] = f"{reason[1]}; instead: {reason[2]}"
    return dict(sorted(out.items()))


def is_installed() -> bool:
    """True while the finder is on ``sys.meta_path``."""
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


def install(numpy_aliases: bool = True) -> None:
    """Puts the ``ray.*`` finder first on ``sys.meta_path`` (idempotent).

    Args:
        numpy_aliases: also restore the numpy-1 names removed in numpy 2 (``np.product``...),
            each warning with a DeprecationWarning that names its replacement.

    Raises:
        RealRayInstalledError: when a real ``ray`` package is importable or imported.
    """
    if is_installed():
        return
    _check_no_real_ray()
    sys.meta_path.insert(0, _FINDER)
    if numpy_aliases:
        _numpy_aliases.install()


def uninstall() -> None:
    """Removes the finder, every served module and the numpy aliases (idempotent)."""
    while _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [
        n
        for n, m in sys.modules.items()
        if (n == "ray" or n.startswith("ray.")) and getattr(m, "__shim_alias__", False)
    ]:
        del sys.modules[name]
    _numpy_aliases.uninstall()


@contextlib.contextmanager
def installed(numpy_aliases: bool = True) -> Iterator[None]:
    """Context manager: served inside the block, removed after (if this call installed it)."""
    already = is_installed()
    install(numpy_aliases=numpy_aliases)
    try:
        yield
    finally:
        if not already:
            uninstall()
