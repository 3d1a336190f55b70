"""Legacy observation preprocessors and ``restore_original_dimensions``.

The legacy stack fed models a *flat* float vector: Discrete/MultiDiscrete one-hot encoded,
Dict/Tuple flattened (Dict keys in space order), with the unflattened space kept on the
resulting Box as ``original_space`` so a model can ask for ``input_dict["obs"]`` back in its
original structure. This module reproduces that contract in numpy (per observation and, new
here, per batch) and in torch (restoring the structure inside ``ModelV2.__call__``).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from shim.models.repeated_values import RepeatedValues
from shim.spaces import Repeated

ATARI_OBS_SHAPE = (210, 160, 3)
ATARI_RAM_OBS_SHAPE = (128,)


class Preprocessor:
    """Turns one observation of ``obs_space`` into a flat-ish float32 array of ``self.shape``.

    Args:
        obs_space: the raw observation space.
        options: the model config (only a few preprocessors read it).
    """

    def __init__(self, obs_space: gym.Space, options: dict | None = None) -> None:
        self._obs_space = obs_space
        self._options = dict(options or {})
        self.shape: tuple[int, ...] = tuple(
            int(d) for d in self._init_shape(obs_space, self._options)
        )
        self._size = int(np.prod(self.shape))

    def _init_shape(self, obs_space: gym.Space, options: dict) -> tuple[int, ...]:
        raise NotImplementedError

    def transform(self, observation: Any) -> np.ndarray:
        """One observation -> float32 array of ``self.shape``."""
        out = np.zeros(self.shape, dtype=np.float32)
        self.write(observation, out.reshape(-1), 0)
        return out

    def transform_batch(self, observations: Any) -> np.ndarray:
        """A batch (leaves shaped ``(B, ...)``) -> float32 ``(B, *self.shape)`` (vectorised)."""
        raise NotImplementedError

    def write(self, observation: Any, array: np.ndarray, offset: int) -> None:
        """Writes the flattened observation into ``array[offset: offset + size]``."""
        array[offset : offset + self._size] = np.asarray(self.transform(observation)).reshape(-1)

    def check_shape(self, observation: Any) -> None:
        """Raises ValueError naming the space when ``observation`` is not in it."""
        if not self._obs_space.contains(observation):
            raise ValueError(
                f"Observation {observation!r} outside the expected space {self._obs_space}"
            )

    @property
    def size(self) -> int:
        return self._size

    @property
    def observation_space(self) -> gym.spaces.Box:
        """The space of transformed observations; ``original_space`` is the raw one."""
        space = gym.spaces.Box(-1.0, 1.0, self.shape, dtype=np.float32)
        space.original_space = self._obs_space
        return space


class NoPreprocessor(Preprocessor):
    """Identity: the model sees the observation as it comes."""

    def _init_shape(self, obs_space: gym.Space, options: dict) -> tuple[int, ...]:
        return tuple(obs_space.shape or ())

    def transform(self, observation: Any) -> np.ndarray:
        return np.asarray(observation)

    def transform_batch(self, observations: Any) -> np.ndarray:
        return np.asarray(observations)

    def write(self, observation: Any, array: np.ndarray, offset: int) -> None:
        array[offset : offset + self._size] = np.asarray(observation, dtype=np.float32).reshape(-1)

    @property
    def observation_space(self) -> gym.Space:
        return self._obs_space


class OneHotPreprocessor(Preprocessor):
    """Discrete(n) -> one-hot ``(n,)``; MultiDiscrete(nvec) -> concatenated one-hots ``(sum(nvec),)``."""

    def _init_shape(self, obs_space: gym.Space, options: dict) -> tuple[int, ...]:
        if isinstance(obs_space, gym.spaces.Discrete):
            return (int(obs_space.n),)
        return (int(np.sum(obs_space.nvec)),)

    def transform_batch(self, observations: Any) -> np.ndarray:
        values = np.asarray(observations)
        space = self._obs_space
        if isinstance(space, gym.spaces.Discrete):
            index = values.astype(np.int64).reshape(-1) - int(space.start)
            return np.eye(int(space.n), dtype=np.float32)[index]
        values = values.reshape(values.shape[0], -1).astype(np.int64)
        nvec = np.asarray(space.nvec).reshape(-1)
        parts = [np.eye(int(n), dtype=np.float32)[values[:, i]] for i, n in enumerate(nvec)]
        return np.concatenate(parts, axis=1)

    def transform(self, observation: Any) -> np.ndarray:
        return self.transform_batch(np.asarray(observation)[None])[0]

    def write(self, observation: Any, array: np.ndarray, offset: int) -> None:
        array[offset : offset + self._size] = self.transform(observation)


class MultiBinaryPreprocessor(Preprocessor):
    """MultiBinary -> float32 copy of the same shape (only with ``include_multi_binary``)."""

    def _init_shape(self, obs_space: gym.Space, options: dict) -> tuple[int, ...]:
        return tuple(obs_space.shape)

    def transform(self, observation: Any) -> np.ndarray:
        return np.asarray(observation, dtype=np.float32)

    def transform_batch(self, observations: Any) -> np.ndarray:
        return np.asarray(observations, dtype=np.float32)


class AtariRamPreprocessor(Preprocessor):
    """Box(128,) Atari RAM -> ``(ram - 128) / 128`` (RLlib applies it to ANY shape-(128,) Box)."""

    def _init_shape(self, obs_space: gym.Space, options: dict) -> tuple[int, ...]:
        return (128,)

    def transform(self, observation: Any) -> np.ndarray:
        return ((np.asarray(observation, dtype=np.float32) - 128.0) / 128.0).astype(np.float32)

    def transform_batch(self, observations: Any) -> np.ndarray:
        return ((np.asarray(observations, dtype=np.float32) - 128.0) / 128.0).astype(np.float32)


class GenericPixelPreprocessor(Preprocessor):
    """Atari frames (210, 160, 3): RLlib resized them with OpenCV; not reproduced here."""

    def _init_shape(self, obs_space: gym.Space, options: dict) -> tuple[int, ...]:
        raise NotImplementedError(
            f"Observation shape {ATARI_OBS_SHAPE} selects RLlib's OpenCV pixel preprocessor, "
            "which the shim does not reproduce; resize/grayscale frames with a gymnasium "
            "wrapper (e.g. gymnasium.wrappers.AtariPreprocessing) instead"
        )


class _FlatteningPreprocessor(Preprocessor):
    """Shared logic of the Tuple/Dict flatteners: children preprocessed and concatenated."""

    def _children(self, obs_space: gym.Space) -> list[tuple[Any, gym.Space]]:
        raise NotImplementedError

    def _init_shape(self, obs_space: gym.Space, options: dict) -> tuple[int, ...]:
        self._keys = [key for key, _ in self._children(obs_space)]
        self.preprocessors = [
            get_preprocessor(space)(space, options) for _, space in self._children(obs_space)
        ]
        return (int(sum(p.size for p in self.preprocessors)),)

    def write(self, observation: Any, array: np.ndarray, offset: int) -> None:
        for key, prep in zip(self._keys, self.preprocessors):
            try:
                child = observation[key]
            except (KeyError, IndexError, TypeError) as err:
                raise ValueError(
                    f"Observation for {self._obs_space} has no component {key!r}: {err}"
                ) from None
            prep.write(child, array, offset)
            offset += prep.size

    def transform_batch(self, observations: Any) -> np.ndarray:
        parts = []
        for key, prep in zip(self._keys, self.preprocessors):
            try:
                child = observations[key]
            except (KeyError, IndexError, TypeError) as err:
                raise ValueError(
                    f"Observation batch for {self._obs_space} has no component {key!r}: {err}"
                ) from None
            out = np.asarray(prep.transform_batch(child), dtype=np.float32)
            parts.append(out.reshape(out.shape[0], -1))
        return np.concatenate(parts, axis=1)


class TupleFlatteningPreprocessor(_FlatteningPreprocessor):
    """Tuple space -> concatenation of each child's preprocessed, flattened observation."""

    def _children(self, obs_space: gym.Space) -> list[tuple[Any, gym.Space]]:
        return list(enumerate(obs_space.spaces))


class DictFlatteningPreprocessor(_FlatteningPreprocessor):
    """Dict space -> concatenation of each child (in space key order), flattened."""

    def _children(self, obs_space: gym.Space) -> list[tuple[Any, gym.Space]]:
        return list(obs_space.spaces.items())


class RepeatedValuesPreprocessor(Preprocessor):
    """Repeated space -> ``[length, item_0, ..., item_{max_len-1}]`` (items flattened, zero padded)."""

    def _init_shape(self, obs_space: gym.Space, options: dict) -> tuple[int, ...]:
        child = obs_space.child_space
        self.child_preprocessor = get_preprocessor(child)(child, options)
        return (1 + self.child_preprocessor.size * obs_space.max_len,)

    def transform(self, observation: Any) -> np.ndarray:
        array = np.zeros(self.shape)
        if isinstance(observation, list):
            for item in observation:
                self.child_preprocessor.check_shape(item)
        self.write(observation, array, 0)
        return array

    def transform_batch(self, observations: Any) -> np.ndarray:
        return np.stack([self.transform(obs) for obs in observations]).astype(np.float32)

    def write(self, observation: Any, array: np.ndarray, offset: int) -> None:
        if not isinstance(observation, (list, np.ndarray)):
            raise ValueError(f"Input for {self} must be a list, got {type(observation).__name__}")
        if len(observation) > self._obs_space.max_len:
            raise ValueError(
                f"Input of length {len(observation)} exceeds max_len {self._obs_space.max_len} "
                f"of {self._obs_space}"
            )
        array[offset] = len(observation)
        for index, item in enumerate(observation):
            self.child_preprocessor.write(
                item, array, offset + 1 + index * self.child_preprocessor.size
            )


def get_preprocessor(space: gym.Space, include_multi_binary: bool = False) -> type[Preprocessor]:
    """The legacy preprocessor class RLlib picks for ``space``.

    Discrete/MultiDiscrete -> one-hot; shape (210, 160, 3) -> pixel; shape (128,) -> Atari RAM
    (an RLlib quirk we keep); Tuple/Dict -> flattening; MultiBinary -> float copy when
    ``include_multi_binary``; everything else -> no-op.
    """
    if isinstance(space, (gym.spaces.Discrete, gym.spaces.MultiDiscrete)):
        return OneHotPreprocessor
    if isinstance(space, gym.spaces.Tuple):
        return TupleFlatteningPreprocessor
    if isinstance(space, gym.spaces.Dict):
        return DictFlatteningPreprocessor
    if isinstance(space, Repeated):
        return RepeatedValuesPreprocessor
    if space.shape == ATARI_OBS_SHAPE:
        return GenericPixelPreprocessor
    if space.shape == ATARI_RAM_OBS_SHAPE:
        return AtariRamPreprocessor
    if include_multi_binary and isinstance(space, gym.spaces.MultiBinary):
        return MultiBinaryPreprocessor
    return NoPreprocessor


def needs_flattening(space: gym.Space) -> bool:
    """True for spaces a ModelV2 cannot take raw (Discrete, MultiDiscrete, Dict, Tuple)."""
    return isinstance(
        space,
        (gym.spaces.Discrete, gym.spaces.MultiDiscrete, gym.spaces.Dict, gym.spaces.Tuple, Repeated),
    )


def _child_shape(space: gym.Space) -> tuple[int, ...]:
    """The shape a child occupies inside a flattened observation (one-hot for discrete)."""
    if isinstance(space, gym.spaces.Discrete):
        return (int(space.n),)
    if isinstance(space, gym.spaces.MultiDiscrete):
        return (int(np.sum(space.nvec)),)
    if isinstance(space, (gym.spaces.Dict, gym.spaces.Tuple, Repeated)):
        return (get_preprocessor(space)(space).size,)
    return tuple(space.shape or ())


def _unpack_repeated(obs: Any, space: Repeated) -> RepeatedValues:
    """``(..., 1 + max_len * child)`` -> RepeatedValues over ``(..., max_len, *child)``."""
    child_size = get_preprocessor(space.child_space)(space.child_space).size
    if obs.shape[-1] != 1 + space.max_len * child_size:
        raise ValueError(
            f"Expected flattened obs shape [..., {1 + space.max_len * child_size}] for {space}, "
            f"got {tuple(obs.shape)}"
        )
    lengths = obs[..., 0]
    items = obs[..., 1:].reshape(tuple(obs.shape[:-1]) + (space.max_len, child_size))
    # As in Ray, a non-composite child stays flat: (..., max_len, child_size).
    return RepeatedValues(_unpack(items, space.child_space), lengths=lengths, max_len=space.max_len)


def _unpack(obs: Any, space: gym.Space) -> Any:
    if isinstance(space, Repeated):
        return _unpack_repeated(obs, space)
    if isinstance(space, (gym.spaces.Dict, gym.spaces.Tuple)):
        if isinstance(space, gym.spaces.Tuple) and isinstance(obs, (list, tuple)):
            return obs
        if isinstance(space, gym.spaces.Dict) and isinstance(obs, dict):
            return obs
        width = _child_shape(space)[0]
        if len(obs.shape) < 2 or obs.shape[-1] != width:
            raise ValueError(
                f"Expected flattened obs shape [..., {width}] for {space}, got {tuple(obs.shape)}"
            )
        children = (
            list(space.spaces.items())
            if isinstance(space, gym.spaces.Dict)
            else list(enumerate(space.spaces))
        )
        offset = 0
        unpacked: list[tuple[Any, Any]] = []
        for key, child_space in children:
            shape = _child_shape(child_space)
            size = int(np.prod(shape))
            piece = obs[..., offset : offset + size]
            offset += size
            piece = piece.reshape(tuple(piece.shape[:-1]) + shape)
            unpacked.append((key, _unpack(piece, child_space)))
        if isinstance(space, gym.spaces.Dict):
            return OrderedDict(unpacked)
        return [value for _, value in unpacked]
    return obs


def restore_original_dimensions(obs: Any, obs_space: gym.Space, tensorlib: Any = "torch") -> Any:
    """Unflattens ``obs`` (``(B, N)`` tensor/array) into the structure of ``obs_space.original_space``.

    Dict -> ``OrderedDict`` in space key order, Tuple -> list, recursively; Discrete children
    come back one-hot. Observations already in structured form are returned as they are.
    Spaces without ``original_space`` (or non-composite ones) return ``obs`` unchanged.

    Raises:
        ValueError: when the flat width does not match the space.
    """
    original = getattr(obs_space, "original_space", obs_space)
    return _unpack(obs, original)


def one_hot(x: torch.Tensor, space: gym.Space) -> torch.Tensor:
    """Torch one-hot for Discrete ``(B,)`` -> ``(B, n)`` and MultiDiscrete ``(B, k)`` -> ``(B, sum(nvec))``."""
    if isinstance(space, gym.spaces.Discrete):
        return torch.nn.functional.one_hot(x.long(), int(space.n)).float()
    if isinstance(space, gym.spaces.MultiDiscrete):
        nvec = np.asarray(space.nvec).reshape(-1)
        flat = x.long().reshape(x.shape[0], -1)
        return torch.cat(
            [torch.nn.functional.one_hot(flat[:, i], int(n)).float() for i, n in enumerate(nvec)],
            dim=-1,
        )
    raise ValueError(f"one_hot: expected a Discrete or MultiDiscrete space, got {space}")


def flatten_to_tensor(obs: Any, space: gym.Space) -> torch.Tensor:
    """Flattens a structured torch observation batch (leaves ``(B, ...)``) to ``(B, N)``.

    The torch counterpart of the flattening preprocessors: Discrete leaves holding integer
    indices are one-hot encoded, every leaf is flattened, and leaves are concatenated in
    space order.
    """
    if isinstance(space, gym.spaces.Dict):
        return torch.cat([flatten_to_tensor(obs[k], s) for k, s in space.spaces.items()], dim=-1)
    if isinstance(space, gym.spaces.Tuple):
        return torch.cat([flatten_to_tensor(obs[i], s) for i, s in enumerate(space.spaces)], dim=-1)
    tensor = torch.as_tensor(obs)
    if isinstance(space, (gym.spaces.Discrete, gym.spaces.MultiDiscrete)):
        expected = _child_shape(space)[0]
        if tensor.is_floating_point() and tensor.dim() >= 2 and tensor.shape[-1] == expected:
            return tensor.float()
        return one_hot(tensor, space)
    return tensor.reshape(tensor.shape[0], -1).float()
