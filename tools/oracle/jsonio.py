"""JSON encodings shared by the oracle recorder, the benchmark and the fixture checker.

Only numpy (and gymnasium for the space helpers) is needed here, never Ray, so the same
encodings can be read back by rlmigrate's own venv.

Array record: every numpy array in a fixture is stored as::

    {"dtype": "float32", "shape": [5, 2], "values": [[...], [...]]}

``values`` is ``ndarray.tolist()``: nested lists matching ``shape`` (a bare number for shape
``[]``). float32 values are written as the exact double of the float32, so
``np.asarray(values, dtype)`` gives back the recorded array bit for bit. Records made for
random outputs may omit ``values`` (see ``array_meta``).

Space record (gymnasium spaces; only the kinds the oracle uses)::

    {"space": "box", "low": [...], "high": [...], "shape": [4], "dtype": "float32"}
    {"space": "discrete", "n": 2}                  # "start" only when it is not 0
    {"space": "dict", "spaces": {"key": <space record>, ...}}   # keys in the space's order
"""

from __future__ import annotations

from typing import Any

import numpy as np


def array_record(value: Any) -> dict[str, Any]:
    """Encode an array-like (numpy, torch, python number) as an array record with values.

    Args:
        value: anything ``np.asarray`` accepts, or a torch tensor.

    Returns:
        ``{"dtype", "shape", "values"}``.
    """
    array = _to_numpy(value)
    return {"dtype": str(array.dtype), "shape": list(array.shape), "values": array.tolist()}


def array_meta(value: Any) -> dict[str, Any]:
    """Encode only the dtype and shape of an array-like (for outputs whose values are random)."""
    array = _to_numpy(value)
    return {"dtype": str(array.dtype), "shape": list(array.shape)}


def array_from_record(record: dict[str, Any]) -> np.ndarray:
    """Decode an array record back to numpy, checking its declared shape.

    Raises:
        KeyError: the record has no ``values`` (it was recorded as metadata only).
        ValueError: the decoded values do not have the declared shape.
    """
    if "values" not in record:
        raise KeyError(
            f"array record has no 'values' (keys: {sorted(record)}); it is metadata only"
        )
    array = np.asarray(record["values"], dtype=np.dtype(record["dtype"]))
    if list(array.shape) != list(record["shape"]):
        raise ValueError(
            f"array record declares shape {record['shape']}, values have shape {list(array.shape)}"
        )
    return array


def space_to_json(space: Any) -> dict[str, Any]:
    """Encode a gymnasium space (Box, Discrete, Dict) as a space record.

    Raises:
        TypeError: the space kind is not one the oracle records.
    """
    kind = type(space).__name__
    if kind == "Box":
        return {
            "space": "box",
            "low": np.asarray(space.low).tolist(),
            "high": np.asarray(space.high).tolist(),
            "shape": list(space.shape),
            "dtype": str(np.dtype(space.dtype)),
        }
    if kind == "Discrete":
        record: dict[str, Any] = {"space": "discrete", "n": int(space.n)}
        if int(space.start) != 0:
            record["start"] = int(space.start)
        return record
    if kind == "Dict":
        return {
            "space": "dict",
            "spaces": {key: space_to_json(sub) for key, sub in space.spaces.items()},
        }
    raise TypeError(f"space_to_json: expected a Box, Discrete or Dict space, got {kind}: {space!r}")


def space_from_json(record: dict[str, Any]) -> Any:
    """Decode a space record into a gymnasium space (inverse of ``space_to_json``).

    Raises:
        ValueError: ``record["space"]`` is not ``box``, ``discrete`` or ``dict``.
    """
    import gymnasium as gym

    kind = record.get("space")
    if kind == "box":
        dtype = np.dtype(record["dtype"])
        low = np.asarray(record["low"], dtype=dtype)
        high = np.asarray(record["high"], dtype=dtype)
        return gym.spaces.Box(low=low, high=high, shape=tuple(record["shape"]), dtype=dtype)
    if kind == "discrete":
        return gym.spaces.Discrete(int(record["n"]), start=int(record.get("start", 0)))
    if kind == "dict":
        from collections import OrderedDict

        return gym.spaces.Dict(
            OrderedDict((k, space_from_json(v)) for k, v in record["spaces"].items())
        )
    raise ValueError(
        f"space_from_json: expected space 'box', 'discrete' or 'dict', got {kind!r} in {record!r}"
    )


def jsonable(value: Any) -> Any:
    """Turn a config value (tuples, numpy scalars, classes) into plain JSON data.

    Used for model configs; classes and functions become their qualified name.
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, type) or callable(value):
        return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', repr(value))}"
    return repr(value)


def _to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)
