"""PPO's default RLModule (also IMPALA's): actor-critic encoder, policy head, value head.

Built by :class:`~rlmigrate.PPOCatalog` from the model config; works for every observation
space the catalog handles (vectors, images, discrete, Dict/Tuple, and LSTM/GRU over any).
State-dict keys follow RLlib's default module (``encoder.encoder.net.mlp.0.weight`` shared,
``encoder.actor_encoder...``/``encoder.critic_encoder...`` separate, ``pi.net.mlp.0.weight``,
``vf.net.mlp.0.weight``, ``pi.log_std_clip_param_const``) so RLlib-trained weights load.

Example:
    >>> import gymnasium as gym, torch
    >>> from rlmigrate import RLModuleSpec, PPOTorchRLModule
    >>> module = RLModuleSpec(
    ...     module_class=PPOTorchRLModule,
    ...     observation_space=gym.spaces.Box(-1, 1, (4,)),
    ...     action_space=gym.spaces.Discrete(2),
    ...     model_config={"fcnet_hiddens": [32]},
    ... ).build()
    >>> module.forward_inference({"obs": torch.zeros(3, 4)})["action_dist_inputs"].shape
    torch.Size([3, 2])
"""

from __future__ import annotations

from typing import Any

import torch

from rlmigrate.core.apis import InferenceOnlyAPI, ValueFunctionAPI
from rlmigrate.core.columns import Columns
from rlmigrate.core.constants import ACTOR, CRITIC, ENCODER_OUT
from rlmigrate.core.torch_rl_module import TorchRLModule
from rlmigrate.models.configs import RecurrentEncoderConfig
from rlmigrate.models.torch.actor_critic import (
    TorchActorCriticEncoder,
    TorchStatefulActorCriticEncoder,
)
from rlmigrate.modules._catalog import default_catalog_class, require_catalog
from rlmigrate.modules._fast_path import fast_actor_forward

__all__ = ["PPOTorchRLModule", "DefaultPPOTorchRLModule", "IMPALATorchRLModule"]


def _load_catalog() -> type:
    from rlmigrate.models.ppo_catalog import PPOCatalog

    return PPOCatalog


class PPOTorchRLModule(TorchRLModule, ValueFunctionAPI, InferenceOnlyAPI):
    """Default PPO module.

    Outputs: ``forward_inference``/``forward_exploration`` → ``{ACTION_DIST_INPUTS: (B, [T,] W)}``
    (+ ``STATE_OUT`` when recurrent); ``forward_train`` adds ``EMBEDDINGS`` (the critic
    embedding, ``(B, [T,] D)``) for :meth:`compute_values`.

    ``catalog_class`` defaults to :class:`~rlmigrate.PPOCatalog` (as RLlib 2.60's
    ``DefaultPPOTorchRLModule``). ``inference_only=True`` builds no value head and, with
    ``vf_share_layers=False``, no critic encoder: such a module holds no critic weights.
    Recurrent modules keep their critic encoder (its state is part of the recorded state).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        default_catalog_class(args, kwargs, _load_catalog)
        super().__init__(*args, **kwargs)

    # ----------------------------------------------------------------- construction
    def setup(self) -> None:
        catalog = require_catalog(self, "catalog_class=PPOCatalog (or a subclass)")
        encoder_config = catalog.actor_critic_encoder_config
        self._stateful = isinstance(encoder_config.base_encoder_config, RecurrentEncoderConfig)
        self._shared = bool(encoder_config.shared)
        if self.inference_only:
            encoder_config.inference_only = True
        self.encoder = catalog.build_actor_critic_encoder(framework="torch")
        self.pi = catalog.build_pi_head(framework="torch")
        if not self.inference_only:
            self.vf = catalog.build_vf_head(framework="torch")

    # A subclass may override setup() and build its own encoder and heads without calling
    # ours (RLlib documents that), so nothing below may rely on attributes our setup() sets:
    # each flag is read from __dict__ when setup() stored it, else derived from what was built.
    def _is_recurrent(self) -> bool:
        flag = self.__dict__.get("_stateful")
        if flag is None:
            flag = self.__dict__["_stateful"] = bool(self.get_initial_state())
        return flag

    def _has_shared_encoder(self) -> bool:
        flag = self.__dict__.get("_shared")
        if flag is None:
            config = getattr(getattr(self, "encoder", None), "config", None)
            flag = bool(getattr(config, "shared", not hasattr(getattr(self, "encoder", None), "critic_encoder")))
            self.__dict__["_shared"] = flag
        return flag

    def get_non_inference_attributes(self) -> list[str]:
        """``["vf"]``, plus the critic encoder when it is separate and stateless."""
        if self._has_shared_encoder() or self._is_recurrent():
            return ["vf"]
        return ["vf", "encoder.critic_encoder"]

    def get_initial_state(self) -> dict:
        """The encoder's initial state (``{"h", "c"}`` of ``(L, H)``; per actor/critic when
        separate), or ``{}`` for stateless modules (or an encoder without ``get_initial_state``)."""
        getter = getattr(getattr(self, "encoder", None), "get_initial_state", None)
        return getter() if callable(getter) else {}

    # ----------------------------------------------------------------- forward passes
    def _encode(self, batch: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        encoded = self.encoder(batch)
        output: dict[str, Any] = {}
        if Columns.STATE_OUT in encoded:
            output[Columns.STATE_OUT] = encoded[Columns.STATE_OUT]
        return encoded, output

    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """``{ACTION_DIST_INPUTS: (B, [T,] W)[, STATE_OUT]}`` (no values, no actions).

        Plain MLP modules take a fused path here (same layers, same results; see
        ``rlmigrate/modules/_fast_path.py``): it halves the Python overhead at batch 1.
        """
        if not self._is_recurrent():
            fast = fast_actor_forward(self, batch)
            if fast is not None:
                return fast
        encoded, output = self._encode(batch)
        output[Columns.ACTION_DIST_INPUTS] = self.pi(encoded[ENCODER_OUT][ACTOR])
        return output

    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """As :meth:`_forward` plus ``EMBEDDINGS``: the critic embedding ``(B, [T,] D)``."""
        encoded, output = self._encode(batch)
        output[Columns.ACTION_DIST_INPUTS] = self.pi(encoded[ENCODER_OUT][ACTOR])
        output[Columns.EMBEDDINGS] = encoded[ENCODER_OUT][CRITIC]
        return output

    # ----------------------------------------------------------------- value function
    def compute_values(self, batch: dict[str, Any], embeddings: Any = None) -> torch.Tensor:
        """State values ``(B,)`` (or ``(B, T)`` for time-ranked batches).

        Args:
            batch: ``{OBS: (B, [T,] ...)[, STATE_IN]}``.
            embeddings: the ``EMBEDDINGS`` of a previous ``forward_train`` on the same batch;
                skips the critic encoder.

        Raises:
            RuntimeError: on an inference-only module (it has no value head).
        """
        vf = getattr(self, "vf", None)
        if vf is None:
            raise RuntimeError(
                f"{type(self).__name__} was built with inference_only=True and has no value "
                f"head; build it with inference_only=False to compute values"
            )
        if embeddings is None:
            embeddings = self._critic_embeddings(batch)
        return vf(embeddings).squeeze(-1)

    def _critic_embeddings(self, batch: dict[str, Any]) -> torch.Tensor:
        encoder: Any = self.encoder
        if not isinstance(self.encoder, (TorchActorCriticEncoder, TorchStatefulActorCriticEncoder)):
            # A subclass's own encoder (setup() overridden): its full pass holds the critic output.
            return encoder(batch)[ENCODER_OUT][CRITIC]
        if self._is_recurrent():
            return encoder.encode_critic(batch)[0]
        if self._has_shared_encoder():
            return encoder.encoder(batch)[ENCODER_OUT]
        return encoder.critic_encoder(batch)[ENCODER_OUT]


#: RLlib 2.60 name of the same module.
DefaultPPOTorchRLModule = PPOTorchRLModule
#: IMPALA's default module is PPO's.
IMPALATorchRLModule = PPOTorchRLModule
