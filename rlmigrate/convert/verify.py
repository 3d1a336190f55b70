"""``convert-checkpoint --verify``: the converted module acts like the legacy policy.

The legacy side is rebuilt by the shim from the same checkpoint: a legacy
``PPOTorchPolicy`` with the checkpoint's model config and weights (a custom model needs its
legacy class, registered under the checkpoint's ``custom_model`` name). Both sides then meet
in :func:`rlmigrate.testing.assert_equivalent` without any weight transfer, greedy and
exploring, on generated observations.

RLlib's default LSTM keeps its state as the list ``[h, c]`` of ``(B, cell)`` arrays, the new
stack's default module as ``{"h", "c"}`` of ``(B, 1, cell)``; the equivalence kit compares
states leaf by leaf, so for that case :func:`_verify_default_lstm` steps both sides itself
over seeded observation sequences, translating the state layout between them, and compares
dist inputs, greedy actions, values and both state outs at every step.
"""

from __future__ import annotations

from typing import Any

from rlmigrate.convert.ray_checkpoint import LegacyPolicyState

__all__ = ["legacy_policy", "verify_converted"]


def legacy_policy(state: LegacyPolicyState, legacy_model: type | None = None) -> Any:
    """The shim's legacy ``PPOTorchPolicy`` for ``state``, holding its weights."""
    from shim.models.catalog import ModelCatalog
    from shim.policy.ppo import PPOTorchPolicy

    model_config = dict(state.model_config)
    name = model_config.get("custom_model")
    if name:
        if legacy_model is None:
            raise ValueError(
                f"the checkpoint's model is the custom model {name!r}: pass --legacy-model "
                "FILE:Class (its legacy ModelV2 class) to verify against it"
            )
        ModelCatalog.register_custom_model(name, legacy_model)
    policy = PPOTorchPolicy(
        state.observation_space, state.action_space, {"model": model_config}
    )
    policy.set_weights(state.weights)
    return policy


def verify_converted(
    state: LegacyPolicyState, module: Any, legacy_model: type | None = None, *, examples: int = 200
) -> str:
    """Asserts greedy and exploring equivalence; returns a one-line summary.

    Raises:
        EquivalenceError: the module computes something else (the shrunk input and quantity).
    """
    from rlmigrate.testing.equivalence import assert_equivalent

    policy = legacy_policy(state, legacy_model)
    if state.model_config.get("use_lstm") and not state.model_config.get("custom_model"):
        return _verify_default_lstm(policy, module, state, examples=examples)
    reports = [
        assert_equivalent(
            policy,
            module,
            observation_space=state.observation_space,
            action_space=state.action_space,
            transfer=False,
            explore=explore,
            examples=examples,
        )
        for explore in (False, True)
    ]
    compared = sorted({q for report in reports for q in report.compared})
    return f"{examples} greedy + {examples} exploring examples ({', '.join(compared)})"


def _verify_default_lstm(policy: Any, module: Any, state: LegacyPolicyState, *, examples: int) -> str:
    """Steps the legacy LSTM policy and the default LSTM module side by side (greedy)."""
    import numpy as np

    from rlmigrate.acting import compute_actions
    from rlmigrate.core.columns import Columns
    from rlmigrate.testing.compare import Difference, EquivalenceError

    space = state.observation_space
    rng = np.random.default_rng(0)
    steps = 4
    for example in range(examples):
        batch = int(rng.integers(1, 9))
        space.seed(int(rng.integers(1 << 31)))
        legacy_state = [np.repeat(np.asarray(s)[None], batch, 0) for s in policy.get_initial_state()]
        for t in range(steps):
            obs = np.stack([space.sample() for _ in range(batch)]).astype(np.float32)
            actions, legacy_out, extra = policy.compute_actions(
                obs, state_batches=legacy_state, explore=False
            )
            h, c = legacy_state
            out = compute_actions(
                module, obs, explore=False, state={"h": h[:, None, :], "c": c[:, None, :]}
            )
            module_out = out[Columns.STATE_OUT]
            pairs = {
                "action_dist_inputs": (extra["action_dist_inputs"], out[Columns.ACTION_DIST_INPUTS]),
                "actions": (actions, out[Columns.ACTIONS]),
                "state_out[h]": (legacy_out[0], np.asarray(module_out["h"])[:, 0]),
                "state_out[c]": (legacy_out[1], np.asarray(module_out["c"])[:, 0]),
            }
            for name, (left, right) in pairs.items():
                left_a = np.asarray(left, dtype=np.float64).reshape(batch, -1)
                right_a = np.asarray(right, dtype=np.float64).reshape(batch, -1)
                if not np.allclose(left_a, right_a, atol=1e-5, rtol=1e-5):
                    worst = float(np.max(np.abs(left_a - right_a)))
                    raise EquivalenceError(
                        f"{name} differs at example {example}, step {t + 1} (batch {batch}): "
                        f"max abs difference {worst:g}",
                        difference=Difference(name, f"{name} differs", max_abs=worst),
                        example={"obs": obs, "state_in": legacy_state},
                    )
            legacy_state = [np.asarray(s) for s in legacy_out]
    return f"{examples} greedy sequences of {steps} steps (action_dist_inputs, actions, state)"
