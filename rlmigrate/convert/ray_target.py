"""Write converted modules as a checkpoint Ray RLlib >= 2.40 restores (``--to ray``).

Ray's ``Checkpointable`` layout for one RLModule::

    metadata.json               {"class_and_ctor_args_file", "state_file", "checkpoint_version", ...}
    class_and_ctor_args.pkl     {"class": <module class>, "ctor_args_and_kwargs": ((), {...})}
    module_state.pt             {state_dict key: numpy array} (a pickle, despite the name:
                                Ray's TorchRLModule names it so; a MultiRLModule's own
                                state file is module_state.pkl and holds ``{}``)

and for several policies a ``MultiRLModule`` directory with one such sub-directory per module
id. Ray's format is pickle, so this writer has to emit pickles; they hold only plain data,
numpy arrays, gymnasium spaces and *references* to Ray's classes by dotted name
(``ray.rllib.algorithms.ppo.torch.ppo_torch_rl_module.PPOTorchRLModule``), written with
pickle's pure-Python pickler so that Ray is never imported here. On the Ray side
``RLModule.from_checkpoint(path)`` imports those classes (Ray is what you trust there).

Default-model policies become Ray's own ``PPOTorchRLModule`` (same weight names as
rlmigrate's, which follows the new stack). A migrated class needs its import path on the Ray
side: ``--ray-class package.module:Class`` (the ``--target ray`` output of the codemod).
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["RAY_PPO_MODULE", "GlobalRef", "write_ray_checkpoint"]

RAY_PPO_MODULE = "ray.rllib.algorithms.ppo.torch.ppo_torch_rl_module:PPOTorchRLModule"
RAY_PPO_CATALOG = "ray.rllib.algorithms.ppo.ppo_catalog:PPOCatalog"
RAY_MULTI_MODULE = "ray.rllib.core.rl_module.multi_rl_module:MultiRLModule"
RAY_MODULE_SPEC = "ray.rllib.core.rl_module.rl_module:RLModuleSpec"
CHECKPOINT_VERSION = "2.1"


class GlobalRef:
    """A class named by ``"module:qualname"`` that is pickled by name and never imported."""

    def __init__(self, dotted: str) -> None:
        module, _, name = dotted.partition(":")
        if not module or not name:
            raise ValueError(f"{dotted!r}: expected 'package.module:Class'")
        self.module, self.name = module, name


class _RefPickler(pickle._Pickler):  # the pure-Python pickler: its dispatch table is extensible
    dispatch = dict(pickle._Pickler.dispatch)

    def _save_ref(self, ref: GlobalRef) -> None:
        self.save(ref.module)
        self.save(ref.name)
        self.write(pickle.STACK_GLOBAL)
        self.memoize(ref)

    dispatch[GlobalRef] = _save_ref


def _dump(path: Path, value: Any) -> None:
    with path.open("wb") as handle:
        _RefPickler(handle, protocol=4).dump(value)


def _write_checkpointable(
    directory: Path, cls: str, kwargs: dict[str, Any], state: Any, state_file: str
) -> None:
    """One Ray ``Checkpointable`` directory: metadata, class + ctor args, state."""
    (directory / "metadata.json").write_text(
        json.dumps(
            {
                "class_and_ctor_args_file": "class_and_ctor_args.pkl",
                "state_file": state_file,
                "checkpoint_version": CHECKPOINT_VERSION,
                "written_by": "rlmigrate convert-checkpoint --to ray",
            }
        )
    )
    _dump(
        directory / "class_and_ctor_args.pkl",
        {"class": GlobalRef(cls), "ctor_args_and_kwargs": ((), kwargs)},
    )
    _dump(directory / state_file, state)


def _write_module(directory: Path, cls: str, kwargs: dict[str, Any], state: dict[str, np.ndarray]) -> None:
    directory.mkdir(parents=True, exist_ok=True)  # the CLI refused a non-empty destination
    _write_checkpointable(directory, cls, kwargs, state, "module_state.pt")


def _module_kwargs(module: Any, catalog: str | None) -> dict[str, Any]:
    return {
        "observation_space": module.observation_space,
        "action_space": module.action_space,
        "inference_only": False,
        "learner_only": False,
        "model_config": dict(module.model_config),
        "catalog_class": GlobalRef(catalog) if catalog else None,
    }


def write_ray_checkpoint(converted: dict[str, Any], dst: Path, ray_class: str | None = None) -> None:
    """Writes ``{policy_id: ConvertedPolicy}`` as a Ray RLModule (or MultiRLModule) checkpoint.

    Raises:
        ValueError: a migrated class without ``ray_class`` (its import path on the Ray side).
    """
    entries = {}
    for policy_id, item in converted.items():
        if item.route == "default-module":
            cls, catalog = RAY_PPO_MODULE, RAY_PPO_CATALOG
        elif ray_class:
            cls, catalog = ray_class, None
        else:
            raise ValueError(
                f"policy {policy_id!r}: --to ray with --module-class needs --ray-class "
                "package.module:Class, the import path of the migrated class on the Ray side"
            )
        state = {k: v.detach().cpu().numpy() for k, v in item.module.state_dict().items()}
        entries[policy_id] = (cls, _module_kwargs(item.module, catalog), state)
    if len(entries) == 1 and "default_policy" in entries:
        _write_module(dst, *entries["default_policy"])
        return
    specs = {}
    for policy_id, (cls, kwargs, state) in entries.items():
        _write_module(dst / policy_id, cls, kwargs, state)
        specs[policy_id] = kwargs | {"module_class": GlobalRef(cls)}
    _write_checkpointable(
        dst, RAY_MULTI_MODULE, {"rl_module_specs": _ray_specs(specs)}, {}, "module_state.pkl"
    )


class _SpecRef:
    """``RLModuleSpec(**kwargs)`` pickled as a call of Ray's class, built only on the Ray side."""

    def __init__(self, kwargs: dict[str, Any]) -> None:
        self.kwargs = kwargs


def _save_spec(self: _RefPickler, spec: _SpecRef) -> None:
    # cls.__new__(cls) (NEWOBJ with no args), then BUILD: RLModuleSpec is a dataclass, so its
    # instance __dict__ is exactly its fields (the ones left out keep their class defaults).
    self.save(GlobalRef(RAY_MODULE_SPEC))
    self.write(pickle.EMPTY_TUPLE)
    self.write(pickle.NEWOBJ)
    self.save(spec.kwargs)
    self.write(pickle.BUILD)


_RefPickler.dispatch[_SpecRef] = _save_spec


def _ray_specs(specs: dict[str, dict[str, Any]]) -> dict[str, _SpecRef]:
    fields = ("module_class", "observation_space", "action_space", "inference_only",
              "learner_only", "model_config", "catalog_class")
    return {pid: _SpecRef({k: kwargs.get(k) for k in fields}) for pid, kwargs in specs.items()}
