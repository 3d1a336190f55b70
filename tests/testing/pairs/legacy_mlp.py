"""A legacy actor-critic MLP in the ModelV2 style (a development pair for the kit's tests)."""

import torch
import torch.nn as nn
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2


class LegacyMLP(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name, hidden=32):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        in_size = int(torch.tensor(obs_space.shape).prod())
        self.trunk = nn.Sequential(
            nn.Linear(in_size, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh()
        )
        self.logits = nn.Linear(hidden, num_outputs)
        self.value_branch = nn.Linear(hidden, 1)
        self._features = None

    def forward(self, input_dict, state, seq_lens):
        self._features = self.trunk(input_dict["obs_flat"].float())
        return self.logits(self._features), state

    def value_function(self):
        return self.value_branch(self._features).squeeze(1)
