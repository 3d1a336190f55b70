"""The default legacy fully connected model (``FullyConnectedNetwork``).

Layer attribute names match RLlib's so ``get_weights()`` keys recorded from Ray load directly:
``_hidden_layers.{i}._model.0.*``, ``_logits._model.0.*``, ``_append_free_log_std.log_std``,
``_value_branch_separate.{i}._model.0.*`` and ``_value_branch._model.0.*``.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from shim.models.misc import AppendBiasLayer, SlimFC, normc_initializer
from shim.models.torch_modelv2 import TorchModelV2


class FullyConnectedNetwork(TorchModelV2, nn.Module):
    """MLP policy ``fcnet_hiddens + post_fcnet_hiddens`` with a logits layer and a value head.

    Config keys read: ``fcnet_hiddens``, ``fcnet_activation``, ``post_fcnet_hiddens``,
    ``post_fcnet_activation`` (used when ``fcnet_hiddens`` is empty), ``no_final_linear``,
    ``vf_share_layers``, ``free_log_std``. With ``num_outputs=None`` the model outputs its last
    hidden layer and sets ``self.num_outputs`` to its width.
    """

    def __init__(
        self,
        obs_space: gym.Space,
        action_space: gym.Space,
        num_outputs: int | None,
        model_config: dict,
        name: str,
    ) -> None:
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)

        hiddens = list(model_config.get("fcnet_hiddens", [])) + list(
            model_config.get("post_fcnet_hiddens", [])
        )
        activation = model_config.get("fcnet_activation")
        if not model_config.get("fcnet_hiddens", []):
            activation = model_config.get("post_fcnet_activation")
        no_final_linear = model_config.get("no_final_linear")
        self.vf_share_layers = model_config.get("vf_share_layers")
        self.free_log_std = model_config.get("free_log_std")
        if self.free_log_std:
            if not num_outputs or num_outputs % 2 != 0:
                raise ValueError(
                    f"free_log_std needs an even num_outputs (mean and log_std halves), got {num_outputs}"
                )
            num_outputs = num_outputs // 2

        in_size = int(np.prod(obs_space.shape))
        prev = in_size
        layers: list[nn.Module] = []
        self._logits = None
        for size in hiddens[:-1]:
            layers.append(
                SlimFC(prev, size, initializer=normc_initializer(1.0), activation_fn=activation)
            )
            prev = size
        if no_final_linear and num_outputs:
            layers.append(
                SlimFC(
                    prev, num_outputs, initializer=normc_initializer(1.0), activation_fn=activation
                )
            )
            prev = num_outputs
        else:
            if hiddens:
                layers.append(
                    SlimFC(
                        prev,
                        hiddens[-1],
                        initializer=normc_initializer(1.0),
                        activation_fn=activation,
                    )
                )
                prev = hiddens[-1]
            if num_outputs:
                self._logits = SlimFC(prev, num_outputs, initializer=normc_initializer(0.01))
            else:
                self.num_outputs = ([in_size] + hiddens[-1:])[-1]
        if self.free_log_std and self._logits:
            self._append_free_log_std = AppendBiasLayer(num_outputs)
        self._hidden_layers = nn.Sequential(*layers)

        self._value_branch_separate = None
        if not self.vf_share_layers:
            vf_prev = in_size
            vf_layers: list[nn.Module] = []
            for size in hiddens:
                vf_layers.append(
                    SlimFC(
                        vf_prev, size, initializer=normc_initializer(1.0), activation_fn=activation
                    )
                )
                vf_prev = size
            self._value_branch_separate = nn.Sequential(*vf_layers)
        self._value_branch = SlimFC(prev, 1, initializer=normc_initializer(0.01))
        self._features: torch.Tensor | None = None
        self._last_flat_in: torch.Tensor | None = None

    def forward(
        self, input_dict: dict, state: list[Any], seq_lens: Any
    ) -> tuple[torch.Tensor, list[Any]]:
        """``obs_flat (B, N)`` -> ``logits (B, num_outputs)``; state passes through."""
        obs = input_dict["obs_flat"]
        if obs.dtype is not torch.float32:
            obs = obs.float()
        flat_in = obs if obs.dim() == 2 else obs.reshape(obs.shape[0], -1)
        # Sub-modules straight from ``_modules``: nn.Module.__getattr__ is a slow fallback.
        modules = self._modules
        features = modules["_hidden_layers"](flat_in)
        # Plain tensors: store without nn.Module.__setattr__'s bookkeeping (hot path).
        self.__dict__["_last_flat_in"] = flat_in
        self.__dict__["_features"] = features
        logits_layer = modules.get("_logits")
        if logits_layer is None:  # never set as a sub-module: the plain attribute decides
            logits_layer = self._logits
        logits = logits_layer(features) if logits_layer else features
        if self.free_log_std:
            logits = modules["_append_free_log_std"](logits)
        return logits, state

    def value_function(self) -> torch.Tensor:
        """``(B,)`` values of the last forward pass."""
        features = self.__dict__.get("_features")
        if features is None:
            raise RuntimeError("FullyConnectedNetwork.value_function() called before forward()")
        modules = self._modules
        separate = modules.get("_value_branch_separate")
        if separate is None:  # vf_share_layers: set as a plain None attribute
            separate = self._value_branch_separate
        if separate:
            return modules["_value_branch"](separate(self._last_flat_in)).squeeze(1)
        return modules["_value_branch"](features).squeeze(1)
