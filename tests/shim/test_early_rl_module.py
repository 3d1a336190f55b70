"""Ray 2.10's early new-stack RLModule, served by the shim for legacy policies that wrap one
(``ray.rllib.core.rl_module``): built from an ``RLModuleConfig``, extending the policy's view
requirements, acting through ``forward_exploration`` (fixture: legacy_models/wrapped_module_policy.py)."""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

FIXTURE = Path(__file__).resolve().parent / "legacy_models" / "wrapped_module_policy.py"


@pytest.fixture(scope="module")
def fixture_module(ray_aliases: None):
    spec = importlib.util.spec_from_file_location("shim_fixture_wrapped_module_policy", FIXTURE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def _policy(fixture_module):
    return fixture_module.WrappingPolicy(gym.spaces.Box(-1, 1, (2,)), gym.spaces.Discrete(2), {})


def test_the_module_keeps_its_config_and_reads_it_without_warnings(fixture_module):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        policy = _policy(fixture_module)
    from ray.rllib.core.rl_module.rl_module import RLModuleConfig

    assert isinstance(policy.model.config, RLModuleConfig)
    assert policy.model.config.action_space is policy.action_space
    assert policy.model.start == 5.0  # setup() read self.config.model_config_dict


def test_a_stateful_module_adds_its_state_and_previous_action_columns(fixture_module):
    policy = _policy(fixture_module)
    requirements = policy.view_requirements
    state_in, state_out = requirements["state_in"], requirements["state_out"]
    assert state_in.data_col == "state_out" and state_in.shift == -1
    assert state_in.batch_repeat_value == 8 and state_out.used_for_compute_actions is False
    assert isinstance(state_in.space, gym.spaces.Dict)
    assert state_in.space["left"].shape == (1,) and state_in.space["left"].dtype == np.float32
    prev = requirements["prev_actions"]  # lstm_use_prev_action=True in the module's config
    assert prev.data_col == "actions" and prev.shift == -1 and prev.used_for_compute_actions


def test_the_policy_acts_through_the_module(fixture_module):
    from ray.rllib.policy.sample_batch import SampleBatch

    policy = _policy(fixture_module)
    obs = np.array([[0.5, 0.0], [-0.5, 0.0], [0.1, 1.0]], np.float32)
    actions, state, extra = policy.compute_actions_from_input_dict(SampleBatch({"obs": obs}))
    assert actions.tolist() == [1, 0, 1]
    assert state[0].shape == (3, 1) and (state[0] == 4.0).all()
    assert extra["noise"].shape == (3, 1)


def test_2_10_semantics_where_they_differ_from_todays(fixture_module):
    from ray.rllib.core.rl_module.rl_module import RLModule, RLModuleConfig

    class NoHooks(RLModule):
        pass

    with pytest.raises(TypeError, match="abstract"):
        NoHooks(RLModuleConfig())  # 2.10's hooks are abstract: no _forward fallback
    with pytest.raises(TypeError, match="takes an RLModuleConfig"):
        fixture_module.SignModule(observation_space=gym.spaces.Box(-1, 1, (2,)))

    class ListState(fixture_module.SignModule):
        def is_stateful(self):
            return RLModule.is_stateful(self)

        def get_initial_state(self):
            return [np.zeros(1)]

    with pytest.raises(AssertionError, match="must be a dict"):
        ListState(RLModuleConfig(action_space=gym.spaces.Discrete(2), model_config_dict={})).is_stateful()


def test_batch_stacks_rows_leaf_by_leaf(ray_aliases):
    from ray.rllib.utils.spaces.space_utils import batch

    out = batch([{"a": np.zeros(2), "b": (1, 2.0)}, {"a": np.ones(2), "b": (3, 4.0)}])
    assert out["a"].shape == (2, 2) and out["b"][0].tolist() == [1, 3]
    assert batch([np.zeros((1, 2)), np.ones((2, 2))], individual_items_already_have_batch_dim=True).shape == (3, 2)
    with pytest.raises(ValueError, match="does not contain any items"):
        batch([])
