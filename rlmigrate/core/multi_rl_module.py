"""``MultiRLModule``: a mapping of module id -> RLModule (RLLIB_REFERENCE §1.5.1).

Forward passes take ``{module_id: sub_batch}`` and return ``{module_id: sub_output}``.
Sub-modules are called through their *public* ``forward_*`` methods (RLlib 2.60's choice),
so no_grad/eval switching and the inference-only guard apply per sub-module.

Sharing a torch sub-network: build one ``nn.Module`` and assign it to several sub-modules
(see ``docs/guide``); the shared parameters then appear once in :meth:`parameters` and the
shared encoder runs once per forward if the subclass does so explicitly.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import gymnasium as gym

from rlmigrate.core.constants import validate_module_id
from rlmigrate.core.rl_module import RLModule

__all__ = ["MultiRLModule", "MultiAgentRLModule"]


class MultiRLModule(RLModule):
    """Holds sub-modules by id; builds them from ``rl_module_specs`` in ``setup()``.

    Args:
        rl_module_specs: ``{module_id: RLModuleSpec}`` (deep-copied).
        inference_only: ``None`` → True iff every sub-spec is inference-only; ``True``
            forces every sub-spec to inference-only.
    """

    def __init__(
        self,
        config: Any = None,
        *,
        observation_space: gym.Space | None = None,
        action_space: gym.Space | None = None,
        inference_only: bool | None = None,
        learner_only: bool | None = None,
        model_config: Any = None,
        rl_module_specs: dict | None = None,
        **kwargs: Any,
    ) -> None:
        from rlmigrate.core.spec import RLModuleSpec

        if config is not None and rl_module_specs is None:
            # 2.10: MultiAgentRLModule(MultiAgentRLModuleConfig(modules={...}))
            rl_module_specs = getattr(config, "modules", None)
        specs = copy.deepcopy(rl_module_specs or {})
        for module_id, spec in specs.items():
            if not isinstance(spec, RLModuleSpec):
                raise ValueError(f"rl_module_specs[{module_id!r}] must be an RLModuleSpec, got {type(spec).__name__}")
        if inference_only is None:
            inference_only = bool(specs) and all(spec.inference_only for spec in specs.values())
        if inference_only:
            for spec in specs.values():
                spec.inference_only = True
        self.rl_module_specs = specs
        self._rl_modules: dict[str, RLModule] = {}
        super().__init__(
            observation_space=observation_space,
            action_space=action_space,
            inference_only=inference_only,
            learner_only=False,
            model_config=model_config,
            catalog_class=None,
        )

    def setup(self) -> None:
        for module_id, spec in self.rl_module_specs.items():
            self._rl_modules[module_id] = spec.build()
        frameworks = {m.framework for m in self._rl_modules.values() if m.framework is not None}
        if len(frameworks) > 1:
            raise ValueError(f"sub-modules mix frameworks {sorted(frameworks)}; use one")
        self.framework = frameworks.pop() if frameworks else None

    # ----------------------------------------------------------------- mapping protocol
    def add_module(self, module_id: str, module: RLModule, *, override: bool = False) -> None:
        """Add (or with ``override=True`` replace) a sub-module; records its spec."""
        from rlmigrate.core.spec import RLModuleSpec

        validate_module_id(module_id)
        if module_id in self._rl_modules and not override:
            raise ValueError(f"module id {module_id!r} already exists; pass override=True to replace it")
        if not isinstance(module, RLModule):
            raise ValueError(f"add_module({module_id!r}) needs an RLModule, got {type(module).__name__}")
        if self.framework is not None and module.framework not in (None, self.framework):
            raise ValueError(
                f"module {module_id!r} uses framework {module.framework!r}, this MultiRLModule {self.framework!r}"
            )
        if not module.inference_only:
            self.inference_only = False
        self._rl_modules[module_id] = module
        self.framework = self.framework or module.framework
        if not isinstance(module, MultiRLModule):
            self.rl_module_specs[module_id] = RLModuleSpec.from_module(module)

    def remove_module(self, module_id: str, *, raise_err_if_not_found: bool = True) -> None:
        if module_id not in self._rl_modules:
            if raise_err_if_not_found:
                raise KeyError(self._missing_message(module_id))
            return
        del self._rl_modules[module_id]
        self.rl_module_specs.pop(module_id, None)

    def foreach_module(self, func: Callable[..., Any], *, return_dict: bool = False, **kwargs: Any) -> Any:
        """Call ``func(module_id, module.unwrapped(), **kwargs)`` for each sub-module."""
        results = {mid: func(mid, module.unwrapped(), **kwargs) for mid, module in self._rl_modules.items()}
        return results if return_dict else list(results.values())

    def _missing_message(self, module_id: str) -> str:
        return f"module id {module_id!r} not found; available module ids: {sorted(self._rl_modules)}"

    def __getitem__(self, module_id: str) -> RLModule:
        try:
            return self._rl_modules[module_id]
        except KeyError:
            raise KeyError(self._missing_message(module_id)) from None

    def __contains__(self, module_id: object) -> bool:
        return module_id in self._rl_modules

    def get(self, module_id: str, default: Any = None) -> Any:
        return self._rl_modules.get(module_id, default)

    def keys(self):  # noqa: ANN201 - dict view
        return self._rl_modules.keys()

    def values(self):  # noqa: ANN201
        return self._rl_modules.values()

    def items(self):  # noqa: ANN201
        return self._rl_modules.items()

    def __iter__(self) -> Iterator[str]:
        return iter(self._rl_modules)

    def __len__(self) -> int:
        return len(self._rl_modules)

    def __repr__(self) -> str:
        return f"MultiRLModule({ {mid: type(m).__name__ for mid, m in self._rl_modules.items()} })"

    # ----------------------------------------------------------------- torch conveniences
    def parameters(self) -> Iterator[Any]:
        """Unique parameters over all sub-modules (shared sub-networks counted once)."""
        seen: set[int] = set()
        for module in self._rl_modules.values():
            for param in getattr(module, "parameters", lambda: [])():
                if id(param) not in seen:
                    seen.add(id(param))
                    yield param

    # ----------------------------------------------------------------- forward passes
    def _run(self, method: str, batch: dict[str, Any], kwargs: dict) -> dict[str, Any]:
        if not isinstance(batch, dict):
            raise TypeError(f"MultiRLModule.{method} takes {{module_id: batch}}, got {type(batch).__name__}")
        return {
            module_id: getattr(self._rl_modules[module_id], method)(sub_batch, **kwargs)
            for module_id, sub_batch in batch.items()
            if module_id in self._rl_modules
        }

    def _forward_inference(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._run("forward_inference", batch, kwargs)

    def _forward_exploration(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._run("forward_exploration", batch, kwargs)

    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._run("forward_train", batch, kwargs)

    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._run("forward_train", batch, kwargs)

    # ----------------------------------------------------------------- state
    def get_initial_state(self) -> dict:
        return {mid: module.get_initial_state() for mid, module in self._rl_modules.items()}

    def is_stateful(self) -> bool:
        return any(module.is_stateful() for module in self._rl_modules.values())

    def get_state(
        self,
        components: Any = None,
        *,
        not_components: Any = None,
        inference_only: bool = False,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """``{module_id: sub_state}`` for the selected ids (``components``: id or list of ids)."""
        wanted = set(self._rl_modules)
        if components is not None:
            wanted &= {components} if isinstance(components, str) else set(components)
        if not_components is not None:
            wanted -= {not_components} if isinstance(not_components, str) else set(not_components)
        return {
            mid: module.get_state(inference_only=inference_only)
            for mid, module in self._rl_modules.items()
            if mid in wanted
        }

    def set_state(self, state: dict[str, Any]) -> None:
        """Set each listed sub-module's state; unknown ids raise (naming the available ones)."""
        for module_id, sub_state in state.items():
            if module_id.startswith("_"):
                continue  # metadata entries such as RLlib's "_multi_rl_module_spec"
            self[module_id].set_state(sub_state)

    def get_ctor_args_and_kwargs(self) -> tuple[tuple, dict]:
        return (), {
            "observation_space": self.observation_space,
            "action_space": self.action_space,
            "inference_only": self.inference_only,
            "learner_only": self.learner_only,
            "model_config": self.model_config,
            "rl_module_specs": self.rl_module_specs,
        }

    def as_multi_rl_module(self) -> MultiRLModule:
        return self


class MultiAgentRLModule(MultiRLModule):
    """RLlib 2.10 name of :class:`MultiRLModule` (deprecated)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from rlmigrate.core.deprecation import deprecated

        deprecated("MultiAgentRLModule", "MultiRLModule")
        super().__init__(*args, **kwargs)
