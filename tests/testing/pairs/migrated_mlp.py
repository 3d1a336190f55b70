"""The hand-migrated counterpart of legacy_mlp.LegacyMLP (same attribute names)."""

import torch
import torch.nn as nn

from rlmigrate import Columns, TorchRLModule, ValueFunctionAPI
from rlmigrate.distributions.defaults import required_input_dim_for_space


class MigratedMLP(TorchRLModule, ValueFunctionAPI):
    def setup(self):
        hidden = self.model_config.get("hidden", 32)
        in_size = int(torch.tensor(self.observation_space.shape).prod())
        num_outputs = required_input_dim_for_space(self.action_space)
        self.trunk = nn.Sequential(
            nn.Linear(in_size, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh()
        )
        self.logits = nn.Linear(hidden, num_outputs)
        self.value_branch = nn.Linear(hidden, 1)

    def _forward(self, batch, **kwargs):
        obs = batch[Columns.OBS].float().flatten(start_dim=1)
        return {Columns.ACTION_DIST_INPUTS: self.logits(self.trunk(obs))}

    def compute_values(self, batch, embeddings=None):
        obs = batch[Columns.OBS].float().flatten(start_dim=1)
        return self.value_branch(self.trunk(obs)).squeeze(-1)
