"""The hand-migrated counterpart of legacy_lstm.LegacyLSTM: a stateful RLModule."""

import numpy as np
import torch
import torch.nn as nn

from rlmigrate import Columns, TorchRLModule, ValueFunctionAPI
from rlmigrate.distributions.defaults import required_input_dim_for_space


class MigratedLSTM(TorchRLModule, ValueFunctionAPI):
    def setup(self):
        self.cell_size = self.model_config.get("cell_size", 8)
        self.fc = nn.Linear(int(np.prod(self.observation_space.shape)), 16)
        self.lstm = nn.LSTM(16, self.cell_size, batch_first=True)
        self.action_branch = nn.Linear(
            self.cell_size, required_input_dim_for_space(self.action_space)
        )
        self.value_branch = nn.Linear(self.cell_size, 1)

    def get_initial_state(self):
        return {"h": torch.zeros(self.cell_size), "c": torch.zeros(self.cell_size)}

    def _features(self, batch):
        obs = batch[Columns.OBS].float()
        state = batch[Columns.STATE_IN]
        x = torch.relu(self.fc(obs.reshape(obs.shape[0], obs.shape[1], -1)))
        features, (h, c) = self.lstm(x, (state["h"].unsqueeze(0), state["c"].unsqueeze(0)))
        return features, {"h": h.squeeze(0), "c": c.squeeze(0)}

    def _forward(self, batch, **kwargs):
        features, state_out = self._features(batch)
        return {
            Columns.ACTION_DIST_INPUTS: self.action_branch(features),
            Columns.STATE_OUT: state_out,
        }

    def compute_values(self, batch, embeddings=None):
        features, _ = self._features(batch)
        return self.value_branch(features).squeeze(-1)
