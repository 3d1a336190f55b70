"""Batch plumbing every adapter shares: calling a legacy ModelV2 on RLModule batches.

RLModule batches are raw (Dict/Tuple/Discrete observations, ``(B, T, ...)`` sequences and a
state dict when recurrent); a ModelV2 wants flat observations, ``(B*T, ...)`` rows, a state list
and ``seq_lens``. :class:`_LegacyModelMixin` folds one into the other; :func:`_unfold` goes back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym
import torch

from rlmigrate.core.columns import Columns
from shim.models.modelv2 import ModelV2
from shim.models.preprocessors import flatten_to_tensor, get_preprocessor, needs_flattening
from shim.policy.sample_batch import SampleBatch
from shim.policy.state_layout import state_to_list

_MODEL_PREFIX = "model."


def _flattened_space(space: gym.Space, model_config: Mapping) -> gym.Space:
    if needs_flattening(space):
        return get_preprocessor(space)(space, dict(model_config)).observation_space
    return space


class _LegacyModelMixin:
    """Shared plumbing: calling a ModelV2 on RLModule batches (flattening, time folding)."""

    legacy_model: ModelV2
    _raw_obs_space: gym.Space

    def _fold(
        self, batch: Mapping[str, Any]
    ) -> tuple[SampleBatch, list[Any], Any, tuple[int, int] | None]:
        """RLModule batch -> (legacy input dict, state list, seq_lens, (B, T) or None)."""
        obs = batch[Columns.OBS]
        stateful = Columns.STATE_IN in batch
        shape = None
        if stateful:
            lead = _first_leaf(obs)
            shape = (int(lead.shape[0]), int(lead.shape[1]))
            obs = _map(lambda x: x.reshape((shape[0] * shape[1],) + tuple(x.shape[2:])), obs)
        if needs_flattening(self._raw_obs_space):
            obs = flatten_to_tensor(obs, self._raw_obs_space)
        input_dict = SampleBatch({SampleBatch.OBS: obs, "is_training": False})
        for key in (SampleBatch.PREV_ACTIONS, SampleBatch.PREV_REWARDS):
            if key in batch:
                value = batch[key]
                input_dict[key] = (
                    value.reshape((-1,) + tuple(value.shape[2:])) if stateful else value
                )
        state: list[Any] = []
        seq_lens = None
        if stateful:
            state = state_to_list(batch[Columns.STATE_IN])
            seq_lens = torch.full((shape[0],), shape[1], dtype=torch.int32)
        return input_dict, state, seq_lens, shape


def _first_leaf(value: Any) -> torch.Tensor:
    while isinstance(value, (Mapping, tuple, list)):
        value = next(iter(value.values())) if isinstance(value, Mapping) else value[0]
    return value


def _map(fn: Callable[[Any], Any], value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _map(fn, v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_map(fn, v) for v in value)
    return fn(value)


def _unfold(value: torch.Tensor, shape: tuple[int, int] | None) -> torch.Tensor:
    if shape is None:
        return value
    return value.reshape(shape + tuple(value.shape[1:]))
