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


def test_run_directory_is_the_cases_folder_of_the_repository_and_is_left_afterwards(tmp_path, monkeypatch):
    """A policy whose constructor opens a relative path (``"models/agent.zip"``) is built in
    the folder the repository's scripts ran from: the case's ``run_dir`` under the repository's
    copy; without ``run_dir`` the working directory does not change."""
    import os
    from pathlib import Path

    entry = {"repo": "o/n", "path": "pkg/policy.py"}
    (tmp_path / "o+n" / "scripts").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    start = Path.cwd()
    with policy_harness.run_directory({"run_dir": ""}, Path("."), entry):
        assert Path.cwd() == (tmp_path / "o+n").resolve()
    with policy_harness.run_directory({"run_dir": "scripts"}, tmp_path, entry):
        assert Path.cwd() == (tmp_path / "o+n" / "scripts").resolve()
    assert Path.cwd() == start
    with pytest.raises(RuntimeError), policy_harness.run_directory({"run_dir": ""}, tmp_path, entry):
        raise RuntimeError("a failing build")
    assert Path.cwd() == start  # left on failure too
    with policy_harness.run_directory({}, tmp_path, entry):
        assert Path.cwd() == start
    assert policy_harness.run_dir({}, tmp_path, entry) is None
    for outside in ("..", "../other", os.sep + "tmp"):
        with pytest.raises(ValueError, match="inside the repository"):
            policy_harness.run_dir({"run_dir": outside}, tmp_path, entry)


def _input_dict_policy_classes():
    """A hand-written policy of our own that acts in its own ``compute_actions_from_input_dict``
    on episode columns its view requirements ask for, and one that only has ``compute_actions``
    (the shim's ``Policy`` must be installed)."""
    from ray.rllib.policy.policy import Policy
    from ray.rllib.policy.view_requirement import ViewRequirement

    class EpisodeIdEcho(Policy):
        def __init__(self, observation_space, action_space, config):
            super().__init__(observation_space, action_space, config)
            self.view_requirements["eps_id"] = ViewRequirement()
            self.view_requirements["t"] = ViewRequirement()

        def compute_actions_from_input_dict(self, input_dict, explore=None, timestep=None, **kwargs):
            actions = np.stack([input_dict["eps_id"], input_dict["t"]], axis=1)
            return actions, [np.asarray(input_dict["t"])[:, None]], {}

    class StateArray(Policy):
        def compute_actions(self, obs_batch, state_batches=None, **kwargs):
            return np.zeros(len(obs_batch), np.int64), np.ones((len(obs_batch), 1, 1)), {}

    return EpisodeIdEcho, StateArray


@given(seed=st.integers(0, 2**16))
def test_a_policy_overriding_the_input_dict_method_acts_through_it_on_seeded_episode_columns(seed):
    """The worker's call: an overridden ``compute_actions_from_input_dict`` gets the episode
    columns its view requirements name (seeded, replayable), and acts on them."""
    from shim import ray_compat

    ray_compat.install()
    try:
        from ray.rllib.models.catalog import MODEL_DEFAULTS as SHIM_DEFAULTS

        echo_cls, plain_cls = _input_dict_policy_classes()
        case = {"obs_space": "Box(-1, 1, (2,))", "action_space": "Box(-inf, inf, (2,))"}
        config = policy_harness.merge_config({}, {}, SHIM_DEFAULTS)
        echo, prep, _ = policy_harness.build_policy(echo_cls, case, config)
        assert policy_harness.overrides_input_dict(echo)
        columns = policy_harness.input_columns(echo, 3, seed)
        # the Policy's default view requirements add agent_index and unroll_id, as Ray's do
        assert {"eps_id", "t"} <= set(columns) and "env_id" not in columns
        assert all(np.array_equal(v, policy_harness.input_columns(echo, 3, seed)[k]) for k, v in columns.items())
        obs = policy_harness.observations(prep, [np.zeros(2, np.float32)] * 3)
        out = policy_harness.act(echo, obs, None, seed, columns=columns)
        assert out["actions"].tolist() == np.stack([columns["eps_id"], columns["t"]], axis=1).tolist()
        assert out["state_out/0"].ravel().tolist() == columns["t"].tolist()
        plain, _, _ = policy_harness.build_policy(plain_cls, case, config)
        assert not policy_harness.overrides_input_dict(plain)
        assert policy_harness.input_columns(plain, 3, seed) == {}
        # an array state out is enumerated by its first axis, as the 2.10 sampler did
        assert sorted(policy_harness.act(plain, obs, None, seed)) == [
            "actions", "state_out/0", "state_out/1", "state_out/2"]
    finally:
        ray_compat.uninstall()


def test_register_models_registers_the_cases_action_distributions_too(tmp_path):
    """A case's ``register`` names an action distribution of the repository (what a training
    script registered with ``ModelCatalog.register_custom_action_dist``): it resolves from the
    repository's root, so a config's ``custom_action_dist`` finds it."""
    import sys

    from shim import ray_compat

    (tmp_path / "my_dists_for_case.py").write_text(
        "from ray.rllib.models.torch.torch_action_dist import TorchCategorical\n"
        "class MyCategorical(TorchCategorical):\n    pass\n")
    ray_compat.install()
    try:
        from ray.rllib.models import ModelCatalog

        policy_harness.register_models(
            {"register": {"my_cat": "my_dists_for_case.MyCategorical"}}, tmp_path)
        dist, width = ModelCatalog.get_action_dist(gym.spaces.Discrete(3), {"custom_action_dist": "my_cat"})
        assert dist.__name__ == "MyCategorical" and dist.__module__ == "my_dists_for_case"
        assert str(tmp_path) not in sys.path
    finally:
        sys.modules.pop("my_dists_for_case", None)
        ray_compat.uninstall()


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


def test_seed_spaces_makes_draws_from_a_wrapped_models_own_space_repeat():
    """A policy (or the module it wraps) sampling a space made in its constructor: seeded with
    the action space, the recording repeats run to run (StatefulRandomPolicy's state outs)."""

    class Model:
        def __init__(self):
            self.state_space = gym.spaces.Box(-1.0, 1.0, (1,))

    class Holder:
        def __init__(self):
            self.action_space = gym.spaces.Discrete(5)
            self.model = Model()

    draws = []
    for _ in range(2):
        holder = Holder()  # fresh spaces: their generators start from OS entropy
        policy_harness.seed_spaces(holder, 7)
        draws.append((holder.action_space.sample(), holder.model.state_space.sample()))
    assert draws[0][0] == draws[1][0] and np.array_equal(draws[0][1], draws[1][1])
