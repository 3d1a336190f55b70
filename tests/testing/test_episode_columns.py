"""Episode columns (``t``, ``eps_id``, ``env_id``, ``agent_index``, ``unroll_id``): verify feeds
a policy acting from its input dict the columns its view requirements declare, and the module
the same values in its batch; a module reading another column, or none, is caught."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlmigrate import Columns, RLModule
from rlmigrate.core.numpy_utils import convert_to_numpy
from rlmigrate.testing.episode_columns import EPISODE_COLUMNS, declared_columns, episode_columns
from rlmigrate.testing.equivalence import EquivalenceError, assert_equivalent
from rlmigrate.testing.side_module import PolicySide
from shim.policy.policy import Policy
from shim.policy.view_requirement import ViewRequirement

OBS = gym.spaces.Box(-1.0, 1.0, (3,), dtype=np.float32)
ACT = gym.spaces.Box(-np.inf, np.inf, (2,), dtype=np.float32)


@given(names=st.lists(st.sampled_from(EPISODE_COLUMNS), unique=True).map(tuple),
       rows=st.integers(1, 9), seed=st.integers(0, 2**32), step=st.integers(0, 50))
def test_columns_are_int64_rows_with_t_counting_the_steps(names, rows, seed, step):
    first = episode_columns(names, rows, seed, 0)
    later = episode_columns(names, rows, seed, step)
    assert tuple(later) == names
    for name, value in later.items():
        assert value.dtype == np.int64 and value.shape == (rows,)
        assert (value >= 0).all()
        expected = first[name] + step if name == "t" else first[name]
        np.testing.assert_array_equal(value, expected)
    assert all((later[n] < 8).all() for n in ("env_id", "agent_index") if n in later)
    assert all((later[n] < 2**24).all() for n in ("eps_id", "unroll_id") if n in later)


class EnvAware(Policy):
    """Acts [agent_index, env_id] per row, from its input dict (as RLlib's example did)."""

    def __init__(self, observation_space, action_space, config):
        super().__init__(observation_space, action_space, config)
        self.view_requirements["env_id"] = ViewRequirement()

    def compute_actions_from_input_dict(self, input_dict, explore=None, **kwargs):
        rows = zip(input_dict["agent_index"], input_dict["env_id"])
        return np.array([[a, e] for a, e in rows]), [], {}

    def get_weights(self):
        return {}


def _module(key: str) -> type:
    class EnvAwareModule(RLModule):
        def _forward(self, batch, **kwargs):
            agents = convert_to_numpy(batch["agent_index"])
            return {Columns.ACTIONS: np.stack([agents, convert_to_numpy(batch[key])], axis=1)}

    return EnvAwareModule


def test_the_policy_declares_the_columns_of_its_view_requirements():
    policy = EnvAware(OBS, ACT, {})
    # Policy's defaults (eps_id, unroll_id, agent_index, t) and its own env_id
    assert set(declared_columns(policy)) == set(EPISODE_COLUMNS)
    assert set(PolicySide(policy, label="legacy").episode_columns) == set(EPISODE_COLUMNS)
    policy.view_requirements["env_id"].used_for_compute_actions = False
    assert "env_id" not in declared_columns(policy)


def test_a_module_reading_the_same_columns_is_equivalent():
    report = assert_equivalent(EnvAware, _module("env_id"), observation_space=OBS,
                               action_space=ACT, examples=30)
    assert "actions" in report.compared


@pytest.mark.parametrize("key", ["eps_id", "t"])
def test_a_module_reading_another_column_is_caught(key):
    with pytest.raises(EquivalenceError) as info:
        assert_equivalent(EnvAware, _module(key), observation_space=OBS, action_space=ACT,
                          examples=30)
    assert info.value.difference.quantity == "actions"
    assert "columns" in str(info.value)  # the message shows the columns fed


def test_a_policy_acting_from_compute_actions_gets_no_columns():
    class Plain(Policy):
        def compute_actions(self, obs_batch, state_batches=None, **kwargs):
            return np.zeros((len(obs_batch), 2)), [], {}

        def get_weights(self):
            return {}

    assert PolicySide(Plain(OBS, ACT, {}), label="legacy").episode_columns == ()
