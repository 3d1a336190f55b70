"""``RLModuleSpec`` and ``MultiRLModuleSpec``: build recipes for modules (RLLIB_REFERENCE §1.3, §1.5.2).

A spec is a dataclass holding a module class, spaces and a model config. It can be
completed field by field (``update``), serialised to JSON (``to_dict``; spaces in RLlib's
JSON form) and built. The 2.10 names ``SingleAgentRLModuleSpec`` / ``MultiAgentRLModuleSpec``
are deprecated subclasses.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
from typing import Any

import gymnasium as gym

from rlmigrate.core.constants import DEFAULT_MODULE_ID
from rlmigrate.core.deprecation import deprecated
from rlmigrate.core.spaces import space_from_dict, space_to_dict

__all__ = [
    "RLModuleSpec",
    "MultiRLModuleSpec",
    "SingleAgentRLModuleSpec",
    "MultiAgentRLModuleSpec",
    "class_path",
    "import_class",
    "construct_module",
    "takes_config_only",
]


def class_path(cls: type) -> str:
    """``module.QualName`` of a class, the form specs and checkpoints store."""
    return f"{cls.__module__}.{cls.__qualname__}"


def import_class(path: str) -> type:
    """Resolve a dotted class path written by :func:`class_path` (nested classes included).

    Goes through the allow-list resolver (:mod:`rlmigrate.core.class_resolver`): inside a
    checkpoint load only allowed or already-imported modules resolve; outside one, the
    caller's own path is imported as RLlib does.

    Raises:
        ValueError: if no importable module prefix and attribute chain matches ``path``, or
            the object found is not a class (a ``CheckpointError`` inside a load).
    """
    from rlmigrate.core.class_resolver import resolve_class

    return resolve_class(path, base=object, what="class path")


def takes_config_only(cls: type) -> bool:
    """True for an RLlib 2.10-style module: ``__init__(self, config)`` and no keyword arguments.

    Decided from the signature, never by calling and catching ``TypeError`` (that would hide
    a real ``TypeError`` raised inside the constructor and build the module twice). A
    constructor that names ``observation_space`` or takes ``**kwargs`` gets keywords.
    """
    try:
        signature = inspect.signature(cls)  # the constructor's parameters, self excluded
    except (TypeError, ValueError):  # builtins without a signature: keywords, as before
        return False
    params = list(signature.parameters.values())
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return False
    if any(p.name == "observation_space" for p in params):
        return False
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return any(p.kind in positional for p in params)


def construct_module(cls: type, kwargs: dict[str, Any]) -> Any:
    """``cls(**kwargs)``, or ``cls(RLModuleConfig(...))`` for a 2.10-style ``cls``.

    ``kwargs`` are the keyword constructor arguments (``observation_space``, ``action_space``,
    ``inference_only``, ``learner_only``, ``model_config``, ``catalog_class``).
    """
    if not takes_config_only(cls):
        return cls(**kwargs)
    from rlmigrate.core.rl_module import RLModuleConfig

    config = RLModuleConfig(
        observation_space=kwargs.get("observation_space"),
        action_space=kwargs.get("action_space"),
        inference_only=bool(kwargs.get("inference_only")),
        learner_only=bool(kwargs.get("learner_only")),
        model_config_dict=_model_config_dict(kwargs.get("model_config")),
        catalog_class=kwargs.get("catalog_class"),
    )
    return cls(config)


def _model_config_dict(model_config: Any) -> dict:
    if dataclasses.is_dataclass(model_config) and not isinstance(model_config, type):
        return dataclasses.asdict(model_config)
    return dict(model_config or {})


@dataclasses.dataclass
class RLModuleSpec:
    """Recipe for one module: ``RLModuleSpec(module_class=..., observation_space=..., ...).build()``.

    Example:
        >>> import gymnasium as gym
        >>> from rlmigrate import RLModuleSpec, PPOTorchRLModule
        >>> spec = RLModuleSpec(module_class=PPOTorchRLModule,
        ...                     observation_space=gym.spaces.Box(-1, 1, (4,)),
        ...                     action_space=gym.spaces.Discrete(2),
        ...                     model_config={"fcnet_hiddens": [32, 32]})
        >>> module = spec.build()
    """

    module_class: type | None = None
    observation_space: gym.Space | None = None
    action_space: gym.Space | None = None
    inference_only: bool = False
    learner_only: bool = False
    model_config: Any = None
    catalog_class: type | None = None
    load_state_path: str | None = None
    model_config_dict: dict | None = None  # 2.10 name, folded into model_config

    def __post_init__(self) -> None:
        if self.model_config_dict is not None:
            deprecated("RLModuleSpec(model_config_dict=...)", "RLModuleSpec(model_config=...)", stacklevel=4)
            if self.model_config is None:
                self.model_config = self.model_config_dict
            self.model_config_dict = None

    def _get_model_config(self) -> dict:
        return _model_config_dict(self.model_config)

    def build(self) -> Any:
        """Instantiate the module (and load ``load_state_path`` if set).

        A 2.10-style ``module_class`` (``__init__(self, config: RLModuleConfig)``) gets an
        ``RLModuleConfig`` positionally; which form is decided from its signature.

        Raises:
            ValueError: if ``module_class``, ``observation_space`` or ``action_space`` is missing.
        """
        missing = [
            name
            for name in ("module_class", "observation_space", "action_space")
            if getattr(self, name) is None
        ]
        if missing:
            raise ValueError(
                f"RLModuleSpec.build() needs {', '.join(missing)}; this spec has "
                f"module_class={self.module_class!r}, observation_space={self.observation_space!r}, "
                f"action_space={self.action_space!r}"
            )
        assert self.module_class is not None  # checked above; for type checkers
        module = construct_module(
            self.module_class,
            {
                "observation_space": self.observation_space,
                "action_space": self.action_space,
                "inference_only": self.inference_only,
                "learner_only": self.learner_only,
                "model_config": self._get_model_config(),
                "catalog_class": self.catalog_class,
            },
        )
        if self.load_state_path:
            module.restore_from_path(self.load_state_path)
        return module

    @classmethod
    def from_module(cls, module: Any) -> RLModuleSpec:
        """The spec that rebuilds ``module`` (same class, spaces, config; fresh weights)."""
        from rlmigrate.core.multi_rl_module import MultiRLModule

        if isinstance(module, MultiRLModule):
            raise ValueError("RLModuleSpec.from_module() got a MultiRLModule; use MultiRLModuleSpec.from_module()")
        catalog_class = type(module.catalog) if module.catalog is not None else module._catalog_class
        return cls(
            module_class=type(module),
            observation_space=module.observation_space,
            action_space=module.action_space,
            inference_only=bool(module.inference_only),
            learner_only=module.learner_only,
            model_config=module.model_config,
            catalog_class=catalog_class,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (class paths as strings, spaces in RLlib's JSON form)."""
        return {
            "module_class": class_path(self.module_class) if self.module_class else None,
            "observation_space": space_to_dict(self.observation_space) if self.observation_space else None,
            "action_space": space_to_dict(self.action_space) if self.action_space else None,
            "inference_only": self.inference_only,
            "learner_only": self.learner_only,
            "model_config": self._get_model_config(),
            "catalog_class": class_path(self.catalog_class) if self.catalog_class else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RLModuleSpec:
        """Inverse of :meth:`to_dict`; also reads RLlib 2.10's ``module_config`` layout."""
        if "module_config" in data:  # 2.10 layout
            config = data["module_config"]
            catalog = config.get("catalog_class_path") or None
            return cls(
                module_class=import_class(data["module_class"]),
                observation_space=space_from_dict(config["observation_space"]),
                action_space=space_from_dict(config["action_space"]),
                model_config=config.get("model_config_dict"),
                catalog_class=import_class(catalog) if catalog else None,
            )
        obs, act = data.get("observation_space"), data.get("action_space")
        return cls(
            module_class=import_class(data["module_class"]) if data.get("module_class") else None,
            observation_space=space_from_dict(obs) if obs else None,
            action_space=space_from_dict(act) if act else None,
            inference_only=data.get("inference_only", False),
            learner_only=data.get("learner_only", False),
            model_config=data.get("model_config"),
            catalog_class=import_class(data["catalog_class"]) if data.get("catalog_class") else None,
        )

    def update(self, other: RLModuleSpec, override: bool = True) -> None:
        """Merge ``other`` into this spec, field by field.

        ``override=True``: ``other``'s set (truthy) fields win. ``override=False``: only
        fills this spec's gaps. ``inference_only`` is OR-ed; ``learner_only`` is AND-ed
        when overriding (RLlib's rule: a module is learner-only only if both say so).
        """
        if not isinstance(other, RLModuleSpec):
            raise ValueError(f"RLModuleSpec.update() needs an RLModuleSpec, got {type(other).__name__}")
        fields = ("module_class", "observation_space", "action_space", "model_config", "catalog_class", "load_state_path")
        for name in fields:
            mine, theirs = getattr(self, name), getattr(other, name)
            setattr(self, name, (theirs or mine) if override else (mine or theirs))
        if override:
            self.inference_only = other.inference_only or self.inference_only
            self.learner_only = other.learner_only and self.learner_only

    def as_multi_rl_module_spec(self) -> MultiRLModuleSpec:
        return MultiRLModuleSpec(rl_module_specs={DEFAULT_MODULE_ID: self}, load_state_path=self.load_state_path)

    def as_multi_agent(self) -> MultiRLModuleSpec:
        deprecated("RLModuleSpec.as_multi_agent()", "RLModuleSpec.as_multi_rl_module_spec()")
        return self.as_multi_rl_module_spec()


class SingleAgentRLModuleSpec(RLModuleSpec):
    """RLlib 2.10 name of :class:`RLModuleSpec` (deprecated)."""

    def __post_init__(self) -> None:
        deprecated("SingleAgentRLModuleSpec", "RLModuleSpec", stacklevel=4)
        super().__post_init__()


@dataclasses.dataclass
class _MultiAgentRLModuleConfig:
    """What a 2.10-style multi-module constructor receives: ``config.modules`` = the specs."""

    modules: dict


@dataclasses.dataclass
class MultiRLModuleSpec:
    """Recipe for a :class:`MultiRLModule`: one :class:`RLModuleSpec` per module id.

    Example:
        >>> spec = MultiRLModuleSpec(rl_module_specs={"p0": spec_a, "p1": spec_b})  # doctest: +SKIP
        >>> multi = spec.build()  # doctest: +SKIP
    """

    multi_rl_module_class: type | None = None
    observation_space: gym.Space | None = None
    action_space: gym.Space | None = None
    inference_only: bool | None = None
    model_config: Any = None
    rl_module_specs: Any = None
    load_state_path: str | None = None
    modules_to_load: set | None = None
    module_specs: Any = None  # 2.10 name

    def __post_init__(self) -> None:
        if self.module_specs is not None:
            deprecated("MultiRLModuleSpec(module_specs=...)", "MultiRLModuleSpec(rl_module_specs=...)", stacklevel=4)
            self.rl_module_specs = self.rl_module_specs or self.module_specs
            self.module_specs = None
        if self.multi_rl_module_class is None:
            from rlmigrate.core.multi_rl_module import MultiRLModule

            self.multi_rl_module_class = MultiRLModule
        if self.rl_module_specs is None:
            raise ValueError("MultiRLModuleSpec needs rl_module_specs: a dict {module_id: RLModuleSpec}")
        if isinstance(self.rl_module_specs, dict):
            for module_id, spec in self.rl_module_specs.items():
                if not isinstance(spec, RLModuleSpec):
                    raise ValueError(
                        f"rl_module_specs[{module_id!r}] must be an RLModuleSpec, got {type(spec).__name__}"
                    )
        elif not isinstance(self.rl_module_specs, RLModuleSpec):
            raise ValueError(
                f"rl_module_specs must be a dict of RLModuleSpec (or one RLModuleSpec), got "
                f"{type(self.rl_module_specs).__name__}"
            )
        if self.inference_only is None:
            # RLlib crashes here for a single shared spec (QUIRK); we read its flag instead.
            specs = self.rl_module_specs.values() if isinstance(self.rl_module_specs, dict) else [self.rl_module_specs]
            self.inference_only = all(spec.inference_only for spec in specs) if specs else False

    def _require_dict(self, what: str) -> dict:
        if not isinstance(self.rl_module_specs, dict):
            raise ValueError(f"MultiRLModuleSpec.{what}() needs rl_module_specs as a dict {{module_id: spec}}")
        return self.rl_module_specs

    def build(self, module_id: str | None = None) -> Any:
        """Build the multi-module, or only the sub-module ``module_id``."""
        specs = self._require_dict("build")
        if module_id is not None:
            if module_id not in specs:
                raise KeyError(f"module id {module_id!r} not in this spec; available: {sorted(specs)}")
            return specs[module_id].build()
        assert self.multi_rl_module_class is not None  # set in __post_init__
        if takes_config_only(self.multi_rl_module_class):
            # 2.10: MultiAgentRLModule(config: MultiAgentRLModuleConfig(modules={...})).
            module = self.multi_rl_module_class(_MultiAgentRLModuleConfig(modules=specs))
        else:
            module = self.multi_rl_module_class(
                observation_space=self.observation_space,
                action_space=self.action_space,
                inference_only=self.inference_only,
                model_config=_model_config_dict(self.model_config) if self.model_config is not None else None,
                rl_module_specs=specs,
            )
        if self.load_state_path:
            module.restore_from_path(self.load_state_path)
        return module

    def add_modules(self, module_specs: dict[str, RLModuleSpec], override: bool = True) -> None:
        specs = self._require_dict("add_modules")
        for module_id, spec in module_specs.items():
            if override or module_id not in specs:
                specs[module_id] = spec
            else:
                specs[module_id].update(spec, override=False)
            if not spec.inference_only:
                self.inference_only = False

    def remove_modules(self, module_ids: str | list[str]) -> None:
        specs = self._require_dict("remove_modules")
        for module_id in [module_ids] if isinstance(module_ids, str) else module_ids:
            specs.pop(module_id, None)

    @classmethod
    def from_module(cls, module: Any) -> MultiRLModuleSpec:
        return cls(
            multi_rl_module_class=type(module),
            observation_space=module.observation_space,
            action_space=module.action_space,
            inference_only=module.inference_only,
            model_config=module.model_config or None,
            rl_module_specs={mid: RLModuleSpec.from_module(sub) for mid, sub in module.items()},
        )

    def to_dict(self) -> dict[str, Any]:
        specs = self._require_dict("to_dict")
        return {
            "multi_rl_module_class": class_path(self.multi_rl_module_class),
            "observation_space": space_to_dict(self.observation_space) if self.observation_space else None,
            "action_space": space_to_dict(self.action_space) if self.action_space else None,
            "inference_only": self.inference_only,
            "model_config": _model_config_dict(self.model_config) if self.model_config is not None else None,
            "rl_module_specs": {mid: spec.to_dict() for mid, spec in specs.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MultiRLModuleSpec:
        obs, act = data.get("observation_space"), data.get("action_space")
        return cls(
            multi_rl_module_class=import_class(data["multi_rl_module_class"]),
            observation_space=space_from_dict(obs) if obs else None,
            action_space=space_from_dict(act) if act else None,
            inference_only=data.get("inference_only"),
            model_config=data.get("model_config"),
            rl_module_specs={mid: RLModuleSpec.from_dict(d) for mid, d in data["rl_module_specs"].items()},
        )

    def update(self, other: Any, override: bool = False) -> None:
        """With an RLModuleSpec: fill every sub-spec's gaps. With a multi spec: add its modules."""
        if isinstance(other, RLModuleSpec):
            for spec in self._require_dict("update").values():
                spec.update(other, override=False)
        elif isinstance(other, MultiRLModuleSpec):
            self.add_modules(other._require_dict("update"), override=override)
        else:
            raise ValueError(f"MultiRLModuleSpec.update() needs a spec, got {type(other).__name__}")

    def as_multi_rl_module_spec(self) -> MultiRLModuleSpec:
        return self

    def __contains__(self, module_id: str) -> bool:
        return module_id in self._require_dict("__contains__")

    def __getitem__(self, module_id: str) -> RLModuleSpec:
        specs = self._require_dict("__getitem__")
        if module_id not in specs:
            raise KeyError(f"module id {module_id!r} not in this spec; available: {sorted(specs)}")
        return specs[module_id]

    def copy(self) -> MultiRLModuleSpec:
        return copy.deepcopy(self)


class MultiAgentRLModuleSpec(MultiRLModuleSpec):
    """RLlib 2.10 name of :class:`MultiRLModuleSpec` (deprecated); ``marl_module_class`` too."""

    def __init__(self, *args: Any, marl_module_class: type | None = None, **kwargs: Any) -> None:
        deprecated("MultiAgentRLModuleSpec", "MultiRLModuleSpec")
        if marl_module_class is not None:
            kwargs.setdefault("multi_rl_module_class", marl_module_class)
        super().__init__(*args, **kwargs)
