"""Safe Policy checkpoints and policy specs (JSON + safetensors; nothing is unpickled).

Layout written by ``Policy.export_checkpoint(dir)``::

    rllib_checkpoint.json     {"type": "Policy", "checkpoint_version": "1.1",
                               "format": "rlmigrate-shim", "state_file": "policy_state.json"}
    policy_state.json         policy class path, spaces (JSON), config (JSON), timestep,
                              exploration state, weights file name and sha256
    weights.safetensors       get_weights()
    module/                   (RLModule-backed policies) a core module checkpoint

Loading trusts nothing in the directory (see ``docs/guide/checkpoints.md``):

* every dotted name (the policy class, ``{"__class__": ...}`` config values, and the
  ``config.model.custom_model`` / ``config.exploration_config.type`` strings the policy resolves
  while it is built) goes through the one allow-list resolver
  (:mod:`rlmigrate.core.class_resolver`): already imported, under ``shim``/``rlmigrate``, or under
  a prefix the caller allows (``allowed_modules=``), because importing runs code;
* ``weights_file``, ``module_checkpoint`` and ``policies/<id>`` must be plain names of regular
  files/directories inside the checkpoint (no ``..``, absolute paths, symlinks out, devices);
* the weights header is compared with the model's shapes and dtypes (a meta-device build first,
  so sizes in the stored config allocate nothing), NaN/inf and other dtypes are refused unless
  ``allow_non_finite`` / ``allow_dtype_cast``; a malformed record is a ``PolicyCheckpointError``
  (a ``CheckpointError``) naming the file and field.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
from safetensors.numpy import save as safetensors_save

from rlmigrate.core.checkpoint_files import (
    MAX_METADATA_BYTES,
    CheckpointError,
    parse_json,
    read_regular_file,
    safe_member,
)
from rlmigrate.core.checkpoint_weights import (
    WeightPolicy,
    WeightsFile,
    check_header_fits,
    decode_weights,
    parse_header,
)
from rlmigrate.core.class_resolver import checkpoint_imports, resolve_class
from rlmigrate.core.spaces import space_from_dict, space_to_dict
from shim.policy.policy_base import policy_base

if TYPE_CHECKING:
    from shim.policy.policy import Policy

CHECKPOINT_FILE = "rllib_checkpoint.json"
STATE_FILE = "policy_state.json"
WEIGHTS_FILE = "weights.safetensors"
MODULE_DIR = "module"
FORMAT = "rlmigrate-shim"
FORMAT_VERSION = 1
_TRUSTED = ("shim", "rlmigrate")


class PolicyCheckpointError(CheckpointError):
    """A policy checkpoint or spec cannot be written or read safely (a ``CheckpointError``)."""


def _class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _encode(value: Any, where: str) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _encode(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, type):
        return {"__class__": _class_path(value)}
    if isinstance(value, gym.Space):
        return {"__space__": space_to_dict(value)}
    raise PolicyCheckpointError(
        f"{where}: cannot store {type(value).__name__} {value!r} in a safe checkpoint (only JSON "
        "data, classes and gymnasium spaces); register objects by name instead"
    )


def _import_allowed(path: Any, allowed: tuple[str, ...], what: str = "class") -> type:
    """A class named in a policy checkpoint, through the one allow-list resolver
    (:mod:`rlmigrate.core.class_resolver`): already imported, or under an allowed prefix."""
    try:
        return resolve_class(path, base=object, what=what, allowed=allowed, trust_imported=True)
    except CheckpointError as err:
        raise PolicyCheckpointError(str(err)) from None


def _decode(value: Any, allowed: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__class__"}:
            return _import_allowed(value["__class__"], allowed)
        if set(value) == {"__space__"}:
            return space_from_dict(value["__space__"])
        return {k: _decode(v, allowed) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, allowed) for v in value]
    return value


def policy_spec_to_dict(policy: Policy) -> dict[str, Any]:
    """JSON-able ``{policy_class, observation_space, original_observation_space, action_space, config}``."""
    config = {k: v for k, v in policy.config.items() if k != "rl_module_spec"}
    space = policy.observation_space
    original = getattr(space, "original_space", None)
    return {
        "policy_class": _class_path(type(policy)),
        "observation_space": space_to_dict(original if original is not None else space),
        "observation_space_is_flattened": original is not None,
        "action_space": space_to_dict(policy.action_space),
        "config": _encode(config, "config"),
    }


def _spec_parts(
    spec: Mapping[str, Any], allowed: tuple[str, ...]
) -> tuple[type, gym.Space, gym.Space, dict]:
    cls = _import_allowed(spec["policy_class"], allowed, "policy_spec.policy_class")
    base = policy_base()  # registered by shim.policy.policy (imported with any Policy class)
    if base is None or not issubclass(cls, base):
        raise PolicyCheckpointError(
            f"policy_class {spec['policy_class']!r} is not a shim Policy subclass"
        )
    obs_space = space_from_dict(spec["observation_space"])
    if spec.get("observation_space_is_flattened"):
        from shim.models.preprocessors import get_preprocessor

        obs_space = get_preprocessor(obs_space)(obs_space).observation_space
    return cls, obs_space, space_from_dict(spec["action_space"]), _decode(spec["config"], allowed)


def policy_from_state(
    state: Mapping[str, Any], *, module: Any = None, allowed_modules: Iterable[str] = ()
) -> Policy:
    """Builds ``policy_class(obs_space, action_space, config)`` from a state and loads it."""
    allowed = _TRUSTED + tuple(allowed_modules)
    cls, obs_space, act_space, config = _spec_parts(state["policy_spec"], allowed)
    policy = _build_policy(cls, obs_space, act_space, config, module)
    policy.set_state(state)
    return policy


def export_policy_checkpoint(
    policy: Policy,
    export_dir: str | os.PathLike,
    *,
    policy_state: Mapping | None = None,
    checkpoint_format: str = "safetensors",
) -> str:
    """Writes ``policy`` (or ``policy_state``) to ``export_dir``; returns the directory."""
    if checkpoint_format not in ("safetensors", "cloudpickle", "msgpack"):
        raise PolicyCheckpointError(
            f"checkpoint_format must be 'safetensors', got {checkpoint_format!r}"
        )
    directory = Path(export_dir)
    directory.mkdir(parents=True, exist_ok=True)
    state = dict(policy_state or policy.get_state())
    weights = {k: np.ascontiguousarray(np.asarray(v)) for k, v in state["weights"].items()}
    blob = (
        safetensors_save(weights)
        if weights
        else safetensors_save({"__empty__": np.zeros(0, np.float32)})
    )
    (directory / WEIGHTS_FILE).write_bytes(blob)
    module_dir = None
    if getattr(policy, "_is_module", False) and type(policy).__name__ == "Policy":
        from rlmigrate.core.checkpoint import save_module

        module_dir = MODULE_DIR
        save_module(policy.model, directory / MODULE_DIR)
    record = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "checkpoint_version": "1.1",
        "policy_spec": state["policy_spec"],
        "global_timestep": int(state.get("global_timestep", 0)),
        "num_grad_updates": int(state.get("num_grad_updates", 0)),
        "exploration_state": _encode(state.get("_exploration_state", {}), "_exploration_state"),
        "weights_file": WEIGHTS_FILE,
        "weights_sha256": hashlib.sha256(blob).hexdigest(),
        "module_checkpoint": module_dir,
    }
    (directory / STATE_FILE).write_text(json.dumps(record, indent=1))
    (directory / CHECKPOINT_FILE).write_text(
        json.dumps(
            {
                "type": "Policy",
                "checkpoint_version": "1.1",
                "format": FORMAT,
                "state_file": STATE_FILE,
                "ray_version": None,
                "ray_commit": None,
            },
            indent=1,
        )
    )
    return str(directory)


def _field(record: Any, name: str, types: type | tuple[type, ...], path: Path) -> Any:
    """``record[name]`` checked to be of ``types``; else a PolicyCheckpointError naming both."""
    if not isinstance(record, dict) or name not in record:
        raise PolicyCheckpointError(f"{str(path)!r} lacks field {name!r}")
    value = record[name]
    if not isinstance(value, types):
        raise PolicyCheckpointError(f"{str(path)!r}: field {name!r} has the wrong type ({type(value).__name__})")
    return value


def _expected_weights(policy: Policy) -> dict[str, tuple[str, tuple[int, ...]]]:
    """``{key: (dtype name, shape)}`` of ``policy.get_weights()``, without copying weights."""
    model = policy.model
    if model is None:
        return {}
    if getattr(policy, "_is_module", False):
        return {k: (np.asarray(v).dtype.name, tuple(np.shape(v))) for k, v in model.get_state().items()}
    return {k: (str(v.dtype).removeprefix("torch."), tuple(v.shape)) for k, v in model.state_dict().items()}


def _read_record(directory: Path) -> tuple[Path, dict[str, Any]]:
    state_path = directory / STATE_FILE
    if not os.path.lexists(state_path):
        pickles = [
            p.name for p in directory.glob("policy_state.*") if p.suffix in (".pkl", ".msgpck")
        ]
        hint = (
            f"; it holds RLlib files {pickles}, which the shim never unpickles: load the weights in "
            "Ray with policy.get_weights() and export them with the shim"
            if pickles
            else ""
        )
        raise PolicyCheckpointError(
            f"{str(state_path)!r} is missing: not a shim policy checkpoint{hint}"
        )
    safe_member(directory, STATE_FILE, "policy state file")
    record = parse_json(read_regular_file(state_path, "policy state file", limit=MAX_METADATA_BYTES), state_path)
    if not isinstance(record, dict):
        raise PolicyCheckpointError(f"{str(state_path)!r} must hold a JSON object, got {type(record).__name__}")
    if record.get("format") != FORMAT or record.get("format_version") != FORMAT_VERSION:
        raise PolicyCheckpointError(
            f"{str(state_path)!r}: expected format {FORMAT!r} version {FORMAT_VERSION}, got "
            f"{record.get('format')!r} version {record.get('format_version')!r}"
        )
    spec = _field(record, "policy_spec", dict, state_path)
    for name in ("policy_class", "observation_space", "action_space", "config"):
        _field(spec, name, (str,) if name == "policy_class" else (dict,), state_path)
    for name in ("global_timestep", "num_grad_updates"):
        if type(_field(record, name, int, state_path)) is bool:
            raise PolicyCheckpointError(f"{str(state_path)!r}: field {name!r} must be an int")
    _field(record, "weights_sha256", str, state_path)
    return state_path, record


def _load_one(directory: Path, allowed: tuple[str, ...], weight_policy: WeightPolicy) -> Policy:
    state_path, record = _read_record(directory)
    weights_name = _field(record, "weights_file", str, state_path)
    weights_path = safe_member(directory, weights_name, "field 'weights_file'", source=state_path)
    blob = read_regular_file(weights_path, "weights file")
    if hashlib.sha256(blob).hexdigest() != record["weights_sha256"]:
        raise PolicyCheckpointError(f"{str(weights_path)!r}: sha256 does not match the record")
    weights_file = WeightsFile(weights_path, blob, parse_header(blob, weights_path))
    header = {k: v for k, v in weights_file.header.items() if k != "__empty__"}
    module = None
    module_name = record.get("module_checkpoint")
    if module_name is not None:
        from rlmigrate.core.checkpoint import load_module
        from rlmigrate.core.checkpoint_files import _read_metadata

        module_dir = safe_member(directory, module_name, "field 'module_checkpoint'", kind="dir", source=state_path)
        prefixes = [p for p in allowed if p not in _TRUSTED]
        class_path = _read_metadata(module_dir)["module_class"]
        if class_path.rpartition(".")[0] in sys.modules:  # already imported: loading runs no new code
            prefixes.append(class_path.rpartition(".")[0])
        module = load_module(
            module_dir,
            allowed_modules=prefixes,
            allow_dtype_cast=weight_policy.allow_dtype_cast,
            allow_non_finite=weight_policy.allow_non_finite,
        )
    with checkpoint_imports(allowed, str(state_path)):
        try:
            cls, obs_space, act_space, config = _spec_parts(record["policy_spec"], allowed)
            exploration_state = _decode(record.get("exploration_state", {}), allowed)
            if module is None:  # sizes in the stored config: checked before a real build
                probe = _probe_policy(cls, obs_space, act_space, config)
                if probe is not None:
                    check_header_fits(header, _expected_weights(probe), weights_path, cls.__name__, weight_policy)
            built = _build_policy(cls, obs_space, act_space, config, module)
        except CheckpointError as err:
            raise PolicyCheckpointError(str(err)) from None
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as err:
            raise PolicyCheckpointError(
                f"{str(state_path)!r}: field 'policy_spec' does not build a policy: {type(err).__name__}: {err}"
            ) from err
    check_header_fits(header, _expected_weights(built), weights_path, type(built).__name__, weight_policy)
    weights = {k: v for k, v in decode_weights(weights_file, weight_policy).items() if k != "__empty__"}
    built.set_state(
        {
            "weights": weights,
            "global_timestep": record["global_timestep"],
            "num_grad_updates": record["num_grad_updates"],
            "_exploration_state": exploration_state,
        }
    )
    return built


def _probe_policy(cls: type, obs_space: gym.Space, act_space: gym.Space, config: dict) -> Policy | None:
    """``cls`` built on torch's meta device (parameter shapes, no memory), or None when its
    constructor needs real tensors (then the weights are checked after the real build)."""
    import copy
    import warnings

    import torch

    try:
        with warnings.catch_warnings(), torch.device("meta"):
            warnings.simplefilter("ignore")
            return cls(obs_space, act_space, copy.deepcopy(config))
    except CheckpointError:
        raise
    except Exception:  # noqa: BLE001 - e.g. an LSTM's numpy initial state on the meta device
        return None


def _build_policy(cls: type, obs_space: gym.Space, act_space: gym.Space, config: dict, module: Any) -> Policy:
    if module is not None or cls is policy_base():
        if module is None:
            raise PolicyCheckpointError(
                "this policy acts with an RLModule; pass module=... (or load a checkpoint)"
            )
        return cls(obs_space, act_space, config, module=module)
    return cls(obs_space, act_space, config)


def load_policy_checkpoint(
    checkpoint: str | os.PathLike,
    policy_ids: Any = None,
    *,
    allowed_modules: Iterable[str] = (),
    allow_dtype_cast: bool = False,
    allow_non_finite: bool = False,
) -> Any:
    """A Policy from a policy checkpoint, or ``{policy_id: Policy}`` from a directory holding
    ``policies/<id>/`` sub-checkpoints (optionally only ``policy_ids``).

    Every dotted name in the checkpoint (the policy class, ``config.model.custom_model``,
    ``config.exploration_config.type``, a module checkpoint's class) resolves only from
    already-imported modules, ``shim``/``rlmigrate`` or ``allowed_modules``; files must be
    regular files inside the checkpoint; weights must match the policy's dtypes and be finite
    unless ``allow_dtype_cast`` / ``allow_non_finite`` say otherwise.

    Raises:
        FileNotFoundError: ``checkpoint`` does not exist.
        PolicyCheckpointError: (a ``CheckpointError``) naming the file and field at fault.
    """
    allowed = _TRUSTED + tuple(allowed_modules)
    weight_policy = WeightPolicy(allow_dtype_cast=allow_dtype_cast, allow_non_finite=allow_non_finite)
    directory = Path(checkpoint)
    if not directory.is_dir():
        raise FileNotFoundError(f"policy checkpoint directory {str(directory)!r} does not exist")
    policies_dir = directory / "policies"
    if os.path.lexists(policies_dir) and not os.path.lexists(directory / STATE_FILE):
        policies_dir = safe_member(directory, "policies", "policies directory", kind="dir")
        ids = sorted(p.name for p in policies_dir.iterdir() if p.is_dir())
        wanted = ids if policy_ids is None else list(policy_ids)
        unknown = [pid for pid in wanted if pid not in ids]
        if unknown:
            raise PolicyCheckpointError(f"policy ids {unknown} not in checkpoint; available: {ids}")
        return {
            pid: _load_one(safe_member(policies_dir, pid, "policy directory", kind="dir"), allowed, weight_policy)
            for pid in wanted
        }
    return _load_one(directory, allowed, weight_policy)
