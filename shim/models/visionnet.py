"""The default legacy convolutional model (``VisionNetwork``) for ``(H, W, C)`` images.

Attribute names follow RLlib (``_convs``, ``_logits``, ``_value_branch``,
``_value_branch_separate``) so recorded weights load; conv stacks use TF-style "same"
padding for all but the last filter, which is "valid".
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from shim.models.misc import (
    SlimConv2d,
    SlimFC,
    get_activation_fn,
    get_filter_config,
    normc_initializer,
    same_padding,
)
from shim.models.torch_modelv2 import TorchModelV2


def _conv_stack(
    obs_shape: tuple[int, ...], filters: list, activation: Any, last_out_channels: int | None = None
) -> tuple[list[nn.Module], int, list[float]]:
    """Builds SlimConv2d layers for ``filters``; the last one uses valid padding.

    Returns:
        ``(layers, out_channels of the last layer, in_size before the last layer)``.
    """
    height, width, in_channels = obs_shape
    in_size: list[float] = [height, width]
    layers: list[nn.Module] = []
    for out_channels, kernel, stride in filters[:-1]:
        padding, out_size = same_padding(in_size, kernel, stride)
        layers.append(
            SlimConv2d(in_channels, out_channels, kernel, stride, padding, activation_fn=activation)
        )
        in_channels = out_channels
        in_size = list(out_size)
    out_channels, kernel, stride = filters[-1]
    if last_out_channels is not None:
        out_channels = last_out_channels
    layers.append(
        SlimConv2d(in_channels, out_channels, kernel, stride, None, activation_fn=activation)
    )
    return layers, out_channels, in_size


class VisionNetwork(TorchModelV2, nn.Module):
    """Conv stack (``conv_filters``, default by image size) -> logits (1x1 conv or FC stack) + value.

    Config keys: ``conv_filters``, ``conv_activation``, ``post_fcnet_hiddens``,
    ``post_fcnet_activation``, ``no_final_linear``, ``vf_share_layers``. The conv stack must
    reduce the image to 1x1 unless ``num_outputs`` is None (then the output is flattened).
    """

    def __init__(
        self,
        obs_space: gym.Space,
        action_space: gym.Space,
        num_outputs: int | None,
        model_config: dict,
        name: str,
    ) -> None:
        if not model_config.get("conv_filters"):
            model_config["conv_filters"] = get_filter_config(obs_space.shape)
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)

        activation = self.model_config.get("conv_activation")
        filters = self.model_config["conv_filters"]
        if len(filters) == 0:
            raise ValueError("VisionNetwork: `conv_filters` must have at least one entry")
        if len(obs_space.shape) != 3:
            raise ValueError(
                f"VisionNetwork expects (H, W, C) observations, got shape {obs_space.shape}"
            )
        post_hiddens = list(model_config.get("post_fcnet_hiddens", []))
        post_activation = get_activation_fn(model_config.get("post_fcnet_activation"))
        no_final_linear = self.model_config.get("no_final_linear")
        vf_share_layers = self.model_config.get("vf_share_layers")

        self.last_layer_is_flattened = False
        self._logits = None
        if no_final_linear and num_outputs:
            last_channels = filters[-1][0] if post_hiddens else num_outputs
            layers, out_channels, _ = _conv_stack(
                obs_space.shape, filters, activation, last_channels
            )
            sizes = post_hiddens[:-1] + ([num_outputs] if post_hiddens else [])
            for size in sizes:
                layers.append(
                    SlimFC(
                        out_channels,
                        size,
                        initializer=normc_initializer(1.0),
                        activation_fn=post_activation,
                    )
                )
                out_channels = size
        else:
            layers, out_channels, in_size = _conv_stack(obs_space.shape, filters, activation)
            if num_outputs:
                _, kernel, stride = filters[-1]
                kernel = [kernel, kernel] if isinstance(kernel, int) else kernel
                in_size = [
                    np.ceil((in_size[0] - kernel[0]) / stride),
                    np.ceil((in_size[1] - kernel[1]) / stride),
                ]
                padding, _ = same_padding(in_size, [1, 1], [1, 1])
                if post_hiddens:
                    layers.append(nn.Flatten())
                    prev = out_channels
                    for i, size in enumerate(post_hiddens + [num_outputs]):
                        act = post_activation if i < len(post_hiddens) - 1 else None
                        layers.append(
                            SlimFC(
                                prev, size, initializer=normc_initializer(1.0), activation_fn=act
                            )
                        )
                        prev = size
                    self._logits = layers.pop()
                else:
                    self._logits = SlimConv2d(
                        out_channels, num_outputs, [1, 1], 1, padding, activation_fn=None
                    )
            else:
                self.last_layer_is_flattened = True
                layers.append(nn.Flatten())
        self._convs = nn.Sequential(*layers)

        if self.num_outputs is None:
            with torch.no_grad():
                dummy = torch.zeros((1,) + tuple(obs_space.shape)).permute(0, 3, 1, 2)
                self.num_outputs = int(self._convs(dummy).shape[1])

        self._value_branch_separate = self._value_branch = None
        if vf_share_layers:
            self._value_branch = SlimFC(out_channels, 1, initializer=normc_initializer(0.01))
        else:
            vf_layers, vf_channels, _ = _conv_stack(obs_space.shape, filters, activation)
            vf_layers.append(SlimConv2d(vf_channels, 1, 1, 1, None, activation_fn=None))
            self._value_branch_separate = nn.Sequential(*vf_layers)
        self._features: torch.Tensor | None = None

    def forward(
        self, input_dict: dict, state: list[Any], seq_lens: Any
    ) -> tuple[torch.Tensor, list[Any]]:
        """``obs (B, H, W, C)`` -> ``logits (B, num_outputs)``."""
        self._features = torch.as_tensor(input_dict["obs"]).float().permute(0, 3, 1, 2)
        conv_out = self._convs(self._features)
        if not self._value_branch_separate:
            self._features = conv_out
        if self.last_layer_is_flattened:
            return conv_out, state
        if self._logits:
            conv_out = self._logits(conv_out)
        if conv_out.dim() == 4:
            if conv_out.shape[2] != 1 or conv_out.shape[3] != 1:
                raise ValueError(
                    f"conv_filters {self.model_config['conv_filters']} end in spatial shape "
                    f"{list(conv_out.shape)}; expected [B, {self.num_outputs}, 1, 1]. Adjust the "
                    "filters so the last two dims are 1"
                )
            return conv_out.squeeze(3).squeeze(2), state
        return conv_out, state

    def value_function(self) -> torch.Tensor:
        """``(B,)`` values of the last forward pass."""
        if self._features is None:
            raise RuntimeError("VisionNetwork.value_function() called before forward()")
        if self._value_branch_separate:
            return self._value_branch_separate(self._features).squeeze(3).squeeze(2).squeeze(1)
        features = self._features
        if not self.last_layer_is_flattened:
            features = features.squeeze(3).squeeze(2)
        return self._value_branch(features).squeeze(1)
