"""Behaviour cloning's default RLModule: one encoder and a policy head, no value function.

Built from :class:`~rlmigrate.Catalog` (default ``catalog_class``); the pi head uses the
``head_fcnet_*`` keys. Meant for discrete actions (train with the cross-entropy of
``ACTION_DIST_INPUTS`` against the expert's actions), it works for every action space
with a default distribution. Keys: ``encoder.net...``, ``pi.net.mlp...``.

Example:
    >>> import gymnasium as gym, torch
    >>> module = BCTorchRLModule(
    ...     observation_space=gym.spaces.Box(-1, 1, (4,)), action_space=gym.spaces.Discrete(3),
    ...     model_config={"fcnet_hiddens": [16]})
    >>> module.forward_train({"obs": torch.zeros(5, 4)})["action_dist_inputs"].shape
    torch.Size([5, 3])
"""

from __future__ import annotations

from typing import Any

from rlmigrate.core.columns import Columns
from rlmigrate.core.constants import ENCODER_OUT
from rlmigrate.core.torch_rl_module import TorchRLModule
from rlmigrate.models.configs import MLPHeadConfig, RecurrentEncoderConfig
from rlmigrate.modules._catalog import default_catalog_class, require_catalog

__all__ = ["BCTorchRLModule"]


def _load_catalog() -> type:
    from rlmigrate.models.catalog import Catalog

    return Catalog


class BCTorchRLModule(TorchRLModule):
    """``{OBS[, STATE_IN]} -> {ACTION_DIST_INPUTS: (B, [T,] W)[, STATE_OUT]}`` for all passes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        default_catalog_class(args, kwargs, _load_catalog)
        super().__init__(*args, **kwargs)

    def setup(self) -> None:
        catalog = require_catalog(self, "catalog_class=Catalog")
        cfg = catalog.model_config_dict
        self._stateful = isinstance(catalog.encoder_config, RecurrentEncoderConfig)
        self.encoder = catalog.build_encoder(framework="torch")
        dist_cls = catalog.get_action_dist_cls(framework="torch")
        self.pi = MLPHeadConfig(
            input_dims=list(catalog.latent_dims),
            hidden_layer_dims=list(cfg["head_fcnet_hiddens"]),
            hidden_layer_activation=cfg["head_fcnet_activation"],
            hidden_layer_weights_initializer=cfg["head_fcnet_kernel_initializer"],
            hidden_layer_weights_initializer_config=cfg["head_fcnet_kernel_initializer_kwargs"],
            hidden_layer_bias_initializer=cfg["head_fcnet_bias_initializer"],
            hidden_layer_bias_initializer_config=cfg["head_fcnet_bias_initializer_kwargs"],
            output_layer_dim=int(dist_cls.required_input_dim(space=self.action_space)),
            output_layer_activation="linear",
        ).build(framework="torch")

    def get_initial_state(self) -> dict:
        # Not gated on a flag set in setup(): a subclass may build its own encoder there.
        getter = getattr(getattr(self, "encoder", None), "get_initial_state", None)
        return getter() if callable(getter) else {}

    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        encoded = self.encoder(batch)
        output = {Columns.ACTION_DIST_INPUTS: self.pi(encoded[ENCODER_OUT])}
        if Columns.STATE_OUT in encoded:
            output[Columns.STATE_OUT] = encoded[Columns.STATE_OUT]
        return output
