"""``DQNTorchModel``: the legacy DQN model base (dueling / distributional / noisy Q heads).

User files subclass it (``class MyQModel(DQNTorchModel)``), build their torch body with
``num_outputs`` features, and DQN's policy calls ``get_q_value_distributions(model_out)`` and
``get_state_value(model_out)``. Module and layer names follow Ray 2.10 (``advantage_module``
with ``dueling_A_{i}`` / ``A``, ``value_module`` with ``dueling_V_{i}`` / ``V``) so recorded
``state_dict`` keys load unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import torch
from torch import nn

from shim.models.misc import SlimFC
from shim.models.modules.noisy_layer import NoisyLayer
from shim.models.torch_modelv2 import TorchModelV2

__all__ = ["DQNTorchModel"]


class DQNTorchModel(TorchModelV2, nn.Module):
    """TorchModelV2 plus DQN's Q heads over the model's ``num_outputs`` features.

    Keyword args (``custom_model_config`` / DQN's ``hiddens``...): ``q_hiddens`` (layers after
    the A/V split), ``dueling`` (``Q = A - mean(A) + V`` in the policy), ``dueling_activation``,
    ``num_atoms`` (> 1: distributional over ``[v_min, v_max]``), ``use_noisy`` + ``sigma0``
    (NoisyLayer heads), ``add_layer_norm``.
    """

    def __init__(
        self,
        obs_space: gym.Space,
        action_space: gym.Space,
        num_outputs: int,
        model_config: dict,
        name: str,
        *,
        q_hiddens: Sequence[int] = (256,),
        dueling: bool = False,
        dueling_activation: str = "relu",
        num_atoms: int = 1,
        use_noisy: bool = False,
        v_min: float = -10.0,
        v_max: float = 10.0,
        sigma0: float = 0.5,
        add_layer_norm: bool = False,
    ) -> None:
        nn.Module.__init__(self)
        super().__init__(obs_space, action_space, num_outputs, model_config, name)
        self.dueling = dueling
        self.num_atoms = num_atoms
        self.v_min = v_min
        self.v_max = v_max
        self.sigma0 = sigma0
        advantage_module = nn.Sequential()
        value_module = nn.Sequential()
        width = num_outputs
        for index, size in enumerate(q_hiddens):
            if use_noisy:
                advantage_module.add_module(
                    f"dueling_A_{index}",
                    NoisyLayer(width, size, sigma0=sigma0, activation=dueling_activation),
                )
                value_module.add_module(
                    f"dueling_V_{index}",
                    NoisyLayer(width, size, sigma0=sigma0, activation=dueling_activation),
                )
            else:
                advantage_module.add_module(
                    f"dueling_A_{index}", SlimFC(width, size, activation_fn=dueling_activation)
                )
                value_module.add_module(
                    f"dueling_V_{index}", SlimFC(width, size, activation_fn=dueling_activation)
                )
                if add_layer_norm:
                    advantage_module.add_module(f"LayerNorm_A_{index}", nn.LayerNorm(size))
                    value_module.add_module(f"LayerNorm_V_{index}", nn.LayerNorm(size))
            width = size
        outputs = action_space.n * num_atoms
        if use_noisy:
            advantage_module.add_module("A", NoisyLayer(width, outputs, sigma0, activation=None))
        elif q_hiddens:
            advantage_module.add_module("A", SlimFC(width, outputs, activation_fn=None))
        self.advantage_module = advantage_module
        if self.dueling:
            if use_noisy:
                value_module.add_module("V", NoisyLayer(width, num_atoms, sigma0, activation=None))
            elif q_hiddens:
                value_module.add_module("V", SlimFC(width, num_atoms, activation_fn=None))
            self.value_module = value_module

    def get_q_value_distributions(self, model_out: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Q heads over features ``(B, num_outputs)``.

        Returns ``(action_scores (B, A), logits (B, A, 1), probs (B, A, 1))`` when
        ``num_atoms == 1`` (logits/probs are ones), else ``(action_scores (B, A), z (atoms,),
        support_logits (B, A, atoms), logits, probs)``.
        """
        action_scores = self.advantage_module(model_out)
        if self.num_atoms > 1:
            z = torch.arange(0.0, self.num_atoms, dtype=torch.float32).to(action_scores.device)
            z = self.v_min + z * (self.v_max - self.v_min) / float(self.num_atoms - 1)
            support_logits = action_scores.reshape(-1, self.action_space.n, self.num_atoms)
            support_probs = nn.functional.softmax(support_logits, dim=-1)
            action_scores = torch.sum(z * support_probs, dim=-1)
            return action_scores, z, support_logits, support_logits, support_probs
        logits = torch.unsqueeze(torch.ones_like(action_scores), -1)
        return action_scores, logits, logits

    def get_state_value(self, model_out: torch.Tensor) -> torch.Tensor:
        """``V(s)`` ``(B, num_atoms)`` from features ``(B, num_outputs)`` (dueling only)."""
        return self.value_module(model_out)
