"""The shim's DQNTorchPolicy / SACTorchPolicy act like Ray 2.10's.

Each recorded case (``fixtures/oracle/qsac``, real Ray 2.10) is rebuilt with the same config
overrides: the model's ``state_dict`` keys are Ray's, and with Ray's weights
``compute_actions(explore=False)`` returns Ray's actions and ``action_dist_inputs``.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from shim.policy.dqn import DQNTorchPolicy
from shim.policy.sac import SACTorchPolicy
from tests.modules._qsac_oracle import CASES, array, load_case, spaces


@pytest.mark.parametrize("case", CASES)
def test_policy_reproduces_ray_acting(case: str) -> None:
    record, weights = load_case(case)
    obs_space, action_space = spaces(record)
    cls = DQNTorchPolicy if record["algorithm"] == "dqn" else SACTorchPolicy
    policy = cls(obs_space, action_space, dict(record["overrides"]))
    assert list(policy.model.state_dict()) == record["state_dict_keys"]
    assert type(policy.model).__name__ == record["model_class"]
    policy.model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=True)
    actions, state, fetches = policy.compute_actions(array(record, "inputs", "obs"), explore=False)
    np.testing.assert_allclose(fetches["action_dist_inputs"], array(record, "outputs", "action_dist_inputs"), atol=1e-5)
    np.testing.assert_allclose(actions, array(record, "outputs", "actions"), atol=1e-6)
    assert state == []
    if record["algorithm"] == "dqn":
        np.testing.assert_allclose(fetches["q_values"], fetches["action_dist_inputs"])
        for t, epsilon in record["epsilon_at"].items():
            assert policy.exploration.epsilon_schedule(int(t)) == pytest.approx(epsilon)


def test_with_updates_keeps_dqn_acting_and_name() -> None:
    custom = DQNTorchPolicy.with_updates(name="MyDQN", postprocess_fn=lambda p, b, o=None, e=None: b)
    policy = custom(gym.spaces.Box(-1, 1, (3,)), gym.spaces.Discrete(2), {"hiddens": [4]})
    assert type(policy).__name__ == "MyDQN"
    _, _, fetches = policy.compute_actions(np.zeros((2, 3), np.float32), explore=False)
    assert fetches["action_dist_inputs"].shape == (2, 2)


def test_dqn_explores_epsilon_greedily_with_logp_zero() -> None:
    config = {"hiddens": [4], "exploration_config": {"type": "EpsilonGreedy", "initial_epsilon": 1.0,
                                                     "final_epsilon": 1.0, "epsilon_timesteps": 10}}
    policy = DQNTorchPolicy(gym.spaces.Box(-1, 1, (3,)), gym.spaces.Discrete(4), config)
    torch.manual_seed(0)
    actions, _, fetches = policy.compute_actions(np.zeros((400, 3), np.float32), explore=True)
    assert set(np.unique(actions)) == {0, 1, 2, 3}
    np.testing.assert_array_equal(fetches["action_logp"], np.zeros(400, np.float32))


def test_dqn_refuses_box_actions() -> None:
    with pytest.raises(ValueError, match="not supported for DQN"):
        DQNTorchPolicy(gym.spaces.Box(-1, 1, (3,)), gym.spaces.Box(-1, 1, (2,)), {})


def test_sac_without_normalize_actions_acts_on_the_gaussian_mean() -> None:
    policy = SACTorchPolicy(gym.spaces.Box(-1, 1, (3,)), gym.spaces.Box(-1, 1, (2,)),
                            {"normalize_actions": False, "policy_model_config": {"fcnet_hiddens": [4]}})
    actions, _, fetches = policy.compute_actions(np.ones((2, 3), np.float32), explore=False)
    np.testing.assert_allclose(actions, fetches["action_dist_inputs"][:, :2], atol=1e-6)


def test_served_under_ray_names(ray_aliases: None) -> None:
    from ray.rllib.algorithms.dqn.dqn_torch_policy import DQNTorchPolicy as Served
    from ray.rllib.algorithms.sac.sac_torch_policy import SACTorchPolicy as ServedSAC

    assert Served is DQNTorchPolicy and ServedSAC is SACTorchPolicy
