"""Shared helpers: the Ray 2.10 checkpoints recorded by tools/oracle/record_checkpoints.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

RECORDED = Path(__file__).resolve().parents[2] / "fixtures" / "ray_checkpoints"
CASES = ("fc_discrete", "fc_box", "lstm_discrete", "custom_discrete", "multi_agent")
FORMATS = ("cloudpickle", "msgpack")


def expected(case: str) -> dict:
    """Ray 2.10's greedy outputs for the case (``{policy_id: record}`` for multi_agent)."""
    record = json.loads((RECORDED / case / "expected.json").read_text())
    return record if case == "multi_agent" else {"default_policy": record}


def array(record: dict) -> np.ndarray:
    return np.asarray(record["values"], dtype=record["dtype"])


@pytest.fixture(params=FORMATS)
def checkpoint_format(request) -> str:
    return request.param
