"""The lazy ``ray...`` modules ``shim.ray_compat`` creates, and how each attribute resolves.

An attribute ``name`` of the served module ``path`` resolves, in order, to:

1. the shim's real implementation (``served.SOURCES[path]`` modules that have ``name``);
2. what Ray 2.10 binds there, read from the inventory: a re-export from another Ray module
   (followed, so ``ray.rllib.SampleBatch`` is ``ray.rllib.policy.sample_batch.SampleBatch``),
   a real outside object (``typing.Dict``, ``numpy``), a literal constant, a framework handle
   (``torch``, ``nn``, ``tf``);
3. a placeholder (:mod:`shim.placeholders`) for names Ray defines and the shim
   does not implement: importable, raising one clear error when used;
4. a sub-module of ``path``.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
import typing
from typing import Any

from shim.placeholders import (
    NotInShimError,
    PortToTorchError,
    TFStub,
    TrainingSideError,
    example_message,
    not_in_shim_message,
    placeholder,
    tf_message,
    training_message,
)
from shim.ray_compat import inventory, served
from shim.ray_compat.errors import unserved_error

__all__ = ["make_module", "resolve", "placeholder_for"]

_MISSING = object()
_PLACEHOLDERS: dict[tuple[str, str], type] = {}
_RESOLVING = threading.local()

#: Packages whose own ``__init__`` is outside the inventory (only its rllib/tune children are
#: walked): any name on them is Ray's (``ray.init``, ``ray.ObjectRef``), so it gets a placeholder.
PARTIAL_PACKAGES = ("ray", "ray.util")

#: Outside modules a Ray name may re-export that the shim imports for real.
_REAL_EXTERNALS = (
    "typing",
    "collections",
    "abc",
    "enum",
    "functools",
    "logging",
    "numpy",
    "gymnasium",
    "gym",
    "torch",
    "tree",
    "dataclasses",
    "copy",
    "math",
    "os",
    "re",
    "json",
    "time",
    "random",
    "pickle",
    "inspect",
    "itertools",
    "contextlib",
    "threading",
    "warnings",
)


def placeholder_for(module: str, name: str) -> type:
    """The (cached) placeholder standing for ``module.name``; its kind follows served.category."""
    key = (module, name)
    if key not in _PLACEHOLDERS:
        qualname = f"{module}.{name}"
        kind = served.category(module, name)
        error: type[NotInShimError]
        if kind == "example":
            error, message = NotInShimError, example_message(qualname)
        elif kind == "tf":
            error, message = PortToTorchError, tf_message(qualname)
        elif kind == "training":
            error, message = TrainingSideError, training_message(qualname)
        else:
            error, message = NotInShimError, not_in_shim_message(qualname)
        _PLACEHOLDERS[key] = placeholder(module, name, error, message)
    return _PLACEHOLDERS[key]


def _framework_var(name: str) -> Any:
    if name == "torch":
        import torch

        return torch
    if name == "nn":
        from torch import nn

        return nn
    if name == "F":
        from torch.nn import functional

        return functional
    if name == "tf":
        return TFStub()
    return None  # tf1, tfv, tfp: what Ray binds when TensorFlow is absent


def _external(module: str, name: str | None) -> Any:
    top = module.split(".")[0]
    if top not in _REAL_EXTERNALS:
        return _MISSING
    try:
        target = importlib.import_module(module)
    except Exception:  # noqa: BLE001 -- e.g. gymnasium's DependencyNotInstalled for MuJoCo
        return _MISSING
    if name is None:
        return target
    return getattr(target, name, _MISSING)


def _from_inventory(path: str, name: str) -> Any:
    rec = inventory.record(path)
    entry = rec["names"].get(name, _MISSING) if rec else _MISSING
    if entry is _MISSING:
        return _MISSING
    if isinstance(entry, list):
        kind = entry[0]
        if kind == "const":
            return entry[1]
        if kind == "ext":
            value = _external(entry[1], entry[2])
            return placeholder_for(entry[1], entry[2] or entry[1]) if value is _MISSING else value
        if kind == "from":
            return resolve(entry[1], entry[2])
        if kind == "module":
            return _import_or_placeholder(entry[1])
    if entry == "var" and name in served.FRAMEWORK_VARS:
        return _framework_var(name)
    if entry == "var" and path == "ray.rllib.utils.typing":
        return typing.Any  # Ray's type aliases; annotations only
    return placeholder_for(path, name)


def _import_or_placeholder(path: str) -> Any:
    try:
        return importlib.import_module(path)
    except ImportError:
        return placeholder_for(*path.rsplit(".", 1))


def resolve(path: str, name: str) -> Any:
    """The object ``from path import name`` gives under the shim (see the module docstring)."""
    if inventory.record(path) is None and not (path == "ray" or path.startswith("ray.")):
        return _external(path, name)
    if inventory.record(path) is None or served.unserved_reason(path):
        # Ray modules outside the inventory (ray.util, ray.air, ...) and unserved ones.
        if path == "ray.rllib.utils.typing":
            return typing.Any
        return placeholder_for(path, name)
    module = importlib.import_module(path)
    value = getattr(module, name, _MISSING)
    if value is _MISSING and (
        path in PARTIAL_PACKAGES or name.startswith("_") or served.category(path, name) == "example"
    ):
        # ``ray.ObjectRef``; private helpers Ray re-exports (the inventory keeps public names)
        value = placeholder_for(path, name)
    if value is _MISSING:
        raise ImportError(f"cannot import name {name!r} from {path!r} (Ray 2.10 has no such name)")
    return value


def _lookup(path: str, name: str) -> Any:
    for source in served.SOURCES.get(path, ()):
        target = importlib.import_module(source)
        value = getattr(target, name, _MISSING)
        if value is not _MISSING:
            return value
    stack: set[tuple[str, str]] = _RESOLVING.__dict__.setdefault("stack", set())
    if (path, name) in stack:  # a re-export cycle in Ray's own source: stop at a placeholder
        return placeholder_for(path, name)
    stack.add((path, name))
    try:
        value = _from_inventory(path, name)
    finally:
        stack.discard((path, name))
    if value is not _MISSING:
        return value
    child = f"{path}.{name}"
    if inventory.record(child) is not None:
        return _child_module(child)
    if (
        path in PARTIAL_PACKAGES or served.category(path, name) == "example"
    ) and not name.startswith("_"):
        return placeholder_for(path, name)  # names of Ray's example files are not inventoried
    return _MISSING


def _child_module(child: str) -> types.ModuleType:
    """The served sub-module ``child``, reached as an attribute of its parent.

    While the finder is installed (or ``child`` is loaded) this is a plain import. After
    ``uninstall()`` — ``rlmigrate verify`` removes the finder once a legacy file is loaded — a
    module object the file kept still resolves its sub-modules, as under Ray 2.10: a file that
    does ``import ray`` and calls ``ray.rllib.algorithms.ppo.ppo.PPOConfig()`` in a policy's
    ``__init__`` builds. The module is made directly, nothing goes back on the import path.
    """
    finder_on = any(type(finder).__module__ == "shim.ray_compat" for finder in sys.meta_path)
    if finder_on or child in sys.modules:
        return importlib.import_module(child)
    if served.unserved_reason(child):
        raise unserved_error(child)
    return make_module(child)


def make_module(path: str) -> types.ModuleType:
    """A module object for the Ray path ``path`` whose attributes resolve lazily."""
    rec = inventory.record(path)
    assert rec is not None, path
    sources = served.SOURCES.get(path, [])
    module = types.ModuleType(
        path,
        f"shim.ray_compat: Ray 2.10's {path} (implementations: {', '.join(sources) or 'none'})",
    )
    if rec["package"]:
        module.__path__ = []
    module.__shim_alias__ = True  # type: ignore[attr-defined]
    module.__all__ = inventory.public_names(path)  # type: ignore[attr-defined]

    def __getattr__(name: str) -> Any:  # noqa: N807
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        value = _lookup(path, name)
        if value is _MISSING:
            raise AttributeError(
                f"shim.ray_compat: Ray 2.10's {path!r} has no attribute {name!r} "
                f"(it has: {', '.join(sorted(rec['names'])[:30]) or 'only sub-modules'})"
            )
        setattr(module, name, value)
        return value

    setattr(module, "__getattr__", __getattr__)  # noqa: B010 -- PEP 562 module __getattr__
    return module
