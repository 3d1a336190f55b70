"""Probes of how Ray 2.10 fails: which config keys it needs, what recurrent calls need.

Each probe records an outcome ``{"ok": true}`` or ``{"ok": false, "error_type", "error"}`` so
the shim helper can see where Ray raises and decide (and document) where the shim is more
forgiving. Imports Ray: run inside ``tools/oracle/.venv``.
"""

from __future__ import annotations

import copy
import traceback
from collections.abc import Callable
from typing import Any

import cases
import numpy as np
from jsonio import space_from_json


def outcome(call: Callable[[], Any]) -> dict[str, Any]:
    """Run ``call``; return ``{"ok": True}`` or the exception's type, message and ``file:line``."""
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - recording what Ray raises is the point
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = frame.filename.split("site-packages/")[-1]
        return {
            "ok": False,
            "error_type": type(exc).__name__,
            "error": str(exc)[:300],
            "raised_at": f"{where}:{frame.lineno} in {frame.name}",
        }
    return {"ok": True}


def _build_with(spec: dict[str, Any], config: dict[str, Any]) -> Any:
    obs_space = space_from_json(spec["observation_space"])
    action_space = space_from_json(spec["action_space"])
    if spec["observation_space"]["space"] != "box":
        from ray.rllib.models import ModelCatalog

        obs_space = ModelCatalog.get_preprocessor_for_space(obs_space).observation_space
    cls = cases.PPOTorchPolicy if spec["policy"] == "ppo" else cases.BareTorchPolicy
    return cls(obs_space, action_space, config)


def _build_and_act(spec: dict[str, Any], config: dict[str, Any]) -> None:
    policy = _build_with(spec, config)
    obs = np.zeros(policy.observation_space.shape, dtype=np.float32)
    state = [np.asarray(s) for s in policy.get_initial_state()] or None
    policy.compute_single_action(obs, state=state)  # explore=None -> config["explore"]


def construction_probes(spec: dict[str, Any]) -> dict[str, Any]:
    """What happens when the config handed to the policy constructor is incomplete.

    * ``model_overrides_only``: ``config["model"]`` holds only the case's overrides
      (no ``MODEL_DEFAULTS`` merge), then one ``compute_single_action``.
    * ``without_<key>`` (bare policy only): one of ``cases.BARE_POLICY_CONFIG`` dropped.
    * ``stock_gymnasium_discrete_space`` (specs with ``discrete_n_as_python_int``): the full
      config with gymnasium's own ``Discrete`` (``n`` a ``numpy.int64``).
    """
    full = cases.policy_config(spec)
    probes: dict[str, Any] = {}
    partial = copy.deepcopy(full)
    partial["model"] = copy.deepcopy(spec.get("model", {}))
    probes["model_overrides_only"] = outcome(lambda: _build_and_act(spec, partial))
    if spec.get("discrete_n_as_python_int"):
        # The case's policy was built with Discrete.n cast to int; the stock space fails.
        probes["stock_gymnasium_discrete_space"] = outcome(lambda: _build_with(spec, full))
    if spec["policy"] == "bare":
        for key in cases.BARE_POLICY_CONFIG:
            reduced = {k: v for k, v in full.items() if k != key}
            probes[f"without_{key}"] = outcome(
                lambda reduced=reduced: _build_and_act(spec, reduced)
            )
    return probes


def recurrent_without_state_errors(
    policy: Any,
    obs: np.ndarray,
    prev_batch: dict[str, Any] | None = None,
    prev_single: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Recurrent policies called without state inputs (RLLIB_REFERENCE §5 says both raise).

    ``prev_batch`` / ``prev_single``: the ``prev_action(_batch)`` / ``prev_reward(_batch)``
    kwargs a model with prev inputs needs, so that only the state is missing. With them, the
    policy is also probed with state but without the prev inputs.
    """
    prev_batch, prev_single = prev_batch or {}, prev_single or {}
    probes = {
        "compute_actions_without_state_batches": outcome(
            lambda: policy.compute_actions(obs, explore=False, **prev_batch)
        ),
        "compute_single_action_without_state": outcome(
            lambda: policy.compute_single_action(obs[0], explore=False, **prev_single)
        ),
    }
    if prev_batch:
        states = [
            np.zeros((len(obs), *np.shape(s)), dtype=np.float32) for s in policy.get_initial_state()
        ]
        probes["compute_actions_without_prev_inputs"] = outcome(
            lambda: policy.compute_actions(obs, state_batches=states, explore=False)
        )
        probes["compute_single_action_without_prev_inputs"] = outcome(
            lambda: policy.compute_single_action(
                obs[0], state=[s[0] for s in states], explore=False
            )
        )
    return probes
