"""``PPOCatalog``: the catalog of PPO's default module (actor-critic encoder, pi and vf heads).

Example:
    >>> import gymnasium as gym
    >>> cat = PPOCatalog(gym.spaces.Box(-1, 1, (4,)), gym.spaces.Discrete(3), {"fcnet_hiddens": [8]})
    >>> cat.build_pi_head(framework="torch")(__import__("torch").zeros(2, 8)).shape
    torch.Size([2, 3])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import torch.nn as nn

from rlmigrate.models.catalog import Catalog
from rlmigrate.models.configs import (
    ActorCriticEncoderConfig,
    FreeLogStdMLPHeadConfig,
    MLPHeadConfig,
)
from rlmigrate.models.default_model_config import DefaultModelConfig


class PPOCatalog(Catalog):
    """Adds to :class:`Catalog` the actor-critic encoder and the policy/value heads.

    * ``actor_critic_encoder_config``: shared when ``vf_share_layers`` (default True).
    * ``vf_head_config``: ``head_fcnet_*`` MLP → 1 value, linear.
    * pi head (built by :meth:`build_pi_head`): ``head_fcnet_*`` MLP → the action
      distribution's input width; log-stds clipped to ``±log_std_clip_param`` for Gaussians;
      ``free_log_std`` makes them free parameters (Gaussian actions only).
    """

    def __init__(
        self,
        observation_space: gym.Space,
        action_space: gym.Space,
        model_config_dict: DefaultModelConfig | Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(observation_space, action_space, model_config_dict)
        cfg = self._model_config_dict
        self.actor_critic_encoder_config = ActorCriticEncoderConfig(
            base_encoder_config=self._encoder_config, shared=bool(cfg["vf_share_layers"])
        )
        self.pi_and_vf_head_hiddens = [int(h) for h in cfg["head_fcnet_hiddens"]]
        self.pi_and_vf_head_activation = cfg["head_fcnet_activation"]
        self.pi_head_config: MLPHeadConfig | FreeLogStdMLPHeadConfig | None = None
        self.vf_head_config = MLPHeadConfig(
            input_dims=list(self.latent_dims),
            output_layer_dim=1,
            output_layer_activation="linear",
            **self._head_fields(),
        )

    def _head_fields(self) -> dict[str, Any]:
        cfg = self._model_config_dict
        return {
            "hidden_layer_dims": self.pi_and_vf_head_hiddens,
            "hidden_layer_activation": self.pi_and_vf_head_activation,
            "hidden_layer_use_layernorm": cfg.get("head_fcnet_use_layernorm", False),
            "hidden_layer_weights_initializer": cfg["head_fcnet_kernel_initializer"],
            "hidden_layer_weights_initializer_config": cfg["head_fcnet_kernel_initializer_kwargs"],
            "hidden_layer_bias_initializer": cfg["head_fcnet_bias_initializer"],
            "hidden_layer_bias_initializer_config": cfg["head_fcnet_bias_initializer_kwargs"],
            "output_layer_weights_initializer": cfg["head_fcnet_kernel_initializer"],
            "output_layer_weights_initializer_config": cfg["head_fcnet_kernel_initializer_kwargs"],
            "output_layer_bias_initializer": cfg["head_fcnet_bias_initializer"],
            "output_layer_bias_initializer_config": cfg["head_fcnet_bias_initializer_kwargs"],
        }

    def build_actor_critic_encoder(self, framework: str = "torch") -> nn.Module:
        """``{OBS, [STATE_IN]} -> {ENCODER_OUT: {ACTOR, CRITIC}, [STATE_OUT]}``."""
        return self.actor_critic_encoder_config.build(framework=framework)

    def build_encoder(self, framework: str = "torch") -> nn.Module:
        """Not used by PPO (it needs actor and critic embeddings)."""
        raise NotImplementedError(
            "PPOCatalog builds an actor-critic encoder: call build_actor_critic_encoder()"
        )

    def build_pi_head(self, framework: str = "torch") -> nn.Module:
        """Policy head ``(B, [T,] latent) -> (B, [T,] action_dist_inputs)``.

        Raises:
            ValueError: ``free_log_std`` with an action space whose distribution is not a
                diagonal Gaussian (a float 1-D Box).
        """
        from rlmigrate.distributions.diag_gaussian import TorchDiagGaussian

        cfg = self._model_config_dict
        dist_cls = self.get_action_dist_cls(framework=framework)
        if dist_cls is None:
            raise ValueError(
                f"{type(self).__name__}.build_pi_head(framework={framework!r}): no action "
                "distribution class to size the head with; use framework='torch'"
            )
        is_gaussian = isinstance(dist_cls, type) and issubclass(dist_cls, TorchDiagGaussian)
        free_log_std = bool(cfg["free_log_std"])
        if free_log_std and not is_gaussian:
            raise ValueError(
                f"model_config['free_log_std']=True needs a continuous (float 1-D Box) action "
                f"space whose distribution is TorchDiagGaussian; the action space "
                f"{self.action_space!r} uses {getattr(dist_cls, '__name__', dist_cls)}. Set "
                f"free_log_std=False"
            )
        head_cls = FreeLogStdMLPHeadConfig if free_log_std else MLPHeadConfig
        self.pi_head_config = head_cls(
            input_dims=list(self.latent_dims),
            output_layer_dim=int(dist_cls.required_input_dim(space=self.action_space)),
            output_layer_activation="linear",
            clip_log_std=is_gaussian,
            log_std_clip_param=float(cfg.get("log_std_clip_param", 20.0)),
            **self._head_fields(),
        )
        return self.pi_head_config.build(framework=framework)

    def build_vf_head(self, framework: str = "torch") -> nn.Module:
        """Value head ``(B, [T,] latent) -> (B, [T,] 1)``."""
        return self.vf_head_config.build(framework=framework)
