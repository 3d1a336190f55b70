"""A custom model written the legacy way (TorchModelV2 + nn.Module), for oracle cases e and f.

It is deliberately "typical user code" for Ray 2.10: the layer sizes arrive as
``custom_model_config`` keyword arguments, the policy and value paths are separate MLPs, the
value is cached from the last ``forward`` and returned by ``value_function()``, and ``forward``
returns the incoming ``state`` list unchanged (a common idiom for feed-forward models).

The shim must run this same source unmodified (against ``shim`` base classes, through
``shim.ray_compat``'s ``ray.rllib`` aliases) and reproduce the recorded outputs from the
recorded weights. The parameter names (``policy_net.*``, ``logits.*``, ``value_net.*``,
``value_head.*``) are the ``get_weights()`` keys in ``fixtures/oracle/custom_*.json``.

Shapes: ``obs_flat`` ``(B, obs_dim)`` → logits ``(B, num_outputs)``, value ``(B,)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ray.rllib.models import ModelCatalog
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
from torch import nn

#: Name under which ``register()`` puts the model in Ray's custom-model registry.
REGISTERED_NAME = "oracle_value_branch_mlp"

_ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}


def _mlp(in_size: int, hiddens: Sequence[int], activation: str) -> nn.Sequential:
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation: expected one of {sorted(_ACTIVATIONS)}, got {activation!r}")
    layers: list[nn.Module] = []
    for size in hiddens:
        layers += [nn.Linear(in_size, int(size)), _ACTIVATIONS[activation]()]
        in_size = int(size)
    return nn.Sequential(*layers)


class ValueBranchMLP(TorchModelV2, nn.Module):
    """MLP policy head plus a separate MLP value branch, configured by kwargs.

    Args (beyond the ModelV2 five): ``hiddens`` policy MLP sizes, ``vf_hiddens`` value MLP
    sizes, ``activation`` ``"tanh"`` or ``"relu"`` — all from ``custom_model_config``.
    """

    def __init__(
        self,
        obs_space,
        action_space,
        num_outputs,
        model_config,
        name,
        hiddens: Sequence[int] = (32, 32),
        vf_hiddens: Sequence[int] = (16,),
        activation: str = "tanh",
    ):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        in_size = int(np.prod(obs_space.shape))
        self.policy_net = _mlp(in_size, hiddens, activation)
        self.logits = nn.Linear(int(hiddens[-1]) if hiddens else in_size, num_outputs)
        self.value_net = _mlp(in_size, vf_hiddens, activation)
        self.value_head = nn.Linear(int(vf_hiddens[-1]) if vf_hiddens else in_size, 1)
        self._last_flat_obs = None

    def forward(self, input_dict, state, seq_lens):
        obs = input_dict["obs_flat"].float()
        self._last_flat_obs = obs
        return self.logits(self.policy_net(obs)), state

    def value_function(self):
        if self._last_flat_obs is None:
            raise ValueError("value_function() called before forward()")
        return self.value_head(self.value_net(self._last_flat_obs)).squeeze(1)


def register() -> str:
    """Register ``ValueBranchMLP`` with Ray's ModelCatalog; returns the registered name."""
    ModelCatalog.register_custom_model(REGISTERED_NAME, ValueBranchMLP)
    return REGISTERED_NAME


__all__ = ["REGISTERED_NAME", "ValueBranchMLP", "register"]
