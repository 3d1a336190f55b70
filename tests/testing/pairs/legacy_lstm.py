"""A legacy RecurrentNetwork LSTM (a development pair for the kit's tests)."""

import numpy as np
import torch
import torch.nn as nn
from ray.rllib.models.torch.recurrent_net import RecurrentNetwork


class LegacyLSTM(RecurrentNetwork, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name, cell_size=8):
        nn.Module.__init__(self)
        super().__init__(obs_space, action_space, num_outputs, model_config, name)
        self.cell_size = cell_size
        self.fc = nn.Linear(int(np.prod(obs_space.shape)), 16)
        self.lstm = nn.LSTM(16, cell_size, batch_first=True)
        self.action_branch = nn.Linear(cell_size, num_outputs)
        self.value_branch = nn.Linear(cell_size, 1)
        self._features = None

    def get_initial_state(self):
        return [np.zeros(self.cell_size, np.float32), np.zeros(self.cell_size, np.float32)]

    def value_function(self):
        return torch.reshape(self.value_branch(self._features), [-1])

    def forward_rnn(self, inputs, state, seq_lens):
        x = torch.relu(self.fc(inputs))
        self._features, (h, c) = self.lstm(x, (state[0].unsqueeze(0), state[1].unsqueeze(0)))
        return self.action_branch(self._features), [h.squeeze(0), c.squeeze(0)]
