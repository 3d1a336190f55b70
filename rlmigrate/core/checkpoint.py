"""Safe module checkpoints: ``metadata.json`` + safetensors weights, never pickle.

Layout of a single-module checkpoint directory::

    metadata.json               format, format_version, kind "single", module_class path,
                                ctor_kwargs (spaces as JSON), catalog_class path,
                                inference_only, {file: {sha256, size}}
    module_state.safetensors    module.get_state() (name -> array)

A MultiRLModule writes ``kind "multi"``, its own ctor kwargs and ``modules: {id: dir}`` at
the top, and one single-module checkpoint per module id in a sub-directory of that name.

Loading is safe by construction:

* nothing is unpickled (weights are safetensors, metadata is JSON);
* every file is checked (present, size, sha256, JSON shape) and every array is read and
  shape-checked *before* any module is touched, so a bad checkpoint changes nothing;
* a class named in the metadata is imported only if its dotted path is under ``rlmigrate.``
  or under a prefix the caller allows (``allowed_modules=`` or ``module_class=``), because
  importing a module runs its top-level code; after import it must be an ``RLModule``
  (or, for catalogs, a ``Catalog``) subclass.

Example:
    >>> import gymnasium as gym
    >>> from rlmigrate import PPOTorchRLModule, RLModule
    >>> module = PPOTorchRLModule(observation_space=gym.spaces.Box(-1, 1, (4,)),
    ...                           action_space=gym.spaces.Discrete(2), model_config={"fcnet_hiddens": [8]})
    >>> path = module.save_to_path("my_checkpoint")
    >>> restored = RLModule.from_checkpoint(path)
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import tempfile
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load as safetensors_load
from safetensors.numpy import save as safetensors_save

from rlmigrate.core.rl_module import RLModule

__all__ = [
    "CheckpointError",
    "FORMAT",
    "FORMAT_VERSION",
    "METADATA_FILE",
    "STATE_FILE",
    "save_module",
    "restore_module",
    "load_module",
]

FORMAT = "rlmigrate-rl-module"
FORMAT_VERSION = 1
METADATA_FILE = "metadata.json"
STATE_FILE = "module_state.safetensors"
_TRUSTED_PREFIX = "rlmigrate"
_SPACE_KEYS = ("observation_space", "action_space")


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
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value), where)
    raise CheckpointError(
        f"{where} is a {type(value).__name__} ({value!r}); checkpoints store constructor "
        f"arguments as JSON: use names (e.g. 'relu', 'xavier_uniform_') instead of objects"
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


# ------------------------------------------------------------------------------ saving
def _class_path(cls: type) -> str:
    from rlmigrate.core.spec import class_path

    return class_path(cls)


def _state_arrays(module: RLModule, where: str) -> dict[str, np.ndarray]:
    state = module.get_state()
    arrays = {}
    for key, value in state.items():
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        if not isinstance(value, np.ndarray):
            raise CheckpointError(
                f"{where}: get_state()[{key!r}] is a {type(value).__name__}; checkpoints store "
                f"a flat {{name: array}} state (override get_state/set_state to provide one)"
            )
        arrays[key] = np.ascontiguousarray(value)
    return arrays


def _ctor_metadata(module: RLModule, where: str) -> dict[str, Any]:
    args, kwargs = module.get_ctor_args_and_kwargs()
    if args:
        raise CheckpointError(f"{where}: positional constructor args {args!r} cannot be stored; use keywords")
    from rlmigrate.core.spaces import space_to_dict

    stored: dict[str, Any] = {}
    catalog = kwargs.get("catalog_class")
    for key, value in kwargs.items():
        if key in ("catalog_class", "rl_module_specs"):
            continue
        if key in _SPACE_KEYS:
            stored[key] = space_to_dict(value) if value is not None else None
        else:
            stored[key] = _jsonable(value, f"{where}: ctor argument {key!r}")
    return {
        "module_class": _class_path(type(module)),
        "catalog_class": _class_path(catalog) if catalog is not None else None,
        "ctor_kwargs": stored,
        "inference_only": bool(module.inference_only),
    }


def _save_into(module: RLModule, directory: Path, where: str) -> None:
    from rlmigrate.core.multi_rl_module import MultiRLModule

    directory.mkdir(parents=True, exist_ok=True)
    metadata: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION}
    if isinstance(module, MultiRLModule):
        from rlmigrate.core.constants import validate_module_id

        metadata.update(kind="multi", **_ctor_metadata(module, where), modules={})
        for module_id, sub in module.items():
            validate_module_id(module_id, error=True)
            if isinstance(sub, MultiRLModule):
                raise CheckpointError(f"{where}: nested MultiRLModule {module_id!r} is not supported")
            _save_into(sub, directory / module_id, f"{where}[{module_id!r}]")
            metadata["modules"][module_id] = module_id
    else:
        arrays = _state_arrays(module, where)
        blob = safetensors_save(arrays, metadata={"format": FORMAT})
        _write_atomic(directory / STATE_FILE, blob)
        metadata.update(kind="single", **_ctor_metadata(module, where))
        metadata["files"] = {STATE_FILE: {"sha256": _sha256(blob), "size": len(blob)}}
    _write_atomic(directory / METADATA_FILE, json.dumps(metadata, indent=1, sort_keys=True).encode())


def save_module(module: RLModule, path: str | os.PathLike | None = None) -> str:
    """Write ``module`` (single or multi) to a checkpoint directory; returns its path.

    Args:
        module: any RLModule whose ``get_state()`` is a flat ``{name: array}`` dict and
            whose constructor arguments are JSON-able (spaces are converted).
        path: target directory (created); None → a new directory under the temp dir.

    Raises:
        CheckpointError: naming the constructor argument or state entry that cannot be
            stored (a callable activation, a non-array state value, ...).
    """
    directory = Path(path) if path is not None else Path(tempfile.gettempdir()) / f"rlmigrate-{uuid.uuid4().hex}"
    _save_into(module, directory, type(module).__name__)
    return str(directory)


# ------------------------------------------------------------------------------ reading
def _read_metadata(directory: Path) -> dict[str, Any]:
    if not directory.is_dir():
        raise FileNotFoundError(f"checkpoint directory {str(directory)!r} does not exist")
    meta_path = directory / METADATA_FILE
    if not meta_path.is_file():
        legacy = [n for n in ("class_and_ctor_args.pkl", "module_state.pt", "module_state.pkl", "rl_module_metadata.json") if (directory / n).exists()]
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


# ------------------------------------------------------------------------------ classes
def _allowed(module_name: str, allowed: Iterable[str]) -> bool:
    return any(module_name == prefix or module_name.startswith(prefix + ".") for prefix in allowed)


def _resolve_class(path: Any, base: type, allowed: tuple[str, ...], what: str) -> type:
    """Import the class at ``path`` only from allowed modules; it must subclass ``base``."""
    if not isinstance(path, str) or not path:
        raise CheckpointError(f"{what} class path must be a non-empty str, got {path!r}")
    parts = path.split(".")
    for split in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:split])
        if not _allowed(module_name, allowed):
            continue
        try:
            obj: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        try:
            for attr in parts[split:]:
                obj = getattr(obj, attr)
        except AttributeError:
            continue
        if isinstance(obj, type) and issubclass(obj, base):
            return obj
        raise CheckpointError(f"{what} {path!r} is {obj!r}, not a subclass of {base.__name__}")
    raise CheckpointError(
        f"{what} {path!r} is not importable from an allowed module ({list(allowed)}); classes "
        f"outside rlmigrate are imported only when the caller allows them: pass "
        f"module_class=<the class> or allowed_modules=[{path.rsplit('.', 1)[0]!r}]"
    )


def _module_ctor_kwargs(metadata: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    from rlmigrate.core.spaces import space_from_dict
    from rlmigrate.models.catalog import Catalog

    kwargs = dict(metadata["ctor_kwargs"])
    try:
        for key in _SPACE_KEYS:
            if kwargs.get(key) is not None:
                kwargs[key] = space_from_dict(kwargs[key])
    except (ValueError, KeyError, TypeError) as err:
        raise CheckpointError(f"bad space in checkpoint metadata: {err}") from None
    if metadata["kind"] == "single":
        catalog = metadata.get("catalog_class")
        kwargs["catalog_class"] = _resolve_class(catalog, Catalog, allowed, "catalog_class") if catalog else None
    return kwargs


# ------------------------------------------------------------------------------ plan + apply
class _Plan:
    """Everything read and checked from a checkpoint, before any module is changed."""

    def __init__(self, directory: Path, metadata: dict[str, Any]) -> None:
        self.directory = directory
        self.metadata = metadata
        self.state: dict[str, np.ndarray] | None = None
        self.children: dict[str, _Plan] = {}


def _read_plan(directory: Path) -> _Plan:
    plan = _Plan(directory, _read_metadata(directory))
    if plan.metadata["kind"] == "single":
        plan.state = _read_state(directory, plan.metadata)
    else:
        modules = plan.metadata["modules"]
        if not isinstance(modules, dict):
            raise CheckpointError(f"{str(directory / METADATA_FILE)!r}: 'modules' must be an object")
        for module_id, name in modules.items():
            child = _read_plan(_sub_directory(directory, name))
            if child.metadata["kind"] != "single":
                raise CheckpointError(f"sub-module {module_id!r} of {str(directory)!r} must be a single module")
            plan.children[module_id] = child
    return plan


def _non_inference_prefixes(module: RLModule) -> tuple[str, ...]:
    from rlmigrate.core.apis import InferenceOnlyAPI

    return tuple(module.get_non_inference_attributes()) if isinstance(module, InferenceOnlyAPI) else ()


def _check_fits(module: RLModule, state: dict[str, np.ndarray], where: str) -> None:
    """Refuse (listing keys) states whose shapes or key sets do not fit ``module``."""
    own = {key: tuple(np.shape(value)) for key, value in module.get_state().items()}
    prefixes = _non_inference_prefixes(module)

    def critic_only(key: str) -> bool:
        return any(key == p or key.startswith(p + ".") for p in prefixes)

    problems = [
        f"{key}: module {own[key]}, checkpoint {tuple(value.shape)}"
        for key, value in sorted(state.items())
        if key in own and own[key] != tuple(value.shape)
    ]
    missing = sorted(k for k in own if k not in state and not critic_only(k))
    unexpected = sorted(k for k in state if k not in own and not critic_only(k))
    if problems or missing or unexpected:
        parts = []
        if problems:
            parts.append("shape mismatch for " + "; ".join(problems))
        if missing:
            parts.append(f"keys missing from the checkpoint: {missing}")
        if unexpected:
            parts.append(f"keys the module does not have: {unexpected}")
        raise CheckpointError(f"checkpoint does not fit {where}: " + "; ".join(parts))


def _check_plan_fits(module: RLModule, plan: _Plan, where: str) -> None:
    from rlmigrate.core.multi_rl_module import MultiRLModule

    if plan.state is not None:
        if isinstance(module, MultiRLModule):
            raise CheckpointError(f"{str(plan.directory)!r} holds a single module, {where} is a MultiRLModule")
        _check_fits(module, plan.state, where)
        return
    if not isinstance(module, MultiRLModule):
        raise CheckpointError(f"{str(plan.directory)!r} holds a MultiRLModule, {where} is a single module")
    absent = sorted(set(plan.children) - set(module.keys()))
    if absent:
        raise CheckpointError(f"checkpoint has module ids {absent} that {where} lacks (it has {sorted(module.keys())})")
    for module_id, child in plan.children.items():
        _check_plan_fits(module[module_id], child, f"{where}[{module_id!r}]")


def _apply(module: RLModule, plan: _Plan) -> None:
    if plan.state is not None:
        module.set_state(plan.state)
        return
    for module_id, child in plan.children.items():
        _apply(module[module_id], child)  # type: ignore[index]


def restore_module(module: RLModule, path: str | os.PathLike, component: str | None = None) -> None:
    """Load weights from a checkpoint directory into an existing module.

    Args:
        module: the module to update (single or multi).
        path: a checkpoint directory (for ``component``, either the multi checkpoint's top
            directory or the component's own sub-directory, as RLlib passes it).
        component: a module id of a MultiRLModule: only that sub-module changes.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        CheckpointError: missing/corrupt/tampered files, or weights that do not fit (every
            offending key listed). Nothing is changed when this is raised.
    """
    from rlmigrate.core.multi_rl_module import MultiRLModule

    directory = Path(path)
    if component is None:
        plan = _read_plan(directory)
        _check_plan_fits(module, plan, type(module).__name__)
        _apply(module, plan)
        return
    if not isinstance(module, MultiRLModule):
        raise CheckpointError(f"component={component!r} needs a MultiRLModule, got {type(module).__name__}")
    target = module[component]
    sub_directory = directory / component
    plan = _read_plan(sub_directory if (sub_directory / METADATA_FILE).is_file() else directory)
    _check_plan_fits(target, plan, f"{type(module).__name__}[{component!r}]")
    _apply(target, plan)


def load_module(
    path: str | os.PathLike,
    *,
    expected_base: type | None = None,
    module_class: type | None = None,
    allowed_modules: Iterable[str] = (),
    **kwargs: Any,
) -> RLModule:
    """Build a module from a checkpoint directory (class, constructor args, weights).

    Args:
        path: checkpoint directory written by :func:`save_module`.
        expected_base: the built class must subclass this (``RLModule.from_checkpoint``
            passes the class it was called on).
        module_class: use this class instead of the one named in the metadata (it is the
            caller's code, so it may live anywhere).
        allowed_modules: module prefixes (``"my_project.modules"``) whose classes named in
            the metadata may be imported, on top of ``rlmigrate``.

    Raises:
        FileNotFoundError / CheckpointError: as :func:`restore_module`, plus classes that are
            not allowed, not importable, or not RLModule/Catalog subclasses.
    """
    from rlmigrate.core.multi_rl_module import MultiRLModule
    from rlmigrate.core.spec import RLModuleSpec

    if kwargs:
        raise TypeError(f"load_module() got unexpected keyword arguments {sorted(kwargs)}")
    if isinstance(allowed_modules, str):
        allowed_modules = [allowed_modules]
    allowed = (_TRUSTED_PREFIX, *allowed_modules)
    if module_class is not None:
        if not (isinstance(module_class, type) and issubclass(module_class, RLModule)):
            raise CheckpointError(f"module_class must be an RLModule subclass, got {module_class!r}")
        allowed = (*allowed, module_class.__module__)
    base = expected_base or RLModule
    plan = _read_plan(Path(path))
    metadata = plan.metadata
    cls = module_class or _resolve_class(metadata["module_class"], RLModule, allowed, "module_class")
    if not issubclass(cls, base):
        raise CheckpointError(f"checkpoint class {cls.__name__} is not a subclass of {base.__name__}")
    ctor_kwargs = _module_ctor_kwargs(metadata, allowed)
    if plan.children:
        if not issubclass(cls, MultiRLModule):
            raise CheckpointError(f"{cls.__name__} is not a MultiRLModule but the checkpoint is multi")
        specs = {}
        for module_id, child in plan.children.items():
            sub_kwargs = _module_ctor_kwargs(child.metadata, allowed)
            specs[module_id] = RLModuleSpec(
                module_class=_resolve_class(child.metadata["module_class"], RLModule, allowed, f"module_class of {module_id!r}"),
                observation_space=sub_kwargs.get("observation_space"),
                action_space=sub_kwargs.get("action_space"),
                inference_only=bool(sub_kwargs.get("inference_only")),
                learner_only=bool(sub_kwargs.get("learner_only")),
                model_config=sub_kwargs.get("model_config"),
                catalog_class=sub_kwargs.get("catalog_class"),
            )
        ctor_kwargs["rl_module_specs"] = specs
    module = _construct(cls, ctor_kwargs)
    _check_plan_fits(module, plan, cls.__name__)
    _apply(module, plan)
    return module


def _construct(cls: type, ctor_kwargs: dict[str, Any]) -> RLModule:
    try:
        return cls(**ctor_kwargs)
    except TypeError:
        # RLlib 2.10-style modules take one positional RLModuleConfig.
        from rlmigrate.core.rl_module import RLModuleConfig

        if "rl_module_specs" in ctor_kwargs:
            raise
        config = RLModuleConfig(
            observation_space=ctor_kwargs.get("observation_space"),
            action_space=ctor_kwargs.get("action_space"),
            inference_only=bool(ctor_kwargs.get("inference_only")),
            learner_only=bool(ctor_kwargs.get("learner_only")),
            model_config_dict=ctor_kwargs.get("model_config"),
            catalog_class=ctor_kwargs.get("catalog_class"),
        )
        return cls(config)
