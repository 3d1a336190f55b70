"""Decode Ray's msgpack checkpoints (``*.msgpck``) into plain Python + numpy, nothing else.

Ray writes them with ``msgpack`` patched by ``msgpack_numpy``: a numpy array becomes a map
``{b"nd": True, b"type": dtype.str, b"kind": b"", b"shape": [...], b"data": raw bytes}`` and a
numpy scalar ``{b"nd": False, b"type": ..., b"data": ...}``. ``msgpack_numpy``'s own decoder
unpickles object arrays (``kind``/``type`` ``"|O"``), so we never use it: arrays are rebuilt
here with :func:`numpy.frombuffer` from a dtype that must be a plain numeric or bool dtype, and
an object or structured dtype is refused with :class:`MsgpackStateError`.

Example:
    >>> import msgpack, numpy as np
    >>> blob = msgpack.packb({"w": {b"nd": True, b"type": "<f4", b"kind": b"",
    ...                             b"shape": [2], b"data": np.ones(2, "<f4").tobytes()}})
    >>> load_msgpack(blob)["w"]
    array([1., 1.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["MsgpackStateError", "load_msgpack"]

#: Bound on nesting (msgpack itself is iterative; our object hook is not the risk, Python
#: recursion in consumers is) and on one array's element count (1e9 float32 = 4 GB).
_MAX_ELEMENTS = 1 << 30


class MsgpackStateError(ValueError):
    """The bytes are not a msgpack checkpoint state this reader accepts."""


def _array(record: dict[Any, Any], where: str) -> Any:
    type_str = record.get(b"type", record.get("type"))
    data = record.get(b"data", record.get("data"))
    if isinstance(type_str, bytes):
        type_str = type_str.decode("ascii", "replace")
    if not isinstance(type_str, str) or not isinstance(data, (bytes, bytearray)):
        raise MsgpackStateError(f"{where}: a numpy record without a dtype string and data bytes")
    try:
        dtype = np.dtype(type_str)
    except TypeError as err:
        raise MsgpackStateError(f"{where}: unknown dtype {type_str!r}") from err
    if dtype.kind not in "biufc" or dtype.fields is not None:
        raise MsgpackStateError(
            f"{where}: dtype {type_str!r} is refused (only bool/int/float/complex arrays are "
            "read; object arrays would need unpickling)"
        )
    if not record.get(b"nd", record.get("nd")):
        if len(data) != dtype.itemsize:
            raise MsgpackStateError(f"{where}: scalar of {dtype} with {len(data)} data bytes")
        return np.frombuffer(bytes(data), dtype=dtype)[0]
    shape = record.get(b"shape", record.get("shape"))
    if not isinstance(shape, (list, tuple)) or not all(
        isinstance(n, int) and n >= 0 for n in shape
    ):
        raise MsgpackStateError(f"{where}: array shape {shape!r} is not a list of sizes")
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if count > _MAX_ELEMENTS or count * dtype.itemsize != len(data):
        raise MsgpackStateError(
            f"{where}: array of shape {list(shape)} and dtype {dtype} does not match its "
            f"{len(data)} data bytes"
        )
    return np.frombuffer(bytes(data), dtype=dtype).reshape(shape).copy()


def load_msgpack(data: bytes, *, where: str = "<bytes>") -> Any:
    """Decodes a Ray msgpack checkpoint state (see the module docstring).

    Raises:
        MsgpackStateError: naming ``where`` when the bytes or an array record are malformed.
    """
    import msgpack

    def hook(mapping: dict[Any, Any]) -> Any:
        if b"nd" in mapping or ("nd" in mapping and "data" in mapping):
            return _array(mapping, where)
        return mapping

    try:
        return msgpack.unpackb(
            data, object_hook=hook, raw=False, strict_map_key=False, use_list=True
        )
    except MsgpackStateError:
        raise
    except (ValueError, TypeError, msgpack.exceptions.ExtraData, msgpack.exceptions.FormatError,
            msgpack.exceptions.StackError, RecursionError) as err:
        raise MsgpackStateError(f"{where}: not a readable msgpack state ({err})") from err
