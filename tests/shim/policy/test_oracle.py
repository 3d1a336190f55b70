"""The shim's legacy Policy reproduces what real Ray 2.10 returned (fixtures/oracle, no Ray).

Ray's ``get_weights()`` output is loaded with ``set_weights`` and every recorded number is
compared at atol 1e-5; keys, key order, shapes and dtypes must match exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

ATOL = 1e-5


def _assert_call_matches(
    result: tuple, record: dict[str, Any], case: Any, *, values: bool = True
) -> None:
    actions, state_out, extra = result
    recorded_actions = record["actions"]
    assert np.asarray(actions).dtype == np.dtype(recorded_actions["dtype"])
    assert list(np.shape(actions)) == recorded_actions["shape"]
    if values and "values" in recorded_actions and "actions" not in record.get("random_keys", ()):
        np.testing.assert_allclose(actions, case.array(recorded_actions), atol=ATOL)
    assert isinstance(state_out, list)
    assert len(state_out) == len(record["state_out"])
    for got, rec in zip(state_out, record["state_out"]):
        assert got.dtype == np.dtype(rec["dtype"]) and list(got.shape) == rec["shape"]
        if "values" in rec:
            np.testing.assert_allclose(got, case.array(rec), atol=ATOL)
    assert isinstance(extra, dict)
    assert list(extra) == record["extra_fetch_keys_in_order"]
    for key, rec in record["extra_fetches"].items():
        got = np.asarray(extra[key])
        assert got.dtype == np.dtype(rec["dtype"]), key
        assert list(got.shape) == rec["shape"], key
        if values and "values" in rec and key not in record.get("random_keys", ()):
            np.testing.assert_allclose(got, case.array(rec), atol=ATOL, err_msg=key)


def _state(case: Any) -> Any:
    return case.state_in or None


def test_weights_keys_and_shapes_match_ray(oracle_case: Any, oracle_policy: Any) -> None:
    weights = oracle_policy.get_weights()
    recorded = oracle_case.data["weights"]["keys_in_order"]
    assert list(weights) == [k["name"] for k in recorded]
    for item in recorded:
        assert list(weights[item["name"]].shape) == item["shape"]
        assert str(weights[item["name"]].dtype) == item["dtype"]
        np.testing.assert_array_equal(weights[item["name"]], oracle_case.weights[item["name"]])


def test_model_structure_matches_ray(oracle_case: Any, oracle_policy: Any) -> None:
    model = oracle_case.data["model"]
    assert type(oracle_policy.model).__name__ == model["class"]
    assert [c.__name__ for c in type(oracle_policy.model).__mro__][
        : len(model["mro"]) - 2
    ] == model["mro"][:-2]
    assert oracle_policy.model.num_outputs == model["num_outputs"]
    assert list(oracle_policy.model.state_dict()) == model["state_dict_keys"]
    dist = oracle_policy.dist_class
    assert getattr(dist, "func", dist).__name__ == model["dist_class"]


def test_compute_actions_explore_false_matches_ray(oracle_case: Any, oracle_policy: Any) -> None:
    result = oracle_policy.compute_actions(
        oracle_case.obs, _state(oracle_case), explore=False, **oracle_case.prev_batch()
    )
    _assert_call_matches(result, oracle_case.data["compute_actions"]["explore_false"], oracle_case)


def test_compute_actions_explore_true_matches_ray_structure_and_logp(
    oracle_case: Any, oracle_policy: Any
) -> None:
    record = oracle_case.data["compute_actions"]["explore_true"]
    actions, state_out, extra = oracle_policy.compute_actions(
        oracle_case.obs, _state(oracle_case), explore=True, **oracle_case.prev_batch()
    )
    _assert_call_matches((actions, state_out, extra), record, oracle_case)
    # The random draw itself cannot match; its logp under the recorded inputs must.
    logp = oracle_policy.compute_log_likelihoods(
        actions, oracle_case.obs, _state(oracle_case), **oracle_case.prev_batch()
    )
    np.testing.assert_allclose(extra["action_logp"], logp.numpy(), atol=ATOL)
    np.testing.assert_allclose(extra["action_prob"], np.exp(extra["action_logp"]), atol=1e-6)


def test_explore_false_gives_logp_zero_prob_one(oracle_case: Any, oracle_policy: Any) -> None:
    _, _, extra = oracle_policy.compute_actions(
        oracle_case.obs, _state(oracle_case), explore=False, **oracle_case.prev_batch()
    )
    assert np.all(extra["action_logp"] == 0.0) and np.all(extra["action_prob"] == 1.0)


def test_compute_single_action_matches_ray(oracle_case: Any, oracle_policy: Any) -> None:
    state = [s[0] for s in oracle_case.state_in] or None
    for mode, explore in (("explore_false", False), ("explore_true", True)):
        record = oracle_case.data["compute_single_action"][mode]
        result = oracle_policy.compute_single_action(
            oracle_case.obs[0], state, explore=explore, **oracle_case.prev_single()
        )
        assert isinstance(result, tuple) and len(result) == 3
        _assert_call_matches(result, record, oracle_case, values=not explore)
        assert type(result[0]).__name__ == record["actions_type"]


def test_compute_log_likelihoods_matches_ray(oracle_case: Any, oracle_policy: Any) -> None:
    record = oracle_case.data["compute_log_likelihoods"]
    actions = oracle_case.array(oracle_case.data["compute_actions"]["explore_false"]["actions"])
    for flag in (True, False):
        logp = oracle_policy.compute_log_likelihoods(
            actions,
            oracle_case.obs,
            _state(oracle_case),
            in_training=flag,
            **oracle_case.prev_batch(),
        )
        assert isinstance(logp, torch.Tensor)
        np.testing.assert_allclose(
            logp.numpy(), oracle_case.array(record[f"in_training_{str(flag).lower()}"]), atol=ATOL
        )


def test_recurrent_api_matches_ray(oracle_case: Any, oracle_policy: Any) -> None:
    policy_record = oracle_case.data["policy"]
    assert oracle_policy.is_recurrent() is policy_record["is_recurrent"]
    assert oracle_policy.num_state_tensors() == policy_record["num_state_tensors"]
    initial = oracle_policy.get_initial_state()
    assert isinstance(initial, list) and len(initial) == len(policy_record["initial_state"])
    for got, rec in zip(initial, policy_record["initial_state"]):
        np.testing.assert_array_equal(got, oracle_case.array(rec))
    assert oracle_policy.config["explore"] is policy_record["config_effective"]["explore"]
    assert type(oracle_policy.exploration).__name__ == policy_record["exploration_class"]


def test_global_timestep_trace_matches_ray(oracle_case: Any, oracle_policy: Any) -> None:
    trace = oracle_case.data["policy"]["global_timestep_trace"]
    state1 = [s[0] for s in oracle_case.state_in] or None
    calls = [
        lambda: oracle_policy.compute_actions(
            oracle_case.obs, _state(oracle_case), explore=False, **oracle_case.prev_batch()
        ),
        lambda: oracle_policy.compute_actions(
            oracle_case.obs, _state(oracle_case), explore=True, **oracle_case.prev_batch()
        ),
        lambda: oracle_policy.compute_single_action(
            oracle_case.obs[0], state1, explore=False, **oracle_case.prev_single()
        ),
        lambda: oracle_policy.compute_single_action(
            oracle_case.obs[0], state1, explore=True, **oracle_case.prev_single()
        ),
    ]
    assert oracle_policy.global_timestep == trace[0]["global_timestep"]
    for call, step in zip(calls, trace[1:]):
        call()
        assert oracle_policy.global_timestep == step["global_timestep"], step["after"]


def test_state_view_requirements_match_ray(oracle_case: Any, oracle_policy: Any) -> None:
    recorded = oracle_case.data["policy"]["view_requirements"]
    # prev_actions / prev_rewards only where the model reads them (LSTM with prev inputs).
    check_prev = oracle_case.prev_actions is not None or oracle_case.prev_rewards is not None
    for key, rec in recorded.items():
        if key.startswith("state_") or (check_prev and key.startswith("prev_")):
            got = oracle_policy.view_requirements[key]
            assert (got.data_col, got.shift, got.batch_repeat_value) == (
                rec["data_col"],
                rec["shift"],
                rec["batch_repeat_value"],
            )
            assert got.used_for_compute_actions is rec["used_for_compute_actions"]


def test_raw_dict_observations_and_restored_obs_match_ray(
    oracle_case: Any, oracle_policy: Any
) -> None:
    """Dict obs: raw dicts are flattened like Ray's preprocessor; the model sees the same obs."""
    if oracle_case.obs_raw is None:
        pytest.skip("only the dict_obs case records raw observations")
    from shim.models.preprocessors import restore_original_dimensions

    record = oracle_case.data["compute_actions"]["explore_false"]
    _assert_call_matches(
        oracle_policy.compute_actions(oracle_case.obs_raw, explore=False), record, oracle_case
    )
    prep = oracle_case.data["preprocessor"]
    assert list(oracle_policy.observation_space.shape) == prep["shape"]
    restored = restore_original_dimensions(
        torch.as_tensor(oracle_case.obs), oracle_policy.observation_space
    )
    assert type(restored).__name__ == prep["restored_obs_type"]
    assert list(restored) == list(prep["restored_obs"])
    for key, rec in prep["restored_obs"].items():
        np.testing.assert_allclose(restored[key].numpy(), oracle_case.array(rec), atol=0)


def test_adapter_module_policy_matches_ray(oracle_case: Any) -> None:
    """The same numbers through the RLModule path: ModelV2RLModule + Policy.from_module."""
    from shim.adapters import ModelV2RLModule
    from shim.policy.policy import Policy

    module = ModelV2RLModule(
        observation_space=oracle_case.observation_space,
        action_space=oracle_case.action_space,
        model_config=oracle_case.data["model"]["config"],
    )
    module.set_state(oracle_case.weights)
    policy = Policy.from_module(module)
    obs = oracle_case.obs_raw if oracle_case.obs_raw is not None else oracle_case.obs
    record = oracle_case.data["compute_actions"]["explore_false"]
    actions, state_out, extra = policy.compute_actions(
        obs, _state(oracle_case), explore=False, **oracle_case.prev_batch()
    )
    np.testing.assert_allclose(actions, oracle_case.array(record["actions"]), atol=ATOL)
    for key in ("action_dist_inputs", "action_logp", "action_prob"):
        np.testing.assert_allclose(
            extra[key], oracle_case.array(record["extra_fetches"][key]), atol=ATOL
        )
    if "vf_preds" in record["extra_fetches"]:  # the module's value function is the PPO one
        np.testing.assert_allclose(
            extra["vf_preds"], oracle_case.array(record["extra_fetches"]["vf_preds"]), atol=ATOL
        )
    for got, rec in zip(state_out, record["state_out"]):
        np.testing.assert_allclose(got, oracle_case.array(rec), atol=ATOL)


def test_seeded_exploration_draws_match_ray_bit_for_bit(
    oracle_case: Any, oracle_policy: Any
) -> None:
    """Ray's explore=True call was recorded after torch.manual_seed(seed + 1); the shim draws
    from the same torch RNG in the same order, so the sampled actions are the same draws
    (identical for discrete actions; Gaussian samples within float32 rounding)."""
    record = oracle_case.data["compute_actions"]["explore_true"]
    torch.manual_seed(oracle_case.data["seed"] + 1)
    actions, _, extra = oracle_policy.compute_actions(
        oracle_case.obs, _state(oracle_case), explore=True, **oracle_case.prev_batch()
    )
    if actions.dtype.kind == "i":
        np.testing.assert_array_equal(actions, oracle_case.array(record["actions"]))
    else:
        np.testing.assert_allclose(actions, oracle_case.array(record["actions"]), atol=ATOL)
    np.testing.assert_allclose(
        extra["action_logp"], oracle_case.array(record["extra_fetches"]["action_logp"]), atol=ATOL
    )
