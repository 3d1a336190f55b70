"""Shared fixtures for the kit's tests: the development pairs under ``pairs/`` loaded the way
``rlmigrate verify`` loads files (legacy ones with the ``ray.rllib`` aliases)."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlmigrate.testing.loading import load_reference

PAIRS = Path(__file__).parent / "pairs"
OBS = gym.spaces.Box(-1.0, 1.0, (5,), dtype=np.float32)

# two cores shared by several suites: intra-op threads only add contention at these sizes
torch.set_num_threads(1)


def load(reference: str, *, legacy: bool):
    return load_reference(str(PAIRS / reference), legacy=legacy)[0]


@pytest.fixture(scope="session")
def mlp_pair():
    return load("legacy_mlp.py:LegacyMLP", legacy=True), load(
        "migrated_mlp.py:MigratedMLP", legacy=False
    )


@pytest.fixture(scope="session")
def lstm_pair():
    return load("legacy_lstm.py:LegacyLSTM", legacy=True), load(
        "migrated_lstm.py:MigratedLSTM", legacy=False
    )
