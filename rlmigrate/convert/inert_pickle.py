"""Read a pickle without running anything it names: numpy's arrays come out, nothing else runs.

Ray 2.x legacy checkpoints (``policy_state.pkl``, ``algorithm_state.pkl``) are pickles. Besides
the weights (numpy arrays) they name dozens of globals: ``packaging.version.Version``,
``ray.rllib...DefaultCallbacks``, ``SimpleListCollector``, cloudpickle's ``_make_function`` with
the user's policy-mapping function's byte code, and anything a user put into their config.
A normal ``pickle.load`` imports every one of those modules (running their top-level code) and
calls whatever the pickle says to call, e.g. ``os.system``.

:func:`load_inert` uses :class:`pickle.Unpickler` with a ``find_class`` that never imports:

* only numpy's array/dtype reconstruction functions are real (the exact list is
  :data:`REAL_GLOBALS`; they build arrays from bytes and call nothing else), plus
  ``_codecs.encode`` restricted to ``(str, "latin1")``, which protocols 2-3 use to spell bytes;
* every other global becomes an :class:`InertGlobal`, a stand-in class named after it. Calling
  it, ``__new__``-ing it, setting its state, items or list items only *records* what the pickle
  asked for (:class:`InertObject`), so the structure around the weights survives for reading
  (``config["model"]``) and nothing is imported, called or executed.

Example:
    >>> import pickle, numpy as np
    >>> blob = pickle.dumps({"weights": {"w": np.ones(2, np.float32)}})
    >>> load_inert(blob)["weights"]["w"]
    array([1., 1.], dtype=float32)
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["InertGlobal", "InertObject", "InertPickleError", "REAL_GLOBALS", "load_inert"]


class InertPickleError(ValueError):
    """The bytes are not a pickle this reader can walk (truncated, corrupt, unknown opcode)."""


def _numpy_globals() -> dict[tuple[str, str], Any]:
    """numpy's reconstruction callables under every module path numpy 1.x and 2.x pickle them."""
    from numpy.lib import format as _format  # noqa: F401  (ensures numpy's submodules are loaded)

    try:
        from numpy._core import multiarray as core_multiarray
        from numpy._core import numeric as core_numeric
    except ImportError:  # numpy 1.x
        from numpy.core import multiarray as core_multiarray  # type: ignore[no-redef]
        from numpy.core import numeric as core_numeric  # type: ignore[no-redef]
    table: dict[tuple[str, str], Any] = {("numpy", "dtype"): np.dtype, ("numpy", "ndarray"): np.ndarray}
    for prefix in ("numpy.core", "numpy._core"):
        table[(f"{prefix}.multiarray", "_reconstruct")] = core_multiarray._reconstruct
        table[(f"{prefix}.multiarray", "scalar")] = core_multiarray.scalar
        table[(f"{prefix}.numeric", "_frombuffer")] = core_numeric._frombuffer
    table[("_codecs", "encode")] = _latin1_bytes
    return table


def _latin1_bytes(text: object, encoding: object = "utf-8") -> bytes:
    """Pickle protocols 2-3 spell ``bytes`` (numpy's array data) as ``_codecs.encode(s, "latin1")``.

    Only that exact use is honoured: a ``str`` and the latin-1 codec, giving bytes.
    """
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise ValueError("_codecs.encode is only honoured as encode(str, 'latin1')")
    return text.encode("latin-1")


#: ``(module, name)`` -> the real callable; everything else is inert.
REAL_GLOBALS: dict[tuple[str, str], Any] = _numpy_globals()


class InertObject:
    """What calling or instantiating an inert global produced: a record, never a real object.

    Attributes:
        inert_global: ``"module.name"`` of the global the pickle named.
        args: positional arguments the pickle passed (``REDUCE`` / ``NEWOBJ``).
        kwargs: keyword arguments (``NEWOBJ_EX``).
        state: what ``BUILD`` set (``__setstate__``), or ``None``.
        items: what ``SETITEMS`` stored (dict subclasses such as ``defaultdict``).
        list_items: what ``APPENDS`` stored (list subclasses).
    """

    def __init__(self, inert_global: str, args: tuple = (), kwargs: dict | None = None) -> None:
        self.inert_global = inert_global
        self.args = args
        self.kwargs = dict(kwargs or {})
        self.state: Any = None
        self.items: dict[Any, Any] = {}
        self.list_items: list[Any] = []

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def __setitem__(self, key: Any, value: Any) -> None:
        self.items[key] = value

    def append(self, value: Any) -> None:
        self.list_items.append(value)

    def extend(self, values: Any) -> None:
        self.list_items.extend(values)

    def __call__(self, *args: Any, **kwargs: Any) -> InertObject:
        return InertObject(f"{self.inert_global}(...)", args, kwargs)

    def __repr__(self) -> str:
        return f"<inert {self.inert_global}>"


class InertGlobal:
    """Base of the stand-in classes :func:`load_inert` makes for globals it will not import."""

    inert_global = "?"

    def __new__(cls, *args: Any, **kwargs: Any) -> InertObject:  # type: ignore[misc]
        return InertObject(cls.inert_global, args, kwargs)


class _InertUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file)
        self.named_globals: list[str] = []

    def find_class(self, module: str, name: str) -> Any:
        real = REAL_GLOBALS.get((module, name))
        dotted = f"{module}.{name}"
        self.named_globals.append(dotted)
        if real is not None:
            return real
        return type(f"Inert[{dotted}]", (InertGlobal,), {"inert_global": dotted})

    def persistent_load(self, pid: Any) -> Any:
        return InertObject(f"persistent:{pid!r}")


def load_inert(data: bytes, *, where: str = "<bytes>") -> Any:
    """Unpickles ``data`` with every non-numpy global inert (see the module docstring).

    Args:
        data: the pickle's bytes (protocols 0-5).
        where: a name for error messages (the file path).

    Raises:
        InertPickleError: naming ``where`` and the reason when the bytes are not a readable pickle.
    """
    return load_inert_with_globals(data, where=where)[0]


def load_inert_with_globals(data: bytes, *, where: str = "<bytes>") -> tuple[Any, list[str]]:
    """Like :func:`load_inert`, also returning every ``module.name`` the pickle named, in order."""
    unpickler = _InertUnpickler(io.BytesIO(data))
    try:
        return unpickler.load(), unpickler.named_globals
    except RecursionError as err:
        raise InertPickleError(f"{where}: pickle nested too deeply to read") from err
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError,
            AttributeError, MemoryError, OverflowError) as err:
        raise InertPickleError(f"{where}: not a readable pickle ({type(err).__name__}: {err})") from err


def iter_inert(value: Any) -> Iterator[InertObject]:
    """Every :class:`InertObject` inside nested dicts/lists/tuples (for reports and tests)."""
    stack = [value]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, InertObject):
            yield item
            stack.extend([item.args, item.kwargs, item.state, item.items, item.list_items])
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
