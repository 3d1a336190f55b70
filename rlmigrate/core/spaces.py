"""Gymnasium spaces <-> JSON-safe dicts, and batch-vs-space checks.

The dict layout is RLlib's (``ray.rllib.utils.serialization``): ``{"space": "box", "low":
<b64 np.save>, "high": ..., "shape": [...], "dtype": "<f4"}`` and friends, so specs written
by RLlib load here and ours load there. ``space_from_dict`` also accepts plain JSON lists or
scalars for ``low``/``high``/``nvec``, which is what humans write by hand.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import gymnasium as gym
import numpy as np

__all__ = ["space_to_dict", "space_from_dict", "describe_space", "flat_obs_check"]


def _encode_array(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _decode_array(value: Any, dtype: Any = None) -> np.ndarray:
    if isinstance(value, str):
        # allow_pickle=False: a spec file must never be able to run code.
        array = np.load(io.BytesIO(base64.b64decode(value)), allow_pickle=False)
    else:
        array = np.asarray(value)
    return array.astype(dtype) if dtype is not None else array


def space_to_dict(space: gym.Space) -> dict[str, Any]:
    """Serialise a gymnasium space (nested Dict/Tuple included) into a JSON-safe dict.

    Raises:
        TypeError: for a space type without a JSON form, naming the space.
    """
    if isinstance(space, gym.spaces.Box):
        return {
            "space": "box",
            "low": _encode_array(space.low),
            "high": _encode_array(space.high),
            "shape": list(space.shape),
            "dtype": space.dtype.str,
        }
    if isinstance(space, gym.spaces.Discrete):
        return {"space": "discrete", "n": int(space.n), "start": int(space.start)}
    if isinstance(space, gym.spaces.MultiDiscrete):
        data = {"space": "multi-discrete", "nvec": _encode_array(space.nvec), "dtype": space.dtype.str}
        start = getattr(space, "start", None)  # gymnasium >= 1.0
        if start is not None and np.any(start):
            data["start"] = _encode_array(start)
        return data
    if isinstance(space, gym.spaces.MultiBinary):
        n = space.n
        return {"space": "multi-binary", "n": [int(x) for x in n] if np.ndim(n) else int(n)}
    if isinstance(space, gym.spaces.Tuple):
        return {"space": "tuple", "spaces": [space_to_dict(s) for s in space.spaces]}
    if isinstance(space, gym.spaces.Dict):
        return {"space": "dict", "spaces": {k: space_to_dict(s) for k, s in space.spaces.items()}}
    if isinstance(space, gym.spaces.Text):
        return {
            "space": "text",
            "min_length": int(space.min_length),
            "max_length": int(space.max_length),
            "charset": "".join(sorted(space.character_set)),
        }
    raise TypeError(f"cannot serialise space {space!r}: no JSON form for {type(space).__name__}")


def space_from_dict(data: dict[str, Any]) -> gym.Space:
    """Inverse of :func:`space_to_dict`.

    Raises:
        ValueError: for a dict without a known ``"space"`` kind, naming what came.
    """
    if not isinstance(data, dict) or "space" not in data:
        raise ValueError(f"a space dict needs a 'space' key, got {data!r}")
    kind = data["space"]
    if kind == "box":
        dtype = np.dtype(data.get("dtype", "float32"))
        shape = tuple(data["shape"]) if data.get("shape") is not None else None
        low = _decode_array(data["low"], dtype)
        high = _decode_array(data["high"], dtype)
        if shape is not None and low.ndim == 0:
            low = np.full(shape, low, dtype=dtype)
            high = np.full(shape, high, dtype=dtype)
        return gym.spaces.Box(low=low, high=high, dtype=dtype)
    if kind == "discrete":
        return gym.spaces.Discrete(int(data["n"]), start=int(data.get("start", 0)))
    if kind == "multi-discrete":
        dtype = np.dtype(data.get("dtype", "int64"))
        nvec = _decode_array(data["nvec"], dtype)
        if "start" in data:
            return gym.spaces.MultiDiscrete(nvec, dtype=dtype, start=_decode_array(data["start"], dtype))
        return gym.spaces.MultiDiscrete(nvec, dtype=dtype)
    if kind == "multi-binary":
        return gym.spaces.MultiBinary(data["n"])
    if kind == "tuple":
        return gym.spaces.Tuple([space_from_dict(s) for s in data["spaces"]])
    if kind == "dict":
        return gym.spaces.Dict({k: space_from_dict(s) for k, s in data["spaces"].items()})
    if kind == "text":
        return gym.spaces.Text(
            max_length=int(data["max_length"]),
            min_length=int(data.get("min_length", 1)),
            charset=data.get("charset") or None,
        )
    raise ValueError(
        f"unknown space kind {kind!r}; expected one of box, discrete, multi-discrete, "
        "multi-binary, tuple, dict, text"
    )


def describe_space(space: gym.Space) -> str:
    """A short human-readable form for error messages, e.g. ``Box(-1.0, 1.0, (4,), float32)``."""
    return repr(space)


def flat_obs_check(space: gym.Space, obs: Any, *, batched: bool, where: str = "observation") -> None:
    """Check that ``obs`` (a numpy struct) matches ``space`` in structure, shape and dtype kind.

    A structural check only (no bounds, no finiteness): the shared observation checker of
    :mod:`rlmigrate.core.obs_check` with its value checks off, so there is one check to keep.

    Args:
        space: the module's observation space.
        obs: the observation (``batched=False``) or a batch ``(B, ...)`` (``batched=True``).
        batched: whether ``obs`` carries a leading batch dim.
        where: a path used in messages (``observation['pos']``).

    Raises:
        ValueError: when structure or shape does not fit (naming ``where``, the space and shapes).
    """
    from rlmigrate.core.obs_check import make_batch_checker

    make_batch_checker(space, bounds=False, check_finite=False)(obs if batched else _with_batch_dim(space, obs), where)


def _with_batch_dim(space: gym.Space, obs: Any) -> Any:
    """One observation of ``space`` as a batch of one (structure left as is where it does not fit)."""
    if isinstance(space, gym.spaces.Dict) and isinstance(obs, dict):
        return {key: _with_batch_dim(space.spaces[key], value) if key in space.spaces else value for key, value in obs.items()}
    if isinstance(space, gym.spaces.Tuple):
        if isinstance(obs, (tuple, list)) and len(obs) == len(space.spaces):
            return tuple(_with_batch_dim(sub, item) for sub, item in zip(space.spaces, obs))
        return obs
    return np.asarray(obs)[None]
