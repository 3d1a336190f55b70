"""add_time_dimension and RecurrentNetwork's (B*T, F) <-> (B, T, F) handling."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from shim.models.recurrent_net import RecurrentNetwork, add_time_dimension


@settings(max_examples=40, deadline=None)
@given(b=st.integers(1, 4), t=st.integers(1, 5), f=st.integers(1, 3), time_major=st.booleans())
def test_add_time_dimension_is_a_reshape_of_padded_rows(
    b: int, t: int, f: int, time_major: bool
) -> None:
    rows = torch.arange(b * t * f, dtype=torch.float32).reshape(b * t, f)
    seq_lens = torch.full((b,), t)
    out = add_time_dimension(rows, seq_lens=seq_lens, framework="torch", time_major=time_major)
    expected = rows.reshape(b, t, f)
    torch.testing.assert_close(out, expected.transpose(0, 1) if time_major else expected)
    np.testing.assert_array_equal(
        add_time_dimension(rows.numpy(), max_seq_len=t, framework="np"), expected.numpy()
    )


def test_add_time_dimension_rejects_uneven_rows() -> None:
    with pytest.raises(ValueError, match="len\\(seq_lens\\)"):
        add_time_dimension(torch.zeros(5, 2), seq_lens=torch.ones(2))


class SumRNN(RecurrentNetwork, nn.Module):
    """Running sum of inputs: the state is the sum so far."""

    def __init__(self, obs_space: gym.Space) -> None:
        nn.Module.__init__(self)
        super().__init__(obs_space, gym.spaces.Discrete(2), 2, {}, "sum")
        self.seen: Any = None

    def get_initial_state(self) -> list:
        return [np.zeros(2, np.float32)]

    def forward_rnn(self, inputs: torch.Tensor, state: list, seq_lens: Any) -> tuple:
        self.seen = inputs
        totals = state[0].unsqueeze(1) + torch.cumsum(inputs, dim=1)
        return totals, [totals[:, -1]]


def test_recurrent_network_folds_time_and_threads_state() -> None:
    model = SumRNN(gym.spaces.Box(-1, 1, (2,)))
    obs = torch.arange(12, dtype=torch.float32).reshape(6, 2)  # B=2 sequences of T=3
    state = [torch.ones(2, 2)]
    out, state_out = model({"obs": obs}, state, torch.tensor([3, 3]))
    assert model.seen.shape == (2, 3, 2)
    assert out.shape == (6, 2)
    torch.testing.assert_close(state_out[0], 1 + obs.reshape(2, 3, 2).sum(1))
    out1, _ = model({"obs": obs[:2]}, [torch.zeros(2, 2)], None)  # no seq_lens: T=1
    torch.testing.assert_close(out1, obs[:2])
