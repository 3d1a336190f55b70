"""``ComplexInputNetwork``: the default legacy model for Dict/Tuple observations with images.

Each leaf of the original observation space gets a sub-model: a ``VisionNetwork`` for 3-D
Box leaves, an MLP over the one-hot encoding for Discrete/MultiDiscrete leaves, an MLP over
the flattened leaf otherwise. Their outputs are concatenated and fed to ``post_fc_stack``,
then to ``logits_layer`` and ``value_layer``. As in RLlib, every sub-model is registered
twice (in ``cnns``/``one_hot``/``flatten`` and as ``cnn_{i}``/``one_hot_{i}``/``flatten_{i}``),
so recorded ``state_dict`` keys carry both names.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from rlmigrate.core.nest import flatten, flatten_space
from shim.models.fcnet import FullyConnectedNetwork
from shim.models.misc import SlimFC, get_filter_config, normc_initializer
from shim.models.preprocessors import one_hot, restore_original_dimensions
from shim.models.torch_modelv2 import TorchModelV2
from shim.models.visionnet import VisionNetwork
from shim.policy.sample_batch import SampleBatch

_INT_DTYPES = (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)


def _default_model(
    obs_space: gym.spaces.Box,
    action_space: gym.Space,
    num_outputs: int | None,
    model_config: dict,
    framework: str = "torch",
    name: str = "",
) -> TorchModelV2:
    """The default model ``ModelCatalog.get_model_v2`` picks for a Box leaf (no custom model,
    no wrapping in these configs): vision for 3-D images, fully connected otherwise. Built
    here directly so that this module sits below the catalog (which imports it)."""
    cls = VisionNetwork if len(obs_space.shape) == 3 else FullyConnectedNetwork
    return cls(obs_space, action_space, num_outputs, model_config, name)


class ComplexInputNetwork(TorchModelV2, nn.Module):
    """Per-leaf sub-models, concatenated, then an FC stack and logits/value heads."""

    def __init__(
        self,
        obs_space: gym.Space,
        action_space: gym.Space,
        num_outputs: int | None,
        model_config: dict,
        name: str,
    ) -> None:
        self.original_space = getattr(obs_space, "original_space", obs_space)
        self.processed_obs_space = (
            self.original_space if model_config.get("_disable_preprocessor_api") else obs_space
        )
        nn.Module.__init__(self)
        TorchModelV2.__init__(
            self, self.original_space, action_space, num_outputs, model_config, name
        )
        self.flattened_input_space = flatten_space(self.original_space)
        self.cnns = nn.ModuleDict()
        self.one_hot = nn.ModuleDict()
        self.flatten_dims: dict[str, int] = {}
        self.flatten = nn.ModuleDict()
        concat_size = 0
        mlp_config = {
            "fcnet_hiddens": model_config.get("fcnet_hiddens", [256, 256]),
            "fcnet_activation": model_config.get("fcnet_activation"),
            "post_fcnet_hiddens": [],
        }
        for index, component in enumerate(self.flattened_input_space):
            key = str(index)
            if isinstance(component, gym.spaces.Box) and len(component.shape) == 3:
                config = {
                    "conv_filters": model_config.get("conv_filters")
                    or get_filter_config(component.shape),
                    "conv_activation": model_config.get("conv_activation"),
                    "post_fcnet_hiddens": [],
                }
                self.cnns[key] = _default_model(
                    component,
                    action_space,
                    num_outputs=None,
                    model_config=config,
                    framework="torch",
                    name=f"cnn_{key}",
                )
                concat_size += self.cnns[key].num_outputs
                self.add_module(f"cnn_{key}", self.cnns[key])
            elif isinstance(component, (gym.spaces.Discrete, gym.spaces.MultiDiscrete)):
                size = (
                    int(component.n)
                    if isinstance(component, gym.spaces.Discrete)
                    else int(np.sum(component.nvec))
                )
                self.one_hot[key] = _default_model(
                    gym.spaces.Box(-1.0, 1.0, (size,), np.float32),
                    action_space,
                    num_outputs=None,
                    model_config=dict(mlp_config),
                    framework="torch",
                    name=f"one_hot_{key}",
                )
                concat_size += self.one_hot[key].num_outputs
                self.add_module(f"one_hot_{key}", self.one_hot[key])
            else:
                size = int(np.prod(component.shape))
                self.flatten[key] = _default_model(
                    gym.spaces.Box(-1.0, 1.0, (size,), np.float32),
                    action_space,
                    num_outputs=None,
                    model_config=dict(mlp_config),
                    framework="torch",
                    name=f"flatten_{key}",
                )
                self.flatten_dims[key] = size
                concat_size += self.flatten[key].num_outputs
                self.add_module(f"flatten_{key}", self.flatten[key])

        post_config = {
            "fcnet_hiddens": model_config.get("post_fcnet_hiddens", []),
            "fcnet_activation": model_config.get("post_fcnet_activation", "relu"),
        }
        self.post_fc_stack = _default_model(
            gym.spaces.Box(float("-inf"), float("inf"), shape=(concat_size,), dtype=np.float32),
            self.action_space,
            None,
            post_config,
            framework="torch",
            name="post_fc_stack",
        )
        self.logits_layer = None
        self.value_layer = None
        self._value_out: torch.Tensor | None = None
        if num_outputs:
            self.logits_layer = SlimFC(
                self.post_fc_stack.num_outputs, num_outputs, initializer=normc_initializer(0.01)
            )
            self.value_layer = SlimFC(
                self.post_fc_stack.num_outputs, 1, initializer=normc_initializer(0.01)
            )
        else:
            self.num_outputs = concat_size

    def forward(
        self, input_dict: dict, state: list[Any], seq_lens: Any
    ) -> tuple[torch.Tensor, list[Any]]:
        """Structured obs -> concatenated leaf features -> ``logits (B, num_outputs)``."""
        if SampleBatch.OBS in input_dict and "obs_flat" in input_dict:
            original_obs = input_dict[SampleBatch.OBS]
        else:
            original_obs = restore_original_dimensions(
                input_dict[SampleBatch.OBS], self.processed_obs_space
            )
        outs = []
        for index, component in enumerate(flatten(original_obs)):
            key = str(index)
            component = torch.as_tensor(component)
            if key in self.cnns:
                out, _ = self.cnns[key](SampleBatch({SampleBatch.OBS: component}))
            elif key in self.one_hot:
                if component.dtype in _INT_DTYPES:
                    component = one_hot(component, self.flattened_input_space[index])
                out, _ = self.one_hot[key](SampleBatch({SampleBatch.OBS: component}))
            else:
                flat = torch.reshape(component, [-1, self.flatten_dims[key]])
                out, _ = self.flatten[key](SampleBatch({SampleBatch.OBS: flat}))
            outs.append(out)
        out, _ = self.post_fc_stack(SampleBatch({SampleBatch.OBS: torch.cat(outs, dim=1)}))
        if self.logits_layer is None:
            return out, []
        self._value_out = torch.reshape(self.value_layer(out), [-1])
        return self.logits_layer(out), []

    def value_function(self) -> torch.Tensor:
        """``(B,)`` values of the last forward pass."""
        if self._value_out is None:
            raise RuntimeError("ComplexInputNetwork.value_function() called before forward()")
        return self._value_out
