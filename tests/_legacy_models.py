"""Legacy models several tests share (written in the legacy style, run on the shim)."""

from __future__ import annotations

from torch import nn

from shim.models.torch_modelv2 import TorchModelV2


class LinearActorCritic(TorchModelV2, nn.Module):
    """A linear policy head ``pi`` ``(B, num_outputs)`` and value head ``vf`` ``(B,)`` on the raw
    observation: the model of the Ray 2.10 PPO recordings (``tools/oracle/record_learner_refs.py``)
    and of the loss-kit tests, whose migrated modules name their layers the same for the transfer."""

    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.pi = nn.Linear(obs_space.shape[0], num_outputs)
        self.vf = nn.Linear(obs_space.shape[0], 1)
        self._obs = None

    def forward(self, input_dict, state, seq_lens):
        self._obs = input_dict["obs"].float()
        return self.pi(self._obs), state

    def value_function(self):
        return self.vf(self._obs).squeeze(-1)
