"""GTrXL (``GTrXLNet``) and ``AttentionWrapper``: RLlib's legacy torch attention nets.

GTrXL (Parisotto et al. 2019, "Stabilizing Transformers for RL"): a linear input layer, then
``num_transformer_units`` x [relative multi-head attention over (memory, segment), GRU-gated;
position-wise MLP, GRU-gated]. The state is one memory tensor per unit: the unit's *input*
over the last ``memory_inference`` steps, ``(B, memory, attention_dim)``; ``forward`` returns
the new inputs ``(B*T, attention_dim)`` (the sampler keeps the window).

``AttentionWrapper`` is what ``use_attention=True`` wraps around a model (as ``use_lstm`` wraps
LSTMWrapper): the wrapped model's features (+ n previous actions/rewards) go through a GTrXL,
then ``_logits_branch`` / ``_value_branch``. Attribute names follow Ray 2.10 so recorded
``state_dict`` keys load unchanged.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium.spaces import Box, Discrete, MultiDiscrete
from torch import nn

from rlmigrate.core.nest import flatten, get_base_struct_from_space
from shim.models.misc import SlimFC
from shim.models.modules import GRUGate, RelativeMultiHeadAttention, SkipConnection
from shim.models.preprocessors import one_hot
from shim.models.recurrent_net import RecurrentNetwork
from shim.models.torch_modelv2 import TorchModelV2
from shim.policy.sample_batch import SampleBatch
from shim.policy.view_requirement import ViewRequirement
from shim.torch_utils import flatten_inputs_to_1d_tensor

__all__ = ["GTrXLNet", "AttentionWrapper"]


class GTrXLNet(RecurrentNetwork, nn.Module):
    """Gated Transformer-XL over ``(B, T, obs_dim)`` with per-unit memory state.

    Args (keyword-only, via ``custom_model_config``):
        num_transformer_units: units ``L``; attention_dim: width of every unit;
        num_heads, head_dim: attention heads and their width;
        memory_inference / memory_training: memory length when acting / training;
        position_wise_mlp_dim: hidden width of the MLP after attention;
        init_gru_gate_bias: initial update-gate bias of both GRU gates of a unit.

    ``model_config["max_seq_len"]`` is required. With ``num_outputs`` set the model has
    ``logits`` (ReLU, as in Ray) and ``values_out`` heads; otherwise it outputs features.
    """

    def __init__(
        self,
        observation_space: gym.Space,
        action_space: gym.Space,
        num_outputs: int | None,
        model_config: dict,
        name: str,
        *,
        num_transformer_units: int = 1,
        attention_dim: int = 64,
        num_heads: int = 2,
        memory_inference: int = 50,
        memory_training: int = 50,
        head_dim: int = 32,
        position_wise_mlp_dim: int = 32,
        init_gru_gate_bias: float = 2.0,
    ) -> None:
        super().__init__(observation_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.num_transformer_units = num_transformer_units
        self.attention_dim = attention_dim
        self.num_heads = num_heads
        self.memory_inference = memory_inference
        self.memory_training = memory_training
        self.head_dim = head_dim
        self.max_seq_len = model_config["max_seq_len"]
        self.obs_dim = observation_space.shape[0]
        self.linear_layer = SlimFC(in_size=self.obs_dim, out_size=attention_dim)
        self.layers: list[nn.Module] = [self.linear_layer]
        units: list[nn.Module] = []
        for _ in range(num_transformer_units):
            attention = SkipConnection(
                RelativeMultiHeadAttention(
                    in_dim=attention_dim,
                    out_dim=attention_dim,
                    num_heads=num_heads,
                    head_dim=head_dim,
                    input_layernorm=True,
                    output_activation=nn.ReLU,
                ),
                fan_in_layer=GRUGate(attention_dim, init_gru_gate_bias),
            )
            mlp = SkipConnection(
                nn.Sequential(
                    torch.nn.LayerNorm(attention_dim),
                    SlimFC(
                        attention_dim, position_wise_mlp_dim, use_bias=False, activation_fn=nn.ReLU
                    ),
                    SlimFC(
                        position_wise_mlp_dim, attention_dim, use_bias=False, activation_fn=nn.ReLU
                    ),
                ),
                fan_in_layer=GRUGate(attention_dim, init_gru_gate_bias),
            )
            units.extend([attention, mlp])
        self.attention_layers = nn.Sequential(*units)
        self.layers.extend(units)
        self.logits: SlimFC | None = None
        self.values_out: SlimFC | None = None
        self._value_out: torch.Tensor | None = None
        if self.num_outputs is not None:
            self.logits = SlimFC(attention_dim, self.num_outputs, activation_fn=nn.ReLU)
            self.values_out = SlimFC(attention_dim, 1, activation_fn=None)
        else:
            self.num_outputs = attention_dim
        for index in range(num_transformer_units):
            space = Box(-1.0, 1.0, shape=(attention_dim,))
            self.view_requirements[f"state_in_{index}"] = ViewRequirement(
                f"state_out_{index}",
                shift=f"-{memory_inference}:-1",
                batch_repeat_value=self.max_seq_len,
                space=space,
            )
            self.view_requirements[f"state_out_{index}"] = ViewRequirement(
                space=space, used_for_training=False
            )

    def forward(
        self, input_dict: dict, state: list[torch.Tensor], seq_lens: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """``obs (B*T, obs_dim)``, ``state[i] (B, memory, attention_dim)``, ``seq_lens (B,)``.

        Returns ``(B*T, num_outputs)`` and the unit inputs ``(B*T, attention_dim)`` per unit.
        """
        if seq_lens is None:
            raise ValueError("GTrXLNet.forward needs seq_lens (B,) to split (B*T) into (B, T)")
        observations = input_dict[SampleBatch.OBS]
        batch = len(seq_lens)
        steps = observations.shape[0] // batch
        out = observations.reshape([-1, steps] + list(observations.shape[1:]))
        memory_outs = []
        for index, layer in enumerate(self.layers):
            if index % 2 == 1:
                out = layer(out, memory=state[index // 2])
            else:
                out = layer(out)
                memory_outs.append(out)
        memory_outs = memory_outs[:-1]  # the last unit's output feeds no further unit
        if self.logits is not None:
            assert self.values_out is not None
            result = self.logits(out)
            self._value_out = self.values_out(out)
            width = self.num_outputs
        else:
            result, width = out, self.attention_dim
        return result.reshape(-1, width), [m.reshape(-1, self.attention_dim) for m in memory_outs]

    def get_initial_state(self) -> list[np.ndarray]:
        """``[]``: memory comes from the sampler's view of past ``state_out_i``."""
        return []

    def value_function(self) -> torch.Tensor:
        """``(B*T,)`` values of the last forward (requires ``num_outputs``)."""
        if self._value_out is None:
            raise ValueError("GTrXLNet.value_function: call forward first (and give num_outputs)")
        return self._value_out.reshape(-1)


def _action_width(action_space: gym.Space) -> int:
    total = 0
    for space in flatten(get_base_struct_from_space(action_space)):
        if isinstance(space, Discrete):
            total += int(space.n)
        elif isinstance(space, MultiDiscrete):
            total += int(np.sum(space.nvec))
        elif space.shape is not None:
            total += int(np.prod(space.shape))
        else:
            total += int(len(space))
    return total


class AttentionWrapper(TorchModelV2, nn.Module):
    """GTrXL over a wrapped model's features (what ``use_attention=True`` builds).

    Config keys: ``attention_*`` (see MODEL_DEFAULTS), ``attention_use_n_prev_actions``,
    ``attention_use_n_prev_rewards``, ``max_seq_len``, ``_disable_action_flattening``.
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
        self.use_n_prev_actions = model_config["attention_use_n_prev_actions"]
        self.use_n_prev_rewards = model_config["attention_use_n_prev_rewards"]
        self.action_space_struct = get_base_struct_from_space(self.action_space)
        self.action_dim = _action_width(self.action_space)
        if self.use_n_prev_actions:
            self.num_outputs += self.use_n_prev_actions * self.action_dim
        if self.use_n_prev_rewards:
            self.num_outputs += self.use_n_prev_rewards
        cfg = model_config
        self.attention_dim = cfg["attention_dim"]
        in_space = (
            Box(float("-inf"), float("inf"), shape=(self.num_outputs,), dtype=np.float32)
            if self.num_outputs is not None
            else obs_space
        )
        self.gtrxl = GTrXLNet(
            in_space,
            action_space,
            None,
            model_config,
            "gtrxl",
            num_transformer_units=cfg["attention_num_transformer_units"],
            attention_dim=self.attention_dim,
            num_heads=cfg["attention_num_heads"],
            head_dim=cfg["attention_head_dim"],
            memory_inference=cfg["attention_memory_inference"],
            memory_training=cfg["attention_memory_training"],
            position_wise_mlp_dim=cfg["attention_position_wise_mlp_dim"],
            init_gru_gate_bias=cfg["attention_init_gru_gate_bias"],
        )
        self.num_outputs = num_outputs
        self._logits_branch = SlimFC(
            self.attention_dim,
            self.num_outputs,
            activation_fn=None,
            initializer=torch.nn.init.xavier_uniform_,
        )
        self._value_branch = SlimFC(
            self.attention_dim, 1, activation_fn=None, initializer=torch.nn.init.xavier_uniform_
        )
        self._features: torch.Tensor | None = None
        self.view_requirements = self.gtrxl.view_requirements
        self.view_requirements[SampleBatch.OBS].space = self.obs_space
        if self.use_n_prev_actions:
            self.view_requirements[SampleBatch.PREV_ACTIONS] = ViewRequirement(
                SampleBatch.ACTIONS, space=self.action_space, shift=f"-{self.use_n_prev_actions}:-1"
            )
        if self.use_n_prev_rewards:
            self.view_requirements[SampleBatch.PREV_REWARDS] = ViewRequirement(
                SampleBatch.REWARDS, shift=f"-{self.use_n_prev_rewards}:-1"
            )

    def _previous_inputs(self, input_dict: dict) -> list[torch.Tensor]:
        parts: list[torch.Tensor] = []
        if self.use_n_prev_actions:
            prev = input_dict[SampleBatch.PREV_ACTIONS]
            if self.model_config.get("_disable_action_flattening"):
                flat = flatten_inputs_to_1d_tensor(
                    prev, spaces_struct=self.action_space_struct, time_axis=True
                )
                parts.append(flat.reshape(flat.shape[0], -1))
            elif isinstance(self.action_space, Discrete):
                parts.extend(
                    one_hot(prev[:, i].float(), self.action_space)
                    for i in range(self.use_n_prev_actions)
                )
            elif isinstance(self.action_space, MultiDiscrete):
                width = self.action_space.shape[0]
                parts.extend(
                    one_hot(prev[:, i : i + width].float(), self.action_space)
                    for i in range(0, self.use_n_prev_actions, width)
                )
            else:
                parts.append(prev.float().reshape(-1, self.use_n_prev_actions * self.action_dim))
        if self.use_n_prev_rewards:
            parts.append(
                input_dict[SampleBatch.PREV_REWARDS].float().reshape(-1, self.use_n_prev_rewards)
            )
        return parts

    def forward(
        self, input_dict: dict, state: list[torch.Tensor], seq_lens: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Wrapped features (+ previous actions/rewards) -> GTrXL -> logits ``(B*T, num_outputs)``."""
        if seq_lens is None:
            raise ValueError("AttentionWrapper.forward needs seq_lens (B,)")
        wrapped_out, _ = self._wrapped_forward(input_dict, [], None)
        previous = self._previous_inputs(input_dict)
        if previous:
            wrapped_out = torch.cat([wrapped_out, *previous], dim=1)
        input_dict["obs_flat"] = input_dict["obs"] = wrapped_out
        self._features, memory_outs = self.gtrxl(input_dict, state, seq_lens)
        return self._logits_branch(self._features), memory_outs

    def get_initial_state(self) -> list[torch.Tensor]:
        """One zero memory row ``(attention_dim,)`` per transformer unit."""
        return [
            torch.zeros(self.gtrxl.view_requirements[f"state_in_{i}"].space.shape)
            for i in range(self.gtrxl.num_transformer_units)
        ]

    def value_function(self) -> torch.Tensor:
        """``(B*T,)`` values from the last forward's GTrXL features."""
        if self._features is None:
            raise ValueError("AttentionWrapper.value_function: call forward first")
        return self._value_branch(self._features).reshape(-1)
