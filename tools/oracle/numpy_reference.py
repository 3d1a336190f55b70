"""Plain-numpy re-implementations of the recorded models and distributions (no Ray, no torch).

They exist to check that the fixtures are self-consistent (``check_fixtures.py``), and they
spell out, as executable notes, what the shim has to compute from a ``get_weights()`` dict:

* ``fcnet``: Ray's default torch FullyConnectedNetwork: ``_hidden_layers.<i>._model.0`` then
  ``_logits._model.0``; value through ``_value_branch_separate.<i>._model.0`` (when
  ``vf_share_layers`` is False) or the shared features, then ``_value_branch._model.0``.
* ``lstm_wrapper``: ``use_lstm=True``: the wrapped FCNet's hidden layers (its ``_logits`` is
  absent and its ``_value_branch_separate`` weights are present but unused), optionally the
  one-hot previous action and the previous reward concatenated to them, one LSTM step
  (``lstm.*``, torch gate order i, f, g, o), then ``_logits_branch`` / ``_value_branch`` on h.
* ``fcnet`` with ``free_log_std``: the ``_logits`` output is the mean only; the learned
  ``_append_free_log_std.log_std`` vector is appended to every row.
* ``value_branch_mlp``: ``tools/oracle/custom_model.py``.

All functions take float64 copies, so results differ from the float32 recordings by ~1e-6.
Shapes: obs ``(B, obs_dim)``; logits ``(B, num_outputs)``; value ``(B,)``; h, c ``(B, cell)``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

Weights = Mapping[str, np.ndarray]
_ACTIVATIONS = {"tanh": np.tanh, "relu": lambda x: np.maximum(x, 0.0), None: lambda x: x}


def _linear(weights: Weights, prefix: str, x: np.ndarray) -> np.ndarray:
    return x @ weights[f"{prefix}.weight"].astype(np.float64).T + weights[f"{prefix}.bias"].astype(
        np.float64
    )


def _indexed(weights: Weights, prefix: str) -> list[int]:
    found = {int(k[len(prefix) + 1 :].split(".")[0]) for k in weights if k.startswith(prefix + ".")}
    return sorted(found)


def _slim_stack(weights: Weights, prefix: str, x: np.ndarray, activation: str | None) -> np.ndarray:
    for i in _indexed(weights, prefix):
        x = _ACTIVATIONS[activation](_linear(weights, f"{prefix}.{i}._model.0", x))
    return x


def fcnet(
    weights: Weights, obs: np.ndarray, model_config: Mapping
) -> tuple[np.ndarray, np.ndarray]:
    """Ray 2.10 torch FullyConnectedNetwork (no no_final_linear): ``(logits, value)``.

    With ``free_log_std`` the ``_logits`` layer gives only the first half (the mean) and the
    state-independent ``_append_free_log_std.log_std`` vector is appended to every row.
    """
    if model_config.get("no_final_linear"):
        raise NotImplementedError("fcnet: no_final_linear is not modelled here")
    activation = model_config["fcnet_activation"]
    flat = obs.reshape(obs.shape[0], -1).astype(np.float64)
    features = _slim_stack(weights, "_hidden_layers", flat, activation)
    logits = _linear(weights, "_logits._model.0", features)
    if model_config.get("free_log_std"):
        log_std = weights["_append_free_log_std.log_std"].astype(np.float64)
        logits = np.concatenate([logits, np.broadcast_to(log_std, (len(logits), len(log_std)))], 1)
    trunk = (
        features
        if model_config["vf_share_layers"]
        else _slim_stack(weights, "_value_branch_separate", flat, activation)
    )
    return logits, _linear(weights, "_value_branch._model.0", trunk)[:, 0]


def lstm_step(
    weights: Weights, x: np.ndarray, h: np.ndarray, c: np.ndarray, prefix: str = "lstm"
) -> tuple[np.ndarray, np.ndarray]:
    """One ``nn.LSTM`` step (T=1) with torch's gate layout ``[i, f, g, o]``: returns ``(h', c')``."""
    gates = (
        x @ weights[f"{prefix}.weight_ih_l0"].astype(np.float64).T
        + weights[f"{prefix}.bias_ih_l0"]
        + h.astype(np.float64) @ weights[f"{prefix}.weight_hh_l0"].astype(np.float64).T
        + weights[f"{prefix}.bias_hh_l0"]
    )
    i, f, g, o = np.split(gates, 4, axis=1)
    sigmoid = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    c_new = sigmoid(f) * c.astype(np.float64) + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c_new), c_new


def lstm_wrapper(
    weights: Weights,
    obs: np.ndarray,
    state: list[np.ndarray],
    model_config: Mapping,
    prev_actions: np.ndarray | None = None,
    prev_rewards: np.ndarray | None = None,
    action_space: Mapping | None = None,
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """``use_lstm=True`` over FCNet, one time step: ``(logits, value, [h, c])``.

    With ``lstm_use_prev_action`` the LSTM input is the FCNet features, then the previous
    actions (one-hot for a Discrete ``action_space``, else the flat floats), then (with
    ``lstm_use_prev_reward``) the previous reward as one column.
    """
    flat = obs.reshape(obs.shape[0], -1).astype(np.float64)
    features = _slim_stack(weights, "_hidden_layers", flat, model_config["fcnet_activation"])
    if model_config.get("lstm_use_prev_action"):
        if prev_actions is None or action_space is None:
            raise ValueError(
                "lstm_wrapper: lstm_use_prev_action needs prev_actions and action_space"
            )
        if action_space["space"] == "discrete":
            prev = np.eye(action_space["n"])[np.asarray(prev_actions, dtype=np.int64)]
        else:
            prev = np.asarray(prev_actions, dtype=np.float64).reshape(len(flat), -1)
        features = np.concatenate([features, prev], axis=1)
    if model_config.get("lstm_use_prev_reward"):
        if prev_rewards is None:
            raise ValueError("lstm_wrapper: lstm_use_prev_reward needs prev_rewards")
        features = np.concatenate(
            [features, np.asarray(prev_rewards, dtype=np.float64).reshape(-1, 1)], axis=1
        )
    h, c = lstm_step(weights, features, state[0], state[1])
    return (
        _linear(weights, "_logits_branch._model.0", h),
        _linear(weights, "_value_branch._model.0", h)[:, 0],
        [h, c],
    )


def value_branch_mlp(
    weights: Weights, obs: np.ndarray, custom_model_config: Mapping
) -> tuple[np.ndarray, np.ndarray]:
    """``custom_model.ValueBranchMLP``: ``(logits, value)``."""
    activation = custom_model_config.get("activation", "tanh")
    flat = obs.reshape(obs.shape[0], -1).astype(np.float64)

    def mlp(prefix: str, depth: int) -> np.ndarray:
        x = flat
        for layer in range(
            depth
        ):  # nn.Sequential(Linear, act, Linear, act, ...): Linears at 0, 2, ...
            x = _ACTIVATIONS[activation](_linear(weights, f"{prefix}.{2 * layer}", x))
        return x

    features = mlp("policy_net", len(custom_model_config["hiddens"]))
    value_features = mlp("value_net", len(custom_model_config["vf_hiddens"]))
    return _linear(weights, "logits", features), _linear(weights, "value_head", value_features)[
        :, 0
    ]


def categorical_logp(logits: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """log softmax(logits)[action] per row: ``(B, n), (B,) -> (B,)``."""
    logits = logits.astype(np.float64)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return log_probs[np.arange(len(actions)), np.asarray(actions, dtype=np.int64)]


def diag_gaussian_logp(inputs: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """Legacy TorchDiagGaussian: inputs ``(B, 2A)`` = ``[mean, log_std]``; logp summed over A: ``(B,)``."""
    mean, log_std = np.split(inputs.astype(np.float64), 2, axis=1)
    z = (np.asarray(actions, dtype=np.float64).reshape(mean.shape) - mean) / np.exp(log_std)
    return np.sum(-0.5 * z**2 - log_std - 0.5 * np.log(2.0 * np.pi), axis=1)


def deterministic_action(action_space: Mapping, inputs: np.ndarray) -> np.ndarray:
    """argmax of the logits (Discrete) or the Gaussian mean (Box): what explore=False returns."""
    if action_space["space"] == "discrete":
        return np.argmax(inputs, axis=1)
    return np.split(inputs, 2, axis=1)[0]


def logp(action_space: Mapping, inputs: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """The legacy default distribution's logp for the action space (Discrete or 1-D Box)."""
    if action_space["space"] == "discrete":
        return categorical_logp(inputs, actions)
    return diag_gaussian_logp(inputs, actions)
