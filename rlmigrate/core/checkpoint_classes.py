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

_TRUSTED_PREFIX = "rlmigrate"


def _allowed_prefixes(allowed_modules: Iterable[str], module_class: type | None) -> tuple[str, ...]:
    """``rlmigrate``, the caller's ``allowed_modules`` and the module of ``module_class``."""
    from rlmigrate.core.rl_module import RLModule

    if isinstance(allowed_modules, str):
        allowed_modules = [allowed_modules]
    allowed = (_TRUSTED_PREFIX, *allowed_modules)
    if module_class is not None:
        if not (isinstance(module_class, type) and issubclass(module_class, RLModule)):
            raise CheckpointError(f"module_class must be an RLModule subclass, got {module_class!r}")
        allowed = (*allowed, module_class.__module__)
    return allowed


def _allowed(module_name: str, allowed: Iterable[str]) -> bool:
    return any(module_name == prefix or module_name.startswith(prefix + ".") for prefix in allowed)


def _resolve_class(path: Any, base: type, allowed: tuple[str, ...], what: str) -> type:
    """Import the class at ``path`` only from allowed modules; it must subclass ``base``."""
    if not isinstance(path, str) or not path:
        raise CheckpointError(f"{what} class path must be a non-empty str, got {path!r}")
    from rlmigrate.core.spec import import_class

    try:
        obj = import_class(path, module_allowed=lambda name: _allowed(name, allowed))
    except TypeError as error:
        raise CheckpointError(f"{what} {error}") from None
    except ValueError:
        obj = None
    if obj is not None:
        if issubclass(obj, base):
            return obj
        raise CheckpointError(f"{what} {path!r} is {obj!r}, not a subclass of {base.__name__}")
    raise CheckpointError(
        f"{what} {path!r} is not importable from an allowed module ({list(allowed)}); classes "
        f"outside rlmigrate are imported only when the caller allows them: pass "
        f"module_class=<the class> or allowed_modules=[{path.rsplit('.', 1)[0]!r}]"
    )


def _module_ctor_kwargs(metadata: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    from rlmigrate.core.spaces import space_from_dict
    from rlmigrate.models.catalog import Catalog

    kwargs = dict(metadata["ctor_kwargs"])
    try:
        for key in _SPACE_KEYS:
            if kwargs.get(key) is not None:
                kwargs[key] = space_from_dict(kwargs[key])
    except (ValueError, KeyError, TypeError) as err:
        raise CheckpointError(f"bad space in checkpoint metadata: {err}") from None
    if metadata["kind"] == "single":
        catalog = metadata.get("catalog_class")
        kwargs["catalog_class"] = _resolve_class(catalog, Catalog, allowed, "catalog_class") if catalog else None
    return kwargs


def _construct(cls: type, ctor_kwargs: dict[str, Any]) -> RLModule:
    try:
        return cls(**ctor_kwargs)
    except TypeError:
        # RLlib 2.10-style modules take one positional RLModuleConfig.
        from rlmigrate.core.rl_module import RLModuleConfig

        if "rl_module_specs" in ctor_kwargs:
            raise
        config = RLModuleConfig(
            observation_space=ctor_kwargs.get("observation_space"),
            action_space=ctor_kwargs.get("action_space"),
            inference_only=bool(ctor_kwargs.get("inference_only")),
            learner_only=bool(ctor_kwargs.get("learner_only")),
            model_config_dict=ctor_kwargs.get("model_config"),
            catalog_class=ctor_kwargs.get("catalog_class"),
        )
        return cls(config)
