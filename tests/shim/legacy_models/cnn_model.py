"""Legacy-style CNN over (H, W, C) images, built from RLlib's SlimConv2d blocks."""

import torch
import torch.nn as nn
from ray.rllib.models import ModelCatalog
from ray.rllib.models.torch.misc import SlimConv2d, SlimFC, same_padding
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2


class CNNModel(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name, channels=4):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        height, width, in_channels = obs_space.shape
        padding, (out_h, out_w) = same_padding((height, width), 3, 2)
        self.conv = SlimConv2d(in_channels, channels, 3, 2, padding)
        self.flat_size = channels * out_h * out_w
        self.logits = SlimFC(self.flat_size, num_outputs)
        self.value = SlimFC(self.flat_size, 1)
        self._features = None

    def forward(self, input_dict, state, seq_lens):
        x = input_dict["obs"].float().permute(0, 3, 1, 2)
        self._features = torch.flatten(self.conv(x), start_dim=1)
        return self.logits(self._features), state

    def value_function(self):
        return self.value(self._features).squeeze(1)


ModelCatalog.register_custom_model("shim_test_cnn", CNNModel)
