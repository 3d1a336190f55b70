"""Numerical constants shared by the distributions (same values as RLlib's ``utils.numpy``)."""

from __future__ import annotations

#: Guard against ``log(0)`` and ``atanh(±1)``.
SMALL_NUMBER: float = 1e-6
#: Lower clamp for a squashed Gaussian's ``log_std`` taken from the network output.
MIN_LOG_NN_OUTPUT: float = -5.0
#: Upper clamp for a squashed Gaussian's ``log_std`` taken from the network output.
MAX_LOG_NN_OUTPUT: float = 2.0
