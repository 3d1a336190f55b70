"""Load the Ray 2.10 DQN/SAC policy recordings (``fixtures/oracle/qsac``) into our modules."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "oracle" / "qsac"
CASES = sorted(p.stem for p in FIXTURES.glob("*.json"))
sys.path.insert(0, str(ROOT / "tools" / "oracle"))
from jsonio import array_from_record, space_from_json  # noqa: E402

sys.path.pop(0)


def load_case(case: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(record, weights)`` of one recorded case."""
    record = json.loads((FIXTURES / f"{case}.json").read_text())
    return record, load_file(str(FIXTURES / f"{case}.weights.safetensors"))


def module_config(record: dict[str, Any]) -> dict[str, Any]:
    """The policy's ``config["model"]`` with the algorithm's own keys laid over it (2.40 style)."""
    config = dict(record["config"]["model"])
    config.update({k: v for k, v in record["config"].items() if k != "model"})
    return config


def spaces(record: dict[str, Any]) -> tuple[Any, Any]:
    return space_from_json(record["observation_space"]), space_from_json(record["action_space"])


def array(record: dict[str, Any], where: str, key: str) -> np.ndarray:
    return array_from_record(record[where][key])
