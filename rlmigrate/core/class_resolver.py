"""The one allow-list resolver for class names read from data (checkpoints, configs).

Importing a module runs its top-level code, so a dotted name read from a file must never
reach ``importlib.import_module`` unless the caller trusts that module. Every place that turns
a dotted name from a checkpoint into a class goes through :func:`resolve_class`:

* ``rlmigrate`` module checkpoints (``module_class``, ``catalog_class`` in ``metadata.json``);
* shim Policy checkpoints (``policy_class``, ``{"__class__": ...}`` values in the config);
* names the code built *from* a checkpoint resolves later: ``config.model.custom_model``
  (``shim.models.catalog``) and ``config.exploration_config.type`` (``shim.policy.exploration``).

A name resolves, in this order, from a registry the caller passes (``ModelCatalog``'s
registered names, the built-in exploration classes), from a module that is *already imported*
(reading an attribute of an imported module runs no new code; only when ``trust_imported``),
or by importing a module under an allowed prefix (``rlmigrate``, ``shim`` and what the caller
allowed). Anything else raises :class:`ClassNotAllowedError` without importing.

Loaders open a :func:`checkpoint_imports` scope around everything they construct, so names
resolved deep inside a constructor (a ``custom_model`` string in a model config) obey the
checkpoint's allow-list too. Outside such a scope a caller's *own* configs keep RLlib's
behaviour (a dotted ``custom_model`` is imported), because that is the user's code.

Example:
    >>> from rlmigrate.core.class_resolver import resolve_class
    >>> resolve_class("rlmigrate.core.rl_module.RLModule", base=object, what="module_class",
    ...               allowed=("rlmigrate",)).__name__
    'RLModule'
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import importlib
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from rlmigrate.core.checkpoint_files import CheckpointError

__all__ = [
    "TRUSTED_PREFIXES",
    "ClassNotAllowedError",
    "LoadScope",
    "checkpoint_imports",
    "active_scope",
    "import_dotted",
    "resolve_class",
]

#: Packages whose modules a checkpoint may always name: our own code.
TRUSTED_PREFIXES: tuple[str, ...] = ("rlmigrate", "shim")


class ClassNotAllowedError(CheckpointError):
    """A dotted name from a checkpoint is not registered, not imported and not allowed."""


@dataclasses.dataclass(frozen=True)
class LoadScope:
    """What a checkpoint being loaded may make us import.

    Attributes:
        allowed: module prefixes that may be imported (``"my_project.models"``).
        source: the file the names come from (used in error messages).
        trust_imported: whether names in already-imported modules resolve.
    """

    allowed: tuple[str, ...]
    source: str
    trust_imported: bool = True


_SCOPE: contextvars.ContextVar[LoadScope | None] = contextvars.ContextVar("rlmigrate_load_scope", default=None)


def normalize_prefixes(prefixes: Iterable[str] | str) -> tuple[str, ...]:
    """``TRUSTED_PREFIXES`` plus ``prefixes`` (a str counts as one), trailing dots dropped."""
    if isinstance(prefixes, str):
        prefixes = [prefixes]
    extra = tuple(str(p).rstrip(".") for p in prefixes if str(p).rstrip("."))
    return TRUSTED_PREFIXES + tuple(p for p in extra if p not in TRUSTED_PREFIXES)


@contextlib.contextmanager
def checkpoint_imports(allowed: Iterable[str] | str, source: str, *, trust_imported: bool = True) -> Iterator[LoadScope]:
    """Restrict every dotted-name import inside the ``with`` block to ``allowed``.

    Nested scopes keep the narrowest view: the inner scope's prefixes are intersected with
    the outer's (a sub-checkpoint never widens what its parent allowed).
    """
    prefixes = normalize_prefixes(allowed)
    outer = _SCOPE.get()
    if outer is not None:
        prefixes = tuple(p for p in prefixes if _under(p, outer.allowed))
        trust_imported = trust_imported and outer.trust_imported
    scope = LoadScope(prefixes, source, trust_imported)
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)


def active_scope() -> LoadScope | None:
    """The innermost :func:`checkpoint_imports` scope, or None outside any load."""
    return _SCOPE.get()


def _under(module_name: str, prefixes: Iterable[str]) -> bool:
    return any(module_name == p or module_name.startswith(p + ".") for p in prefixes)


def _walk(obj: Any, attrs: list[str]) -> Any:
    for attr in attrs:
        obj = getattr(obj, attr)
    return obj


def import_dotted(path: str, *, allowed: tuple[str, ...] | None, trust_imported: bool = True) -> Any:
    """The object at ``package.module.Attr[.Inner]``, importing only allowed modules.

    Args:
        path: a dotted path; the longest module prefix that resolves wins.
        allowed: module prefixes that may be imported; None imports anything (the caller's
            own code path, never a checkpoint's).
        trust_imported: resolve from modules already in ``sys.modules`` (no code runs).

    Raises:
        LookupError: no (allowed) module prefix and attribute chain matches ``path``.
    """
    parts = path.split(".")
    for split in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:split])
        module = sys.modules.get(module_name)
        if module is None or not trust_imported:
            if allowed is not None and not _under(module_name, allowed):
                continue
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
        try:
            return _walk(module, parts[split:])
        except AttributeError:
            continue
    raise LookupError(path)


def resolve_class(
    path: Any,
    *,
    base: type,
    what: str,
    allowed: Iterable[str] | None = None,
    registry: Mapping[str, Any] | None = None,
    trust_imported: bool = True,
    source: str | None = None,
) -> type:
    """Resolve ``path`` to a subclass of ``base`` through the allow-list.

    Args:
        path: a class (returned if it subclasses ``base``), a registered name, or a dotted path.
        base: the class the result must subclass (``RLModule``, ``ModelV2``, ``Exploration``).
        what: the field the name comes from, for messages (``"config.model.custom_model"``).
        allowed: importable module prefixes (``rlmigrate``/``shim`` are always added).
            None: use the active :func:`checkpoint_imports` scope; outside any scope the
            caller's own name is imported freely (RLlib's behaviour for user configs).
        registry: ``{name: class}`` consulted first (``ModelCatalog`` registrations).
        trust_imported: resolve from already-imported modules (no code runs).
        source: the file ``path`` was read from (defaults to the scope's).

    Raises:
        ClassNotAllowedError: the name would need importing a module outside the allow-list
            (nothing is imported), or is not importable at all inside a load.
        CheckpointError: inside a load, the object found is not a ``base`` subclass.
        ValueError: outside a load, the same two problems (the caller's own config).
    """
    scope = active_scope()
    if allowed is not None:
        prefixes: tuple[str, ...] | None = normalize_prefixes(allowed)
    elif scope is not None:
        prefixes, trust_imported = scope.allowed, trust_imported and scope.trust_imported
    else:
        prefixes = None
    source = source or (scope.source if scope is not None else None)
    where = f"{source}: " if source else ""
    restricted = prefixes is not None
    error: type[ValueError] = CheckpointError if restricted else ValueError

    if isinstance(path, type):
        found: Any = path
    elif not isinstance(path, str) or not path:
        raise error(f"{where}{what} must be a class or a non-empty dotted name, got {path!r}")
    elif registry is not None and path in registry:
        found = registry[path]
    elif "." not in path or any(not part.isidentifier() for part in path.split(".")):
        known = f"; registered names: {sorted(registry)}" if registry is not None else ""
        raise error(f"{where}{what} {path!r} is not a registered name or a dotted module.Class path{known}")
    else:
        try:
            found = import_dotted(path, allowed=prefixes, trust_imported=trust_imported)
        except LookupError:
            module_name = path.rpartition(".")[0]
            if not restricted:
                raise ValueError(f"{what} {path!r} could not be imported (no module.Class matches)") from None
            raise ClassNotAllowedError(
                f"{where}{what} {path!r} is not importable from an allowed module "
                f"({list(prefixes or ())}{', or already imported' if trust_imported else ''}); a "
                f"checkpoint never imports other modules, because importing runs their code: "
                f"import it yourself first, pass module_class=<the class>, or pass "
                f"allowed_modules=[{module_name!r}]"
            ) from None
    if not isinstance(found, type):
        raise error(f"{where}{what} {path!r} names {found!r}, which is not a class")
    if not issubclass(found, base):
        raise error(f"{where}{what} {path!r} is {found!r}, not a subclass of {base.__name__}")
    return found
