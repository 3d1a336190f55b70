"""Input handling of the shim Policy: observation checks/flattening, states, batching helpers.

Kept apart from ``policy.py`` (one job a file); ``Policy`` inherits :class:`PolicyInputsMixin`.
Everything here runs on the acting hot path, so it avoids copies and re-validation work.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from shim.policy.conversion import (
    batch_size_of,
    make_batch_checker,
    stack_observations,
    to_numpy,
    to_tensor,
)
from shim.policy.sample_batch import SampleBatch

__all__ = ["PolicyInputsMixin"]


def _unbatch(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _unbatch(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_unbatch(v) for v in value)
    if isinstance(value, list):
        return [_unbatch(v) for v in value]
    return value[0] if getattr(value, "ndim", 0) else value


def _add_batch_dim(value: Any) -> Any:
    if type(value) is np.ndarray:  # the usual single observation: skip the struct checks
        return value[None]
    if isinstance(value, Mapping):
        return {k: _add_batch_dim(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_add_batch_dim(v) for v in value)
    if isinstance(value, torch.Tensor):
        return value.unsqueeze(0)
    return np.asarray(value)[None]


def _extra_to_numpy(extra: dict[str, Any]) -> dict[str, Any]:
    """Extra fetches -> numpy; float32 CPU tensors (nearly all of them) take the short path."""
    out = {}
    for key, value in extra.items():
        if type(value) is torch.Tensor and value.dtype is torch.float32:
            try:
                out[key] = value.numpy()
                continue
            except (RuntimeError, TypeError):
                pass
        out[key] = to_numpy(value)
    return out


def _no_check(batch: Any, where: str = "") -> None:
    return None


_NO_CHECK = _no_check


def _add_time_axis(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _add_time_axis(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_add_time_axis(v) for v in value)
    return value.unsqueeze(1) if isinstance(value, torch.Tensor) else value


class PolicyInputsMixin:
    """Observation/state preparation shared by every shim Policy."""

    observation_space: Any
    config: dict
    _obs_preprocessor: Any
    _obs_checker: Any
    _initial_state: list[np.ndarray]

    def _ones(self, batch: int) -> torch.Tensor:
        """``seq_lens`` of ones ``(B,)`` int32 (cached per batch size; treat as read-only)."""
        cache = self.__dict__.setdefault("_ones_cache", {})
        ones = cache.get(batch)
        if ones is None:
            ones = cache[batch] = torch.ones(batch, dtype=torch.int32)
        return ones

    def _prepare_obs(self, obs_batch: Any) -> Any:
        """Validated observation batch as torch (flattened when the model needs it)."""
        obs = obs_batch if type(obs_batch) is np.ndarray else stack_observations(obs_batch)
        check = self._obs_checker
        if check is None:
            check = self._build_obs_checker()
        prep = self._obs_preprocessor
        if prep is None:
            if check is not _NO_CHECK:
                check(obs, "obs_batch")
            if type(obs) is np.ndarray and obs.dtype == np.float32 and obs.flags.c_contiguous:
                return torch.from_numpy(obs)
            return to_tensor(obs)
        flat_width = prep.size
        if not isinstance(obs, (Mapping, tuple)):
            array = obs.detach().cpu().numpy() if isinstance(obs, torch.Tensor) else np.asarray(obs)
            if array.ndim == 2 and array.shape[1] == flat_width and array.dtype.kind == "f":
                if check is not _NO_CHECK and not np.isfinite(array).all():
                    # Same refusal as the shared checker's for raw observations.
                    row = int(np.argmax(~np.isfinite(array).all(axis=1)))
                    raise ValueError(
                        f"obs_batch: row {row} of the flattened observations holds NaN or inf; "
                        "observations must be finite"
                    )
                return to_tensor(array)  # already flattened (preprocessed) observations
            obs = array
        if check is not _NO_CHECK:
            check(obs, "obs_batch")
        return torch.from_numpy(np.ascontiguousarray(prep.transform_batch(obs), dtype=np.float32))

    def _build_obs_checker(self) -> Any:
        """The observation checker for this policy's (original) space, built once."""
        if not self.config.get("shim_check_observations", True):
            self._obs_checker = _NO_CHECK
        else:
            space = self.observation_space
            self._obs_checker = make_batch_checker(
                getattr(space, "original_space", space) if self._obs_preprocessor else space
            )
        return self._obs_checker

    def _add_prev(
        self, input_dict: SampleBatch, prev_actions: Any, prev_rewards: Any, infos: Any
    ) -> None:
        if prev_actions is not None:
            input_dict[SampleBatch.PREV_ACTIONS] = to_tensor(stack_observations(prev_actions))
        if prev_rewards is not None:
            input_dict[SampleBatch.PREV_REWARDS] = to_tensor(
                np.asarray(prev_rewards, dtype=np.float32)
            )
        if infos is not None:
            input_dict[SampleBatch.INFOS] = infos

    def _prepare_states(self, state_batches: Any, batch: int) -> list[torch.Tensor]:
        """Validated state list (``(B, ...)`` tensors); the initial state when none is given."""
        expected = len(self._initial_state)
        if not state_batches:
            if expected == 0:
                return []
            return [
                torch.from_numpy(np.repeat(s[None], batch, axis=0)) for s in self._initial_state
            ]
        state_batches = list(state_batches)
        if len(state_batches) != expected:
            raise ValueError(
                f"{type(self).__name__}: expected {expected} state tensor(s) "
                f"(state_in_0..state_in_{max(expected - 1, 0)}) shaped {[(batch,) + s.shape for s in self._initial_state]}, "
                f"got {len(state_batches)}"
            )
        tensors = []
        for i, (given, init) in enumerate(zip(state_batches, self._initial_state)):
            tensor = to_tensor(given)
            if tuple(tensor.shape) != (batch,) + init.shape:
                raise ValueError(
                    f"state_batches[{i}]: expected shape {(batch,) + init.shape}, got {tuple(tensor.shape)}"
                )
            tensors.append(tensor)
        return tensors

    def _scoring_inputs(
        self,
        obs_batch: Any,
        state_batches: list[Any] | None,
        prev_action_batch: Any,
        prev_reward_batch: Any,
    ) -> tuple[SampleBatch, list[torch.Tensor], int]:
        """``(input_dict, states, B)`` for ``compute_log_likelihoods``: checked ``(B, ...)``
        observations, previous actions/rewards and ``(B, ...)`` states (default: initial)."""
        obs = self._prepare_obs(obs_batch)
        batch = batch_size_of(obs)
        input_dict = SampleBatch({SampleBatch.OBS: obs, "is_training": False})
        self._add_prev(input_dict, prev_action_batch, prev_reward_batch, None)
        return input_dict, self._prepare_states(state_batches, batch), batch
