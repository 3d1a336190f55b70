"""Ray's own model classes, built the way Ray's files build them, match Ray 2.10's outputs.

``tools/oracle/model_cases.py`` is a legacy-style file (only ``ray.rllib`` imports): GTrXLNet
through ``custom_model``, ``use_attention`` (AttentionWrapper) and ``use_lstm`` (LSTMWrapper)
through ``ModelCatalog.get_model_v2`` with full MODEL_DEFAULTS, a user ``DQNTorchModel``
subclass (dueling + distributional heads) and a model reading a ``Repeated`` observation.
Real Ray 2.10 ran it (``tools/oracle/record_models.py``); here the same file runs through
``shim.ray_compat``, loads Ray's weights (same ``state_dict`` keys, strict) and must give the
recorded outputs.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "fixtures" / "oracle" / "models"
CASES = sorted(p.stem for p in FIXTURES.glob("*.json"))
sys.path.insert(0, str(ROOT / "tools" / "oracle"))
from jsonio import array_from_record  # noqa: E402

sys.path.pop(0)


@pytest.fixture(scope="module")
def model_cases(ray_aliases: None) -> Any:
    path = ROOT / "tools" / "oracle" / "model_cases.py"
    spec = importlib.util.spec_from_file_location("oracle_model_cases", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_case_was_recorded() -> None:
    assert CASES == sorted(
        ["attention_wrapper", "dqn_subclass", "gtrxl", "lstm_wrapper", "repeated_obs", "sac_model"]
    )


@pytest.mark.parametrize("case", CASES)
def test_shim_reproduces_ray(case: str, model_cases: Any) -> None:
    record = json.loads((FIXTURES / f"{case}.json").read_text())
    build, _, run = model_cases.CASES[case]
    model = build()
    assert type(model).__name__ == record["model_class"]
    weights = load_file(str(FIXTURES / f"{case}.weights.safetensors"))
    assert list(model.state_dict()) == record["state_dict_keys"]
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=True)
    inputs = {k: array_from_record(v) for k, v in record["inputs"].items()}
    with torch.no_grad():
        outputs = run(model, inputs)
    assert sorted(outputs) == sorted(record["outputs"])
    for name, value in outputs.items():
        expected = array_from_record(record["outputs"][name])
        got = value.detach().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
        assert got.shape == expected.shape, (case, name)
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0, err_msg=f"{case}: {name}")


def test_repeated_obs_reaches_the_model_as_repeated_values(model_cases: Any) -> None:
    from ray.rllib.models.repeated_values import RepeatedValues

    seen: dict[str, Any] = {}
    model = model_cases.build_repeated_obs()
    original = type(model).forward

    def spy(self: Any, input_dict: dict, state: list, seq_lens: Any) -> Any:
        seen["obs"] = input_dict["obs"]
        return original(self, input_dict, state, seq_lens)

    type(model).forward = spy
    try:
        inputs = model_cases.inputs_repeated_obs(np.random.default_rng(0))
        model({"obs": torch.from_numpy(inputs["obs"])}, [], None)
    finally:
        type(model).forward = original
    obs = seen["obs"]
    assert isinstance(obs, RepeatedValues) and obs.max_len == 4
    assert obs.values.shape == (5, 4, 3)
    assert obs.lengths.tolist() == [0.0, 1.0, 4.0, 2.0, 3.0]
    assert [len(items) for items in obs.unbatch_all()] == [0, 1, 4, 2, 3]
