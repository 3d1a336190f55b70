"""Which classes a checkpoint may name, and how they are imported and built.

Importing a module runs its top-level code, so a class path read from ``metadata.json`` is
imported only when its module is under ``rlmigrate`` or under a prefix the caller allowed
(``allowed_modules=`` or the module of an explicit ``module_class=``); after import it must
subclass the expected base (``RLModule`` or ``Catalog``). Nothing else here touches files.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rlmigrate.core.checkpoint_files import _SPACE_KEYS, CheckpointError

if TYPE_CHECKING:
    from rlmigrate.core.rl_module import RLModule


def _allowed_prefixes(allowed_modules: Iterable[str], module_class: type | None) -> tuple[str, ...]:
    """``rlmigrate``/``shim``, the caller's ``allowed_modules`` and the module of ``module_class``."""
    from rlmigrate.core.class_resolver import normalize_prefixes
    from rlmigrate.core.rl_module import RLModule

    allowed = normalize_prefixes(allowed_modules)
    if module_class is not None:
        if not (isinstance(module_class, type) and issubclass(module_class, RLModule)):
            raise CheckpointError(f"module_class must be an RLModule subclass, got {module_class!r}")
        allowed = (*allowed, module_class.__module__)
    return allowed


def _resolve_class(path: Any, base: type, allowed: tuple[str, ...], what: str, source: str) -> type:
    """Import the class at ``path`` only from allowed modules; it must subclass ``base``.

    Module checkpoints do not trust already-imported modules: the caller names what may be
    built (``module_class=`` / ``allowed_modules=``), so a test helper or a plugin that happens
    to be imported is not silently constructible from a file.
    """
    from rlmigrate.core.class_resolver import resolve_class

    return resolve_class(path, base=base, what=what, allowed=allowed, trust_imported=False, source=source)


#: Constructor arguments RLModule itself reads, and the JSON types they must have.
_CTOR_FIELD_TYPES = (
    ("inference_only", (bool, type(None)), "a boolean or null"),
    ("learner_only", (bool, type(None)), "a boolean or null"),
    ("model_config", (dict, type(None)), "an object or null"),
    ("observation_space", (dict, type(None)), "a space object or null"),
    ("action_space", (dict, type(None)), "a space object or null"),
)


def _module_ctor_kwargs(metadata: dict[str, Any], allowed: tuple[str, ...], source: str) -> dict[str, Any]:
    from rlmigrate.core.spaces import space_from_dict
    from rlmigrate.models.catalog import Catalog

    kwargs = dict(metadata["ctor_kwargs"])
    for key, types, expected in _CTOR_FIELD_TYPES:
        if key in kwargs and not isinstance(kwargs[key], types):
            raise CheckpointError(f"{source}: field ctor_kwargs.{key} must be {expected}, got {kwargs[key]!r:.80}")
    if "rl_module_specs" in kwargs or "catalog_class" in kwargs:
        raise CheckpointError(f"{source}: field ctor_kwargs may not hold rl_module_specs or catalog_class (stored apart)")
    try:
        for key in _SPACE_KEYS:
            if kwargs.get(key) is not None:
                kwargs[key] = space_from_dict(kwargs[key])
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as err:
        raise CheckpointError(f"{source}: field ctor_kwargs.{key} is not a valid space: {err!r}") from None
    if metadata["kind"] == "single":
        catalog = metadata.get("catalog_class")
        kwargs["catalog_class"] = _resolve_class(catalog, Catalog, allowed, "catalog_class", source) if catalog else None
    return kwargs


def _construct(cls: type, ctor_kwargs: dict[str, Any]) -> RLModule:
    """Build ``cls`` from stored kwargs (2.10-style classes get an ``RLModuleConfig``)."""
    from rlmigrate.core.spec import construct_module

    if "rl_module_specs" in ctor_kwargs:
        return cls(**ctor_kwargs)
    return construct_module(cls, ctor_kwargs)


def _construct_from(cls: type, ctor_kwargs: dict[str, Any], source: str) -> RLModule:
    """:func:`_construct`, with a constructor's failure on stored arguments named as a bad checkpoint."""
    try:
        return _construct(cls, ctor_kwargs)
    except CheckpointError:
        raise
    except Exception as err:  # noqa: BLE001 - the values come from a file; say which
        raise CheckpointError(
            f"{source}: building {cls.__name__} from field ctor_kwargs failed: {type(err).__name__}: {err}"
        ) from err
