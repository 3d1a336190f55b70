"""Legacy-style LSTM via RecurrentNetwork.forward_rnn."""

import numpy as np
import torch
import torch.nn as nn
from ray.rllib.models import ModelCatalog
from ray.rllib.models.torch.recurrent_net import RecurrentNetwork
from ray.rllib.utils.annotations import override


class LSTMModel(RecurrentNetwork, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name, cell_size=8):
        nn.Module.__init__(self)
        super().__init__(obs_space, action_space, num_outputs, model_config, name)
        self.cell_size = cell_size
        self.fc = nn.Linear(int(np.prod(obs_space.shape)), 16)
        self.lstm = nn.LSTM(16, cell_size, batch_first=True)
        self.logits = nn.Linear(cell_size, num_outputs)
        self.value_head = nn.Linear(cell_size, 1)
        self._features = None

    @override(RecurrentNetwork)
    def get_initial_state(self):
        return [np.zeros(self.cell_size, np.float32), np.zeros(self.cell_size, np.float32)]

    @override(RecurrentNetwork)
    def forward_rnn(self, inputs, state, seq_lens):
        x = torch.relu(self.fc(inputs))
        self._features, (h, c) = self.lstm(x, (state[0].unsqueeze(0), state[1].unsqueeze(0)))
        return self.logits(self._features), [h.squeeze(0), c.squeeze(0)]

    @override(RecurrentNetwork)
    def value_function(self):
        return torch.reshape(self.value_head(self._features), [-1])


ModelCatalog.register_custom_model("shim_test_lstm", LSTMModel)
