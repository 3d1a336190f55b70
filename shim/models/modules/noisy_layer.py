"""``NoisyLayer``: a dense layer with learnable factorised Gaussian noise (NoisyNets, DQN)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from shim.models.misc import get_activation_fn

__all__ = ["NoisyLayer"]


class NoisyLayer(nn.Module):
    """``y = x (w + sigma_w * eps_w) + b + sigma_b * eps_b``, then ``activation``.

    ``eps`` is factorised (``f(eps_in) f(eps_out)^T`` with ``f(x) = sign(x) sqrt|x|``) and
    freshly drawn on every call, so outputs are random unless the sigmas are zero.

    Args:
        in_size, out_size: features in and out; sigma0: initial bias-noise scale;
        activation: activation name (``"relu"``) or None.
    """

    def __init__(
        self, in_size: int, out_size: int, sigma0: float, activation: str | None = "relu"
    ) -> None:
        super().__init__()
        self.in_size = in_size
        self.out_size = out_size
        self.sigma0 = sigma0
        activation_cls = get_activation_fn(activation, framework="torch")
        self.activation = activation_cls() if activation_cls is not None else None
        bound = 1.0 / np.sqrt(float(in_size))
        self.sigma_w = nn.Parameter(
            torch.from_numpy(np.random.uniform(-bound, bound, size=[in_size, out_size])).float()
        )
        self.sigma_b = nn.Parameter(
            torch.full((out_size,), float(sigma0 / np.sqrt(float(in_size))))
        )
        self.w = nn.Parameter(
            torch.full((in_size, out_size), float(6 / np.sqrt(float(in_size) + float(out_size))))
        )
        self.b = nn.Parameter(torch.zeros(out_size))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """``(B, in_size)`` -> ``(B, out_size)``."""
        eps_in = self._f_epsilon(torch.randn(self.in_size).to(inputs.device))
        eps_out = self._f_epsilon(torch.randn(self.out_size).to(inputs.device))
        eps_w = torch.outer(eps_in, eps_out)
        out = torch.matmul(inputs, self.w + self.sigma_w * eps_w) + self.b + self.sigma_b * eps_out
        return self.activation(out) if self.activation is not None else out

    @staticmethod
    def _f_epsilon(x: torch.Tensor) -> torch.Tensor:
        return torch.sign(x) * torch.pow(torch.abs(x), 0.5)
