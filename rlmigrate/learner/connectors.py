"""Learner connector pieces: what a legacy ``postprocess_trajectory`` did to a batch, done
where the new stack does it (between sampling and the loss).

:class:`GeneralAdvantageEstimation` is the legacy ``compute_gae_for_sample_batch`` /
``compute_advantages`` (pinned against numbers recorded from Ray 2.10 in
``tests/learner/test_connectors.py``): per episode, with ``V(s_T) = 0`` after a terminal step
and the module's value of the last ``new_obs`` otherwise,

    delta_t = r_t + gamma * V(s_{t+1}) - V(s_t);  advantages = discounted_cumsum(delta, gamma * lambda)
    value_targets = advantages + V(s_t)

(``use_gae=False``: discounted returns, minus ``vf_preds`` when ``use_critic``).

A custom ``postprocess_trajectory`` that is not GAE (a centralized critic reading
``other_agent_batches``, n-step returns, reward shaping) has no mechanical equivalent: write a
piece with the same ``__call__(*, rl_module, batch) -> batch`` signature and run it before
``Learner.update_from_batch`` (on Ray: a ``ConnectorV2`` in ``config.learner_connector``).

Example:
    >>> gae = GeneralAdvantageEstimation(gamma=0.99, lambda_=0.95)
    >>> out = gae(rl_module=None, batch={"rewards": [1.0, 1.0], "vf_preds": [0.5, 0.5],
    ...                                  "terminateds": [False, True]})
    >>> [round(float(a), 3) for a in out["advantages"]]
    [1.465, 0.5]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["GeneralAdvantageEstimation", "compute_advantages", "discount_cumsum"]


def discount_cumsum(x: np.ndarray, gamma: float) -> np.ndarray:
    """``y[t] = sum_k gamma^k x[t + k]`` along axis 0 (float32)."""
    x = np.asarray(x, dtype=np.float32)
    out = np.zeros_like(x)
    running = np.float32(0.0)
    for t in range(len(x) - 1, -1, -1):
        running = x[t] + np.float32(gamma) * running
        out[t] = running
    return out


def compute_advantages(
    rewards: Any, vf_preds: Any, last_r: float, *, gamma: float, lambda_: float,
    use_gae: bool = True, use_critic: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """``(advantages, value_targets)``, both ``(T,)`` float32, of one episode chunk.

    Args:
        rewards / vf_preds: ``(T,)``; ``vf_preds`` is unused when neither GAE nor a critic is.
        last_r: the value after the last step (0.0 when the episode terminated there).

    Raises:
        ValueError: for ``use_gae`` without ``use_critic`` (GAE needs value estimates).
    """
    if use_gae and not use_critic:
        raise ValueError("GAE needs a critic: use_gae=True requires use_critic=True")
    rewards = np.asarray(rewards, dtype=np.float32)
    if use_gae:
        values = np.concatenate([np.asarray(vf_preds, dtype=np.float32), [np.float32(last_r)]])
        delta = rewards + np.float32(gamma) * values[1:] - values[:-1]
        advantages = discount_cumsum(delta, gamma * lambda_)
        return advantages, (advantages + values[:-1]).astype(np.float32)
    returns = discount_cumsum(np.concatenate([rewards, [np.float32(last_r)]]), gamma)[:-1]
    if use_critic:
        return (returns - np.asarray(vf_preds, dtype=np.float32)).astype(np.float32), returns
    return returns, np.zeros_like(returns)


def _episode_ends(batch: Mapping[str, Any], size: int) -> list[int]:
    """Exclusive end index of each episode chunk: where ``eps_id`` changes, after a
    terminated/truncated step, and at the end of the batch."""
    ends: set[int] = set()
    done = np.zeros(size, dtype=bool)
    for key in ("terminateds", "truncateds"):
        if key in batch:
            done |= np.asarray(batch[key], dtype=bool)
    ends.update(int(i) + 1 for i in np.flatnonzero(done))
    if "eps_id" in batch:
        ids = np.asarray(batch["eps_id"])
        ends.update(int(i) + 1 for i in np.flatnonzero(ids[1:] != ids[:-1]))
    ends.add(size)
    return sorted(e for e in ends if 0 < e <= size)


class GeneralAdvantageEstimation:
    """Adds ``advantages`` and ``value_targets`` ``(B,)`` to a flat batch of episode chunks.

    Args:
        gamma / lambda_: discount and GAE lambda (the legacy ``config["gamma"]`` /
            ``config["lambda"]``).
        use_gae / use_critic: as the legacy ``compute_advantages``.

    The batch needs ``rewards (B,)`` and (with a critic) ``vf_preds (B,)``; ``terminateds``,
    ``truncateds`` and ``eps_id`` mark episode boundaries. A chunk that does not end terminated
    bootstraps from ``rl_module.compute_values({"obs": new_obs[last]})`` when the module and
    ``new_obs`` are there, else from ``values_bootstrapped[last]``, else 0.
    """

    def __init__(self, *, gamma: float, lambda_: float, use_gae: bool = True, use_critic: bool = True) -> None:
        self.gamma, self.lambda_ = float(gamma), float(lambda_)
        self.use_gae, self.use_critic = bool(use_gae), bool(use_critic)

    def _last_value(self, rl_module: Any, batch: Mapping[str, Any], last: int) -> float:
        if "terminateds" in batch and bool(np.asarray(batch["terminateds"])[last]):
            return 0.0
        if rl_module is not None and "new_obs" in batch and self.use_critic:
            import torch

            obs = torch.as_tensor(np.asarray(batch["new_obs"])[last: last + 1])
            with torch.no_grad():
                return float(rl_module.compute_values({"obs": obs}).reshape(-1)[0])
        if "values_bootstrapped" in batch:
            return float(np.asarray(batch["values_bootstrapped"])[last])
        return 0.0

    def __call__(self, *, rl_module: Any = None, batch: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        """A copy of ``batch`` with ``advantages`` and ``value_targets``.

        Raises:
            KeyError: naming a missing ``rewards`` / ``vf_preds`` column.
        """
        for needed in ("rewards",) + (("vf_preds",) if self.use_critic else ()):
            if needed not in batch:
                raise KeyError(f"GeneralAdvantageEstimation needs a {needed!r} column; batch has {sorted(batch)}")
        rewards = np.asarray(batch["rewards"], dtype=np.float32)
        values = np.asarray(batch.get("vf_preds", np.zeros_like(rewards)), dtype=np.float32)
        advantages = np.zeros_like(rewards)
        targets = np.zeros_like(rewards)
        start = 0
        for end in _episode_ends(batch, len(rewards)):
            adv, tgt = compute_advantages(
                rewards[start:end], values[start:end], self._last_value(rl_module, batch, end - 1),
                gamma=self.gamma, lambda_=self.lambda_, use_gae=self.use_gae, use_critic=self.use_critic,
            )
            advantages[start:end], targets[start:end] = adv, tgt
            start = end
        return {**batch, "advantages": advantages, "value_targets": targets}
