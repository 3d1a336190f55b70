"""Reading safetensors weights from a checkpoint: header first, values last, policy enforced.

The order is what makes loading safe against hostile files:

1. the file is checked to be a regular file inside the checkpoint, its size and sha256
   compared with ``metadata.json`` (nothing is parsed yet);
2. the safetensors *header* (8-byte length + JSON) is parsed and validated: dtypes known,
   shapes of non-negative ints, byte ranges inside the file and matching shape x dtype;
3. the caller compares the header with the shapes and dtypes the module expects
   (:func:`check_header_fits`) before any tensor is decoded or any module is allocated;
4. only then are the tensors decoded (:func:`decode_weights`) and their values checked
   against the load policy (:class:`WeightPolicy`).

Weight policy (see ``docs/guide/checkpoints.md``): a tensor whose dtype differs from the
module's is refused (``allow_dtype_cast=True`` casts it), and a floating tensor holding NaN or
±inf is refused (``allow_non_finite=True`` loads it). Both are refusals by default because a
silent cast or a NaN weight yields a module that acts without error but wrongly.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import struct
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load as safetensors_load

from rlmigrate.core.checkpoint_files import (
    METADATA_FILE,
    STATE_FILE,
    CheckpointError,
    read_regular_file,
    safe_member,
)

__all__ = ["WeightPolicy", "WeightsFile", "read_weights_file", "parse_header", "check_header_fits", "decode_weights"]

#: safetensors dtype codes -> numpy dtype names (BF16 has no numpy dtype: refused).
SAFETENSORS_DTYPES: dict[str, str] = {
    "F64": "float64", "F32": "float32", "F16": "float16",
    "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8",
    "U64": "uint64", "U32": "uint32", "U16": "uint16", "U8": "uint8", "BOOL": "bool",
}
#: A header is JSON describing tensors; a few MiB covers tens of thousands of tensors.
MAX_HEADER_BYTES = 16 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class WeightPolicy:
    """What a load accepts beyond exact-dtype, finite weights (both off by default).

    Attributes:
        allow_dtype_cast: cast tensors whose dtype differs from the module's (float16 →
            float32, int → float, ...). Off: such a checkpoint raises ``CheckpointError``.
        allow_non_finite: load floating tensors holding NaN or ±inf. Off: they raise.
    """

    allow_dtype_cast: bool = False
    allow_non_finite: bool = False


@dataclasses.dataclass
class WeightsFile:
    """A verified weights file: its bytes and validated header ``{key: (dtype, shape)}``."""

    path: Path
    blob: bytes
    header: dict[str, tuple[str, tuple[int, ...]]]


def parse_header(blob: bytes, path: Path) -> dict[str, tuple[str, tuple[int, ...]]]:
    """The validated safetensors header of ``blob``: ``{key: (numpy dtype name, shape)}``.

    Nothing but the header is read; every byte range is checked to lie inside the file and to
    match ``prod(shape) * itemsize``, so decoding later cannot allocate more than the file holds.
    """
    where = f"weights file {str(path)!r}"
    if len(blob) < 8:
        raise CheckpointError(f"{where} is not valid safetensors: {len(blob)} bytes, shorter than the 8-byte header length")
    (length,) = struct.unpack("<Q", blob[:8])
    if length > min(MAX_HEADER_BYTES, len(blob) - 8):
        raise CheckpointError(f"{where} is not valid safetensors: header length {length} exceeds the file ({len(blob)} bytes)")
    try:
        header = json.loads(blob[8 : 8 + length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise CheckpointError(f"{where} is not valid safetensors: header is not JSON ({type(err).__name__})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{where} is not valid safetensors: header is a {type(header).__name__}, not an object")
    data_size = len(blob) - 8 - length
    out: dict[str, tuple[str, tuple[int, ...]]] = {}
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        field = f"{where}, tensor {key!r}"
        if not isinstance(entry, dict):
            raise CheckpointError(f"{field}: header entry must be an object")
        code, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if code not in SAFETENSORS_DTYPES:
            raise CheckpointError(f"{field}: dtype {code!r} is not supported (supported: {sorted(SAFETENSORS_DTYPES)})")
        if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
            raise CheckpointError(f"{field}: shape must be a list of non-negative ints, got {shape!r}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(o) is int for o in offsets)):
            raise CheckpointError(f"{field}: data_offsets must be two ints, got {offsets!r}")
        begin, end = offsets
        nbytes = math.prod(shape) * np.dtype(SAFETENSORS_DTYPES[code]).itemsize
        if not 0 <= begin <= end <= data_size or end - begin != nbytes:
            raise CheckpointError(
                f"{field}: bytes [{begin}, {end}) do not hold shape {tuple(shape)} of {code} "
                f"({nbytes} bytes) inside the {data_size} data bytes of the file"
            )
        out[key] = (SAFETENSORS_DTYPES[code], tuple(shape))
    return out


def read_weights_file(directory: Path, metadata: dict[str, Any]) -> WeightsFile:
    """Check, read and header-parse a module checkpoint's weights file (no tensor decoded).

    Raises:
        CheckpointError: naming ``metadata.json``'s ``files`` entry or the weights file.
    """
    meta_path = directory / METADATA_FILE
    entry = metadata["files"].get(STATE_FILE)
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
        raise CheckpointError(f"{str(meta_path)!r}: field files[{STATE_FILE!r}] needs a 'sha256' string")
    size = entry.get("size")
    if size is not None and (type(size) is not int or size < 0):
        raise CheckpointError(f"{str(meta_path)!r}: field files[{STATE_FILE!r}]['size'] must be a non-negative int, got {size!r}")
    path = safe_member(directory, STATE_FILE, "weights file", source=meta_path)
    blob = read_regular_file(path, "weights file", expected_size=size)
    if hashlib.sha256(blob).hexdigest() != entry["sha256"]:
        raise CheckpointError(f"weights file {str(path)!r} does not match its sha256 in metadata.json (corrupt or tampered)")
    return WeightsFile(path, blob, parse_header(blob, path))


def check_header_fits(
    header: dict[str, tuple[str, tuple[int, ...]]],
    expected: dict[str, tuple[str, tuple[int, ...]]],
    file: Path,
    where: str,
    policy: WeightPolicy,
    *,
    optional: Any = lambda key: False,
) -> None:
    """Refuse a header whose keys, shapes or dtypes do not fit ``expected`` (listing all).

    Args:
        header / expected: ``{key: (numpy dtype name, shape)}`` of the file and of the module.
        optional: ``key -> bool`` for keys that may be absent or extra (critic-only weights
            between inference-only and full modules).
    """
    problems = [
        f"{key}: module {expected[key][1]}, checkpoint {shape}"
        for key, (_, shape) in sorted(header.items())
        if key in expected and expected[key][1] != shape
    ]
    dtypes = [
        f"{key}: module {expected[key][0]}, checkpoint {dtype}"
        for key, (dtype, _) in sorted(header.items())
        if key in expected and expected[key][0] != dtype
    ]
    missing = sorted(k for k in expected if k not in header and not optional(k))
    unexpected = sorted(k for k in header if k not in expected and not optional(k))
    parts = []
    if problems:
        parts.append("shape mismatch for " + "; ".join(problems))
    if missing:
        parts.append(f"keys missing from the checkpoint: {missing}")
    if unexpected:
        parts.append(f"keys the module does not have: {unexpected}")
    if dtypes and not policy.allow_dtype_cast:
        parts.append("dtype mismatch for " + "; ".join(dtypes) + " (pass allow_dtype_cast=True to cast)")
    if parts:
        raise CheckpointError(f"weights file {str(file)!r} does not fit {where}: " + "; ".join(parts))


def decode_weights(weights: WeightsFile, policy: WeightPolicy) -> dict[str, np.ndarray]:
    """Decode the tensors of a header-checked file; refuse non-finite values unless allowed."""
    try:
        arrays = safetensors_load(weights.blob)
    except (SafetensorError, ValueError, OSError) as err:
        raise CheckpointError(f"weights file {str(weights.path)!r} is not valid safetensors: {err}") from None
    if not policy.allow_non_finite:
        bad = sorted(
            key for key, array in arrays.items() if array.dtype.kind == "f" and not np.isfinite(array).all()
        )
        if bad:
            raise CheckpointError(
                f"weights file {str(weights.path)!r} holds NaN or inf in {bad}; such a module would act "
                "without error but wrongly (pass allow_non_finite=True to load it anyway)"
            )
    return arrays
