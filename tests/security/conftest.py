"""Shared pieces of the hostile-input suite: small checkpoints to tamper with, a planted module.

Every helper uses only public names (``save_to_path``, ``export_checkpoint``, ``from_checkpoint``),
so each reproducer can also be run against an older checkout to see it fail there.
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from safetensors.numpy import save as safetensors_save

from rlmigrate import PPOTorchRLModule
from shim.policy.torch_policy_v2 import TorchPolicyV2

OBS = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
ACT = gym.spaces.Discrete(3)


def ppo_module(hidden: int = 8, **config: Any) -> PPOTorchRLModule:
    """A small default PPO module (``fcnet_hiddens=[hidden]``)."""
    return PPOTorchRLModule(observation_space=OBS, action_space=ACT, model_config={"fcnet_hiddens": [hidden], **config})


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value))


def rewrite_module_weights(directory: Path, arrays: dict[str, np.ndarray], *, raw: bytes | None = None) -> None:
    """Replace a module checkpoint's weights and fix sha256/size in metadata.json, as an
    attacker who controls the whole directory would (so integrity checks do not stop it)."""
    blob = raw if raw is not None else safetensors_save(arrays)
    (directory / "module_state.safetensors").write_bytes(blob)
    meta = read_json(directory / "metadata.json")
    meta["files"]["module_state.safetensors"] = {"sha256": hashlib.sha256(blob).hexdigest(), "size": len(blob)}
    write_json(directory / "metadata.json", meta)


def rewrite_policy_weights(directory: Path, arrays: dict[str, np.ndarray]) -> None:
    """Replace a policy checkpoint's weights and fix the sha256 in policy_state.json."""
    blob = safetensors_save(arrays)
    (directory / "weights.safetensors").write_bytes(blob)
    record = read_json(directory / "policy_state.json")
    record["weights_sha256"] = hashlib.sha256(blob).hexdigest()
    write_json(directory / "policy_state.json", record)


@pytest.fixture
def module_checkpoint(tmp_path: Path) -> Path:
    """A saved ``PPOTorchRLModule`` checkpoint directory (a fresh copy per test)."""
    return Path(ppo_module().save_to_path(tmp_path / "module_ckpt"))


@pytest.fixture
def policy_checkpoint(tmp_path: Path) -> Path:
    """An exported legacy ``TorchPolicyV2`` (FC model) checkpoint directory."""
    policy = TorchPolicyV2(OBS, ACT, {"model": {"fcnet_hiddens": [8]}})
    return Path(policy.export_checkpoint(str(tmp_path / "policy_ckpt")))


@pytest.fixture
def planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], tuple[str, Path]]:
    """``plant(body) -> (module name, marker path)``: a module on ``sys.path`` that writes the
    marker and raises as soon as it is imported (``body`` follows, for classes it defines)."""
    root = tmp_path / "planted_root"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    names: list[str] = []

    def plant(body: str = "", *, raise_on_import: bool = True) -> tuple[str, Path]:
        name = f"planted_{uuid.uuid4().hex[:10]}"
        marker = root / f"{name}.imported"
        code = f"open({str(marker)!r}, 'w').write('ran')\n"
        if raise_on_import:
            code += "raise RuntimeError('planted module ran at checkpoint load')\n"
        (root / f"{name}.py").write_text(code + body)
        names.append(name)
        return name, marker

    yield plant
    for name in names:
        sys.modules.pop(name, None)
