"""Policy over any RLModule: the legacy call contract, state threading, bad input, weights."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlmigrate import PPOTorchRLModule, TorchRLModule
from rlmigrate.core.nest import flatten, flatten_space
from rlmigrate.testing.strategies import action_spaces, observations, spaces
from shim.policy.policy import Policy

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OBS_SPACES = spaces(
    kinds=("box", "discrete", "dict", "tuple"),
    max_depth=1,
    max_leaf_size=4,
    max_rank=1,
    dtypes=(np.float32,),
)
BOX = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)


def ppo_policy(obs_space: gym.Space, act_space: gym.Space, **model: Any) -> Policy:
    torch.manual_seed(0)
    module = PPOTorchRLModule(
        observation_space=obs_space,
        action_space=act_space,
        model_config={"fcnet_hiddens": [8], **model},
    )
    return Policy.from_module(module)


def assert_actions_fit(space: gym.Space, actions: Any, batch: int) -> None:
    for leaf_space, leaf in zip(flatten_space(space), flatten(actions)):
        leaf = np.asarray(leaf)
        assert leaf.shape == (batch,) + tuple(leaf_space.shape)
        if isinstance(
            leaf_space, gym.spaces.Discrete
        ):  # like RLlib: indices 0..n-1, start not added
            assert leaf.dtype == np.int32 and np.all((leaf >= 0) & (leaf < leaf_space.n))
        elif isinstance(leaf_space, gym.spaces.MultiDiscrete):
            assert np.all((leaf >= 0) & (leaf < leaf_space.nvec))
        else:
            assert leaf.dtype == np.float32


@SETTINGS
@given(
    data=st.data(),
    obs_space=OBS_SPACES,
    act_space=action_spaces(max_depth=1),
    explore=st.booleans(),
)
def test_compute_actions_contract_over_generated_spaces(
    data: st.DataObject, obs_space: gym.Space, act_space: gym.Space, explore: bool
) -> None:
    policy = ppo_policy(obs_space, act_space)
    batch = data.draw(st.integers(1, 4))
    obs = data.draw(observations(obs_space, batch_size=batch))
    actions, state_out, extra = policy.compute_actions(obs, explore=explore)
    assert_actions_fit(act_space, actions, batch)
    assert state_out == []
    assert list(extra) == ["vf_preds", "action_dist_inputs", "action_prob", "action_logp"]
    for value in extra.values():
        assert value.dtype == np.float32 and value.shape[0] == batch
    if explore:
        np.testing.assert_allclose(extra["action_prob"], np.exp(extra["action_logp"]), rtol=1e-5)
        logp = policy.compute_log_likelihoods(actions, obs, in_training=False)
        np.testing.assert_allclose(extra["action_logp"], logp.numpy(), rtol=1e-4, atol=1e-4)
    else:
        assert np.all(extra["action_logp"] == 0) and np.all(extra["action_prob"] == 1)
    assert policy.global_timestep == batch


@SETTINGS
@given(data=st.data(), obs_space=OBS_SPACES)
def test_compute_single_action_unbatches(data: st.DataObject, obs_space: gym.Space) -> None:
    policy = ppo_policy(obs_space, gym.spaces.Discrete(3))
    obs = data.draw(observations(obs_space, batch_size=None))
    action, state, extra = policy.compute_single_action(obs, explore=False)
    assert np.shape(action) == () and 0 <= int(action) < 3
    assert state == [] and all(np.shape(v) in ((), (3,)) for v in extra.values())
    batched, _, batched_extra = policy.compute_actions(_stack1(obs), explore=False)
    assert int(action) == int(batched[0])
    np.testing.assert_allclose(
        extra["action_dist_inputs"], batched_extra["action_dist_inputs"][0], atol=1e-6
    )


def _stack1(obs: Any) -> Any:
    if isinstance(obs, dict):
        return {k: _stack1(v) for k, v in obs.items()}
    if isinstance(obs, tuple):
        return tuple(_stack1(v) for v in obs)
    return np.asarray(obs)[None]


def test_state_threading_through_a_stateful_module() -> None:
    policy = ppo_policy(BOX, gym.spaces.Discrete(2), use_lstm=True, lstm_cell_size=4)
    assert policy.is_recurrent() and policy.num_state_tensors() == 2
    initial = policy.get_initial_state()
    assert [s.shape for s in initial] == [(1, 4), (1, 4)]
    obs = np.full((3, 3), 0.5, np.float32)
    _, s1, e1 = policy.compute_actions(obs, explore=False)
    _, s2, e2 = policy.compute_actions(obs, s1, explore=False)
    assert [s.shape for s in s1] == [(3, 1, 4), (3, 1, 4)]
    assert not np.allclose(s1[0], s2[0]) and not np.allclose(
        e1["action_dist_inputs"], e2["action_dist_inputs"]
    )
    _, s_single, e_single = policy.compute_single_action(obs[0], [s[0] for s in s1], explore=False)
    np.testing.assert_allclose(s_single[0], s2[0][0], atol=1e-6)
    np.testing.assert_allclose(
        e_single["action_dist_inputs"], e2["action_dist_inputs"][0], atol=1e-6
    )
    _, _, from_dict = policy.compute_actions_from_input_dict(
        {"obs": obs, "state_in_0": s1[0], "state_in_1": s1[1]}, explore=False
    )
    np.testing.assert_allclose(from_dict["action_dist_inputs"], e2["action_dist_inputs"], atol=1e-6)


@pytest.mark.parametrize(
    ("obs", "match"),
    [
        (np.full((2, 3), 1.5, np.float32), r"row 0 .* outside Box"),
        (np.zeros((2, 4), np.float32), r"expected shape \(B, 3\)"),
        (np.array([[0.0, np.nan, 0.0]], np.float32), "outside Box"),
        (np.array([["a", "b", "c"]]), "numeric"),
    ],
)
def test_observations_outside_the_space_are_refused(obs: np.ndarray, match: str) -> None:
    policy = ppo_policy(BOX, gym.spaces.Discrete(2))
    with pytest.raises(ValueError, match=match):
        policy.compute_actions(obs)


def test_dict_and_discrete_bad_observations_name_the_component() -> None:
    space = gym.spaces.Dict({"k": gym.spaces.Discrete(3), "v": BOX})
    policy = ppo_policy(space, gym.spaces.Discrete(2))
    with pytest.raises(ValueError, match=r"obs_batch\['k'\].*Discrete\(3\)"):
        policy.compute_actions({"k": np.array([3]), "v": np.zeros((1, 3), np.float32)})
    with pytest.raises(ValueError, match=r"missing key\(s\) \['v'\]"):
        policy.compute_actions({"k": np.array([1])})
    unchecked = Policy.from_module(policy.model, {"shim_check_observations": False})
    unchecked.compute_actions({"k": np.array([1]), "v": np.full((1, 3), 5.0, np.float32)})


def test_wrong_number_or_shape_of_state_tensors_is_refused() -> None:
    policy = ppo_policy(BOX, gym.spaces.Discrete(2), use_lstm=True, lstm_cell_size=4)
    obs = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match=r"expected 2 state tensor\(s\).*got 1"):
        policy.compute_actions(obs, [np.zeros((2, 1, 4), np.float32)])
    with pytest.raises(
        ValueError, match=r"state_batches\[1\]: expected shape \(2, 1, 4\), got \(2, 4\)"
    ):
        policy.compute_actions(obs, [np.zeros((2, 1, 4), np.float32), np.zeros((2, 4), np.float32)])


def test_set_weights_errors_list_missing_unexpected_and_misshaped_keys() -> None:
    policy = ppo_policy(BOX, gym.spaces.Discrete(2))
    weights = policy.get_weights()
    key, other = sorted(weights)[:2]
    broken = dict(weights)
    broken.pop(key)
    broken["not_a_weight"] = np.zeros(1, np.float32)
    broken[other] = np.zeros((7, 7), np.float32)
    with pytest.raises(ValueError) as err:
        policy.set_weights(broken)
    message = str(err.value)
    assert f"missing keys ['{key}']" in message and "unexpected keys ['not_a_weight']" in message
    assert f"{other}: expected {weights[other].shape}, got (7, 7)" in message


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_set_weights_get_weights_round_trip(seed: int) -> None:
    source = ppo_policy(BOX, gym.spaces.Box(-1, 1, (2,), np.float32))
    rng = np.random.default_rng(seed)
    perturbed = {
        k: (v + rng.normal(size=v.shape)).astype(v.dtype) for k, v in source.get_weights().items()
    }
    source.set_weights(perturbed)
    target = ppo_policy(BOX, gym.spaces.Box(-1, 1, (2,), np.float32))
    target.set_weights(source.get_weights())
    for key, value in perturbed.items():
        np.testing.assert_array_equal(target.get_weights()[key], value)
    obs = rng.uniform(-1, 1, (4, 3)).astype(np.float32)
    np.testing.assert_array_equal(
        source.compute_actions(obs, explore=False)[0], target.compute_actions(obs, explore=False)[0]
    )


def test_get_state_set_state_round_trip() -> None:
    policy = ppo_policy(BOX, gym.spaces.Discrete(2))
    policy.compute_actions(np.zeros((5, 3), np.float32))
    state = policy.get_state()
    assert state["global_timestep"] == 5 and set(state) >= {
        "weights",
        "policy_spec",
        "_exploration_state",
    }
    other = ppo_policy(BOX, gym.spaces.Discrete(2))
    other.set_state(state)
    assert other.global_timestep == 5
    for key, value in state["weights"].items():
        np.testing.assert_array_equal(other.get_weights()[key], value)


def test_config_explore_is_the_default() -> None:
    module = PPOTorchRLModule(
        observation_space=BOX,
        action_space=gym.spaces.Discrete(2),
        model_config={"fcnet_hiddens": [8]},
    )
    greedy = Policy.from_module(module, {"explore": False})
    _, _, extra = greedy.compute_actions(np.zeros((3, 3), np.float32))
    assert np.all(extra["action_logp"] == 0)
    assert Policy.from_module(module).config["explore"] is True


class SamplesItself(TorchRLModule):
    """Returns actions (and logp when exploring) itself, like an action_sampler_fn port."""

    def setup(self) -> None:
        self.net = torch.nn.Linear(3, 2)

    def _forward_inference(self, batch: dict, **kwargs: Any) -> dict:
        logits = self.net(batch["obs"])
        return {"actions": logits.argmax(1), "action_dist_inputs": logits}

    def _forward_exploration(self, batch: dict, **kwargs: Any) -> dict:
        logits = self.net(batch["obs"])
        self.seen_t = kwargs.get("t")
        return {
            "actions": torch.zeros(len(logits), dtype=torch.int64),
            "action_logp": torch.full((len(logits),), -0.5),
            "custom": logits.sum(1),
        }


def test_module_provided_actions_pass_through() -> None:
    module = SamplesItself(observation_space=BOX, action_space=gym.spaces.Discrete(2))
    policy = Policy.from_module(module)
    actions, _, extra = policy.compute_actions(
        np.zeros((2, 3), np.float32), explore=True, timestep=7
    )
    assert module.seen_t == 7 and actions.tolist() == [0, 0]
    assert list(extra) == ["custom", "action_prob", "action_logp"]
    np.testing.assert_allclose(extra["action_logp"], [-0.5, -0.5])
    actions, _, extra = policy.compute_actions(np.zeros((2, 3), np.float32), explore=False)
    assert np.all(extra["action_logp"] == 0) and "vf_preds" not in extra


def test_policy_without_module_says_what_to_do() -> None:
    with pytest.raises(NotImplementedError, match="module="):
        Policy(BOX, gym.spaces.Discrete(2), {}).compute_actions(np.zeros((1, 3), np.float32))


class _RecordingHeuristic(Policy):
    """Records what ``compute_actions`` was called with."""

    def compute_actions(self, obs_batch, state_batches=None, **kwargs):
        self.calls = getattr(self, "calls", []) + [(obs_batch, state_batches, kwargs)]
        return np.zeros(len(obs_batch), dtype=np.int64), [], {}


def test_an_input_dict_reaches_an_overridden_compute_actions_with_rllibs_keywords():
    policy = _RecordingHeuristic(gym.spaces.Box(-1, 1, (2,)), gym.spaces.Discrete(2), {})
    obs = np.ones((2, 2), dtype=np.float32)
    state = np.zeros((2, 1))
    policy.compute_actions_from_input_dict(
        {"obs": obs, "state_in_0": state, "prev_actions": np.array([1, 0])}, explore=True, timestep=7
    )
    [(got_obs, got_state, kwargs)] = policy.calls
    assert got_obs is obs and len(got_state) == 1 and got_state[0] is state
    assert set(kwargs) == {"prev_action_batch", "prev_reward_batch", "info_batch", "explore",
                           "timestep", "episodes"}
    assert kwargs["prev_action_batch"].tolist() == [1, 0] and kwargs["prev_reward_batch"] is None
    assert kwargs["explore"] is True and kwargs["timestep"] == 7
