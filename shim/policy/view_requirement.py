"""``ViewRequirement``: which data column (at which time shift) a model or policy wants to see.

The legacy sampler built batches from these; the shim keeps the class so legacy models that
declare ``self.view_requirements[...] = ViewRequirement(...)`` construct unchanged, and the
Policy reads ``prev_actions`` / ``prev_rewards`` / ``state_in_*`` needs from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np


@dataclass
class ViewRequirement:
    """One view of a trajectory column.

    Args:
        data_col: the source column (None: the key this requirement is stored under).
        space: the space of one item (default: an unbounded float Box of shape ``()``).
        shift: int, list of ints, or a ``"-N:0"`` range string (time offset(s) into data_col).
        index: absolute time index, if any.
        batch_repeat_value: keep one item every this many timesteps (state_in: max_seq_len).
        used_for_compute_actions: whether action computation needs it.
        used_for_training: whether the train batch needs it.
    """

    data_col: str | None = None
    space: gym.Space | None = None
    shift: int | list[int] | str = 0
    index: int | None = None
    batch_repeat_value: int = 1
    used_for_compute_actions: bool = True
    used_for_training: bool = True

    def __post_init__(self) -> None:
        if self.space is None:
            self.space = gym.spaces.Box(float("-inf"), float("inf"), shape=(), dtype=np.float32)
        self.shift_arr = self._shift_array(self.shift)
        self.shift_from: int | None = None
        self.shift_to: int | None = None
        if isinstance(self.shift, str):
            start, _, stop = self.shift.partition(":")
            self.shift_from, self.shift_to = int(start), int(stop)

    @staticmethod
    def _shift_array(shift: Any) -> np.ndarray:
        if isinstance(shift, str):
            start, sep, stop = shift.partition(":")
            if not sep:
                raise ValueError(
                    f"ViewRequirement shift string must look like '-N:M', got {shift!r}"
                )
            return np.arange(int(start), int(stop) + 1)
        if isinstance(shift, (list, tuple)):
            return np.asarray(shift, dtype=np.int64)
        return np.asarray([int(shift)], dtype=np.int64)

    def __repr__(self) -> str:
        return (
            f"ViewRequirement(data_col={self.data_col!r}, space={self.space}, shift={self.shift!r}, "
            f"used_for_compute_actions={self.used_for_compute_actions}, "
            f"used_for_training={self.used_for_training})"
        )
