"""``RLModule``: the framework-agnostic base of every module (RLLIB_REFERENCE §1.2).

An RLModule owns everything that maps observations to action-distribution inputs (and,
through API mixins, values, Q-values, target networks). It has three public entry points,
``forward_inference`` (acting greedily), ``forward_exploration`` (acting while collecting
data) and ``forward_train`` (the learner's pass), each dispatching to an override hook
(``_forward_inference``, ...) that falls back to ``_forward``.

Example:
    >>> import gymnasium as gym
    >>> from rlmigrate import RLModuleSpec, TorchRLModule
    >>> class Tiny(TorchRLModule):
    ...     def setup(self):
    ...         import torch.nn as nn
    ...         self.net = nn.Linear(4, self.action_space.n)
    ...     def _forward(self, batch, **kwargs):
    ...         return {"action_dist_inputs": self.net(batch["obs"])}
    >>> module = RLModuleSpec(module_class=Tiny, observation_space=gym.spaces.Box(-1, 1, (4,)),
    ...                       action_space=gym.spaces.Discrete(2)).build()
"""

from __future__ import annotations

import abc
import dataclasses
import logging
from typing import TYPE_CHECKING, Any

import gymnasium as gym

from rlmigrate.core.deprecation import deprecated

if TYPE_CHECKING:
    from rlmigrate.core.multi_rl_module import MultiRLModule

logger = logging.getLogger(__name__)

_NOT_GIVEN = object()


@dataclasses.dataclass
class RLModuleConfig:
    """RLlib 2.10's module config, kept so 2.10-style modules run unchanged (deprecated).

    ``RLModule(RLModuleConfig(obs_space, act_space, model_config_dict={...}))`` still
    builds a module (with a ``DeprecationWarning``); new code passes keyword arguments.
    """

    observation_space: gym.Space | None = None
    action_space: gym.Space | None = None
    inference_only: bool = False
    learner_only: bool = False
    model_config_dict: dict | None = None
    catalog_class: type | None = None

    def get_catalog(self) -> Any:
        """Instantiate ``catalog_class`` for these spaces (2.10's PPO did this in ``setup``)."""
        if self.catalog_class is None:
            raise ValueError("RLModuleConfig.get_catalog(): catalog_class is None")
        return self.catalog_class(
            observation_space=self.observation_space,
            action_space=self.action_space,
            model_config_dict=self.model_config_dict or {},
        )

    def to_dict(self) -> dict:
        from rlmigrate.core.spaces import space_to_dict
        from rlmigrate.core.spec import class_path

        return {
            # A 2.10-style config may leave a space unset; None round-trips as None.
            "observation_space": (
                space_to_dict(self.observation_space) if self.observation_space is not None else None
            ),
            "action_space": space_to_dict(self.action_space) if self.action_space is not None else None,
            "inference_only": self.inference_only,
            "learner_only": self.learner_only,
            "model_config_dict": self.model_config_dict,
            "catalog_class_path": class_path(self.catalog_class) if self.catalog_class else "",
        }

    @classmethod
    def from_dict(cls, data: dict) -> RLModuleConfig:
        from rlmigrate.core.spaces import space_from_dict
        from rlmigrate.core.spec import import_class

        path = data.get("catalog_class_path") or ""
        return cls(
            observation_space=(
                space_from_dict(data["observation_space"]) if data.get("observation_space") else None
            ),
            action_space=space_from_dict(data["action_space"]) if data.get("action_space") else None,
            inference_only=data.get("inference_only", False),
            learner_only=data.get("learner_only", False),
            model_config_dict=data.get("model_config_dict"),
            catalog_class=import_class(path) if path else None,
        )


_UNASSIGNED = object()


class _DeprecatedConfigView:
    """What ``module.config`` returns: a live view that warns on every read."""

    __slots__ = ("_module",)

    def __init__(self, module: RLModule) -> None:
        object.__setattr__(self, "_module", module)

    def __getattr__(self, name: str) -> Any:
        module = object.__getattribute__(self, "_module")
        deprecated(f"RLModule.config.{name}", _CONFIG_RENAMES.get(name, f"RLModule.{name}"))
        if name == "model_config_dict":
            return module.model_config
        if name == "get_catalog":
            return lambda: _config_of(module).get_catalog()
        if name in ("to_dict",):
            return _config_of(module).to_dict
        if name == "catalog_class":
            return type(module.catalog) if module.catalog is not None else module._catalog_class
        return getattr(module, name)


_CONFIG_RENAMES = {"model_config_dict": "RLModule.model_config", "get_catalog": "RLModule.catalog"}


def _config_of(module: RLModule) -> RLModuleConfig:
    return RLModuleConfig(
        observation_space=module.observation_space,
        action_space=module.action_space,
        inference_only=bool(module.inference_only),
        learner_only=module.learner_only,
        model_config_dict=module.model_config,
        catalog_class=module._catalog_class,
    )


class RLModule(abc.ABC):
    """Base class of all RL modules. Override ``setup()`` and the ``_forward*`` hooks.

    Args:
        observation_space: the (single, unbatched) observation space.
        action_space: the (single, unbatched) action space.
        inference_only: build only what acting needs (``None`` like RLlib: "not said").
        learner_only: the module exists only on the learner (e.g. a shared encoder).
        model_config: a dict (or ``DefaultModelConfig``) read by ``setup()``.
        catalog_class: optional ``Catalog`` subclass; built here as ``self.catalog``.

    A positional ``RLModuleConfig`` (RLlib 2.10) is accepted with a ``DeprecationWarning``.
    """

    framework: str | None = None

    def __init__(
        self,
        config: Any = _NOT_GIVEN,
        *,
        observation_space: gym.Space | None = None,
        action_space: gym.Space | None = None,
        inference_only: bool | None = None,
        learner_only: bool = False,
        model_config: Any = None,
        catalog_class: type | None = None,
        **kwargs: Any,
    ) -> None:
        if config is not _NOT_GIVEN:
            if not isinstance(config, RLModuleConfig):
                raise TypeError(
                    f"{type(self).__name__}() takes keyword arguments (observation_space=..., "
                    f"action_space=..., model_config=...); got a positional {type(config).__name__}"
                )
            deprecated(
                "Passing an RLModuleConfig positionally",
                f"{type(self).__name__}(observation_space=..., action_space=..., model_config=...)",
            )
            observation_space = config.observation_space
            action_space = config.action_space
            inference_only = config.inference_only
            learner_only = config.learner_only
            model_config = config.model_config_dict
            catalog_class = config.catalog_class
        if kwargs:
            logger.debug("%s ignoring unknown constructor kwargs %s", type(self).__name__, sorted(kwargs))
        self.observation_space = observation_space
        self.action_space = action_space
        self.inference_only = inference_only
        self.learner_only = learner_only
        # Custom modules index model_config directly; None would make that crash for no reason.
        self.model_config = {} if model_config is None else model_config
        self._catalog_class = catalog_class
        self.catalog = None
        self._catalog_ctor_error: Exception | None = None
        if catalog_class is not None:
            try:
                self.catalog = catalog_class(
                    observation_space=observation_space,
                    action_space=action_space,
                    model_config_dict=self.model_config,
                )
            except Exception as error:  # kept and re-raised where setup() needs the catalog
                logger.warning("could not build catalog %s: %s", catalog_class.__name__, error)
                self._catalog_ctor_error = error
        self.action_dist_cls = None
        if self.catalog is not None:
            self.action_dist_cls = self.catalog.get_action_dist_cls(framework=self.framework)
        if getattr(self, "_is_setup", False):
            raise RuntimeError(
                f"{type(self).__name__}.setup() would run twice: list TorchRLModule before any "
                "algorithm-generic RLModule base class, and do not call RLModule.__init__ twice."
            )
        self.setup()
        self._is_setup = True

    # ----------------------------------------------------------------- construction
    def setup(self) -> None:
        """Build sub-networks here (not in ``__init__``). Spaces and config are set already."""

    @property
    def config(self) -> Any:
        """Deprecated 2.10 view: ``self.config.model_config_dict`` etc. still read (with a warning).

        Assignable, as on Ray 2.40 (a plain attribute set before ``setup()``): code that runs
        inside a module and keeps its own ``self.config`` (a plain ``nn.Module`` base of a
        migrated model, say) reads back what it assigned.
        """
        own = self.__dict__.get("_assigned_config", _UNASSIGNED)
        if own is not _UNASSIGNED:
            return own
        for registry in ("_modules", "_parameters", "_buffers"):  # torch keeps these apart
            held = self.__dict__.get(registry) or {}
            if "config" in held:
                return held["config"]
        return _DeprecatedConfigView(self)

    @config.setter
    def config(self, value: Any) -> None:
        object.__setattr__(self, "_assigned_config", value)

    def get_ctor_args_and_kwargs(self) -> tuple[tuple, dict]:
        """The arguments that rebuild this module (used by specs and checkpoints)."""
        return (), {
            "observation_space": self.observation_space,
            "action_space": self.action_space,
            "inference_only": self.inference_only,
            "learner_only": self.learner_only,
            "model_config": self.model_config,
            "catalog_class": type(self.catalog) if self.catalog is not None else self._catalog_class,
        }

    # ----------------------------------------------------------------- forward passes
    def forward_inference(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Greedy acting pass. ``batch[OBS]`` is ``(B, ...)`` (``(B, T, ...)`` if stateful)."""
        return self._forward_inference(batch, **kwargs)

    def forward_exploration(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Acting pass while collecting data; env runners pass ``t=<global env steps>``."""
        return self._forward_exploration(batch, **kwargs)

    def forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Learner pass (keeps gradients). Refused on an inference-only module."""
        if self.inference_only:
            raise RuntimeError(
                f"{type(self).__name__} was built with inference_only=True and holds no training "
                "components; build it with inference_only=False to call forward_train()."
            )
        return self._forward_train(batch, **kwargs)

    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Generic pass used by the three hooks unless they are overridden. Default: ``{}``."""
        return {}

    def _forward_inference(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._forward(batch, **kwargs)

    def _forward_exploration(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._forward(batch, **kwargs)

    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._forward(batch, **kwargs)

    # ----------------------------------------------------------------- distributions
    def get_inference_action_dist_cls(self) -> type | None:
        raise NotImplementedError(f"{type(self).__name__} defines no inference action distribution class")

    def get_exploration_action_dist_cls(self) -> type | None:
        raise NotImplementedError(f"{type(self).__name__} defines no exploration action distribution class")

    def get_train_action_dist_cls(self) -> type | None:
        raise NotImplementedError(f"{type(self).__name__} defines no train action distribution class")

    # ----------------------------------------------------------------- recurrent state
    def get_initial_state(self) -> dict:
        """Initial recurrent state as a dict of tensors *without* batch dim; ``{}`` if stateless."""
        return {}

    def is_stateful(self) -> bool:
        state = self.get_initial_state()
        if not isinstance(state, dict):
            raise TypeError(
                f"{type(self).__name__}.get_initial_state() must return a dict, got {type(state).__name__}"
            )
        return bool(state)

    # ----------------------------------------------------------------- state, checkpoints
    def get_state(
        self,
        components: Any = None,
        *,
        not_components: Any = None,
        inference_only: bool = False,
        **kwargs: Any,
    ) -> dict:
        """The module's weights as a dict (``{}`` for a module without weights)."""
        if components is not None or not_components is not None:
            raise ValueError(f"{type(self).__name__} has no sub-components to select")
        return {}

    def set_state(self, state: dict) -> None:
        """Load weights produced by :meth:`get_state`. Base: nothing to load."""

    def save_to_path(self, path: str | None = None, **kwargs: Any) -> str:
        """Write a safe checkpoint directory (metadata.json + safetensors); returns its path."""
        from rlmigrate.core import checkpoint

        return checkpoint.save_module(self, path)

    def restore_from_path(
        self,
        path: str,
        *,
        component: str | None = None,
        allow_dtype_cast: bool = False,
        allow_non_finite: bool = False,
        **kwargs: Any,
    ) -> None:
        """Load weights from a checkpoint directory into this module (or one component).

        Weights of another dtype, or holding NaN/inf, are refused unless ``allow_dtype_cast`` /
        ``allow_non_finite`` is set; nothing changes when the load is refused.
        """
        from rlmigrate.core import checkpoint

        checkpoint.restore_module(
            self, path, component=component, allow_dtype_cast=allow_dtype_cast, allow_non_finite=allow_non_finite
        )

    @classmethod
    def from_checkpoint(cls, path: str, *, module_class: type | None = None, **kwargs: Any) -> RLModule:
        """Build a module from a checkpoint directory; the class must be a subclass of ``cls``.

        Keyword arguments go to :func:`rlmigrate.core.checkpoint.load_module`
        (``allowed_modules``, ``allow_dtype_cast``, ``allow_non_finite``).
        """
        from rlmigrate.core import checkpoint

        return checkpoint.load_module(path, expected_base=cls, module_class=module_class, **kwargs)

    # ----------------------------------------------------------------- misc
    def unwrapped(self) -> RLModule:
        """The module itself (wrappers such as DDP return the inner module)."""
        return self

    def as_multi_rl_module(self) -> MultiRLModule:
        """Wrap *this* module (same weights) as the only entry of a ``MultiRLModule``.

        RLlib 2.40 builds a fresh copy from a spec here (new weights); that is a plain bug
        for every caller that expects the weights to carry over, so we wrap ``self``.
        """
        from rlmigrate.core.constants import DEFAULT_MODULE_ID
        from rlmigrate.core.multi_rl_module import MultiRLModule

        multi = MultiRLModule(
            observation_space=self.observation_space,
            action_space=self.action_space,
            inference_only=self.inference_only,
            rl_module_specs={},
        )
        multi.add_module(DEFAULT_MODULE_ID, self)
        return multi

    def as_multi_agent(self) -> MultiRLModule:
        """2.10 spelling of :meth:`as_multi_rl_module` (deprecated)."""
        deprecated("RLModule.as_multi_agent()", "RLModule.as_multi_rl_module()")
        return self.as_multi_rl_module()
