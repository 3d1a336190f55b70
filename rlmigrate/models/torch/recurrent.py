"""Recurrent torch encoders (LSTM, GRU) with an optional per-timestep tokenizer.

Shapes (batch-major): ``OBS`` leaves ``(B, T, ...)``; ``STATE_IN`` ``{"h": (B, L, H)}``
(LSTM also ``"c"``), one state per sequence; output ``ENCODER_OUT (B, T, H)`` and
``STATE_OUT`` with the ``STATE_IN`` layout. The tokenizer (any stateless encoder: MLP,
CNN, multi-input) sees the observations folded to ``(B*T, ...)``. Attribute names
(``tokenizer``, ``lstm``/``gru``) match RLlib's so its state dicts load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
import torch.nn as nn

from rlmigrate.core.columns import Columns
from rlmigrate.core.constants import ENCODER_OUT
from rlmigrate.core.nest import map_struct
from rlmigrate.models.space_utils import first_leaf
from rlmigrate.models.torch.utils import apply_initializer

if TYPE_CHECKING:
    from rlmigrate.models.configs import RecurrentEncoderConfig


class _TorchRecurrentEncoder(nn.Module):
    """Shared plumbing: tokenize, run the recurrent layer, move state axes."""

    _state_keys: tuple[str, ...] = ("h",)
    _layer_name = "rnn"

    def __init__(
        self, config: RecurrentEncoderConfig, layer_cls: type[nn.LSTM] | type[nn.GRU]
    ) -> None:
        super().__init__()
        self.config = config
        self.tokenizer = (
            config.tokenizer_config.build(framework="torch") if config.tokenizer_config else None
        )
        self._num_layers = int(config.num_layers or 1)
        self._hidden_dim = int(config.hidden_dim)  # type: ignore[arg-type]
        layer = layer_cls(
            config.input_size,
            self._hidden_dim,
            self._num_layers,
            batch_first=config.batch_major,
            bias=config.use_bias,
        )
        for name, param in layer.named_parameters():
            if name.startswith("weight"):
                apply_initializer(
                    param, config.hidden_weights_initializer, config.hidden_weights_initializer_config
                )
            elif name.startswith("bias"):
                apply_initializer(
                    param, config.hidden_bias_initializer, config.hidden_bias_initializer_config
                )
        setattr(self, self._layer_name, layer)

    def get_initial_state(self) -> dict[str, torch.Tensor]:
        """Zeros ``{"h": (L, H)[, "c": (L, H)]}`` (no batch dim)."""
        return {key: torch.zeros(self._num_layers, self._hidden_dim) for key in self._state_keys}

    def _tokenize(self, obs: Any) -> torch.Tensor:
        leaf = torch.as_tensor(first_leaf(obs))
        if leaf.dim() < 2:
            raise ValueError(
                f"a recurrent encoder needs observations with batch and time axes (B, T, ...), "
                f"got a leaf of shape {tuple(leaf.shape)}; add a time axis of size 1 for acting"
            )
        d0, d1 = leaf.shape[:2]
        if self.tokenizer is None:
            return leaf.to(torch.float32)
        folded = map_struct(lambda x: torch.as_tensor(x).reshape(d0 * d1, *x.shape[2:]), obs)
        tokens = self.tokenizer({Columns.OBS: folded})[ENCODER_OUT]
        return tokens.reshape(d0, d1, *tokens.shape[1:])

    def _states_in(self, inputs: dict[str, Any]) -> dict[str, torch.Tensor]:
        state = inputs.get(Columns.STATE_IN)
        if not isinstance(state, dict) or any(key not in state for key in self._state_keys):
            got = sorted(state) if isinstance(state, dict) else type(state).__name__
            raise KeyError(
                f"{type(self).__name__} needs batch[{Columns.STATE_IN!r}] = dict with keys "
                f"{list(self._state_keys)} of shape (B, {self._num_layers}, {self._hidden_dim}) "
                f"(module.get_initial_state() with a batch axis), got {got}"
            )
        return {key: state[key].transpose(0, 1).contiguous() for key in self._state_keys}

    def _run(self, tokens: torch.Tensor, states: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict]:
        raise NotImplementedError

    def forward(self, inputs: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        tokens = self._tokenize(inputs[Columns.OBS])
        out, states = self._run(tokens, self._states_in(inputs))
        return {
            ENCODER_OUT: out,
            Columns.STATE_OUT: {key: value.transpose(0, 1) for key, value in states.items()},
        }


class TorchLSTMEncoder(_TorchRecurrentEncoder):
    """LSTM encoder; state ``{"h", "c"}``, each ``(B, L, H)``.

    Example:
        >>> from rlmigrate.models.configs import RecurrentEncoderConfig
        >>> enc = RecurrentEncoderConfig(input_dims=[3], hidden_dim=4, num_layers=1).build()
        >>> state = {k: v[None] for k, v in enc.get_initial_state().items()}
        >>> enc({"obs": torch.zeros(1, 5, 3), "state_in": state})["encoder_out"].shape
        torch.Size([1, 5, 4])
    """

    _state_keys = ("h", "c")
    _layer_name = "lstm"
    lstm: nn.LSTM  # set by the base class under _layer_name (the state-dict key)

    def __init__(self, config: RecurrentEncoderConfig) -> None:
        super().__init__(config, nn.LSTM)

    def _run(self, tokens: torch.Tensor, states: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict]:
        out, (h, c) = self.lstm(tokens, (states["h"], states["c"]))
        return out, {"h": h, "c": c}


class TorchGRUEncoder(_TorchRecurrentEncoder):
    """GRU encoder; state ``{"h": (B, L, H)}``."""

    _state_keys = ("h",)
    _layer_name = "gru"
    gru: nn.GRU  # set by the base class under _layer_name (the state-dict key)

    def __init__(self, config: RecurrentEncoderConfig) -> None:
        super().__init__(config, nn.GRU)

    def _run(self, tokens: torch.Tensor, states: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict]:
        out, h = self.gru(tokens, states["h"])
        return out, {"h": h}
