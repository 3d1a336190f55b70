"""Safe module checkpoints: ``metadata.json`` + safetensors weights, never pickle.

Layout of a single-module checkpoint directory::

    metadata.json               format, format_version, kind "single", module_class path,
                                ctor_kwargs (spaces as JSON), catalog_class path,
                                inference_only, {file: {sha256, size}}
    module_state.safetensors    module.get_state() (name -> array)

A MultiRLModule writes ``kind "multi"``, its own ctor kwargs and ``modules: {id: dir}`` at
the top, and one single-module checkpoint per module id in a sub-directory of that name.

Loading is safe by construction (see ``docs/guide/checkpoints.md``):

* nothing is unpickled (weights are safetensors, metadata is JSON);
* every path stays inside the checkpoint (no ``..``, absolute paths, symlinks out, devices);
* every file is checked (regular file, size, sha256, JSON shape, safetensors header) and every
  header compared with the module's parameter shapes and dtypes (a meta-device build, so sizes
  in the metadata allocate nothing) *before* any module is built or touched; weights of another
  dtype and NaN/inf weights are refused unless ``allow_dtype_cast`` / ``allow_non_finite``;
* a class named in the metadata goes through the one allow-list resolver
  (:mod:`rlmigrate.core.class_resolver`): only modules under ``rlmigrate``/``shim`` or a prefix
  the caller allows (``allowed_modules=`` or ``module_class=``) are imported, because importing
  runs code; it must be an ``RLModule`` (or, for catalogs, a ``Catalog``) subclass.

Example:
    >>> import gymnasium as gym
    >>> from rlmigrate import PPOTorchRLModule, RLModule
    >>> module = PPOTorchRLModule(observation_space=gym.spaces.Box(-1, 1, (4,)),
    ...                           action_space=gym.spaces.Discrete(2), model_config={"fcnet_hiddens": [8]})
    >>> path = module.save_to_path("my_checkpoint")
    >>> restored = RLModule.from_checkpoint(path)
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from rlmigrate.core.checkpoint_classes import (
    _allowed_prefixes,
    _construct_from,
    _module_ctor_kwargs,
    _resolve_class,
)
from rlmigrate.core.checkpoint_files import (
    _SPACE_KEYS,
    FORMAT,
    FORMAT_VERSION,
    METADATA_FILE,
    STATE_FILE,
    CheckpointError,
    _jsonable,
    _sub_directory,
    _write_metadata,
    _write_state,
)
from rlmigrate.core.checkpoint_plan import (
    _apply,
    _check_plan_fits,
    _decode_plan,
    _probe,
    _read_plan,
)
from rlmigrate.core.checkpoint_weights import WeightPolicy
from rlmigrate.core.rl_module import RLModule
from rlmigrate.core.spec import class_path

logger = logging.getLogger(__name__)

__all__ = [
    "CheckpointError",
    "WeightPolicy",
    "FORMAT",
    "FORMAT_VERSION",
    "METADATA_FILE",
    "STATE_FILE",
    "save_module",
    "restore_module",
    "load_module",
]


# ------------------------------------------------------------------------------ saving
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
        "module_class": class_path(type(module)),
        "catalog_class": class_path(catalog) if catalog is not None else None,
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
        files = _write_state(directory, _state_arrays(module, where))
        metadata.update(kind="single", **_ctor_metadata(module, where))
        metadata["files"] = files
    _write_metadata(directory, metadata)


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


# ------------------------------------------------------------------------------ loading
def restore_module(
    module: RLModule,
    path: str | os.PathLike,
    component: str | None = None,
    *,
    allow_dtype_cast: bool = False,
    allow_non_finite: bool = False,
) -> None:
    """Load weights from a checkpoint directory into an existing module.

    Args:
        module: the module to update (single or multi).
        path: a checkpoint directory (for ``component``, either the multi checkpoint's top
            directory or the component's own sub-directory, as RLlib passes it).
        component: a module id of a MultiRLModule: only that sub-module changes.
        allow_dtype_cast: cast tensors whose dtype differs from the module's (refused otherwise).
        allow_non_finite: load NaN/inf weights (refused otherwise).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        CheckpointError: missing/corrupt/tampered/hostile files, or weights that do not fit
            (every offending key listed). Nothing is changed when this is raised.
    """
    from rlmigrate.core.multi_rl_module import MultiRLModule

    policy = WeightPolicy(allow_dtype_cast=allow_dtype_cast, allow_non_finite=allow_non_finite)
    directory = Path(path)
    if component is None:
        target, where = module, type(module).__name__
        plan = _read_plan(directory)
    else:
        if not isinstance(module, MultiRLModule):
            raise CheckpointError(f"component={component!r} needs a MultiRLModule, got {type(module).__name__}")
        target, where = module[component], f"{type(module).__name__}[{component!r}]"
        sub_directory = directory / component
        if os.path.lexists(sub_directory):  # the multi checkpoint's top directory was given
            sub_directory = _sub_directory(directory, component, component)
            plan = _read_plan(sub_directory)
        else:  # the component's own directory was given (as RLlib passes it)
            plan = _read_plan(directory)
    _check_plan_fits(target, plan, where, policy)
    _decode_plan(plan, policy)
    _apply(target, plan)


def load_module(
    path: str | os.PathLike,
    *,
    expected_base: type | None = None,
    module_class: type | None = None,
    allowed_modules: Iterable[str] = (),
    allow_dtype_cast: bool = False,
    allow_non_finite: bool = False,
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
        allow_dtype_cast / allow_non_finite: see :class:`WeightPolicy` (both refused by default).

    Every file is checked and every weights header compared with the module's parameter
    shapes (from a meta-device build) before the module is built and weights are decoded.

    Raises:
        FileNotFoundError / CheckpointError: as :func:`restore_module`, plus classes that are
            not allowed, not importable, or not RLModule/Catalog subclasses.
    """
    from rlmigrate.core.class_resolver import checkpoint_imports
    from rlmigrate.core.multi_rl_module import MultiRLModule
    from rlmigrate.core.spec import RLModuleSpec

    if kwargs:
        raise TypeError(f"load_module() got unexpected keyword arguments {sorted(kwargs)}")
    policy = WeightPolicy(allow_dtype_cast=allow_dtype_cast, allow_non_finite=allow_non_finite)
    allowed = _allowed_prefixes(allowed_modules, module_class)
    base = expected_base or RLModule
    plan = _read_plan(Path(path))
    metadata = plan.metadata
    source = str(Path(path) / METADATA_FILE)
    with checkpoint_imports(allowed, source):
        cls = module_class or _resolve_class(metadata["module_class"], RLModule, allowed, "module_class", source)
        if not issubclass(cls, base):
            raise CheckpointError(f"checkpoint class {cls.__name__} is not a subclass of {base.__name__}")
        ctor_kwargs = _module_ctor_kwargs(metadata, allowed, source)
        if plan.children:
            if not issubclass(cls, MultiRLModule):
                raise CheckpointError(f"{cls.__name__} is not a MultiRLModule but the checkpoint is multi")
            specs = {}
            for module_id, child in plan.children.items():
                child_source = str(child.directory / METADATA_FILE)
                sub_kwargs = _module_ctor_kwargs(child.metadata, allowed, child_source)
                child_class = _resolve_class(child.metadata["module_class"], RLModule, allowed, "module_class", child_source)
                specs[module_id] = RLModuleSpec(
                    module_class=child_class,
                    observation_space=sub_kwargs.get("observation_space"),
                    action_space=sub_kwargs.get("action_space"),
                    inference_only=bool(sub_kwargs.get("inference_only")),
                    learner_only=bool(sub_kwargs.get("learner_only")),
                    model_config=sub_kwargs.get("model_config"),
                    catalog_class=sub_kwargs.get("catalog_class"),
                )
            ctor_kwargs["rl_module_specs"] = specs
        probe = _probe(cls, ctor_kwargs)
        if probe is not None:
            _check_plan_fits(probe, plan, cls.__name__, policy)
        _decode_plan(plan, policy)
        module = _construct_from(cls, ctor_kwargs, source)
    _check_plan_fits(module, plan, cls.__name__, policy)
    _apply(module, plan)
    return module
