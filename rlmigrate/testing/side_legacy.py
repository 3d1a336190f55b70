"""The legacy side: a ``ModelV2`` called exactly as the legacy Policy called it.

Per step: raw observations ``(B, ...)`` → the catalog's preprocessor (one-hot, Dict/Tuple
flattening; ``obs_space.original_space`` keeps the raw space; none at all when the config
sets ``_disable_preprocessor_api``, as RLlib 2.10's workers did) → ``model({"obs": ...,
"is_training": False}, state, seq_lens=ones(B))`` → ``(outputs (B, W), state_out)``, then
``model.value_function()`` → ``(B,)``. The action distribution is the one
``ModelCatalog.get_action_dist(action_space, model_config)`` picks (``custom_action_dist``
included), built legacy style as ``dist_cls(outputs, model)``.

A ``custom_action_dist`` name is looked up in the shim's registry, which is process-global: a
migrated file that still carries its ``register_custom_action_dist(name, Cls)`` line, loaded
after the legacy file, re-registers the name with the *new-stack* class. The legacy Policy
never saw that class, so the name is then resolved to the legacy class of the same name in
the legacy model's own module (an error if there is none).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlmigrate.core.legacy_config import legacy_model_config, preprocessor_disabled
from rlmigrate.core.nest import map_struct
from rlmigrate.testing.repeated_obs import is_repeated, raw_lists, require_top_level
from rlmigrate.testing.sides import (
    Side,
    StepOutput,
    as_numpy,
    as_tensors,
    building,
    flatten_leaves,
    logp_or_none,
    logp_under,
    require_spaces,
    seeded,
    tiled_state,
)

__all__ = ["LegacyModelSide"]


class LegacyModelSide(Side):
    """A torch ``ModelV2`` instance plus its preprocessor and legacy distribution class."""

    def __init__(
        self, model: Any, *, label: str, raw_space: gym.Space, dist_cls: Any, model_config: dict
    ) -> None:
        from shim.models.catalog import ModelCatalog

        self.model = model
        self.label = label
        self.description = f"ModelV2 {type(model).__name__}"
        require_top_level(raw_space)
        self.observation_space = raw_space
        self.action_space = model.action_space
        self.dist_cls = dist_cls
        self.preprocessor = (
            None
            if preprocessor_disabled(model_config)
            else ModelCatalog.get_preprocessor_for_space(raw_space, model_config)
        )
        self._last_dist: Any = None
        if isinstance(model, torch.nn.Module):
            model.eval()  # the legacy Policy put the model in eval mode to act

    @classmethod
    def build(
        cls,
        obj: Any,
        *,
        label: str,
        observation_space: gym.Space | None,
        action_space: gym.Space | None,
        model_config: dict | None,
    ) -> LegacyModelSide:
        """From a ModelV2 class (built through the catalog) or instance (its own spaces)."""
        from shim.models.catalog import ModelCatalog

        config = legacy_model_config(model_config)
        if isinstance(obj, type):
            observation_space, action_space = require_spaces(
                f"legacy model {obj.__name__}", observation_space, action_space
            )
            config["custom_model"] = obj
            config = _legacy_custom_dist(config, obj)
            model_space = (
                observation_space
                if preprocessor_disabled(config)
                else ModelCatalog.get_preprocessor_for_space(
                    observation_space, config
                ).observation_space
            )
            dist_cls, num_outputs = ModelCatalog.get_action_dist(
                action_space, config, framework="torch"
            )
            with building(label, obj.__name__, observation_space, action_space):
                model = ModelCatalog.get_model_v2(
                    model_space,
                    action_space,
                    int(num_outputs),
                    config,
                    framework="torch",
                    name=obj.__name__,
                )
            raw = observation_space
        else:
            model = obj
            raw = getattr(model.obs_space, "original_space", model.obs_space)
            if observation_space is not None and observation_space != raw:
                raise ValueError(
                    f"{label}: observation_space {observation_space} differs from the model's own "
                    f"{raw} ({type(model).__name__}.obs_space)"
                )
            if action_space is not None and action_space != model.action_space:
                raise ValueError(
                    f"{label}: action_space {action_space} differs from the model's own {model.action_space}"
                )
            config = _legacy_custom_dist(legacy_model_config(model.model_config), type(model))
            dist_cls, _ = ModelCatalog.get_action_dist(
                model.action_space, config, framework="torch"
            )
        return cls(model, label=label, raw_space=raw, dist_cls=dist_cls, model_config=config)

    # ------------------------------------------------------------------ protocol
    def weights_owner(self) -> Any:
        return self.model

    def state_template(self) -> Any:
        return list(self.model.get_initial_state())

    def initial_state(self, batch_size: int) -> list[np.ndarray]:
        return tiled_state(list(self.model.get_initial_state()), batch_size)

    def _preprocess(self, obs: Any) -> Any:
        if self.preprocessor is None:  # raw observations, struct-shaped like the space
            return as_tensors(obs)
        if is_repeated(self.observation_space):  # the env's variable-length lists
            obs = raw_lists(self.observation_space, obs)
        flat = self.preprocessor.transform_batch(obs)
        tensor = torch.from_numpy(np.ascontiguousarray(flat))
        return tensor.float() if tensor.dtype == torch.float64 else tensor

    def _call(
        self, flat_obs: Any, state: list[np.ndarray], seq_lens: torch.Tensor
    ) -> tuple[Any, list, Any]:
        state_in = [torch.as_tensor(s) for s in state]
        with torch.no_grad():
            outputs, state_out = self.model(
                {"obs": flat_obs, "is_training": False}, state_in, seq_lens
            )
            values = logp_or_none(self.model.value_function)
        return outputs, state_out, values

    def step(
        self, obs: Any, state: list[np.ndarray], *, explore: bool, seed: int,
        columns: Mapping[str, np.ndarray] | None = None,
    ) -> StepOutput:
        flat = self._preprocess(obs)
        batch_size = np.asarray(flatten_leaves(obs)[0]).shape[0]
        with seeded(seed):
            outputs, state_out, values = self._call(
                flat, state, torch.ones(batch_size, dtype=torch.int32)
            )
            dist = self.dist_cls(outputs, self.model)
            with torch.no_grad():
                actions = dist.sample() if explore else dist.deterministic_sample()
                logp = logp_or_none(dist.sampled_action_logp)
        self._last_dist = dist
        return {
            "action_dist_inputs": as_numpy(outputs),
            "actions": as_numpy(actions),
            "logp": as_numpy(logp),
            "values": as_numpy(values),
            "state": [as_numpy(s) for s in state_out] if state else [],
        }

    def logp_of(self, actions: Any) -> np.ndarray | None:
        return logp_under(self._last_dist, actions)

    def sequence(
        self, obs: Any, state: list[np.ndarray], columns: Mapping[str, np.ndarray] | None = None
    ) -> StepOutput | None:
        if not state:
            return None
        leaves = flatten_leaves(obs)
        batch_size, steps = np.asarray(leaves[0]).shape[:2]
        # (B, T, ...) → (B*T, ...) batch-major, as the legacy sequence batches were laid out
        folded = map_struct(
            lambda a: np.asarray(a).reshape((batch_size * steps,) + np.asarray(a).shape[2:]), obs
        )
        flat = self._preprocess(folded)
        outputs, state_out, values = self._call(
            flat, state, torch.full((batch_size,), steps, dtype=torch.int32)
        )
        outputs = as_numpy(outputs)
        return {
            "action_dist_inputs": outputs.reshape((batch_size, steps) + outputs.shape[1:]),
            "values": None if values is None else as_numpy(values).reshape(batch_size, steps),
            "state": [as_numpy(s) for s in state_out],
        }


def _legacy_custom_dist(config: dict, model_cls: type) -> dict:
    """``config`` with a ``custom_action_dist`` name resolved to the *legacy* class.

    The name stays as it is when the registry holds a legacy ``ActionDistribution``. When it
    holds anything else (a migrated file re-registered the name with its new-stack port), the
    legacy class of the same ``__name__`` in ``model_cls``'s module is used instead.

    Raises:
        ValueError: the registered class is not a legacy distribution and ``model_cls``'s
            module defines no legacy distribution of that name.
    """
    name = config.get("custom_action_dist")
    if not isinstance(name, str) or not name:
        return config
    from shim.models.action_dist_base import ActionDistribution
    from shim.models.catalog import ModelCatalog

    registered = ModelCatalog.registered_action_dists().get(name)
    if registered is None or (
        isinstance(registered, type) and issubclass(registered, ActionDistribution)
    ):
        return config  # unknown names are get_action_dist's error to raise
    module = sys.modules.get(model_cls.__module__)
    legacy = getattr(module, getattr(registered, "__name__", ""), None) if module else None
    if not (isinstance(legacy, type) and issubclass(legacy, ActionDistribution)):
        raise ValueError(
            f"custom_action_dist {name!r} is registered as {registered!r}, which is not a legacy "
            f"ActionDistribution, and {model_cls.__module__} defines no legacy distribution "
            f"named {getattr(registered, '__name__', '?')!r} (expected the class the legacy file "
            "registered; load the legacy file after the migrated one or pass the class itself "
            "as custom_action_dist)"
        )
    return dict(config, custom_action_dist=legacy)
