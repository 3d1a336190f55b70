"""Ray's serialized gymnasium spaces (``policy_spec["observation_space"]``) -> gymnasium spaces.

Ray 2.x stores a space as ``{"space": <record>, "original_space": ...}`` where a record is
``{"space": "box", "low": <b64 zlib np.save>, "high": ..., "shape": [...], "dtype": "<f4"}``,
``{"space": "discrete", "n": 2, "start": 0}``, ``"multi-binary"``, ``"multi-discrete"``,
``"tuple"``, ``"dict"`` (keys in the stored order). Arrays are read with
``np.load(allow_pickle=False)`` from a size-bounded decompression (Ray allows pickles there).
``simplex``/``repeated``/``flex_dict``/``text`` are refused with a message naming the kind.
"""

from __future__ import annotations

import base64
import binascii
import io
import zlib
from collections import OrderedDict
from typing import Any

import gymnasium as gym
import numpy as np

__all__ = ["RaySpaceError", "space_from_ray"]

_MAX_ARRAY_BYTES = 64 << 20


class RaySpaceError(ValueError):
    """A serialized space this reader cannot decode; the message names the path inside it."""


def _ndarray(text: Any, where: str) -> np.ndarray:
    if not isinstance(text, str):
        raise RaySpaceError(f"{where}: expected a base64 string, got {type(text).__name__}")
    try:
        packed = base64.b64decode(text, validate=True)
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, _MAX_ARRAY_BYTES)
        if inflater.unconsumed_tail:
            raise RaySpaceError(f"{where}: array larger than {_MAX_ARRAY_BYTES} bytes")
        return np.load(io.BytesIO(raw), allow_pickle=False)
    except (binascii.Error, zlib.error, ValueError, OSError) as err:
        raise RaySpaceError(f"{where}: not a serialized numpy array ({err})") from err


def _record(record: Any, where: str) -> gym.Space:
    if not isinstance(record, dict) or not isinstance(record.get("space"), str):
        raise RaySpaceError(f"{where}: expected a space record with a 'space' kind")
    kind = record["space"]
    try:
        if kind == "box":
            return gym.spaces.Box(
                low=_ndarray(record["low"], f"{where}.low"),
                high=_ndarray(record["high"], f"{where}.high"),
                shape=tuple(record["shape"]),
                dtype=np.dtype(record["dtype"]),
            )
        if kind == "discrete":
            return gym.spaces.Discrete(int(record["n"]), start=int(record.get("start", 0)))
        if kind == "multi-binary":
            return gym.spaces.MultiBinary(record["n"])
        if kind == "multi-discrete":
            nvec = _ndarray(record["nvec"], f"{where}.nvec")
            return gym.spaces.MultiDiscrete(nvec, dtype=np.dtype(record["dtype"]))
        if kind == "tuple":
            return gym.spaces.Tuple(
                [_record(sub, f"{where}[{i}]") for i, sub in enumerate(record["spaces"])]
            )
        if kind == "dict":
            return gym.spaces.Dict(
                OrderedDict(
                    (key, _record(sub, f"{where}[{key!r}]"))
                    for key, sub in record["spaces"].items()
                )
            )
    except (KeyError, TypeError, ValueError) as err:
        if isinstance(err, RaySpaceError):
            raise
        raise RaySpaceError(f"{where}: malformed {kind!r} space ({err!r})") from err
    raise RaySpaceError(
        f"{where}: space kind {kind!r} is not supported by convert-checkpoint (box, discrete, "
        "multi-binary, multi-discrete, tuple, dict)"
    )


def space_from_ray(serialized: Any, where: str = "space") -> gym.Space:
    """Decodes Ray's ``space_to_dict`` output (or a bare ``gym_space_to_dict`` record).

    The preprocessed space's ``original_space`` (Dict/Tuple obs flattened by Ray's
    preprocessor) is attached as ``space.original_space`` like Ray does.
    """
    if isinstance(serialized, dict) and isinstance(serialized.get("space"), dict):
        space = _record(serialized["space"], where)
        if "original_space" in serialized:
            space.original_space = space_from_ray(  # type: ignore[attr-defined]
                serialized["original_space"], f"{where}.original_space"
            )
        return space
    return _record(serialized, where)
