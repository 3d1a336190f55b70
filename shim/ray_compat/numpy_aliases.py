"""numpy-1 names that numpy 2 removed, restored while ``shim.ray_compat`` is installed.

Legacy RLlib-era code (RLlib 2.10 itself: ``np.product`` in its preprocessors) calls names that
numpy 2.0 removed (NEP 52). ``ray_compat.install()`` makes them resolve again, each access
raising a :class:`DeprecationWarning` that names the numpy-2 spelling; the real fix is the
replacement, and ``install(numpy_aliases=False)`` opts out (then numpy's own AttributeError
stands). Only names with an exact numpy-2 replacement are restored; the list was taken by
diffing ``dir(numpy)`` between numpy 1.26 (Ray 2.10's) and numpy 2.

Mechanism: numpy 2 resolves missing attributes through its module ``__getattr__``; ours is put
in front of it for these names only and removed again by :func:`uninstall`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["ALIASES", "install", "uninstall", "is_installed"]


def _asfarray(a: Any, dtype: Any = np.float64) -> np.ndarray:
    """numpy 1's ``asfarray``: an array of ``dtype`` unless ``a`` is inexact already."""
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.inexact):
        dtype = np.dtype(np.float64)
    return np.asarray(a, dtype=dtype)


def _msort(a: Any) -> np.ndarray:
    return np.sort(a, axis=0)


#: removed name -> (replacement spelling for the warning, the object it resolves to).
ALIASES: dict[str, tuple[str, Callable[[], Any]]] = {
    "product": ("np.prod", lambda: np.prod),
    "cumproduct": ("np.cumprod", lambda: np.cumprod),
    "alltrue": ("np.all", lambda: np.all),
    "sometrue": ("np.any", lambda: np.any),
    "round_": ("np.round", lambda: np.round),
    "in1d": ("np.isin", lambda: np.isin),
    "trapz": ("np.trapezoid", lambda: np.trapezoid),
    "msort": ("np.sort(a, axis=0)", lambda: _msort),
    "asfarray": ("np.asarray(a, dtype=np.float64)", lambda: _asfarray),
    "mat": ("np.asmatrix", lambda: np.asmatrix),
    "issubclass_": ("issubclass", lambda: issubclass),
    "NaN": ("np.nan", lambda: np.nan),
    "NAN": ("np.nan", lambda: np.nan),
    "Inf": ("np.inf", lambda: np.inf),
    "Infinity": ("np.inf", lambda: np.inf),
    "infty": ("np.inf", lambda: np.inf),
    "PINF": ("np.inf", lambda: np.inf),
    "NINF": ("-np.inf", lambda: -np.inf),
    "PZERO": ("0.0", lambda: 0.0),
    "NZERO": ("-0.0", lambda: -0.0),
    "float_": ("np.float64", lambda: np.float64),
    "complex_": ("np.complex128", lambda: np.complex128),
    "cfloat": ("np.complex128", lambda: np.complex128),
    "singlecomplex": ("np.complex64", lambda: np.complex64),
    "longfloat": ("np.longdouble", lambda: np.longdouble),
    "longcomplex": ("np.clongdouble", lambda: np.clongdouble),
    "clongfloat": ("np.clongdouble", lambda: np.clongdouble),
    "string_": ("np.bytes_", lambda: np.bytes_),
    "unicode_": ("np.str_", lambda: np.str_),
    "RankWarning": ("np.exceptions.RankWarning", lambda: np.exceptions.RankWarning),
}

_ORIGINAL: dict[str, Any] = {}


def _getattr(name: str) -> Any:
    alias = ALIASES.get(name)
    if alias is not None:
        replacement, value = alias
        warnings.warn(
            f"np.{name} was removed in NumPy 2.0; shim.ray_compat restores it for legacy code. "
            f"Use {replacement} instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return value()
    original = _ORIGINAL.get("getattr")
    if original is None:
        raise AttributeError(f"module 'numpy' has no attribute {name!r}")
    return original(name)


def is_installed() -> bool:
    """True while the aliases are active."""
    return np.__dict__.get("__getattr__") is _getattr


def install() -> None:
    """Restores the removed names on numpy 2 (idempotent; a no-op on numpy 1, which has them)."""
    if is_installed() or int(np.__version__.split(".")[0]) < 2:
        return
    _ORIGINAL["getattr"] = np.__dict__.get("__getattr__")
    setattr(np, "__getattr__", _getattr)  # noqa: B010 -- a module attribute numpy reads


def uninstall() -> None:
    """Puts numpy's own ``__getattr__`` back (idempotent)."""
    if not is_installed():
        return
    original = _ORIGINAL.pop("getattr", None)
    if original is None:
        del np.__getattr__
    else:
        setattr(np, "__getattr__", original)  # noqa: B010
