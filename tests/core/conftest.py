"""Small modules shared by the core tests: one modern, one 2.10-style, one stateful."""

from __future__ import annotations

import gymnasium as gym
import pytest
import torch
from torch import nn

from rlmigrate import Columns, RLModuleConfig, TorchRLModule, ValueFunctionAPI

OBS_SPACE = gym.spaces.Box(-1.0, 1.0, (4,), dtype="float32")
ACT_SPACE = gym.spaces.Discrete(3)


class ModernModule(TorchRLModule, ValueFunctionAPI):
    """2.40 style: keyword ctor, setup(), one _forward, a value function."""

    def setup(self) -> None:
        hidden = self.model_config.get("hidden", 8)
        self.pi = nn.Sequential(nn.Linear(4, hidden), nn.Tanh(), nn.Linear(hidden, self.action_space.n))
        self.vf = nn.Linear(4, 1)

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.pi(batch[Columns.OBS])}

    def compute_values(self, batch, embeddings=None):
        return self.vf(batch[Columns.OBS]).squeeze(-1)


class OldStyleModule(TorchRLModule):
    """2.10 style: positional RLModuleConfig, self.config reads, explicit _forward_* hooks."""

    def __init__(self, config: RLModuleConfig) -> None:
        super().__init__(config)

    def setup(self) -> None:
        hidden = self.config.model_config_dict["hidden"]
        self.net = nn.Sequential(nn.Linear(4, hidden), nn.ReLU(), nn.Linear(hidden, self.config.action_space.n))

    def _forward_inference(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.net(batch[Columns.OBS])}

    def _forward_exploration(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.net(batch[Columns.OBS])}

    def _forward_train(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.net(batch[Columns.OBS])}


class GRUModule(TorchRLModule):
    """Stateful: obs (B, T, 4), STATE_IN {"h": (B, H)}."""

    def setup(self) -> None:
        self.gru = nn.GRU(4, 6, batch_first=True)
        self.logits = nn.Linear(6, self.action_space.n)

    def get_initial_state(self):
        return {"h": torch.zeros(6)}

    def _forward(self, batch, **kwargs):
        h0 = batch[Columns.STATE_IN]["h"].unsqueeze(0)
        out, h = self.gru(batch[Columns.OBS], h0)
        return {Columns.ACTION_DIST_INPUTS: self.logits(out), Columns.STATE_OUT: {"h": h.squeeze(0)}}


@pytest.fixture
def modern_module() -> ModernModule:
    torch.manual_seed(0)
    return ModernModule(observation_space=OBS_SPACE, action_space=ACT_SPACE, model_config={"hidden": 8})
