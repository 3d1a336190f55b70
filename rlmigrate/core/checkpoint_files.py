"""The on-disk checkpoint format: JSON metadata, sha256 records, safetensors weights.

This layer only knows about files and plain data, never about module or catalog classes:
a checkpoint can therefore be read and fully validated (present, size, sha256, JSON shape,
valid safetensors) before anything named in it is imported or any module is touched.
Writes are atomic (temp file + ``os.replace``), so an interrupted save never leaves a
half-written ``metadata.json`` or weights file behind under the final name.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import save as safetensors_save

__all__ = ["CheckpointError", "FORMAT", "FORMAT_VERSION", "METADATA_FILE", "STATE_FILE"]

FORMAT = "rlmigrate-rl-module"
FORMAT_VERSION = 1
METADATA_FILE = "metadata.json"
STATE_FILE = "module_state.safetensors"
# Constructor arguments stored as space dicts (rlmigrate.core.spaces) rather than as JSON values.
_SPACE_KEYS = ("observation_space", "action_space")
_LEGACY_FILES = ("class_and_ctor_args.pkl", "module_state.pt", "module_state.pkl", "rl_module_metadata.json")


class CheckpointError(ValueError):
    """A checkpoint directory is missing, malformed, tampered with, or does not fit."""


# ------------------------------------------------------------------------------ JSON helpers
def _jsonable(value: Any, where: str) -> Any:
    """``value`` as plain JSON types; a callable or object raises naming ``where``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise CheckpointError(f"{where} has a non-str key {key!r}; checkpoints store JSON")
            out[key] = _jsonable(item, f"{where}[{key!r}]")
        return out
    if isinstance(value, (list, tuple)):
        return [_jsonable(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value), where)
    raise CheckpointError(
        f"{where} is a {type(value).__name__} ({value!r}); checkpoints store constructor "
        f"arguments as JSON: use names (e.g. 'relu', 'xavier_uniform_') instead of objects"
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------------ writing
def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _write_state(directory: Path, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """Write ``arrays`` as the safetensors state file; returns its ``files`` metadata entry."""
    blob = safetensors_save(arrays, metadata={"format": FORMAT})
    _write_atomic(directory / STATE_FILE, blob)
    return {STATE_FILE: {"sha256": _sha256(blob), "size": len(blob)}}


def _write_metadata(directory: Path, metadata: dict[str, Any]) -> None:
    _write_atomic(directory / METADATA_FILE, json.dumps(metadata, indent=1, sort_keys=True).encode())


# ------------------------------------------------------------------------------ reading
#: metadata.json is a few KiB; anything past this is refused before it is parsed.
MAX_METADATA_BYTES = 16 * 1024 * 1024


def safe_member(directory: Path, name: Any, what: str, *, kind: str = "file", source: Path | None = None) -> Path:
    """``directory / name`` after checking that it stays inside ``directory``.

    ``name`` must be one plain path component (no separator, not ``.``/``..``, not absolute);
    the resolved path (symlinks followed) must lie inside the resolved ``directory`` and be a
    regular file (``kind="file"``) or a directory (``kind="dir"``): a device such as
    ``/dev/zero``, a FIFO or a symlink out of the checkpoint is refused before it is opened.

    Raises:
        CheckpointError: naming ``source`` (the file that named ``name``) and ``what``.
    """
    where = f"{str(source)!r}: " if source is not None else ""
    if (
        not isinstance(name, str)
        or not name
        or "\x00" in name
        or name in (".", "..")
        or Path(name).name != name
        or "\\" in name
        or os.path.isabs(name)
    ):
        raise CheckpointError(f"{where}{what} must be a plain name inside the checkpoint directory, got {name!r}")
    path = directory / name
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        raise CheckpointError(f"{where}{what} {str(path)!r} is missing") from None
    except (OSError, RuntimeError) as err:  # symlink loops, permissions
        raise CheckpointError(f"{where}{what} {str(path)!r} cannot be resolved: {err}") from None
    root = directory.resolve()
    if resolved != root and root not in resolved.parents:
        raise CheckpointError(
            f"{where}{what} {str(path)!r} points outside the checkpoint directory (to {str(resolved)!r}); "
            "checkpoints only read files inside their own directory"
        )
    mode = resolved.stat().st_mode
    if kind == "file" and not stat.S_ISREG(mode):
        raise CheckpointError(f"{where}{what} {str(path)!r} is not a regular file (a device, FIFO or directory)")
    if kind == "dir" and not stat.S_ISDIR(mode):
        raise CheckpointError(f"{where}{what} {str(path)!r} is not a directory")
    return path


def read_regular_file(path: Path, what: str, *, limit: int | None = None, expected_size: Any = None) -> bytes:
    """The bytes of a regular file checked by :func:`safe_member`, at most ``limit`` bytes.

    The size is checked (against ``limit`` and ``expected_size``) from ``stat`` before any
    byte is read, and the read itself never takes more than that size plus one byte.
    """
    size = path.stat().st_size
    if limit is not None and size > limit:
        raise CheckpointError(f"{what} {str(path)!r} is {size} bytes; the limit is {limit}")
    if expected_size is not None and size != expected_size:
        raise CheckpointError(f"{what} {str(path)!r} is {size} bytes, metadata says {expected_size!r} (truncated?)")
    with open(path, "rb") as handle:
        data = handle.read(size + 1)
    if len(data) != size:
        raise CheckpointError(f"{what} {str(path)!r} changed size while being read")
    return data


def parse_json(data: bytes, path: Path) -> Any:
    """``json.loads`` whose every failure (encoding, syntax, nesting depth) is a CheckpointError."""
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{str(path)!r} is not valid JSON: {err}") from None
    except RecursionError:
        raise CheckpointError(f"{str(path)!r} nests JSON too deeply to be a checkpoint") from None


#: Top-level metadata fields: the JSON types they must have, and how messages say so.
_FIELD_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "module_class": ((str,), "a string"),
    "ctor_kwargs": ((dict,), "an object"),
    "files": ((dict,), "an object"),
    "modules": ((dict,), "an object"),
    "catalog_class": ((str, type(None)), "a string or null"),
    "inference_only": ((bool, type(None)), "a boolean or null"),
}


def _read_metadata(directory: Path) -> dict[str, Any]:
    if not directory.is_dir():
        raise FileNotFoundError(f"checkpoint directory {str(directory)!r} does not exist")
    meta_path = directory / METADATA_FILE
    if not os.path.lexists(meta_path):
        legacy = [n for n in _LEGACY_FILES if (directory / n).exists()]
        hint = (
            f"; it holds RLlib pickle files {legacy}, which rlmigrate never loads (they can run "
            f"code): export the weights with RLlib's get_state() and save them with rlmigrate"
            if legacy else ""
        )
        raise CheckpointError(f"{str(meta_path)!r} is missing: not an rlmigrate module checkpoint{hint}")
    safe_member(directory, METADATA_FILE, "metadata file")
    metadata = parse_json(read_regular_file(meta_path, "metadata file", limit=MAX_METADATA_BYTES), meta_path)
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        got = metadata.get("format") if isinstance(metadata, dict) else type(metadata).__name__
        raise CheckpointError(f"{str(meta_path)!r}: expected format {FORMAT!r}, got {got!r}")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"{str(meta_path)!r}: format_version {metadata.get('format_version')!r} is not supported "
            f"(this rlmigrate reads {FORMAT_VERSION})"
        )
    required = {"kind", "module_class", "ctor_kwargs"}
    if metadata.get("kind") == "single":
        required |= {"files"}
    elif metadata.get("kind") == "multi":
        required |= {"modules"}
    else:
        raise CheckpointError(f"{str(meta_path)!r}: 'kind' must be 'single' or 'multi', got {metadata.get('kind')!r}")
    missing = sorted(required - set(metadata))
    if missing:
        raise CheckpointError(f"{str(meta_path)!r} lacks keys {missing}")
    for field, (types, expected) in _FIELD_TYPES.items():
        if field in metadata and not isinstance(metadata[field], types):
            got = type(metadata[field]).__name__
            raise CheckpointError(f"{str(meta_path)!r}: field {field!r} must be {expected}, got {got}")
    return metadata


def _sub_directory(directory: Path, name: Any, module_id: Any = None) -> Path:
    what = f"module directory of {module_id!r}" if module_id is not None else "module directory"
    return safe_member(directory, name, what, kind="dir", source=directory / METADATA_FILE)
