"""Registered names for migrated models: what ``custom_model`` / ``custom_action_dist`` meant.

A legacy policy without a ``make_model`` hook acted with whatever ``config["model"]`` named:
``ModelCatalog`` built the class registered as ``custom_model`` (and sampled from the one
registered as ``custom_action_dist``), else RLlib's default model. One policy class often ran
with several models, one per experiment config. The module the codemod generates for such a
policy keeps that behaviour: built with a ``model_config`` that names a ``custom_model``, it is
the migrated module registered under that name (:func:`register_custom_module`), with the
migrated distribution registered as its ``custom_action_dist``
(:func:`register_custom_action_dist`); without one, it is the algorithm's default module.

A dotted ``module.Class`` name resolves by import, as ``ModelCatalog`` imported one; inside a
checkpoint load (:func:`rlmigrate.core.class_resolver.checkpoint_imports`) the load's
allow-list applies, as for every name read from data.

Example:
    >>> from rlmigrate.core.custom_models import register_custom_module, registered_modules
    >>> from rlmigrate.modules.ppo import PPOTorchRLModule
    >>> register_custom_module("my_model", PPOTorchRLModule)
    >>> registered_modules()["my_model"].__name__
    'PPOTorchRLModule'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "custom_model_module",
    "register_custom_action_dist",
    "register_custom_module",
    "registered_action_dists",
    "registered_modules",
]

_MODULES: dict[str, type] = {}
_ACTION_DISTS: dict[str, type] = {}


def register_custom_module(name: str, module_class: type) -> None:
    """Register the migrated ``module_class`` (an RLModule subclass) as ``custom_model`` ``name``.

    The counterpart of ``ModelCatalog.register_custom_model(name, LegacyModel)`` once
    ``LegacyModel`` is a module: a module generated for a policy that acted with its config's
    model builds ``module_class`` when its ``model_config["custom_model"]`` is ``name``.

    Raises:
        TypeError: ``module_class`` is not an RLModule subclass.
    """
    from rlmigrate.core.rl_module import RLModule

    if not (isinstance(module_class, type) and issubclass(module_class, RLModule)):
        raise TypeError(f"register_custom_module({name!r}, ...): expected an RLModule subclass (the "
                        f"migrated model), got {module_class!r}")
    _MODULES[name] = module_class


def register_custom_action_dist(name: str, dist_class: type) -> None:
    """Register the migrated ``dist_class`` as ``custom_action_dist`` ``name``: the counterpart
    of ``ModelCatalog.register_custom_action_dist``.

    ``dist_class`` is a ``Distribution`` subclass, or a model-aware legacy distribution kept in
    the legacy contract (built as ``cls(inputs, model)``, its stages calling the model): the
    module built with that name binds it to itself
    (:mod:`rlmigrate.distributions.model_aware`).

    Raises:
        TypeError: ``dist_class`` is neither.
    """
    from rlmigrate.distributions.base import Distribution
    from rlmigrate.distributions.model_aware import is_legacy_contract

    if not (isinstance(dist_class, type) and issubclass(dist_class, Distribution)) \
            and not is_legacy_contract(dist_class):
        raise TypeError(f"register_custom_action_dist({name!r}, ...): expected a Distribution subclass "
                        f"(the migrated distribution) or a legacy ActionDistribution class built as "
                        f"cls(inputs, model), got {dist_class!r}")
    _ACTION_DISTS[name] = dist_class


def registered_modules() -> dict[str, type]:
    """A copy of the ``custom_model`` name -> module class registry."""
    return dict(_MODULES)


def registered_action_dists() -> dict[str, type]:
    """A copy of the ``custom_action_dist`` name -> distribution class registry."""
    return dict(_ACTION_DISTS)


def _model_config_of(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Mapping[str, Any] | None:
    config = kwargs.get("model_config")
    if config is None and args:  # the deprecated RLModuleConfig, first positional argument
        config = getattr(args[0], "model_config_dict", None)
    return config if isinstance(config, Mapping) else None


def custom_model_module(args: tuple[Any, ...], kwargs: dict[str, Any], *,
                        model_defaults: Mapping[str, Any] | None = None) -> Any | None:
    """The module a legacy ``ModelCatalog`` user meant, built from a module's constructor
    arguments, or None when the model config names no ``custom_model`` (the caller's own
    default module then).

    ``model_defaults`` fill keys the model config lacks (the legacy algorithm's model config,
    e.g. PPO's ``vf_share_layers=False``), as the legacy policy's config gave them to its model.

    Raises:
        ValueError: ``custom_model`` (or ``custom_action_dist``) names neither a registered
            migrated class nor an importable ``module.Class``; the message says which
            register call is missing. Or the config also sets ``use_lstm`` / ``use_attention``,
            which wrapped the legacy model in a recurrent layer no migrated module has.
    """
    from rlmigrate.core.class_resolver import resolve_class
    from rlmigrate.core.legacy_config import migrated_model_config
    from rlmigrate.core.rl_module import RLModule

    model_config = _model_config_of(args, kwargs)
    name = (model_config or {}).get("custom_model")
    if not name:
        return None
    wrapper = next((k for k in ("use_lstm", "use_attention") if (model_config or {}).get(k)), None)
    if wrapper is not None:
        raise ValueError(
            f"model_config sets custom_model {name!r} with {wrapper}=True: the legacy policy ran that model "
            f"inside RLlib's {'LSTMWrapper' if wrapper == 'use_lstm' else 'AttentionWrapper'} (built with "
            "num_outputs=None, its features into the recurrent layer, then the wrapper's logits and value "
            "heads), and a migrated module is never wrapped: port the recurrent layer into the module "
            f"(a stateful _forward with Columns.STATE_IN/STATE_OUT) and drop {wrapper} from the config")
    try:
        module_class = resolve_class(name, base=RLModule, what="model_config['custom_model']",
                                     registry=_MODULES)
    except ValueError as err:
        raise ValueError(f"{err}: the legacy policy built the model registered as {name!r}; register "
                         f"its migrated module with register_custom_module({name!r}, <module class>)") from None
    dist_name = (model_config or {}).get("custom_action_dist")
    dist_class = None
    if dist_name:
        try:
            dist_class = resolve_class(dist_name, base=object, what="model_config['custom_action_dist']",
                                       registry=_ACTION_DISTS)
        except ValueError as err:
            raise ValueError(f"{err}: the legacy policy sampled from the distribution registered as "
                             f"{dist_name!r}; register its migrated distribution with "
                             f"register_custom_action_dist({dist_name!r}, <distribution class>)") from None
    if "model_config" in kwargs:  # what RLModuleSpec(module_class=...) of the named class carries
        kwargs = {**kwargs, "model_config": {**(model_defaults or {}), **migrated_model_config(model_config)}}
    module = module_class(*args, **kwargs)
    if dist_class is not None:  # what ModelCatalog.get_action_dist returned for the policy
        module.action_dist_cls = _module_dist_class(dist_class, module, str(dist_name))
    return module


def _module_dist_class(dist_class: Any, module: Any, name: str) -> type:
    """``dist_class`` for ``module``: a new-stack ``Distribution`` as it is; a legacy-contract
    one (built as ``cls(inputs, model)``: a model-aware distribution the codemod keeps) bound to
    the module in the model's place (:func:`rlmigrate.distributions.model_aware.bind_to_module`).

    Raises:
        TypeError: neither (the name resolved to some other class).
    """
    from rlmigrate.distributions.base import Distribution
    from rlmigrate.distributions.model_aware import bind_to_module, is_legacy_contract

    if isinstance(dist_class, type) and issubclass(dist_class, Distribution):
        return dist_class
    if is_legacy_contract(dist_class):
        return bind_to_module(dist_class, module)
    raise TypeError(f"model_config['custom_action_dist'] {name!r} resolved to {dist_class!r}: expected a "
                    "Distribution subclass or a legacy ActionDistribution class (cls(inputs, model))")
