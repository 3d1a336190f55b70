"""Legacy-style MLP with a separate value branch (written against ray.rllib, run unmodified)."""

import numpy as np
import torch
import torch.nn as nn
from ray.rllib.models import ModelCatalog
from ray.rllib.models.torch.misc import SlimFC, normc_initializer
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
from ray.rllib.utils.annotations import override


class MLPModel(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name, hidden=32):
        # nn.Module first: the other order legacy code uses.
        nn.Module.__init__(self)
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        in_size = int(np.prod(obs_space.shape))
        self.body = nn.Sequential(SlimFC(in_size, hidden, normc_initializer(1.0), "tanh"))
        self.logits = SlimFC(hidden, num_outputs, normc_initializer(0.01))
        self.vf = SlimFC(in_size, 1, normc_initializer(0.01))
        self._obs = None

    @override(TorchModelV2)
    def forward(self, input_dict, state, seq_lens):
        self._obs = input_dict["obs_flat"].float()
        return self.logits(self.body(self._obs)), state

    @override(TorchModelV2)
    def value_function(self):
        return torch.reshape(self.vf(self._obs), [-1])


ModelCatalog.register_custom_model("shim_test_mlp", MLPModel)
