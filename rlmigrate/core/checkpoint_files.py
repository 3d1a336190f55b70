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
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load as safetensors_load
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
def _read_metadata(directory: Path) -> dict[str, Any]:
    if not directory.is_dir():
        raise FileNotFoundError(f"checkpoint directory {str(directory)!r} does not exist")
    meta_path = directory / METADATA_FILE
    if not meta_path.is_file():
        legacy = [n for n in _LEGACY_FILES if (directory / n).exists()]
        hint = (
            f"; it holds RLlib pickle files {legacy}, which rlmigrate never loads (they can run "
            f"code): export the weights with RLlib's get_state() and save them with rlmigrate"
            if legacy else ""
        )
        raise CheckpointError(f"{str(meta_path)!r} is missing: not an rlmigrate module checkpoint{hint}")
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{str(meta_path)!r} is not valid JSON: {err}") from None
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
    if not isinstance(metadata["ctor_kwargs"], dict):
        raise CheckpointError(f"{str(meta_path)!r}: 'ctor_kwargs' must be an object")
    return metadata


def _read_state(directory: Path, metadata: dict[str, Any]) -> dict[str, np.ndarray]:
    entry = metadata["files"].get(STATE_FILE) if isinstance(metadata["files"], dict) else None
    if not isinstance(entry, dict) or "sha256" not in entry:
        raise CheckpointError(f"{str(directory / METADATA_FILE)!r} has no sha256 for {STATE_FILE!r}")
    file = directory / STATE_FILE
    if not file.is_file():
        raise CheckpointError(f"weights file {str(file)!r} is missing")
    blob = file.read_bytes()
    if entry.get("size") is not None and len(blob) != entry["size"]:
        raise CheckpointError(f"weights file {str(file)!r} is {len(blob)} bytes, metadata says {entry['size']} (truncated?)")
    if _sha256(blob) != entry["sha256"]:
        raise CheckpointError(f"weights file {str(file)!r} does not match its sha256 in metadata.json (corrupt or tampered)")
    try:
        return safetensors_load(blob)
    except (SafetensorError, ValueError, OSError) as err:
        raise CheckpointError(f"weights file {str(file)!r} is not valid safetensors: {err}") from None


def _sub_directory(directory: Path, name: Any) -> Path:
    if not isinstance(name, str) or not name or Path(name).name != name or name in (".", ".."):
        raise CheckpointError(f"{str(directory / METADATA_FILE)!r} names an invalid module directory {name!r}")
    return directory / name
