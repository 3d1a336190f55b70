"""Legacy model/policy files (tests/shim/legacy_models/, written against ``ray.rllib``) run
unmodified through ``shim`` Policies for both explore values, and through the adapters."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.testing.strategies import observations
from shim.adapters import (
    ModelV2RLModule,
    module_from_action_sampler_fn,
    module_from_make_model,
    module_from_policy,
)
from shim.policy.policy import Policy
from shim.policy.ppo import PPOTorchPolicy
from shim.policy.torch_policy_v2 import TorchPolicyV2

BOX = gym.spaces.Box(-1.0, 1.0, (5,), np.float32)
IMAGE = gym.spaces.Box(0.0, 1.0, (8, 8, 3), np.float32)
DISCRETE = gym.spaces.Discrete(4)
MASKED = gym.spaces.Dict(
    {"action_mask": gym.spaces.Box(0.0, 1.0, (4,), np.float32), "observations": BOX}
)

# name -> (legacy file, obs space, action space, model config)
CASES: dict[str, tuple[str, gym.Space, gym.Space, dict]] = {
    "mlp": (
        "mlp_model",
        BOX,
        DISCRETE,
        {"custom_model": "shim_test_mlp", "custom_model_config": {"hidden": 16}},
    ),
    "mlp_box_actions": (
        "mlp_model",
        BOX,
        gym.spaces.Box(-2.0, 2.0, (3,), np.float32),
        {"custom_model": "shim_test_mlp"},
    ),
    "cnn": ("cnn_model", IMAGE, DISCRETE, {"custom_model": "shim_test_cnn"}),
    "lstm": (
        "lstm_model",
        BOX,
        DISCRETE,
        {"custom_model": "shim_test_lstm", "custom_model_config": {"cell_size": 6}},
    ),
    "action_mask": (
        "action_mask_model",
        MASKED,
        DISCRETE,
        {"custom_model": "shim_test_action_mask", "fcnet_hiddens": [16]},
    ),
    "custom_dist": (
        "custom_dist",
        BOX,
        DISCRETE,
        {"custom_model": "shim_test_mlp", "custom_action_dist": "shim_test_sharp"},
    ),
}
SETTINGS = settings(max_examples=8, deadline=None)


def _obs_strategy(space: gym.Space) -> st.SearchStrategy[Any]:
    if space is MASKED:

        def with_valid_mask(batch: dict) -> dict:
            mask = (batch["action_mask"] > 0.5).astype(np.float32)
            mask[:, 0] = 1.0  # at least one legal action per row
            return {"action_mask": mask, "observations": batch["observations"]}

        return observations(space, batch_size=st.integers(1, 4)).map(with_valid_mask)
    return observations(space, batch_size=st.integers(1, 4))


def _policy(load_legacy: Any, case: str) -> Any:
    file, obs_space, act_space, model = CASES[case]
    load_legacy("mlp_model")  # custom_dist pairs the MLP with its distribution
    load_legacy(file)
    torch.manual_seed(0)
    return PPOTorchPolicy(obs_space, act_space, {"model": dict(model)})


def _rows(actions: Any) -> int:
    return int(np.shape(actions)[0])


@pytest.mark.parametrize("case", sorted(CASES))
def test_legacy_model_runs_through_policy_for_both_explore_values(
    case: str, load_legacy: Any
) -> None:
    policy = _policy(load_legacy, case)
    _, obs_space, act_space, _ = CASES[case]

    @SETTINGS
    @given(obs=_obs_strategy(obs_space), explore=st.booleans())
    def check(obs: Any, explore: bool) -> None:
        batch = len(next(iter(obs.values()))) if isinstance(obs, dict) else len(obs)
        actions, state_out, extra = policy.compute_actions(obs, explore=explore)
        assert _rows(actions) == batch
        if isinstance(act_space, gym.spaces.Discrete):
            assert all(act_space.contains(int(a)) for a in np.asarray(actions))
        else:  # legacy Policy never clips/unsquashes Box actions (RLLIB_REFERENCE §5)
            assert np.asarray(actions).shape == (batch,) + act_space.shape
            assert np.asarray(actions).dtype == np.float32
        assert list(extra) == ["vf_preds", "action_dist_inputs", "action_prob", "action_logp"]
        assert all(v.dtype == np.float32 and v.shape[0] == batch for v in extra.values())
        if isinstance(act_space, gym.spaces.Discrete):
            assert np.asarray(actions).dtype == np.int32
        if not explore:
            assert np.all(extra["action_logp"] == 0.0) and np.all(extra["action_prob"] == 1.0)
        np.testing.assert_allclose(extra["action_prob"], np.exp(extra["action_logp"]), rtol=1e-6)
        assert len(state_out) == policy.num_state_tensors()
        if case == "action_mask":
            masked = obs["action_mask"][np.arange(batch), np.asarray(actions)]
            assert np.all(masked == 1.0), "a masked action was chosen"

    check()


@pytest.mark.parametrize("case", sorted(CASES))
def test_legacy_model_runs_through_adapter_module(case: str, load_legacy: Any) -> None:
    """ModelV2RLModule built from the same config + the policy's weights gives the same logits."""
    policy = _policy(load_legacy, case)
    _, obs_space, act_space, model = CASES[case]
    module = ModelV2RLModule(
        observation_space=obs_space,
        action_space=act_space,
        model_config=dict(policy.config["model"]),
    )
    assert list(module.get_state()) == list(policy.get_weights())
    module.set_state(policy.get_weights())
    module_policy = Policy.from_module(module)

    @SETTINGS
    @given(obs=_obs_strategy(obs_space))
    def check(obs: Any) -> None:
        expected_actions, expected_states, expected = policy.compute_actions(obs, explore=False)
        actions, states, extra = module_policy.compute_actions(obs, explore=False)
        np.testing.assert_allclose(
            extra["action_dist_inputs"], expected["action_dist_inputs"], atol=1e-6
        )
        np.testing.assert_allclose(extra["vf_preds"], expected["vf_preds"], atol=1e-6)
        np.testing.assert_array_equal(actions, expected_actions)
        for got, want in zip(states, expected_states):
            np.testing.assert_allclose(got, want, atol=1e-6)
        out = module.forward_exploration(
            {
                "obs": torch.as_tensor(np.asarray(obs))
                if not isinstance(obs, dict)
                else {k: torch.as_tensor(v) for k, v in obs.items()}
            }
            if not module.is_stateful()
            else _stateful_batch(module, obs)
        )
        assert "action_dist_inputs" in out

    check()


def _stateful_batch(module: Any, obs: np.ndarray) -> dict:
    batch = obs.shape[0]
    state = {k: v.unsqueeze(0).expand(batch, -1) for k, v in module.get_initial_state().items()}
    return {"obs": torch.as_tensor(obs).unsqueeze(1), "state_in": state}


def test_lstm_state_threads_through_policy_calls(load_legacy: Any) -> None:
    policy = _policy(load_legacy, "lstm")
    assert policy.is_recurrent() and policy.num_state_tensors() == 2
    obs = np.zeros((3, 5), np.float32)
    _, state1, _ = policy.compute_actions(obs, explore=False)  # initial state by default
    _, state2, extra2 = policy.compute_actions(obs, state1, explore=False)
    _, state2b, extra2b = policy.compute_actions(obs, state1, explore=False)
    assert [s.shape for s in state1] == [(3, 6), (3, 6)]
    assert not np.allclose(state1[0], state2[0]), "state must evolve"
    np.testing.assert_array_equal(extra2["action_dist_inputs"], extra2b["action_dist_inputs"])
    action, single_state, _ = policy.compute_single_action(
        obs[0], [s[0] for s in state1], explore=False
    )
    np.testing.assert_allclose(single_state[0], state2[0][0], atol=1e-6)


def test_custom_action_distribution_is_used(load_legacy: Any) -> None:
    policy = _policy(load_legacy, "custom_dist")
    assert policy.dist_class.__name__ == "SharpCategorical"
    obs = np.full((2, 5), 0.3, np.float32)
    actions, _, extra = policy.compute_actions(obs, explore=True)
    logits = torch.as_tensor(extra["action_dist_inputs"])
    expected = torch.distributions.Categorical(logits=logits * 2.0).log_prob(
        torch.as_tensor(actions).long()
    )
    np.testing.assert_allclose(extra["action_logp"], expected.numpy(), atol=1e-6)


@pytest.mark.parametrize("policy_name", ["GreedyWithNoisePolicy", "TemplateSamplerPolicy"])
def test_action_sampler_policy_runs_for_both_explore_values(
    policy_name: str, load_legacy: Any
) -> None:
    load_legacy("mlp_model")
    module = load_legacy("sampler_policy")
    policy = getattr(module, policy_name)(
        BOX, DISCRETE, {"model": {"custom_model": "shim_test_mlp"}}
    )
    obs = np.random.default_rng(0).uniform(-1, 1, (6, 5)).astype(np.float32)
    for explore in (True, False):
        actions, _, extra = policy.compute_actions(obs, explore=explore)
        assert actions.dtype == np.int32 and actions.shape == (6,)
        assert "action_logp" in extra and extra["action_prob"].shape == (6,)
    greedy, _, extra = policy.compute_actions(obs, explore=False)
    if "action_dist_inputs" in extra:
        np.testing.assert_array_equal(greedy, extra["action_dist_inputs"].argmax(1))


def test_action_sampler_adapter_returns_actions_and_logp(load_legacy: Any) -> None:
    load_legacy("mlp_model")
    module = load_legacy("sampler_policy")
    policy = module.GreedyWithNoisePolicy(
        BOX, DISCRETE, {"model": {"custom_model": "shim_test_mlp"}}
    )
    adapted = module_from_policy(policy)
    obs = torch.as_tensor(np.random.default_rng(1).uniform(-1, 1, (4, 5)).astype(np.float32))
    out = adapted.forward_exploration({"obs": obs}, t=3)
    assert set(out) >= {"actions", "action_logp", "action_dist_inputs"}
    assert out["actions"].shape == (4,)
    greedy = adapted.forward_inference({"obs": obs})
    torch.testing.assert_close(greedy["actions"], greedy["action_dist_inputs"].argmax(1))
    # The same legacy function as a plain template function.
    from_fn = module_from_action_sampler_fn(
        module._template_sampler, BOX, DISCRETE, {"model": {"custom_model": "shim_test_mlp"}}
    )
    out = from_fn.forward_exploration({"obs": obs})
    assert out["actions"].shape == (4,) and "action_logp" in out
    rl_policy = Policy.from_module(from_fn)
    actions, _, extra = rl_policy.compute_actions(obs.numpy(), explore=True)
    assert actions.shape == (4,) and extra["action_logp"].shape == (4,)


def test_make_model_adapter_and_policy_hook_agree(load_legacy: Any) -> None:
    mlp = load_legacy("mlp_model")

    def make_model(policy: Any, obs_space: gym.Space, action_space: gym.Space, config: dict) -> Any:
        return mlp.MLPModel(
            obs_space, action_space, action_space.n, config["model"], "made", hidden=8
        )

    class MadePolicy(TorchPolicyV2):
        def make_model(self) -> Any:
            return make_model(self, self.observation_space, self.action_space, self.config)

    policy = MadePolicy(BOX, DISCRETE, {})
    module = module_from_make_model(make_model, BOX, DISCRETE, {})
    module.set_state(policy.get_weights())
    obs = np.linspace(-1, 1, 15, dtype=np.float32).reshape(3, 5)
    _, _, expected = policy.compute_actions(obs, explore=False)
    out = module.forward_inference({"obs": torch.as_tensor(obs)})
    np.testing.assert_allclose(
        out["action_dist_inputs"].numpy(), expected["action_dist_inputs"], atol=1e-6
    )
    assert "vf_preds" not in expected  # a bare TorchPolicyV2 has no value mixin
