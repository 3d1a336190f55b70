"""SAC's default RLModule: a policy head and Q heads (twin optional), RLlib 2.10's semantics.

For a flat ``Box`` observation ``(B, O)`` and the model config's SAC keys
(``policy_model_config``, ``q_model_config``, ``twin_q``, ``initial_alpha``,
``target_entropy``, ``normalize_actions``; see :mod:`rlmigrate.modules.sac_config`):

* ``pi``: MLP (keys ``pi.mlp.{2i}.*``) ``(B, O) -> (B, 2A)`` (``[mean, log_std]``, Box actions) or ``(B, n)`` logits
  (Discrete), layers as RLlib 2.10's policy ``FullyConnectedNetwork`` (``fcnet_hiddens`` +
  ``post_fcnet_hiddens`` activated, a linear output);
* ``qf`` (and ``qf_twin`` with ``twin_q``): MLP over ``[obs, action]`` ``(B, O + A) -> (B, 1)``
  (Box) or ``(B, O) -> (B, n)`` (Discrete);
* ``log_alpha`` ``(1,)`` and ``target_entropy`` ``(1,)`` (``"auto"``: ``-A`` for Box,
  ``0.98 * log(n)`` for Discrete), as parameters like the legacy model's.

Acting as Ray 2.10's ``SACTorchPolicy``: the action distribution is a squashed Gaussian with
bounds ``[-1, 1]`` (``normalize_actions=True``, the env runner rescales to the space), so the
deterministic action is ``tanh(mean)``; a diagonal Gaussian with ``normalize_actions=False``;
a categorical for Discrete actions. ``forward_train`` adds ``QF_PREDS`` (and
``QF_TWIN_PREDS``) for ``batch["actions"]`` (Box) or for every action (Discrete).

Example:
    >>> import gymnasium as gym, torch
    >>> module = SACTorchRLModule(
    ...     observation_space=gym.spaces.Box(-1, 1, (4,)), action_space=gym.spaces.Box(-1, 1, (2,)),
    ...     model_config={"policy_model_config": {"fcnet_hiddens": [8]}})
    >>> module.forward_inference({"obs": torch.zeros(3, 4)})["action_dist_inputs"].shape
    torch.Size([3, 4])
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from rlmigrate.core.columns import Columns
from rlmigrate.core.torch_rl_module import TorchRLModule
from rlmigrate.models.torch.primitives import TorchMLP
from rlmigrate.modules.sac_config import sac_settings, sub_model_config

__all__ = ["SACTorchRLModule", "DefaultSACTorchRLModule", "QF_PREDS", "QF_TWIN_PREDS", "sac_mlp_layers"]

QF_PREDS = "qf_preds"
QF_TWIN_PREDS = "qf_twin_preds"


def sac_mlp_layers(config: dict[str, Any]) -> tuple[list[int], str | None]:
    """``(hidden sizes, activation)`` of RLlib 2.10's FCNet for a sub-model config: the
    ``fcnet_hiddens`` then ``post_fcnet_hiddens``, all with ``fcnet_activation`` (or
    ``post_fcnet_activation`` when there are no ``fcnet_hiddens``).

    Raises:
        ValueError: a sub-model config that RLlib would not build as a plain FCNet
            (``custom_model``, ``use_lstm``, ``use_attention``, ``free_log_std``).
    """
    for key in ("custom_model", "use_lstm", "use_attention", "free_log_std"):
        if config.get(key):
            raise ValueError(
                f"SAC sub-model config sets {key}={config[key]!r}: SACTorchRLModule builds plain "
                "MLP policy/Q networks only; subclass it and build that network in setup()")
    fc = [int(h) for h in config.get("fcnet_hiddens") or []]
    post = [int(h) for h in config.get("post_fcnet_hiddens") or []]
    activation = config.get("fcnet_activation") if fc else config.get("post_fcnet_activation")
    return fc + post, activation


def _mlp(in_size: int, config: dict[str, Any], out_size: int) -> nn.Module:
    hiddens, activation = sac_mlp_layers(config)
    return TorchMLP(
        input_dim=in_size,
        hidden_layer_dims=hiddens,
        hidden_layer_activation=activation or "linear",
        output_dim=out_size,
        output_activation="linear",
    )


class SACTorchRLModule(TorchRLModule):
    """Default SAC module; see the module docstring for shapes and config keys."""

    def setup(self) -> None:
        obs_space, action_space = self.observation_space, self.action_space
        if not (isinstance(obs_space, gym.spaces.Box) and len(obs_space.shape) == 1):
            raise ValueError(
                f"{type(self).__name__} builds MLPs over flat Box observations, got {obs_space}; "
                "subclass it and build your own networks in setup() for other spaces")
        obs_dim = int(obs_space.shape[0])
        settings = sac_settings(self.model_config)
        if isinstance(action_space, gym.spaces.Discrete):
            self.discrete = True
            self.action_dim = int(action_space.n)
            pi_out, q_in, q_out = self.action_dim, obs_dim, self.action_dim
        elif isinstance(action_space, gym.spaces.Box):
            self.discrete = False
            self.action_dim = int(np.prod(action_space.shape))
            pi_out, q_in, q_out = 2 * self.action_dim, obs_dim + self.action_dim, 1
        else:
            raise ValueError(f"{type(self).__name__} supports Discrete and Box actions, got {action_space}")
        self.normalize_actions = bool(settings["normalize_actions"])
        q_config = sub_model_config(self.model_config, "q_model_config")
        self.pi = _mlp(obs_dim, sub_model_config(self.model_config, "policy_model_config"), pi_out)
        self.qf = _mlp(q_in, q_config, q_out)
        if settings["twin_q"]:
            self.qf_twin = _mlp(q_in, q_config, q_out)
        self.log_alpha = nn.Parameter(torch.tensor([float(np.log(settings["initial_alpha"]))]))
        target = settings["target_entropy"]
        if target is None or target == "auto":
            target = (0.98 * -np.log(1.0 / self.action_dim)) if self.discrete else -float(self.action_dim)
        self.target_entropy = nn.Parameter(torch.tensor([float(target)]), requires_grad=False)

    # ----------------------------------------------------------------- passes
    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """``{ACTION_DIST_INPUTS: (B, 2A) or (B, n)}``."""
        return {Columns.ACTION_DIST_INPUTS: self.pi(batch[Columns.OBS].float())}

    def compute_q_values(self, obs: torch.Tensor, actions: torch.Tensor | None = None, *, twin: bool = False) -> torch.Tensor:
        """``Q(s, a)`` ``(B, 1)`` for Box actions ``(B, A)``; ``Q(s, .)`` ``(B, n)`` for Discrete.

        Raises:
            ValueError: Box actions not given, or ``twin=True`` without ``twin_q``.
        """
        net = self.qf
        if twin:
            if "qf_twin" not in self._modules:
                raise ValueError("twin=True but the module was built with twin_q=False")
            net = self.qf_twin
        obs = obs.float()
        if self.discrete:
            return net(obs)
        if actions is None:
            raise ValueError("Box actions: compute_q_values needs actions (B, A)")
        return net(torch.cat([obs, actions.float().reshape(obs.shape[0], -1)], dim=-1))

    # ----------------------------------------------------------------- legacy names
    def get_action_model_outputs(self, obs: torch.Tensor) -> tuple[torch.Tensor, list]:
        """RLlib 2.10's ``SACTorchModel`` method, for ported code: ``(pi(obs), [])``."""
        return self.pi(obs.float()), []

    def get_q_values(self, obs: torch.Tensor, actions: torch.Tensor | None = None) -> tuple[torch.Tensor, list]:
        """RLlib 2.10's ``SACTorchModel`` method: ``(Q(s, a) or Q(s, .), [])``."""
        return self.compute_q_values(obs, actions), []

    def get_twin_q_values(self, obs: torch.Tensor, actions: torch.Tensor | None = None) -> tuple[torch.Tensor, list]:
        """RLlib 2.10's ``SACTorchModel`` method: the twin Q net's ``(values, [])``."""
        return self.compute_q_values(obs, actions, twin=True), []

    def policy_variables(self) -> list[nn.Parameter]:
        """The policy network's parameters (RLlib 2.10's ``SACTorchModel.policy_variables``)."""
        return list(self.pi.parameters())

    def q_variables(self) -> list[nn.Parameter]:
        """The Q networks' parameters, twin included (``SACTorchModel.q_variables``)."""
        twin = list(self.qf_twin.parameters()) if "qf_twin" in self._modules else []
        return list(self.qf.parameters()) + twin

    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        out = self._forward(batch)
        actions = batch.get(Columns.ACTIONS)
        if self.discrete or actions is not None:
            out[QF_PREDS] = self.compute_q_values(batch[Columns.OBS], actions)
            if "qf_twin" in self._modules:
                out[QF_TWIN_PREDS] = self.compute_q_values(batch[Columns.OBS], actions, twin=True)
        return out

    # ----------------------------------------------------------------- distributions
    def get_inference_action_dist_cls(self) -> type:
        if self.discrete:
            from rlmigrate.distributions.categorical import TorchCategorical

            return TorchCategorical
        if self.normalize_actions:
            from rlmigrate.distributions.squashed_gaussian import TorchSquashedGaussian

            return TorchSquashedGaussian
        from rlmigrate.distributions.diag_gaussian import TorchDiagGaussian

        return TorchDiagGaussian

    get_exploration_action_dist_cls = get_inference_action_dist_cls
    get_train_action_dist_cls = get_inference_action_dist_cls


#: RLlib 2.60's name of the same module.
DefaultSACTorchRLModule = SACTorchRLModule
