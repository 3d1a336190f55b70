"""tools/corpus/policy_harness.py: config merging, output flattening and a shim policy run end
to end (the same code the Ray 2.10 recorder runs), without corpus files."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import policy_harness
import pytest
from hypothesis import given
from hypothesis import strategies as st

MODEL_DEFAULTS = {"fcnet_hiddens": [256, 256], "custom_model": None, "max_seq_len": 20}


def test_merge_config_puts_the_case_over_the_algorithm_and_merges_model_keys():
    defaults = {"lr": 5e-5, "gamma": 0.99, "model": {**MODEL_DEFAULTS, "vf_share_layers": False}}
    case = {"lr": 1e-3, "model": {"custom_model": "m", "fcnet_hiddens": [8]}}
    config = policy_harness.merge_config(defaults, case, MODEL_DEFAULTS)
    assert config["lr"] == 1e-3 and config["gamma"] == 0.99
    assert config["model"] == {"fcnet_hiddens": [8], "custom_model": "m", "max_seq_len": 20,
                               "vf_share_layers": False}
    assert defaults["model"]["fcnet_hiddens"] == [256, 256] and case["model"]["fcnet_hiddens"] == [8]
    bare = policy_harness.merge_config({}, {"epsilon": 0.1}, MODEL_DEFAULTS)
    assert bare == {"epsilon": 0.1, "model": MODEL_DEFAULTS}


def test_preprocessor_disabled_top_level_or_in_the_model():
    assert policy_harness.preprocessor_disabled({"_disable_preprocessor_api": True, "model": {}})
    assert policy_harness.preprocessor_disabled({"model": {"_disable_preprocessor_api": True}})
    assert not policy_harness.preprocessor_disabled({"model": {}})


def test_algorithm_defaults_without_an_algorithm_or_for_one_ray_dropped():
    assert policy_harness.algorithm_defaults(None, "torch") == {}
    with pytest.raises(ValueError, match="DDPG"):
        policy_harness.algorithm_defaults("DDPG", "torch")


def test_policy_id_is_filename_safe_and_distinct_from_class_ids():
    entry = {"repo": "o/n", "path": "a/b.py"}
    assert policy_harness.policy_id(entry, {"name": "P"}) == "policy__o+n__a.b__P"


@given(st.lists(st.integers(0, 5), min_size=1, max_size=4))
def test_leaves_flattens_nested_outputs_and_drops_non_numeric(actions):
    out = policy_harness.leaves(
        {"b": np.ones((2, 3), np.float32), "a": (np.arange(2), {"x": [1.5, 2.5]}), "info": "text",
         "objs": [object()]}, "extra")
    assert sorted(out) == ["extra/a/0", "extra/a/1/x", "extra/b"]
    assert out["extra/a/1/x"].tolist() == [1.5, 2.5]
    listed = policy_harness.leaves(actions, "actions")["actions"]
    assert listed.tolist() == actions
    dicts = policy_harness.leaves([{"a": 1}, {"a": 2}], "actions")
    assert dicts == {"actions/0/a": np.asarray(1), "actions/1/a": np.asarray(2)}


def test_observations_stack_preprocessed_or_raw_rows():
    class Prep:
        def transform(self, row):
            return np.asarray(row, np.float64) * 2

    stacked = policy_harness.observations(Prep(), [[1, 2], [3, 4]])
    assert stacked.dtype == np.float32 and stacked.tolist() == [[2, 4], [6, 8]]
    assert policy_harness.observations(None, [3, 1]).tolist() == [3, 1]
    rows = [{"a": 1}, {"a": 2}]
    assert policy_harness.observations(None, rows) is rows


def test_a_shim_policy_builds_acts_and_computes_its_loss_as_the_recorder_does():
    """The recorder's path on the shim: build a PPO policy with a case, act twice with the same
    seed (same outputs), build a train batch and take the loss with its tower stats."""
    from shim import ray_compat

    ray_compat.install()
    try:
        from ray.rllib.algorithms.ppo.ppo_torch_policy import PPOTorchPolicy
        from ray.rllib.models.catalog import MODEL_DEFAULTS as SHIM_DEFAULTS

        case = {"obs_space": "Discrete(5)", "action_space": "Discrete(2)"}
        config = policy_harness.merge_config({}, {"model": {"fcnet_hiddens": [8]}}, SHIM_DEFAULTS)
        policy, prep, raw_space = policy_harness.build_policy(PPOTorchPolicy, case, config)
        assert isinstance(raw_space, gym.spaces.Discrete) and policy.observation_space.shape == (5,)
        obs = policy_harness.observations(prep, [0, 3, 4, 1])
        assert obs.shape == (4, 5) and obs.sum() == 4  # one-hot, as a worker fed it
        first = policy_harness.act(policy, obs, None, 1)
        assert first.keys() >= {"actions", "extra/action_dist_inputs", "extra/vf_preds"}
        again = policy_harness.act(policy, obs, None, 1)
        assert all(np.array_equal(first[k], again[k]) for k in first)
        columns = policy_harness.train_batch(policy, obs, 2)
        assert {"/obs", "/actions", "/action_logp", "/action_dist_inputs", "/rewards"} <= set(columns)
        # the shim's PPO postprocessing adds no GAE columns (Ray's does): give them here
        columns.update({"/advantages": np.ones(4, np.float32), "/value_targets": np.zeros(4, np.float32)})
        losses = policy_harness.loss(policy, columns, 3)
        assert losses["loss"].shape == () and np.isfinite(losses["loss"])
        assert float(losses["stats/total_loss"]) == pytest.approx(float(losses["loss"]))
    finally:
        ray_compat.uninstall()


@given(user=st.dictionaries(st.sampled_from(["fcnet_hiddens", "vf_share_layers", "max_seq_len"]),
                            st.integers(0, 4), max_size=3))
def test_algorithm_model_config_is_defaults_then_the_algorithms_then_the_users(user):
    case = {"algorithm": "PPO", "config": {"model": user}}
    model = policy_harness.algorithm_model_config(case, MODEL_DEFAULTS)
    assert model == {**MODEL_DEFAULTS, "vf_share_layers": False, **user}
    assert policy_harness.algorithm_model_config({"config": {"model": user}}, MODEL_DEFAULTS) == {
        **MODEL_DEFAULTS, **user}  # DQN, SAC, ... and no algorithm: MODEL_DEFAULTS only
    assert "vf_share_layers" not in MODEL_DEFAULTS  # the defaults are not written into


def test_algorithm_model_defaults_are_what_the_shims_ppo_config_holds():
    from shim.models.model_defaults import MODEL_DEFAULTS as SHIM_DEFAULTS
    from shim.policy.ppo import PPOConfig

    case = {"algorithm": "PPO", "config": {}}
    assert policy_harness.algorithm_model_config(case, SHIM_DEFAULTS) == PPOConfig().to_dict()["model"]


@given(rows=st.integers(1, 4), sizes=st.lists(st.integers(1, 3), min_size=1, max_size=3))
def test_collected_actions_flatten_nested_actions_per_row_in_sorted_key_order(rows, sizes):
    """A 2.10 AgentCollector stored a Dict action as one vector per timestep (its
    ``flatten_to_single_ndarray``: leaves in sorted-key order), so the train batch a
    postprocessing or loss sees has a 2-D ``actions`` column."""
    keys = [f"{i}_k" for i in range(len(sizes))][::-1]  # inserted out of order
    actions = {k: np.arange(rows * n, dtype=np.float32).reshape(rows, n) + 10 * i
               for i, (k, n) in enumerate(zip(keys, sizes))}
    column = policy_harness.collected_actions(actions, rows, {})
    assert column.shape == (rows, sum(sizes))
    for r in range(rows):
        assert column[r].tolist() == np.concatenate([actions[k][r] for k in sorted(actions)]).tolist()
    kept = policy_harness.collected_actions(actions, rows, {"_disable_action_flattening": True})
    assert kept.dtype == object  # left as the worker left it: not flattened
    flat = np.arange(rows, dtype=np.int64)
    assert policy_harness.collected_actions(flat, rows, {}).tolist() == flat.tolist()


def test_register_models_registers_an_action_distribution_as_a_custom_action_dist():
    """A case's ``register`` may name a ``custom_action_dist`` the repository registers in its
    training script: an ActionDistribution subclass goes to ``register_custom_action_dist``."""
    from shim import ray_compat

    ray_compat.install()
    try:
        from ray.rllib.models import ModelCatalog
        from ray.rllib.models.catalog import MODEL_DEFAULTS as SHIM_DEFAULTS

        case = {"register": {"my_dist": "shim.models.action_dist.TorchCategorical",
                             "my_net": "shim.models.fcnet.FullyConnectedNetwork"}}
        policy_harness.register_models(case, None)
        space = gym.spaces.Discrete(3)
        dist, _ = ModelCatalog.get_action_dist(space, {**SHIM_DEFAULTS, "custom_action_dist": "my_dist"},
                                               framework="torch")
        assert dist.__name__ == "TorchCategorical"
        model = ModelCatalog.get_model_v2(gym.spaces.Box(-1, 1, (2,)), space, 3,
                                          {**SHIM_DEFAULTS, "custom_model": "my_net"}, "torch")
        assert type(model).__name__ == "FullyConnectedNetwork"
    finally:
        ray_compat.uninstall()
