"""``RecurrentNetwork`` and ``add_time_dimension``: legacy RNN models over padded sequences.

At action time every sequence has length 1, so a batch ``(B, F)`` becomes ``(B, 1, F)``; in
training the batch arrives zero-padded to ``B * T`` rows with ``seq_lens`` of length ``B``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch

from shim.models.torch_modelv2 import TorchModelV2

_warned = False


def add_time_dimension(
    padded_inputs: Any,
    *,
    seq_lens: Any = None,
    max_seq_len: int | None = None,
    framework: str = "torch",
    time_major: bool = False,
) -> Any:
    """Reshapes zero-padded ``(B * T, ...)`` rows into ``(B, T, ...)`` (``(T, B, ...)`` if time-major).

    Args:
        padded_inputs: tensor or array whose first axis is ``B * T``.
        seq_lens: ``(B,)`` sequence lengths (only their count ``B`` matters here).
        max_seq_len: ``T``, used when ``seq_lens`` is None.
        framework: "torch" (or "np" for numpy arrays).
        time_major: return ``(T, B, ...)``.

    Raises:
        ValueError: when the rows do not divide into ``B`` sequences of equal padded length.
    """
    rows = int(padded_inputs.shape[0])
    if seq_lens is not None:
        batch = int(len(seq_lens))
        if batch == 0 or rows % batch != 0:
            raise ValueError(
                f"add_time_dimension: {rows} padded rows cannot be split into {batch} sequences "
                "(expected a multiple of len(seq_lens))"
            )
        time = rows // batch
    elif max_seq_len is not None:
        time = int(max_seq_len)
        if rows % time != 0:
            raise ValueError(
                f"add_time_dimension: {rows} rows is not a multiple of max_seq_len={time}"
            )
        batch = rows // time
    else:
        raise ValueError("add_time_dimension needs seq_lens or max_seq_len")
    shape = (batch, time) + tuple(padded_inputs.shape[1:])
    if isinstance(padded_inputs, np.ndarray):
        out = padded_inputs.reshape(shape)
        return np.swapaxes(out, 0, 1) if time_major else out
    out = padded_inputs.reshape(shape)
    return out.transpose(0, 1) if time_major else out


class RecurrentNetwork(TorchModelV2):
    """Base for legacy RNN models: override ``forward_rnn`` (and ``get_initial_state``).

    ``forward`` takes ``input_dict["obs_flat"]`` ``(B * T, F)``, adds the time dimension from
    ``seq_lens``, calls ``forward_rnn(inputs (B, T, F), state, seq_lens)`` and flattens the
    output back to ``(B * T, num_outputs)``.
    """

    def forward(
        self, input_dict: dict, state: list[torch.Tensor], seq_lens: Any
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        global _warned
        builtin = any(c.__module__ == "shim.models.lstm_wrapper" for c in type(self).__mro__)
        if not _warned and not builtin:  # warn users' own RNN models, not use_lstm=True
            _warned = True
            warnings.warn(
                "RecurrentNetwork is a legacy API; migrate it with `rlmigrate rewrite` to a "
                "stateful RLModule",
                DeprecationWarning,
                stacklevel=2,
            )
        flat_inputs = torch.as_tensor(input_dict["obs_flat"]).float()
        self.time_major = self.model_config.get("_time_major", False)
        if seq_lens is None:
            seq_lens = torch.ones(flat_inputs.shape[0], dtype=torch.int32)
        inputs = add_time_dimension(
            flat_inputs, seq_lens=seq_lens, framework="torch", time_major=self.time_major
        )
        output, new_state = self.forward_rnn(inputs, state, seq_lens)
        output = torch.reshape(output, [-1, self.num_outputs])
        return output, new_state

    def forward_rnn(
        self, inputs: torch.Tensor, state: list[torch.Tensor], seq_lens: Any
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """``inputs (B, T, F)`` (a tensor) -> ``(outputs (B, T, num_outputs), new_state list of (B, ...))``."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward_rnn()")
