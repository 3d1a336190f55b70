"""A TF and a torch model side by side in one file, the way Ray's own example files are written.

Under Ray 2.10 without TensorFlow this file imports; only building the TF model fails. Under
the shim the same holds: the torch class runs, the TF class raises the port-it error (RLM060).
"""

import numpy as np
from ray.rllib.models import ModelCatalog
from ray.rllib.models.modelv2 import ModelV2
from ray.rllib.models.tf.fcnet import FullyConnectedNetwork
from ray.rllib.models.tf.tf_modelv2 import TFModelV2
from ray.rllib.models.torch.fcnet import FullyConnectedNetwork as TorchFC
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
from ray.rllib.utils.framework import try_import_tf, try_import_torch
from ray.rllib.utils.typing import Dict, List, TensorType

tf1, tf, tfv = try_import_tf()
torch, nn = try_import_torch()


class KerasBody(tf.keras.Model):
    """A keras model class: defined fine without TensorFlow, never instantiated here."""

    def call(self, inputs):
        return inputs


class CustomModel(TFModelV2):
    """Example of a keras custom model that just delegates to an fc-net."""

    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        super().__init__(obs_space, action_space, num_outputs, model_config, name)
        self.model = FullyConnectedNetwork(obs_space, action_space, num_outputs, model_config, name)

    def forward(self, input_dict, state, seq_lens):
        return self.model.forward(input_dict, state, seq_lens)

    def value_function(self):
        return self.model.value_function()


class TorchCustomModel(TorchModelV2, nn.Module):
    """Example of a PyTorch custom model that just delegates to a fc-net."""

    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.torch_sub_model = TorchFC(obs_space, action_space, num_outputs, model_config, name)

    def forward(self, input_dict: Dict[str, TensorType], state: List[TensorType], seq_lens):
        input_dict["obs"] = input_dict["obs"].float()
        fc_out, _ = self.torch_sub_model(input_dict, state, seq_lens)
        return fc_out, []

    def value_function(self) -> TensorType:
        return torch.reshape(self.torch_sub_model.value_function(), [-1])


def register() -> None:
    ModelCatalog.register_custom_model("tf_neighbour_tf", CustomModel)
    ModelCatalog.register_custom_model("tf_neighbour_torch", TorchCustomModel)


__all__ = ["CustomModel", "KerasBody", "ModelV2", "TorchCustomModel", "np", "register", "tf1", "tfv"]
