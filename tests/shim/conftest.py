"""Shared fixtures for the shim tests: the recorded Ray 2.10 oracle and ray_compat loading."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors.numpy import load_file

ROOT = Path(__file__).resolve().parents[2]
ORACLE_DIR = ROOT / "fixtures" / "oracle"
LEGACY_MODELS_DIR = Path(__file__).resolve().parent / "legacy_models"
ORACLE_CASES = sorted(p.stem for p in ORACLE_DIR.glob("*.json") if p.stem != "timings")


def _space(record: dict[str, Any]) -> Any:
    import gymnasium as gym

    kind = record["space"]
    if kind == "box":
        dtype = np.dtype(record["dtype"])
        return gym.spaces.Box(
            np.asarray(record["low"], dtype),
            np.asarray(record["high"], dtype),
            tuple(record["shape"]),
            dtype,
        )
    if kind == "discrete":
        return gym.spaces.Discrete(int(record["n"]), start=int(record.get("start", 0)))
    if kind == "dict":
        from collections import OrderedDict

        return gym.spaces.Dict(OrderedDict((k, _space(v)) for k, v in record["spaces"].items()))
    raise ValueError(f"unknown oracle space record {record!r}")


def _array(record: dict[str, Any]) -> np.ndarray:
    array = np.asarray(record["values"], dtype=np.dtype(record["dtype"]))
    assert list(array.shape) == list(record["shape"]), record
    return array


class OracleCase:
    """One recorded case: spaces, config, weights, inputs and recorded outputs."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.data = json.loads((ORACLE_DIR / f"{name}.json").read_text())
        self.observation_space = _space(self.data["observation_space"])
        self.action_space = _space(self.data["action_space"])
        self.weights = load_file(str(ORACLE_DIR / self.data["weights"]["file"]))
        self.obs = _array(self.data["inputs"]["obs"])
        self.state_in = [_array(s) for s in self.data["inputs"]["state_in"]]
        inputs = self.data["inputs"]
        #: ``prev_action_batch`` / ``prev_reward_batch`` every recorded call got (models with
        #: ``lstm_use_prev_action`` / ``lstm_use_prev_reward``); None when not recorded.
        self.prev_actions = _array(inputs["prev_actions"]) if "prev_actions" in inputs else None
        self.prev_rewards = _array(inputs["prev_rewards"]) if "prev_rewards" in inputs else None
        self.obs_raw = (
            {k: _array(v) for k, v in self.data["inputs"]["obs_raw"].items()}
            if "obs_raw" in self.data["inputs"]
            else None
        )

    @property
    def kind(self) -> str:
        return self.data["policy"]["kind"]

    def config(self) -> dict[str, Any]:
        config = dict(self.data["policy"]["config_effective"])
        config["model"] = dict(self.data["model"]["config"])
        return config

    def prev_batch(self) -> dict[str, Any]:
        """kwargs for ``compute_actions`` / ``compute_log_likelihoods`` (empty without prev inputs)."""
        kwargs = {}
        if self.prev_actions is not None:
            kwargs["prev_action_batch"] = self.prev_actions
        if self.prev_rewards is not None:
            kwargs["prev_reward_batch"] = self.prev_rewards
        return kwargs

    def prev_single(self) -> dict[str, Any]:
        """kwargs for ``compute_single_action`` on row 0, as recorded."""
        kwargs = {}
        if self.prev_actions is not None:
            kwargs["prev_action"] = self.prev_actions[0]
        if self.prev_rewards is not None:
            kwargs["prev_reward"] = self.prev_rewards[0]
        return kwargs

    array = staticmethod(_array)


@pytest.fixture(scope="module")
def ray_aliases() -> Iterator[None]:
    """shim.ray_compat installed for one test module, removed after it (the default env has no Ray)."""
    from shim import ray_compat

    with ray_compat.installed():
        yield


@pytest.fixture(scope="module")
def oracle_custom_model(ray_aliases: None) -> Any:
    """tools/oracle/custom_model.py imported unmodified through ray_compat and registered."""
    path = ROOT / "tools" / "oracle" / "custom_model.py"
    spec = importlib.util.spec_from_file_location("oracle_custom_model", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["oracle_custom_model"] = module
    spec.loader.exec_module(module)
    module.register()
    return module


@pytest.fixture(scope="module")
def load_legacy(ray_aliases: None) -> Any:
    """Imports ``tests/shim/legacy_models/<name>.py`` unmodified (through ray_compat)."""
    cache: dict[str, Any] = {}

    def load(name: str) -> Any:
        if name not in cache:
            spec = importlib.util.spec_from_file_location(
                f"shim_legacy_{name}", LEGACY_MODELS_DIR / f"{name}.py"
            )
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
            cache[name] = module
        return cache[name]

    return load


@pytest.fixture(params=ORACLE_CASES)
def oracle_case(request: pytest.FixtureRequest, oracle_custom_model: Any) -> OracleCase:
    return OracleCase(request.param)


@pytest.fixture
def oracle_policy(oracle_case: OracleCase) -> Any:
    """The shim policy of the recorded class, with Ray's weights loaded by set_weights."""
    from shim.policy.ppo import PPOTorchPolicy
    from shim.policy.torch_policy_v2 import TorchPolicyV2

    cls = PPOTorchPolicy if oracle_case.kind == "ppo" else TorchPolicyV2
    policy = cls(oracle_case.observation_space, oracle_case.action_space, oracle_case.config())
    policy.set_weights(oracle_case.weights)
    return policy
