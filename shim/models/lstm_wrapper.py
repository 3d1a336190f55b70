"""``LSTMWrapper``: what ``use_lstm=True`` wraps around a (default or custom) legacy model.

The catalog builds ``class <Model>_as_LSTMWrapper(LSTMWrapper, <Model>)`` and stores the
wrapped model's ``forward`` as ``_wrapped_forward``. The wrapped model runs with
``num_outputs=None`` (it outputs features), the LSTM consumes features (+ one-hot previous
action, + previous reward, if configured), and ``_logits_branch`` / ``_value_branch`` read the
LSTM output. Attribute names (``lstm``, ``_logits_branch``, ``_value_branch``) match RLlib.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from rlmigrate.core.nest import flatten, get_base_struct_from_space
from shim.models.misc import SlimFC
from shim.models.preprocessors import flatten_to_tensor, one_hot
from shim.models.recurrent_net import RecurrentNetwork
from shim.policy.sample_batch import SampleBatch
from shim.policy.view_requirement import ViewRequirement


def _action_width(space: gym.Space) -> int:
    """Width of the flattened/one-hot action: Discrete n, MultiDiscrete sum(nvec), Box prod(shape)."""
    total = 0
    for leaf in flatten(get_base_struct_from_space(space)):
        if isinstance(leaf, gym.spaces.Discrete):
            total += int(leaf.n)
        elif isinstance(leaf, gym.spaces.MultiDiscrete):
            total += int(np.sum(leaf.nvec))
        elif leaf.shape is not None:
            total += int(np.prod(leaf.shape))
        else:
            total += int(len(leaf))
    return total


class LSTMWrapper(RecurrentNetwork, nn.Module):
    """LSTM over the wrapped model's features; state ``[h (cell,), c (cell,)]``.

    Config keys: ``lstm_cell_size``, ``lstm_use_prev_action``, ``lstm_use_prev_reward``,
    ``_time_major``, ``_disable_action_flattening``.
    """

    _wrapped_forward: Any

    def __init__(
        self,
        obs_space: gym.Space,
        action_space: gym.Space,
        num_outputs: int | None,
        model_config: dict,
        name: str,
    ) -> None:
        nn.Module.__init__(self)
        super().__init__(obs_space, action_space, None, model_config, name)
        if self.num_outputs is None:
            self.num_outputs = int(np.prod(self.obs_space.shape))
        self.cell_size = int(model_config["lstm_cell_size"])
        self.time_major = model_config.get("_time_major", False)
        self.use_prev_action = model_config["lstm_use_prev_action"]
        self.use_prev_reward = model_config["lstm_use_prev_reward"]
        self.action_space_struct = get_base_struct_from_space(self.action_space)
        self.action_dim = _action_width(self.action_space)
        lstm_in = self.num_outputs
        if self.use_prev_action:
            lstm_in += self.action_dim
        if self.use_prev_reward:
            lstm_in += 1
        self.lstm = nn.LSTM(lstm_in, self.cell_size, batch_first=not self.time_major)
        self.num_outputs = num_outputs
        self._logits_branch = SlimFC(
            self.cell_size,
            self.num_outputs,
            activation_fn=None,
            initializer=nn.init.xavier_uniform_,
        )
        self._value_branch = SlimFC(
            self.cell_size, 1, activation_fn=None, initializer=nn.init.xavier_uniform_
        )
        if self.use_prev_action:
            self.view_requirements[SampleBatch.PREV_ACTIONS] = ViewRequirement(
                SampleBatch.ACTIONS, space=self.action_space, shift=-1
            )
        if self.use_prev_reward:
            self.view_requirements[SampleBatch.PREV_REWARDS] = ViewRequirement(
                SampleBatch.REWARDS, shift=-1
            )
        self._features: torch.Tensor | None = None

    def forward(
        self, input_dict: dict, state: list[torch.Tensor], seq_lens: Any
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Wrapped features ``(B*T, F)`` (+ prev action/reward) -> LSTM -> logits ``(B*T, num_outputs)``."""
        if seq_lens is None:
            raise ValueError("LSTMWrapper.forward needs seq_lens ((B,) sequence lengths)")
        wrapped_out, _ = self._wrapped_forward(input_dict, [], None)
        extra = []
        if self.use_prev_action:
            prev_a = input_dict[SampleBatch.PREV_ACTIONS]
            if self.model_config.get("_disable_action_flattening"):
                prev_a = flatten_to_tensor(prev_a, self.action_space)
            elif isinstance(self.action_space, (gym.spaces.Discrete, gym.spaces.MultiDiscrete)):
                prev_a = one_hot(torch.as_tensor(prev_a).float(), self.action_space)
            else:
                prev_a = torch.as_tensor(prev_a).float()
            extra.append(torch.reshape(prev_a, [-1, self.action_dim]))
        if self.use_prev_reward:
            extra.append(
                torch.reshape(
                    torch.as_tensor(input_dict[SampleBatch.PREV_REWARDS]).float(), [-1, 1]
                )
            )
        if extra:
            wrapped_out = torch.cat([wrapped_out] + extra, dim=1)
        input_dict["obs_flat"] = wrapped_out
        return super().forward(input_dict, state, seq_lens)

    def forward_rnn(
        self, inputs: torch.Tensor, state: list[torch.Tensor], seq_lens: Any
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """``inputs (B, T, F)`` -> ``(logits (B, T, num_outputs), [h (B, cell), c (B, cell)])``."""
        if len(state) != 2:
            raise ValueError(f"LSTMWrapper expects 2 state tensors [h, c], got {len(state)}")
        h_in = torch.as_tensor(state[0]).float().unsqueeze(0)
        c_in = torch.as_tensor(state[1]).float().unsqueeze(0)
        self._features, (h, c) = self.lstm(inputs, (h_in, c_in))
        return self._logits_branch(self._features), [h.squeeze(0), c.squeeze(0)]

    def value_function(self) -> torch.Tensor:
        """``(B*T,)`` values from the LSTM output of the last forward pass."""
        if self._features is None:
            raise RuntimeError("LSTMWrapper.value_function() called before forward()")
        return torch.reshape(self._value_branch(self._features), [-1])

    def get_initial_state(self) -> list[torch.Tensor]:
        """``[h, c]`` zeros of shape ``(lstm_cell_size,)`` on the model's device."""
        weight = self._logits_branch._model[0].weight
        return [weight.new_zeros(self.cell_size), weight.new_zeros(self.cell_size)]
