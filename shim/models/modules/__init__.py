"""Building blocks of RLlib's legacy torch models (``ray.rllib.models.torch.modules``).

GRU gate, skip connection, (relative) multi-head attention and the noisy layer, with Ray
2.10's parameter names so recorded ``state_dict`` keys load unchanged.
"""

from shim.models.modules.attention import (
    MultiHeadAttention,
    RelativeMultiHeadAttention,
    RelativePositionEmbedding,
)
from shim.models.modules.gru_gate import GRUGate
from shim.models.modules.noisy_layer import NoisyLayer
from shim.models.modules.skip_connection import SkipConnection

__all__ = [
    "GRUGate",
    "MultiHeadAttention",
    "NoisyLayer",
    "RelativeMultiHeadAttention",
    "RelativePositionEmbedding",
    "SkipConnection",
]
