"""Legacy exploration objects: schedules, epsilon-greedy masking, noise, random phases, state."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from shim.models.action_dist import TorchCategorical, TorchDeterministic, TorchDiagGaussian
from shim.policy.exploration import (
    EpsilonGreedy,
    GaussianNoise,
    OrnsteinUhlenbeckNoise,
    Random,
    StochasticSampling,
    make_exploration,
)
from shim.policy.schedules import PiecewiseSchedule, schedule_from_config

DISCRETE = gym.spaces.Discrete(4)
BOX = gym.spaces.Box(-1.0, 2.0, (2,), np.float32)


@settings(max_examples=50, deadline=None)
@given(
    initial=st.floats(0.5, 1.0),
    final=st.floats(0.0, 0.5),
    warmup=st.integers(0, 100),
    span=st.integers(1, 1000),
    times=st.lists(st.integers(0, 2000), min_size=2, max_size=10),
)
def test_epsilon_schedule_is_monotone_and_bounded(
    initial: float, final: float, warmup: int, span: int, times: list[int]
) -> None:
    exploration = EpsilonGreedy(
        DISCRETE,
        initial_epsilon=initial,
        final_epsilon=final,
        warmup_timesteps=warmup,
        epsilon_timesteps=span,
    )
    values = [exploration.epsilon_schedule(t) for t in sorted(times)]
    assert all(a >= b - 1e-12 for a, b in zip(values, values[1:]))
    assert all(final - 1e-12 <= v <= initial + 1e-12 for v in values)
    assert exploration.epsilon_schedule(0) == pytest.approx(initial)
    assert exploration.epsilon_schedule(warmup + span + 1) == pytest.approx(final)


@settings(max_examples=25, deadline=None)
@given(mask=st.lists(st.booleans(), min_size=4, max_size=4).filter(any), seed=st.integers(0, 1000))
def test_epsilon_greedy_never_picks_masked_actions(mask: list[bool], seed: int) -> None:
    torch.manual_seed(seed)
    q = torch.where(torch.tensor(mask), torch.randn(4), torch.tensor(-3.4e38)).repeat(64, 1)
    exploration = EpsilonGreedy(DISCRETE, initial_epsilon=1.0, final_epsilon=1.0)
    actions, logp = exploration.get_exploration_action(
        action_distribution=TorchCategorical(q), timestep=0, explore=True
    )
    assert all(mask[a] for a in actions.tolist())
    assert logp.dtype == torch.float32 and torch.all(logp == 0)
    greedy, _ = exploration.get_exploration_action(
        action_distribution=TorchCategorical(q), timestep=0, explore=False
    )
    torch.testing.assert_close(greedy, q.argmax(1))


@settings(max_examples=25, deadline=None)
@given(
    kind=st.sampled_from([GaussianNoise, OrnsteinUhlenbeckNoise]),
    timestep=st.integers(0, 400),
    random_timesteps=st.integers(0, 100),
)
def test_noise_state_reports_the_scale_schedule_and_round_trips(
    kind: type, timestep: int, random_timesteps: int
) -> None:
    """``cur_scale`` is the scale schedule at ``last_timestep``; ``set_state`` restores it."""
    config = {"random_timesteps": random_timesteps, "scale_timesteps": 200}
    exploration = kind(BOX, **config)
    exploration.get_exploration_action(
        action_distribution=TorchDeterministic(torch.zeros(1, 2)), timestep=timestep
    )
    state = exploration.get_state()
    assert state["last_timestep"] == timestep
    assert state["cur_scale"] == pytest.approx(exploration.scale_schedule(timestep))
    other = kind(BOX, **config)
    other.set_state(state)
    assert other.last_timestep == timestep
    assert other.get_state()["cur_scale"] == state["cur_scale"]


def test_timestep_advances_by_one_when_not_given() -> None:
    for exploration in (
        StochasticSampling(DISCRETE),
        EpsilonGreedy(DISCRETE),
        GaussianNoise(gym.spaces.Box(-1.0, 1.0, (4,), np.float32)),
    ):
        dist = (
            TorchDeterministic(torch.zeros(1, 4))
            if isinstance(exploration, GaussianNoise)
            else TorchCategorical(torch.zeros(1, 4))
        )
        exploration.get_exploration_action(action_distribution=dist, timestep=7)
        exploration.get_exploration_action(action_distribution=dist)
        assert exploration.last_timestep == 8


def test_epsilon_greedy_state_round_trip() -> None:
    exploration = EpsilonGreedy(DISCRETE, epsilon_timesteps=100, final_epsilon=0.0)
    exploration.get_exploration_action(
        action_distribution=TorchCategorical(torch.zeros(1, 4)), timestep=50
    )
    state = exploration.get_state()
    assert state["last_timestep"] == 50 and state["cur_epsilon"] == pytest.approx(0.5)
    other = EpsilonGreedy(DISCRETE, epsilon_timesteps=100, final_epsilon=0.0)
    other.set_state(state)
    assert other.get_state()["cur_epsilon"] == pytest.approx(0.5)


def test_stochastic_sampling_random_phase_and_no_explore() -> None:
    exploration = StochasticSampling(DISCRETE, random_timesteps=10)
    dist = TorchCategorical(torch.tensor([[10.0, -10.0, -10.0, -10.0]]).repeat(200, 1))
    random_actions, logp = exploration.get_exploration_action(action_distribution=dist, timestep=3)
    assert len(set(random_actions.tolist())) > 1 and torch.all(logp == 0)
    sampled, logp = exploration.get_exploration_action(action_distribution=dist, timestep=10)
    assert torch.all(sampled == 0) and torch.all(logp > -1e-3)
    greedy, logp = exploration.get_exploration_action(action_distribution=dist, explore=False)
    assert torch.all(greedy == 0) and logp.dtype == torch.float32 and torch.all(logp == 0)
    assert exploration.last_timestep == 11


def test_gaussian_noise_is_clipped_and_scaled_by_schedule() -> None:
    exploration = GaussianNoise(
        BOX,
        random_timesteps=0,
        stddev=10.0,
        initial_scale=1.0,
        final_scale=0.0,
        scale_timesteps=100,
    )
    det = TorchDeterministic(torch.full((500, 2), 0.5))
    actions, logp = exploration.get_exploration_action(action_distribution=det, timestep=0)
    low, high = torch.as_tensor(BOX.low), torch.as_tensor(BOX.high)
    assert torch.all(actions >= low) and torch.all(actions <= high) and actions.std() > 0.1
    quiet, _ = exploration.get_exploration_action(action_distribution=det, timestep=100)
    torch.testing.assert_close(quiet, torch.full((500, 2), 0.5))
    assert torch.all(logp == 0) and exploration.get_state()["last_timestep"] == 100


def test_ou_noise_is_correlated_and_stateful() -> None:
    torch.manual_seed(0)
    exploration = OrnsteinUhlenbeckNoise(BOX, random_timesteps=0, ou_sigma=1.0)
    det = TorchDeterministic(torch.zeros(1, 2))
    for t in range(5):
        exploration.get_exploration_action(action_distribution=det, timestep=t)
    state = exploration.get_state()
    assert state["ou_state"].shape == (2,) and np.any(state["ou_state"] != 0)
    other = OrnsteinUhlenbeckNoise(BOX, random_timesteps=0)
    other.set_state(state)
    np.testing.assert_array_equal(other.ou_state.numpy(), state["ou_state"])
    greedy, _ = exploration.get_exploration_action(
        action_distribution=det, timestep=9, explore=False
    )
    torch.testing.assert_close(greedy, torch.zeros(1, 2))


def test_random_exploration_samples_the_space() -> None:
    exploration = Random(BOX)
    dist = TorchDiagGaussian(torch.zeros(50, 4), None)
    actions, logp = exploration.get_exploration_action(action_distribution=dist, explore=True)
    assert actions.shape == (50, 2) and all(BOX.contains(a.numpy()) for a in actions)
    assert logp.shape == (50,)


def test_make_exploration_resolves_names_and_refuses_unknown() -> None:
    assert (
        type(make_exploration({"type": "EpsilonGreedy", "initial_epsilon": 0.3}, DISCRETE))
        is EpsilonGreedy
    )
    assert (
        type(
            make_exploration(
                {"type": "ray.rllib.utils.exploration.stochastic_sampling.StochasticSampling"},
                DISCRETE,
            )
        )
        is StochasticSampling
    )
    assert type(make_exploration(None, DISCRETE)) is StochasticSampling
    with pytest.raises(ValueError, match="Unsupported exploration type 'Curiosity'"):
        make_exploration({"type": "Curiosity"}, DISCRETE)
    with pytest.raises(TypeError, match="typo_key"):
        make_exploration({"type": "StochasticSampling", "typo_key": 1}, DISCRETE)


def test_schedule_config_and_errors() -> None:
    assert schedule_from_config(0.3)(123) == 0.3
    piecewise = schedule_from_config(
        {"type": "PiecewiseSchedule", "endpoints": [(0, 1.0), (10, 0.0)], "outside_value": 0.0}
    )
    assert piecewise(5) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="ascending"):
        PiecewiseSchedule([(10, 1.0), (0, 0.0)])
