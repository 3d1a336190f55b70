"""Generated ``<Policy>RLModule`` classes act like their legacy policies (golden fixtures).

The legacy side is the policy the shim builds (``ray.rllib`` names through ``shim.ray_compat``),
the migrated side the golden rewrite, with the legacy weights transferred (by name, or through
the default-model map for a policy on RLlib's default model).
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlmigrate.testing.compare import EquivalenceError
from rlmigrate.testing.equivalence import assert_equivalent
from rlmigrate.testing.loading import load_reference

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
LEGACY, EXPECTED = FIXTURES / "legacy", FIXTURES / "expected"


def _pair(file: str, policy: str) -> tuple[type, type]:
    legacy, _ = load_reference(f"{LEGACY / file}:{policy}", legacy=True)
    migrated, _ = load_reference(f"{EXPECTED / file}:{policy}RLModule", legacy=True)
    return legacy, migrated


observation_spaces = st.one_of(
    st.integers(1, 6).map(lambda n: gym.spaces.Box(-1.0, 1.0, (n,), np.float32)),
    st.integers(2, 5).map(gym.spaces.Discrete),
    st.just(gym.spaces.Dict({"pos": gym.spaces.Box(-1.0, 1.0, (2,), np.float32), "mode": gym.spaces.Discrete(3)})),
)
action_spaces = st.one_of(
    st.integers(2, 5).map(gym.spaces.Discrete),
    st.integers(1, 3).map(lambda n: gym.spaces.Box(-1.0, 1.0, (n,), np.float32)),
    st.just(gym.spaces.MultiDiscrete([2, 3])),
)
model_configs = st.fixed_dictionaries(
    {"fcnet_hiddens": st.lists(st.integers(1, 12), min_size=1, max_size=2)},
    optional={"fcnet_activation": st.sampled_from(["tanh", "relu"]), "vf_share_layers": st.booleans()},
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obs=observation_spaces, act=action_spaces, model_config=model_configs, explore=st.booleans())
def test_ppo_subclass_on_the_default_model_acts_like_the_policy(obs, act, model_config, explore):
    legacy, migrated = _pair("policy_ppo_subclass.py", "ClippedAdvantagePPOPolicy")
    report = assert_equivalent(legacy, migrated, observation_space=obs, action_space=act,
                               model_config=model_config, explore=explore, examples=8)
    assert {"action_dist_inputs", "actions", "logp", "values"} <= set(report.compared)


def test_the_legacy_value_layout_is_what_makes_the_weights_fit():
    """Without the generated __init__ (PPO's separate value layers), the new stack's shared
    default cannot hold the legacy FCNet's weights: verify says so instead of passing."""
    legacy, migrated = _pair("policy_ppo_subclass.py", "ClippedAdvantagePPOPolicy")
    plain = migrated.__mro__[1]  # PPOTorchRLModule itself
    with pytest.raises(EquivalenceError, match="do not line up"):
        assert_equivalent(legacy, plain, observation_space=gym.spaces.Box(-1.0, 1.0, (3,), np.float32),
                          action_space=gym.spaces.Discrete(2), model_config={"fcnet_hiddens": [4]}, examples=4)


@pytest.mark.parametrize("explore", [False, True])
@pytest.mark.parametrize("act", [gym.spaces.Discrete(3), gym.spaces.Box(-1.0, 1.0, (2,), np.float32)], ids=str)
def test_template_on_the_default_model_acts_like_the_policy_without_values(act, explore):
    legacy, migrated = _pair("policy_default_model.py", "ReinforcePolicy")
    report = assert_equivalent(legacy, migrated, observation_space=gym.spaces.Box(-1.0, 1.0, (5,), np.float32),
                               action_space=act, model_config={"fcnet_hiddens": [8]}, explore=explore, examples=20)
    # a template without a value mixin reports no vf_preds: values are not compared
    assert "values" not in report.compared and "actions" in report.compared


@pytest.mark.parametrize("explore", [False, True])
def test_policy_on_a_model_registered_in_another_file_acts_like_it(explore):
    obs, act = gym.spaces.Box(-1.0, 1.0, (5,), np.float32), gym.spaces.Discrete(3)
    legacy, _ = load_reference(f"{LEGACY / 'policy_registered_model.py'}:RegisteredNetPolicy", legacy=True)
    # built before the rewrite is loaded: that one registers its own class under the same name
    policy = legacy(obs, act, {"model": {"custom_model": "registered_net"}})
    migrated, _ = load_reference(f"{EXPECTED / 'policy_registered_model.py'}:RegisteredNetPolicyRLModule", legacy=True)
    assert migrated.__mro__[1].__name__ == "RegisteredNet"
    report = assert_equivalent(policy, migrated, observation_space=obs, action_space=act,
                               model_config={"custom_model": "registered_net"}, explore=explore, examples=30)
    assert {"actions", "logp", "values"} <= set(report.compared)


@pytest.mark.parametrize("explore", [False, True])
def test_a_policy_whose_model_hands_its_input_dict_to_an_inner_network_acts_like_it_on_discrete_obs(explore):
    """The inner legacy network was built on the one-hot space and read obs_flat: the module
    builds it on legacy_observation_space() and gives it legacy_forward_args()'s input dict."""
    obs, act = gym.spaces.Discrete(5), gym.spaces.Discrete(3)
    model = {"custom_model": "peer_critic_net", "fcnet_hiddens": [8]}
    legacy, _ = load_reference(f"{LEGACY / 'central_critic_discrete_obs.py'}:PeerCriticPolicy", legacy=True)
    policy = legacy(obs, act, {"model": model})  # built before the rewrite re-registers the name
    migrated, _ = load_reference(f"{EXPECTED / 'central_critic_discrete_obs.py'}:PeerCriticPolicyRLModule",
                                 legacy=True)
    report = assert_equivalent(policy, migrated, observation_space=obs, action_space=act, model_config=model,
                               explore=explore, examples=20)
    assert {"actions", "values"} <= set(report.compared)


@pytest.fixture
def module_registry(monkeypatch):
    """rlmigrate's custom_model / custom_action_dist names, empty for the test and restored after."""
    from rlmigrate.core import custom_models

    monkeypatch.setattr(custom_models, "_MODULES", {})
    monkeypatch.setattr(custom_models, "_ACTION_DISTS", {})
    return custom_models


@pytest.mark.parametrize("explore", [False, True])
@pytest.mark.parametrize("name, model_class, extra", [
    ("gated_net", "GatedNet", {"custom_model_config": {"width": 8}}),
    ("wide_net", "WideNet", {}),
])
def test_a_policy_on_the_model_its_run_config_names_acts_like_it_with_each_model(module_registry, name, model_class,
                                                                                extra, explore):
    """The policy file names no model: the experiment config does, and the training script registers
    the class by that name. The generated module resolves the same name, registered for the
    migrated model, so one module class follows whichever model the run's config names."""
    obs, act = gym.spaces.Box(-1.0, 1.0, (5,), np.float32), gym.spaces.Discrete(3)
    nets, _ = load_reference(f"{LEGACY / 'policy_run_config_nets.py'}:register_run_models", legacy=True)
    model = {"custom_model": name, **extra}
    nets({"model": model})  # what the legacy training script did with its YAML config
    legacy, _ = load_reference(f"{LEGACY / 'policy_run_config.py'}:RunConfigPolicy", legacy=True)
    policy = legacy(obs, act, {"model": model})
    migrated_model, _ = load_reference(f"{EXPECTED / 'policy_run_config_nets.py'}:{model_class}", legacy=True)
    module_registry.register_custom_module(name, migrated_model)  # the migrated training script's part
    migrated, _ = load_reference(f"{EXPECTED / 'policy_run_config.py'}:RunConfigPolicyRLModule", legacy=True)
    report = assert_equivalent(policy, migrated, observation_space=obs, action_space=act, model_config=model,
                               explore=explore, examples=20)
    assert {"actions", "values"} <= set(report.compared)


def test_a_run_config_model_that_nobody_registered_for_the_new_stack_is_named_not_replaced(module_registry):
    """Without the migrated registration the module must not fall back to the default model
    (the legacy policy never ran on it): building it names the missing register call."""
    migrated, _ = load_reference(f"{EXPECTED / 'policy_run_config.py'}:RunConfigPolicyRLModule", legacy=True)
    with pytest.raises(ValueError, match=r"register_custom_module\('gated_net'"):
        migrated(observation_space=gym.spaces.Box(-1.0, 1.0, (5,), np.float32), action_space=gym.spaces.Discrete(3),
                 model_config={"custom_model": "gated_net"})


def test_without_a_custom_model_the_run_config_policy_module_is_the_default_model(module_registry):
    migrated, _ = load_reference(f"{EXPECTED / 'policy_run_config.py'}:RunConfigPolicyRLModule", legacy=True)
    module = migrated(observation_space=gym.spaces.Box(-1.0, 1.0, (5,), np.float32),
                      action_space=gym.spaces.Discrete(3), model_config={"fcnet_hiddens": [8]})
    assert type(module) is migrated
