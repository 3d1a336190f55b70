"""DQN's Q heads as Ray 2.10's ``DQNTorchModel`` lays them out, and the policy's Q combination.

The layer names are RLlib 2.10's (``advantage_module.dueling_A_{i}._model.0``, ``A``,
``value_module.dueling_V_{i}`` / ``V``): a legacy DQN model's trained head weights, and a
rewritten ``DQNTorchModel`` subclass's ``state_dict``, load into
:class:`~rlmigrate.modules.dqn.DQNRainbowTorchRLModule` unchanged.

:func:`combine_q` is what ``dqn_torch_policy.compute_q_values`` did with the heads' outputs
(dueling: ``V + A - mean(A)``; distributional: expected value over the ``z`` support).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["DenseLayer", "QHeadConfig", "build_q_heads", "q_distributions", "combine_q"]

_ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "tanh": nn.Tanh, "swish": nn.SiLU, "silu": nn.SiLU, "elu": nn.ELU}


class DenseLayer(nn.Module):
    """``Linear`` (+ activation) in a ``_model`` Sequential: RLlib's ``SlimFC`` key layout.

    ``(B, in_size) -> (B, out_size)``; keys ``_model.0.weight`` / ``_model.0.bias``.
    """

    def __init__(self, in_size: int, out_size: int, activation: str | None = None) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Linear(in_size, out_size)]
        if activation:
            if activation not in _ACTIVATIONS:
                raise ValueError(f"activation {activation!r}: expected one of {sorted(_ACTIVATIONS)} or None")
            layers.append(_ACTIVATIONS[activation]())
        self._model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._model(x)


class QHeadConfig:
    """The DQN head settings (Ray 2.10 DQN config names).

    Attributes:
        hiddens: layers after the features, per stream (``[]``: the features are the scores).
        dueling: build the value stream and combine ``V + A - mean(A)``.
        num_atoms: > 1 for a distributional head over ``[v_min, v_max]``.
        add_layer_norm: a LayerNorm after each hidden layer (RLlib did this for ParameterNoise).
    """

    def __init__(self, hiddens: Sequence[int], dueling: bool, num_atoms: int, v_min: float,
                 v_max: float, add_layer_norm: bool = False, activation: str = "relu") -> None:
        if int(num_atoms) < 1:
            raise ValueError(f"num_atoms must be >= 1, got {num_atoms}")
        if int(num_atoms) > 1 and not float(v_min) < float(v_max):
            raise ValueError(f"v_min must be < v_max for a distributional head, got v_min={v_min}, v_max={v_max}")
        self.hiddens = [int(h) for h in hiddens]
        self.dueling = bool(dueling)
        self.num_atoms = int(num_atoms)
        self.v_min = float(v_min)
        self.v_max = float(v_max)
        self.add_layer_norm = bool(add_layer_norm)
        self.activation = activation


def build_q_heads(in_size: int, num_actions: int, cfg: QHeadConfig) -> tuple[nn.Sequential, nn.Sequential | None]:
    """``(advantage_module, value_module or None)`` over features ``(B, in_size)``.

    With ``hiddens == []`` both streams are empty (identity): the features must already be
    ``num_actions * num_atoms`` wide, as for RLlib's DQN with ``hiddens=[]``.
    """
    advantage, value = nn.Sequential(), nn.Sequential()
    width = in_size
    for index, size in enumerate(cfg.hiddens):
        advantage.add_module(f"dueling_A_{index}", DenseLayer(width, size, cfg.activation))
        value.add_module(f"dueling_V_{index}", DenseLayer(width, size, cfg.activation))
        if cfg.add_layer_norm:
            advantage.add_module(f"LayerNorm_A_{index}", nn.LayerNorm(size))
            value.add_module(f"LayerNorm_V_{index}", nn.LayerNorm(size))
        width = size
    if cfg.hiddens:
        advantage.add_module("A", DenseLayer(width, num_actions * cfg.num_atoms))
        if cfg.dueling:
            value.add_module("V", DenseLayer(width, cfg.num_atoms))
    return advantage, (value if cfg.dueling else None)


def q_distributions(action_scores: torch.Tensor, num_actions: int, cfg: QHeadConfig) -> dict[str, torch.Tensor]:
    """``get_q_value_distributions``: scores ``(B, A)``, and for atoms > 1 ``z (atoms,)``,
    ``logits (B, A, atoms)``, ``probs (B, A, atoms)`` with scores the expected values."""
    if cfg.num_atoms == 1:
        return {"scores": action_scores}
    z = torch.arange(0.0, cfg.num_atoms, dtype=torch.float32, device=action_scores.device)
    z = cfg.v_min + z * (cfg.v_max - cfg.v_min) / float(cfg.num_atoms - 1)
    logits = action_scores.reshape(-1, num_actions, cfg.num_atoms)
    probs = torch.softmax(logits, dim=-1)
    return {"scores": torch.sum(z * probs, dim=-1), "z": z, "logits": logits, "probs": probs}


def _mean_ignore_inf(x: torch.Tensor, dim: int) -> torch.Tensor:
    mask = torch.ne(x, float("-inf"))
    zeroed = torch.where(mask, x, torch.zeros_like(x))
    return torch.sum(zeroed, dim) / torch.sum(mask.float(), dim)


def combine_q(dists: dict[str, torch.Tensor], state_score: torch.Tensor | None, cfg: QHeadConfig) -> dict[str, torch.Tensor]:
    """Q-values ``(B, A)`` (+ ``logits``/``probs``/``z`` when distributional), as RLlib's
    DQN policy computed them from the heads (``state_score`` ``(B, atoms)`` when dueling)."""
    if not cfg.dueling or state_score is None:
        return {"q": dists["scores"], **{k: v for k, v in dists.items() if k != "scores"}}
    if cfg.num_atoms > 1:
        logits = dists["logits"]
        centered = logits - torch.mean(logits, dim=1, keepdim=True)
        logits = torch.unsqueeze(state_score, dim=1) + centered
        probs = torch.softmax(logits, dim=-1)
        return {"q": torch.sum(dists["z"] * probs, dim=-1), "z": dists["z"], "logits": logits, "probs": probs}
    scores = dists["scores"]
    return {"q": state_score + scores - torch.unsqueeze(_mean_ignore_inf(scores, 1), 1)}
