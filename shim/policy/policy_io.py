"""Safe Policy checkpoints and policy specs (JSON + safetensors; nothing is unpickled).

Layout written by ``Policy.export_checkpoint(dir)``::

    rllib_checkpoint.json     {"type": "Policy", "checkpoint_version": "1.1",
                               "format": "rlmigrate-shim", "state_file": "policy_state.json"}
    policy_state.json         policy class path, spaces (JSON), config (JSON), timestep,
                              exploration state, weights file name and sha256
    weights.safetensors       get_weights()
    module/                   (RLModule-backed policies) a core module checkpoint

Classes named in the files (the policy class, a ``custom_model`` class, ...) are resolved
only when their module is already imported, lives under ``shim.``/``rlmigrate.``, or is under
a prefix the caller allows (``allowed_modules=``), because importing runs code.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
from safetensors.numpy import load as safetensors_load
from safetensors.numpy import save as safetensors_save

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
_TRUSTED = ("shim.", "rlmigrate.")


class PolicyCheckpointError(ValueError):
    """A policy checkpoint or spec cannot be written or read safely."""


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


def _import_allowed(path: str, allowed: tuple[str, ...]) -> type:
    module_name, _, attr = path.rpartition(".")
    candidates = [module_name]
    # Nested classes: "pkg.mod.Outer.Inner" -> try shorter module names.
    while "." in candidates[-1]:
        candidates.append(candidates[-1].rpartition(".")[0])
    for name in candidates:
        trusted = name in sys.modules or any(
            (name + ".").startswith(prefix if prefix.endswith(".") else prefix + ".")
            for prefix in allowed
        )
        if not trusted:
            continue
        try:
            obj: Any = importlib.import_module(name)
        except ImportError:
            continue
        try:
            for part in path[len(name) + 1 :].split("."):
                obj = getattr(obj, part)
        except AttributeError:
            continue
        if isinstance(obj, type):
            return obj
    raise PolicyCheckpointError(
        f"class {path!r} is not importable from an allowed module (already imported, under "
        f"{list(_TRUSTED)}, or allowed_modules={list(allowed[len(_TRUSTED) :])}); import its module "
        f"first or pass allowed_modules=[{module_name!r}]"
    )


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
    cls = _import_allowed(spec["policy_class"], allowed)
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
    if module is not None or cls is policy_base():
        if module is None:
            raise PolicyCheckpointError(
                "this policy acts with an RLModule; pass module=... (or load a checkpoint)"
            )
        policy = cls(obs_space, act_space, config, module=module)
    else:
        policy = cls(obs_space, act_space, config)
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


def _load_one(directory: Path, allowed: tuple[str, ...]) -> Policy:
    state_path = directory / STATE_FILE
    if not state_path.is_file():
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
    record = json.loads(state_path.read_text())
    if record.get("format") != FORMAT or record.get("format_version") != FORMAT_VERSION:
        raise PolicyCheckpointError(
            f"{str(state_path)!r}: expected format {FORMAT!r} version {FORMAT_VERSION}, got "
            f"{record.get('format')!r} version {record.get('format_version')!r}"
        )
    blob = (directory / record["weights_file"]).read_bytes()
    if hashlib.sha256(blob).hexdigest() != record["weights_sha256"]:
        raise PolicyCheckpointError(
            f"{str(directory / record['weights_file'])!r}: sha256 does not match the record"
        )
    weights = {k: v for k, v in safetensors_load(blob).items() if k != "__empty__"}
    module = None
    if record.get("module_checkpoint"):
        from rlmigrate.core.checkpoint import load_module

        module_dir = directory / record["module_checkpoint"]
        prefixes = [p for p in allowed if p not in _TRUSTED]
        class_path = json.loads((module_dir / "metadata.json").read_text()).get("module_class", "")
        if (
            class_path.rpartition(".")[0] in sys.modules
        ):  # already imported: loading runs no new code
            prefixes.append(class_path.rpartition(".")[0])
        module = load_module(module_dir, allowed_modules=prefixes)
    state = {
        "weights": weights,
        "global_timestep": record["global_timestep"],
        "num_grad_updates": record["num_grad_updates"],
        "policy_spec": record["policy_spec"],
        "_exploration_state": _decode(record.get("exploration_state", {}), allowed),
    }
    return policy_from_state(state, module=module, allowed_modules=allowed[len(_TRUSTED) :])


def load_policy_checkpoint(
    checkpoint: str | os.PathLike, policy_ids: Any = None, *, allowed_modules: Iterable[str] = ()
) -> Any:
    """A Policy from a policy checkpoint, or ``{policy_id: Policy}`` from a directory holding
    ``policies/<id>/`` sub-checkpoints (optionally only ``policy_ids``).
    """
    allowed = _TRUSTED + tuple(allowed_modules)
    directory = Path(checkpoint)
    if not directory.is_dir():
        raise FileNotFoundError(f"policy checkpoint directory {str(directory)!r} does not exist")
    policies_dir = directory / "policies"
    if policies_dir.is_dir() and not (directory / STATE_FILE).is_file():
        ids = sorted(p.name for p in policies_dir.iterdir() if p.is_dir())
        wanted = ids if policy_ids is None else list(policy_ids)
        unknown = [pid for pid in wanted if pid not in ids]
        if unknown:
            raise PolicyCheckpointError(f"policy ids {unknown} not in checkpoint; available: {ids}")
        return {pid: _load_one(policies_dir / pid, allowed) for pid in wanted}
    return _load_one(directory, allowed)
