"""Actor-critic encoders: one shared encoder, or separate actor and critic encoders.

Output layout (as RLlib): ``{ENCODER_OUT: {ACTOR: (B, [T,] D), CRITIC: (B, [T,] D)}}``;
stateful encoders add ``STATE_OUT``. Attribute names ``encoder`` / ``actor_encoder`` /
``critic_encoder`` give RLlib's state-dict keys (``encoder.actor_encoder.net.mlp.0.weight``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
import torch.nn as nn

from rlmigrate.core.columns import Columns
from rlmigrate.core.constants import ACTOR, CRITIC, ENCODER_OUT
from rlmigrate.models.torch.versioning import StructureVersioned

if TYPE_CHECKING:
    from rlmigrate.models.configs import ActorCriticEncoderConfig


def _build_encoders(
    owner: TorchActorCriticEncoder | TorchStatefulActorCriticEncoder,
    config: ActorCriticEncoderConfig,
    *,
    critic: bool,
) -> None:
    """Set ``owner.config`` and build ``encoder`` (shared) or ``actor_encoder`` plus, when
    ``critic``, ``critic_encoder`` from the base config (attribute names = state-dict keys)."""
    owner.config = config
    base = config.base_encoder_config
    assert base is not None
    if config.shared:
        owner.encoder = base.build(framework="torch")
    else:
        owner.actor_encoder = base.build(framework="torch")
        if critic:
            owner.critic_encoder = base.build(framework="torch")


class TorchActorCriticEncoder(StructureVersioned):
    """Stateless actor-critic encoder.

    With ``inference_only`` and ``shared=False`` no critic encoder is built (it holds no
    weights at all); the output then has only the ``ACTOR`` entry, as in RLlib.
    """

    # Declared for type checkers: set by _build_encoders (attribute names = state-dict keys).
    # Encoders are whatever base_encoder_config.build() returns (stateful ones also have
    # get_initial_state()), hence Any.
    config: ActorCriticEncoderConfig
    encoder: Any
    actor_encoder: Any
    critic_encoder: Any

    def __init__(self, config: ActorCriticEncoderConfig) -> None:
        super().__init__()
        _build_encoders(self, config, critic=not config.inference_only)

    def get_initial_state(self) -> dict:
        return {}

    def forward(self, inputs: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if self.config.shared:
            out = self.encoder(inputs)[ENCODER_OUT]
            if self.config.inference_only:
                return {ENCODER_OUT: {ACTOR: out}}
            return {ENCODER_OUT: {ACTOR: out, CRITIC: out}}
        result = {ACTOR: self.actor_encoder(inputs)[ENCODER_OUT]}
        critic = getattr(self, "critic_encoder", None)
        if critic is not None:
            result[CRITIC] = critic(inputs)[ENCODER_OUT]
        return {ENCODER_OUT: result}


class TorchStatefulActorCriticEncoder(nn.Module):
    """Actor-critic encoder over a recurrent base.

    Shared: ``STATE_IN``/``STATE_OUT`` are the base encoder's state (``{"h", "c"}``).
    Separate: ``{ACTOR: {...}, CRITIC: {...}}``. The critic encoder is always built (even
    for inference-only modules) because the state it carries is part of what env runners
    record and learners replay.
    """

    # Declared for type checkers: set by _build_encoders (attribute names = state-dict keys).
    # Encoders are whatever base_encoder_config.build() returns (stateful ones also have
    # get_initial_state()), hence Any.
    config: ActorCriticEncoderConfig
    encoder: Any
    actor_encoder: Any
    critic_encoder: Any

    def __init__(self, config: ActorCriticEncoderConfig) -> None:
        super().__init__()
        _build_encoders(self, config, critic=True)

    def get_initial_state(self) -> dict[str, Any]:
        if self.config.shared:
            return self.encoder.get_initial_state()
        return {
            ACTOR: self.actor_encoder.get_initial_state(),
            CRITIC: self.critic_encoder.get_initial_state(),
        }

    def forward(self, inputs: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if self.config.shared:
            outs = self.encoder(inputs)
            latent = outs[ENCODER_OUT]
            encoded = {ACTOR: latent} if self.config.inference_only else {ACTOR: latent, CRITIC: latent}
            return {ENCODER_OUT: encoded, Columns.STATE_OUT: outs[Columns.STATE_OUT]}
        state_in = inputs.get(Columns.STATE_IN)
        if not isinstance(state_in, dict) or ACTOR not in state_in or CRITIC not in state_in:
            got = sorted(state_in) if isinstance(state_in, dict) else type(state_in).__name__
            raise KeyError(
                f"a separate (vf_share_layers=False) recurrent encoder needs "
                f"batch[{Columns.STATE_IN!r}] = {{{ACTOR!r}: ..., {CRITIC!r}: ...}}, got {got}"
            )
        actor_out = self.actor_encoder({**inputs, Columns.STATE_IN: state_in[ACTOR]})
        critic_out = self.critic_encoder({**inputs, Columns.STATE_IN: state_in[CRITIC]})
        return {
            ENCODER_OUT: {ACTOR: actor_out[ENCODER_OUT], CRITIC: critic_out[ENCODER_OUT]},
            Columns.STATE_OUT: {
                ACTOR: actor_out[Columns.STATE_OUT],
                CRITIC: critic_out[Columns.STATE_OUT],
            },
        }

    def encode_critic(self, inputs: dict[str, Any]) -> tuple[torch.Tensor, Any]:
        """Critic embedding (and its new state) alone, for ``compute_values``."""
        if self.config.shared:
            outs = self.encoder(inputs)
            return outs[ENCODER_OUT], outs[Columns.STATE_OUT]
        state_in = inputs[Columns.STATE_IN][CRITIC]
        outs = self.critic_encoder({**inputs, Columns.STATE_IN: state_in})
        return outs[ENCODER_OUT], outs[Columns.STATE_OUT]
