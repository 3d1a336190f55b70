"""Read Ray 2.x legacy Policy and Algorithm checkpoints without executing any of their code.

Layouts (as ``Policy.export_checkpoint`` / ``Algorithm.save`` write them)::

    <policy dir>/rllib_checkpoint.json   {"type": "Policy", "format": "cloudpickle"|"msgpack",
                                          "state_file": "policy_state.pkl"|"policy_state.msgpck"}
    <policy dir>/policy_state.pkl|.msgpck   {"weights", "policy_spec": {"policy_class",
                                          "observation_space", "action_space", "config"}, ...}
    <algo dir>/rllib_checkpoint.json     {"type": "Algorithm", "policy_ids": [...], ...}
    <algo dir>/policies/<policy id>/     one policy dir each

Everything read stays inside the checkpoint directory: ``state_file`` is taken by its base
name only (Ray writes an absolute path there), symlinks and non-regular files are refused,
and each file is size-bounded before it is read. Pickles go through
:func:`rlmigrate.convert.inert_pickle.load_inert`, msgpack through
:func:`rlmigrate.convert.msgpack_state.load_msgpack`; weights must be finite numeric arrays.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from rlmigrate.convert.inert_pickle import InertObject, InertPickleError, load_inert
from rlmigrate.convert.msgpack_state import MsgpackStateError, load_msgpack
from rlmigrate.convert.ray_spaces import RaySpaceError, space_from_ray
from rlmigrate.core.checkpoint_files import CheckpointError, read_regular_file, safe_member

__all__ = ["LegacyCheckpointError", "LegacyPolicyState", "read_ray_checkpoint"]

CHECKPOINT_JSON = "rllib_checkpoint.json"
#: A policy state file larger than this is refused before it is read.
MAX_STATE_BYTES = 2 << 30
_STATE_FILES = {"cloudpickle": "policy_state.pkl", "msgpack": "policy_state.msgpck"}


class LegacyCheckpointError(ValueError):
    """A Ray checkpoint this reader refuses; the message names the file and the field."""


@dataclasses.dataclass
class LegacyPolicyState:
    """What a Ray legacy policy checkpoint holds that a module needs.

    Attributes:
        policy_id: the id in a multi-policy checkpoint (``"default_policy"`` for a lone policy).
        weights: ``policy.get_weights()``: ``{state_dict key: numpy array}``.
        observation_space: the space the model saw (after Ray's preprocessor); a Dict/Tuple
            original keeps it as ``.original_space``.
        action_space: the policy's action space.
        config: the policy's config as far as it is plain data (inert objects left as they are).
        policy_class: the class name Ray stored (a string; never imported).
        source: the state file read.
    """

    policy_id: str
    weights: dict[str, np.ndarray]
    observation_space: gym.Space
    action_space: gym.Space
    config: dict[str, Any]
    policy_class: str
    source: Path

    @property
    def model_config(self) -> dict[str, Any]:
        """``config["model"]`` (Ray stores the full merged MODEL_DEFAULTS here)."""
        model = self.config.get("model", {})
        return dict(model) if isinstance(model, dict) else {}


def _read_member(root: Path, name: str, where: str) -> tuple[Path, bytes]:
    """The bytes of ``root / basename(name)``: a regular file inside ``root``, not a symlink.

    Only the base name counts (Ray writes an absolute ``state_file``); containment, the file
    kind and the size bound are the module checkpoints' own checks (``safe_member``,
    ``read_regular_file``). A legacy checkpoint is stricter in one way: no symlink at all.
    """
    base = Path(str(name)).name
    if base and (root / base).is_symlink():
        raise LegacyCheckpointError(f"{where}: {root / base} is not a regular file (a symlink)")
    try:
        path = safe_member(root, base, "checkpoint file")
        return path, read_regular_file(path, "checkpoint file", limit=MAX_STATE_BYTES)
    except CheckpointError as err:
        raise LegacyCheckpointError(f"{where}: {err}") from err


def _checkpoint_json(directory: Path) -> dict[str, Any]:
    path, data = _read_member(directory, CHECKPOINT_JSON, str(directory))
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise LegacyCheckpointError(f"{path}: not valid JSON ({err})") from err
    if not isinstance(record, dict) or record.get("type") not in ("Policy", "Algorithm"):
        raise LegacyCheckpointError(
            f"{path}: field 'type' must be 'Policy' or 'Algorithm' "
            f"(got {record.get('type') if isinstance(record, dict) else record!r})"
        )
    return record


def _plain(value: Any) -> Any:
    """Config values with inert objects replaced by their ``module.name`` string."""
    if isinstance(value, InertObject):
        return f"<{value.inert_global}>"
    if isinstance(value, type):
        return f"<{getattr(value, 'inert_global', value.__name__)}>"
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if isinstance(k, (str, int))}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _weights(raw: Any, where: str) -> dict[str, np.ndarray]:
    if not isinstance(raw, dict) or not raw:
        raise LegacyCheckpointError(f"{where}: field 'weights' is missing or empty")
    weights: dict[str, np.ndarray] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not isinstance(value, np.ndarray):
            raise LegacyCheckpointError(f"{where}: weights[{key!r}] is not a numpy array")
        if value.dtype.kind not in "biuf":
            raise LegacyCheckpointError(f"{where}: weights[{key!r}] has dtype {value.dtype}")
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise LegacyCheckpointError(f"{where}: weights[{key!r}] holds NaN or inf")
        weights[key] = value
    return weights


def _read_policy_dir(directory: Path, policy_id: str) -> LegacyPolicyState:
    record = _checkpoint_json(directory)
    if record["type"] != "Policy":
        raise LegacyCheckpointError(f"{directory / CHECKPOINT_JSON}: expected a Policy checkpoint")
    fmt = record.get("format", "cloudpickle")
    if fmt not in _STATE_FILES:
        raise LegacyCheckpointError(
            f"{directory / CHECKPOINT_JSON}: field 'format' {fmt!r} is not cloudpickle or msgpack"
        )
    state_path, data = _read_member(
        directory, record.get("state_file") or _STATE_FILES[fmt], str(directory)
    )
    try:
        state = load_inert(data, where=str(state_path)) if fmt == "cloudpickle" else load_msgpack(
            data, where=str(state_path)
        )
    except (InertPickleError, MsgpackStateError) as err:
        raise LegacyCheckpointError(str(err)) from err
    if not isinstance(state, dict):
        raise LegacyCheckpointError(f"{state_path}: the policy state is not a dict")
    spec = state.get("policy_spec")
    if not isinstance(spec, dict):
        raise LegacyCheckpointError(f"{state_path}: field 'policy_spec' is missing")
    try:
        obs_space = space_from_ray(spec.get("observation_space"), "policy_spec.observation_space")
        action_space = space_from_ray(spec.get("action_space"), "policy_spec.action_space")
    except RaySpaceError as err:
        raise LegacyCheckpointError(f"{state_path}: {err}") from err
    try:
        config = _plain(spec.get("config") or {})
    except RecursionError as err:
        raise LegacyCheckpointError(f"{state_path}: field 'policy_spec.config' nested too deeply") from err
    policy_class = spec.get("policy_class")
    return LegacyPolicyState(
        policy_id=policy_id,
        weights=_weights(state.get("weights"), str(state_path)),
        observation_space=obs_space,
        action_space=action_space,
        config=config if isinstance(config, dict) else {},
        policy_class=policy_class if isinstance(policy_class, str) else _plain(policy_class),
        source=state_path,
    )


def read_ray_checkpoint(path: str | Path) -> dict[str, LegacyPolicyState]:
    """Every policy in a Ray 2.x legacy Policy or Algorithm checkpoint directory.

    Returns:
        ``{policy_id: LegacyPolicyState}``; a lone Policy checkpoint is ``"default_policy"``.

    Raises:
        LegacyCheckpointError: naming the file and field for anything malformed or unsafe.
    """
    directory = Path(path)
    if not directory.is_dir() or directory.is_symlink():
        raise LegacyCheckpointError(f"{directory}: not a checkpoint directory")
    record = _checkpoint_json(directory)
    if record["type"] == "Policy":
        return {"default_policy": _read_policy_dir(directory, "default_policy")}
    policies_dir = directory / "policies"
    ids = record.get("policy_ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise LegacyCheckpointError(f"{directory / CHECKPOINT_JSON}: field 'policy_ids' is missing")
    states = {}
    for policy_id in sorted(ids):
        sub = policies_dir / Path(policy_id).name
        if sub.is_symlink() or not sub.is_dir() or sub.resolve().parent != policies_dir.resolve():
            raise LegacyCheckpointError(f"{sub}: policy {policy_id!r} has no directory inside")
        states[policy_id] = _read_policy_dir(sub, policy_id)
    return states
