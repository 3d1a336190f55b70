"""``SACTorchModel``: the legacy SAC model base (policy net, Q net, optional twin Q, alpha).

User files subclass it and override ``build_policy_model`` / ``build_q_model``; SAC's policy
calls ``get_action_model_outputs``, ``get_q_values`` and ``get_twin_q_values``. Sub-models are
built through ``ModelCatalog.get_model_v2`` with ``policy_model_config`` / ``q_model_config``,
as in Ray 2.10 (same attribute names: ``action_model``, ``q_net``, ``twin_q_net``,
``log_alpha``, ``target_entropy``).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium.spaces import Box, Discrete
from torch import nn

from rlmigrate.core.nest import flatten
from shim.models.catalog import ModelCatalog
from shim.models.modelv2 import ModelV2
from shim.models.torch_modelv2 import TorchModelV2
from shim.spaces import Simplex

__all__ = ["SACTorchModel"]


def _concat_obs(obs: Any) -> torch.Tensor:
    if isinstance(obs, (list, tuple)):
        return torch.cat(obs, dim=-1)
    if isinstance(obs, dict):
        leaves = flatten(list(obs.values()))
        return torch.cat([v.unsqueeze(1) if v.dim() == 1 else v for v in leaves], dim=-1)
    return obs


class SACTorchModel(TorchModelV2, nn.Module):
    """SAC's legacy model: ``forward`` passes observations through; the heads live in sub-models.

    Discrete actions: policy and Q nets output ``n`` values each; Box: the policy outputs
    ``2 * prod(shape)`` (mean, log-std) and Q nets take ``[obs, action]`` and output 1;
    Simplex: the policy outputs ``prod(shape)`` Dirichlet concentrations.
    """

    def __init__(
        self,
        obs_space: gym.Space,
        action_space: gym.Space,
        num_outputs: int | None,
        model_config: dict,
        name: str,
        policy_model_config: dict | None = None,
        q_model_config: dict | None = None,
        twin_q: bool = False,
        initial_alpha: float = 1.0,
        target_entropy: float | str | None = None,
    ) -> None:
        nn.Module.__init__(self)
        super().__init__(obs_space, action_space, num_outputs, model_config, name)
        if isinstance(action_space, Discrete):
            self.action_dim = action_space.n
            self.discrete = True
            action_outs = q_outs = self.action_dim
        elif isinstance(action_space, Box):
            self.action_dim = int(np.prod(action_space.shape))
            self.discrete = False
            action_outs, q_outs = 2 * self.action_dim, 1
        elif isinstance(action_space, Simplex):
            self.action_dim = int(np.prod(action_space.shape))
            self.discrete = False
            action_outs, q_outs = self.action_dim, 1
        else:
            raise ValueError(
                f"SACTorchModel supports Discrete, Box and Simplex action spaces, got {action_space}"
            )
        self.action_model = self.build_policy_model(
            self.obs_space, action_outs, policy_model_config, "policy_model"
        )
        self.q_net = self.build_q_model(
            self.obs_space, self.action_space, q_outs, q_model_config, "q"
        )
        self.twin_q_net = (
            self.build_q_model(self.obs_space, self.action_space, q_outs, q_model_config, "twin_q")
            if twin_q
            else None
        )
        self.log_alpha = nn.Parameter(torch.from_numpy(np.array([np.log(initial_alpha)])).float())
        if target_entropy is None or target_entropy == "auto":
            if self.discrete:
                target_entropy = 0.98 * np.array(-np.log(1.0 / action_space.n), dtype=np.float32)
            else:
                target_entropy = -np.prod(action_space.shape)
        self.target_entropy = nn.Parameter(
            torch.from_numpy(np.array([target_entropy])).float(), requires_grad=False
        )

    def forward(self, input_dict: dict, state: list, seq_lens: Any) -> tuple[Any, list]:
        """The observations themselves (``input_dict["obs"]``) and the state, unchanged."""
        return input_dict["obs"], state

    def build_policy_model(
        self, obs_space: gym.Space, num_outputs: int, policy_model_config: dict | None, name: str
    ) -> ModelV2:
        """The policy sub-model (override to customise)."""
        return ModelCatalog.get_model_v2(
            obs_space,
            self.action_space,
            num_outputs,
            policy_model_config,
            framework="torch",
            name=name,
        )

    def build_q_model(
        self,
        obs_space: gym.Space,
        action_space: gym.Space,
        num_outputs: int,
        q_model_config: dict | None,
        name: str,
    ) -> ModelV2:
        """A Q sub-model; continuous actions are concatenated to flat Box observations."""
        self.concat_obs_and_actions = False
        if self.discrete:
            input_space: gym.Space = obs_space
        else:
            original = getattr(obs_space, "original_space", obs_space)
            if isinstance(original, Box) and len(original.shape) == 1:
                input_space = Box(
                    float("-inf"), float("inf"), shape=(original.shape[0] + action_space.shape[0],)
                )
                self.concat_obs_and_actions = True
            else:
                input_space = gym.spaces.Tuple([original, action_space])
        return ModelCatalog.get_model_v2(
            input_space, action_space, num_outputs, q_model_config, framework="torch", name=name
        )

    def get_q_values(self, model_out: Any, actions: torch.Tensor | None = None) -> Any:
        """``Q(s, a)`` ``(B, 1)`` (continuous) or ``Q(s, .)`` ``(B, n)`` (discrete, no actions)."""
        return self._get_q_value(model_out, actions, self.q_net)

    def get_twin_q_values(self, model_out: Any, actions: torch.Tensor | None = None) -> Any:
        """The twin Q net's values (requires ``twin_q=True``)."""
        return self._get_q_value(model_out, actions, self.twin_q_net)

    def _get_q_value(self, model_out: Any, actions: torch.Tensor | None, net: Any) -> Any:
        if isinstance(net.obs_space, Box):
            if isinstance(model_out, (list, tuple)):
                model_out = torch.cat(model_out, dim=-1)
            elif isinstance(model_out, dict):
                model_out = torch.cat(list(model_out.values()), dim=-1)
        if actions is not None:
            obs = (
                torch.cat([model_out, actions], dim=-1)
                if self.concat_obs_and_actions
                else (model_out, actions)
            )
            input_dict: dict = {"obs": obs}
        else:
            input_dict = {"obs": model_out}
        input_dict["is_training"] = True
        return net(input_dict, [], None)

    def get_action_model_outputs(
        self, model_out: Any, state_in: list | None = None, seq_lens: Any = None
    ) -> tuple[Any, list]:
        """The policy sub-model's outputs (distribution inputs) and state."""
        state_in = [] if state_in is None else state_in
        if isinstance(model_out, dict) and "obs" in model_out:
            if isinstance(self.action_model.obs_space, Box):
                model_out["obs"] = _concat_obs(model_out["obs"])
            return self.action_model(model_out, state_in, seq_lens)
        if isinstance(self.action_model.obs_space, Box):
            model_out = _concat_obs(model_out)
        return self.action_model({"obs": model_out}, state_in, seq_lens)

    def policy_variables(self) -> list:
        """The policy sub-model's parameters."""
        return self.action_model.variables()

    def q_variables(self) -> list:
        """The Q nets' parameters (twin included)."""
        return self.q_net.variables() + (self.twin_q_net.variables() if self.twin_q_net else [])
