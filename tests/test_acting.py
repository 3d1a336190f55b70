"""compute_actions: GetActions semantics, numpy in/out, single vs batch, state, nested spaces."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from rlmigrate import Columns, RLModuleConfig, TorchRLModule, compute_actions
from rlmigrate.acting import rollout
from tests.core.conftest import ACT_SPACE, OBS_SPACE, GRUModule, ModernModule, OldStyleModule


@pytest.fixture
def modules():
    torch.manual_seed(0)
    modern = ModernModule(observation_space=OBS_SPACE, action_space=ACT_SPACE, model_config={"hidden": 8})
    with pytest.warns(DeprecationWarning):
        old = OldStyleModule(RLModuleConfig(OBS_SPACE, ACT_SPACE, model_config_dict={"hidden": 8}))
    return {"modern": modern, "2.10": old}


@pytest.mark.parametrize("style", ["modern", "2.10"])
def test_explore_false_is_argmax_without_logp(modules, style):
    module = modules[style]
    obs = np.random.default_rng(0).uniform(-1, 1, (6, 4)).astype(np.float32)
    out = compute_actions(module, obs, explore=False)
    logits = out[Columns.ACTION_DIST_INPUTS]
    assert logits.shape == (6, 3) and isinstance(logits, np.ndarray)
    np.testing.assert_array_equal(out[Columns.ACTIONS], logits.argmax(-1))
    assert Columns.ACTION_LOGP not in out


@pytest.mark.parametrize("style", ["modern", "2.10"])
def test_explore_true_samples_and_adds_logp(modules, style):
    module = modules[style]
    obs = np.zeros((500, 4), np.float32)
    torch.manual_seed(1)
    out = compute_actions(module, obs, explore=True)
    logits = torch.as_tensor(out[Columns.ACTION_DIST_INPUTS])
    expected_logp = torch.log_softmax(logits, -1).gather(1, torch.as_tensor(out[Columns.ACTIONS])[:, None])[:, 0]
    np.testing.assert_allclose(out[Columns.ACTION_LOGP], expected_logp.numpy(), rtol=1e-6)
    # sampling really explores: with a non-degenerate softmax several actions appear
    assert len(np.unique(out[Columns.ACTIONS])) > 1


def test_single_observation_gives_unbatched_results(modules):
    out = compute_actions(modules["modern"], np.zeros(4, np.float32), explore=False)
    assert out[Columns.ACTIONS].shape == () and out[Columns.ACTION_DIST_INPUTS].shape == (3,)
    assert ACT_SPACE.contains(int(out[Columns.ACTIONS_FOR_ENV]))


class ActsItself(TorchRLModule):
    def setup(self):
        self.w = nn.Linear(4, 1)

    def _forward(self, batch, **kwargs):
        n = batch[Columns.OBS].shape[0]
        return {Columns.ACTIONS: torch.full((n,), 2), "t_seen": torch.tensor([kwargs.get("t", -1)] * n)}


def test_module_actions_pass_through_untouched_with_no_logp():
    module = ActsItself(observation_space=OBS_SPACE, action_space=ACT_SPACE)
    out = compute_actions(module, np.zeros((3, 4), np.float32), explore=True, t=42)
    np.testing.assert_array_equal(out[Columns.ACTIONS], [2, 2, 2])
    np.testing.assert_array_equal(out["t_seen"], [42, 42, 42])
    assert Columns.ACTION_LOGP not in out


class Mute(TorchRLModule):
    def _forward(self, batch, **kwargs):
        return {"something": batch[Columns.OBS]}


def test_output_without_actions_or_inputs_is_named():
    with pytest.raises(ValueError, match=r"neither 'actions' nor 'action_dist_inputs'; got keys \['something'\]"):
        compute_actions(Mute(observation_space=OBS_SPACE, action_space=ACT_SPACE), np.zeros((1, 4), np.float32))


def test_observation_that_does_not_fit_names_space_and_shape(modules):
    with pytest.raises(ValueError, match=r"expected shape \(B, 4\).*got \(2, 5\)"):
        compute_actions(modules["modern"], np.zeros((2, 5), np.float32))


def test_stateful_module_threads_state_with_a_time_axis():
    torch.manual_seed(0)
    module = GRUModule(observation_space=OBS_SPACE, action_space=ACT_SPACE)
    obs = np.random.default_rng(1).uniform(-1, 1, (3, 2, 4)).astype(np.float32)  # (B, T, 4)
    state = None
    for step in range(2):
        out = compute_actions(module, obs[:, step], explore=False, state=state)
        state = out[Columns.STATE_OUT]
        assert state["h"].shape == (3, 6)
    with torch.no_grad():
        full, h = module.gru(torch.as_tensor(obs), torch.zeros(1, 3, 6))
    np.testing.assert_allclose(state["h"], h[0].numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[Columns.ACTION_DIST_INPUTS], module.logits(full[:, -1]).detach().numpy(), rtol=1e-5, atol=1e-6)


class DictModule(TorchRLModule):
    """Dict obs in, Dict(Discrete, Box) actions out."""

    def setup(self):
        self.net = nn.Linear(3, 2 + 4)

    def _forward(self, batch, **kwargs):
        obs = batch[Columns.OBS]
        x = torch.cat([obs["pos"], obs["flag"].float().unsqueeze(-1)], -1)
        return {Columns.ACTION_DIST_INPUTS: self.net(x)}


DICT_OBS = gym.spaces.Dict({"pos": gym.spaces.Box(-1, 1, (2,)), "flag": gym.spaces.Discrete(2)})
DICT_ACT = gym.spaces.Dict({"move": gym.spaces.Box(-1, 1, (2,)), "pick": gym.spaces.Discrete(2, start=5)})


@settings(max_examples=25, deadline=None)
@given(batch=st.integers(1, 5), explore=st.booleans(), seed=st.integers(0, 2**16))
def test_nested_spaces_act_inside_the_action_space(batch, explore, seed):
    torch.manual_seed(seed)
    module = DictModule(observation_space=DICT_OBS, action_space=DICT_ACT)
    obs = {"pos": np.zeros((batch, 2), np.float32), "flag": np.ones(batch, np.int64)}
    out = compute_actions(module, obs, explore=explore, clip_actions=True)
    env_actions = out[Columns.ACTIONS_FOR_ENV]
    for i in range(batch):
        action = {"move": env_actions["move"][i], "pick": int(env_actions["pick"][i])}
        assert DICT_ACT.contains(action), action
    assert set(out[Columns.ACTIONS]) == {"move", "pick"}
    assert (Columns.ACTION_LOGP in out) == explore


def test_rollout_in_a_real_env_returns_episode_returns():
    env = gym.make("CartPole-v1")
    module = ModernModule(observation_space=env.observation_space, action_space=env.action_space, model_config={"hidden": 4})
    returns = rollout(module, env, num_episodes=2, explore=True, seed=3)
    assert len(returns) == 2 and all(r >= 1.0 for r in returns)
