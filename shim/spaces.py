"""RLlib's extra gymnasium spaces (``ray.rllib.utils.spaces``): Repeated, Simplex, FlexDict.

Legacy environments declare them and legacy models read them (``Repeated`` observations reach
the model as :class:`shim.models.repeated_values.RepeatedValues`); the behaviour follows
Ray 2.10's definitions.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

__all__ = ["Repeated", "Simplex", "FlexDict"]


class Repeated(gym.Space):
    """A variable-length list (0..``max_len`` items) of ``child_space`` values.

    Example:
        >>> space = Repeated(gym.spaces.Box(-1.0, 1.0, (4,)), max_len=10)
        >>> space.contains([np.zeros(4, np.float32)] * 3)
        True
    """

    def __init__(self, child_space: gym.Space, max_len: int) -> None:
        super().__init__()
        self.child_space = child_space
        self.max_len = int(max_len)

    def sample(self, mask: Any = None, probability: Any = None) -> list[Any]:
        """1..``max_len`` samples of the child space."""
        count = int(self.np_random.integers(1, self.max_len + 1))
        return [self.child_space.sample() for _ in range(count)]

    def contains(self, x: Any) -> bool:
        return (
            isinstance(x, (list, np.ndarray))
            and len(x) <= self.max_len
            and all(self.child_space.contains(item) for item in x)
        )

    def __eq__(self, other: Any) -> bool:
        return (
            isinstance(other, Repeated)
            and self.max_len == other.max_len
            and self.child_space == other.child_space
        )

    def __repr__(self) -> str:
        return f"Repeated({self.child_space}, {self.max_len})"


class Simplex(gym.Space):
    """Points of the probability simplex over the last axis of ``shape`` (coordinates sum to 1).

    Sampling draws from a Dirichlet with ``concentration`` (uniform, all ones, by default).
    """

    def __init__(
        self, shape: tuple[int, ...] | list[int], concentration: Any = None, dtype: Any = np.float32
    ) -> None:
        if not isinstance(shape, (tuple, list)):
            raise TypeError(f"Simplex shape must be a tuple or list, got {shape!r}")
        super().__init__(tuple(shape), dtype)
        self._simplex_shape: tuple[int, ...] = tuple(shape)
        self.dim = self._simplex_shape[-1]
        if concentration is not None:
            concentration = np.asarray(concentration)
            if concentration.shape != tuple(shape)[:-1]:
                raise ValueError(
                    f"Simplex concentration shape {concentration.shape} must be shape[:-1] = "
                    f"{tuple(shape)[:-1]}"
                )
            self.concentration = concentration
        else:
            self.concentration = np.array([1] * self.dim)

    def sample(self, mask: Any = None, probability: Any = None) -> np.ndarray:
        size = self._simplex_shape[:-1]
        return np.random.dirichlet(self.concentration, size=size).astype(self.dtype)

    def contains(self, x: Any) -> bool:
        x = np.asarray(x)
        return x.shape == self.shape and bool(
            np.allclose(np.sum(x, axis=-1), np.ones_like(x[..., 0]))
        )

    def to_jsonable(self, sample_n: Any) -> list:
        return np.array(sample_n).tolist()

    def from_jsonable(self, sample_n: Any) -> list:
        return [np.asarray(sample) for sample in sample_n]

    def __eq__(self, other: Any) -> bool:
        return (
            isinstance(other, Simplex)
            and self.shape == other.shape
            and bool(np.allclose(self.concentration, other.concentration))
        )

    def __repr__(self) -> str:
        return f"Simplex({self.shape}; {self.concentration})"


class FlexDict(gym.spaces.Dict):
    """A ``Dict`` space whose keys may be added after construction (``space["k"] = Box(...)``)."""

    def __init__(self, spaces: dict | None = None, **spaces_kwargs: gym.Space) -> None:
        if spaces is not None and spaces_kwargs:
            raise ValueError("Use either FlexDict(spaces=dict(...)) or FlexDict(foo=x, bar=z)")
        spaces = spaces_kwargs if spaces is None else spaces
        for space in spaces.values():
            self._check(space)
        super().__init__(spaces=spaces)

    @staticmethod
    def _check(space: Any) -> None:
        if not isinstance(space, gym.spaces.Space):
            raise TypeError(f"FlexDict values must be gymnasium spaces, got {space!r}")

    def sample(self, mask: Any = None, probability: Any = None) -> dict:
        return {key: space.sample() for key, space in self.spaces.items()}

    def __getitem__(self, key: Any) -> gym.Space:
        return self.spaces[key]

    def __setitem__(self, key: Any, space: gym.Space) -> None:
        self._check(space)
        self.spaces[key] = space

    def __repr__(self) -> str:
        return "FlexDict(" + ", ".join(f"{k}:{s}" for k, s in self.spaces.items()) + ")"
