"""The pytest plugin is active through its entry point and its fixtures work; importing it
stays cheap (pytest loads it in every suite)."""

from __future__ import annotations

import subprocess
import sys

import gymnasium as gym
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

OBS = gym.spaces.Box(-1.0, 1.0, (5,), dtype=np.float32)


def test_equivalence_fixture_proves_a_pair(rlmigrate_equivalence, mlp_pair):
    report = rlmigrate_equivalence(
        *mlp_pair, observation_space=OBS, action_space=gym.spaces.Discrete(2), examples=20
    )
    assert report.examples == 20


def test_transfer_fixture_copies_weights(rlmigrate_transfer):
    import torch

    a, b = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    rlmigrate_transfer(a, b)
    assert torch.equal(a.weight, b.weight)


def test_strategies_fixture_exposes_the_strategies(rlmigrate_strategies):
    @settings(max_examples=10, deadline=None)
    @given(st.data())
    def inner(data):
        space = data.draw(rlmigrate_strategies.spaces(max_depth=1))
        obs = data.draw(rlmigrate_strategies.observations(space, batch_size=None))
        assert space.contains(obs)

    inner()


def test_importing_the_plugin_does_not_import_torch_or_hypothesis():
    code = "import sys, rlmigrate.testing.pytest_plugin; print('torch' in sys.modules, 'hypothesis' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]
