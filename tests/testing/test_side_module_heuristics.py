"""Hand-written (heuristic) policies against hand-written modules: what the kit can prove.

Deterministic rules must act identically; random ones identically *under the same seeds*,
the action space's own RNG included (``seeded_spaces``), and a module that draws differently
(another order, one draw too many) is caught.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlmigrate import Columns, RLModule
from rlmigrate.core.numpy_utils import convert_to_numpy
from rlmigrate.testing.equivalence import EquivalenceError, assert_equivalent
from rlmigrate.testing.side_module import PolicySide, is_hand_written, legacy_policy_space
from rlmigrate.testing.sides import seeded_spaces
from rlmigrate.testing.strategies import action_spaces, spaces
from shim.policy.policy import Policy

OBS = gym.spaces.Box(-1.0, 1.0, (3,), dtype=np.float32)


class SamplingPolicy(Policy):
    def compute_actions(self, obs_batch, state_batches=None, **kwargs):
        return [self.action_space.sample() for _ in obs_batch], [], {}

    def compute_log_likelihoods(self, actions, obs_batch, **kwargs):
        return np.random.random(len(obs_batch))  # unrelated to the actions, as in RLlib's

    def get_weights(self):
        pass


class SamplingModule(RLModule):
    def _forward(self, batch, **kwargs):
        rows = len(convert_to_numpy(batch[Columns.OBS]))
        return {Columns.ACTIONS: _stack([self.action_space.sample() for _ in range(rows)])}


class ReversedSamplingModule(RLModule):
    def _forward(self, batch, **kwargs):
        rows = len(convert_to_numpy(batch[Columns.OBS]))
        return {Columns.ACTIONS: _stack([self.action_space.sample() for _ in range(rows)][::-1])}


class OneDrawTooManyModule(RLModule):
    def _forward(self, batch, **kwargs):
        rows = len(convert_to_numpy(batch[Columns.OBS]))
        self.action_space.sample()
        return {Columns.ACTIONS: _stack([self.action_space.sample() for _ in range(rows)])}


def _stack(samples):
    return np.stack(samples)


class SignPolicy(Policy):
    def compute_actions_from_input_dict(self, input_dict, explore=None, **kwargs):
        return [int(row[0] > 0) for row in input_dict["obs"]], [], {}


class SignModule(RLModule):
    def _forward(self, batch, **kwargs):
        obs = convert_to_numpy(batch[Columns.OBS])
        return {Columns.ACTIONS: (obs[:, 0] > 0).astype(np.int64)}


class SingleSignPolicy(Policy):
    def compute_single_action(self, obs=None, state=None, **kwargs):
        return int(obs[0] > 0), [], {}


# Leaf action spaces: a list of Dict/Tuple samples is no batch (Ray 2.10's np.array() of it
# was not one either), so hand-written policies over such spaces are not compared.
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.nested_given])
@given(action_spaces(kinds=("discrete", "box", "multi_discrete"), max_depth=0), st.booleans())
def test_random_policy_and_module_draw_the_same_under_the_same_seeds(action_space, explore):
    report = assert_equivalent(SamplingPolicy, SamplingModule, observation_space=OBS,
                               action_space=action_space, explore=explore, examples=20)
    assert tuple(report.compared) == ("actions",)


@pytest.mark.parametrize("module", [ReversedSamplingModule, OneDrawTooManyModule])
def test_a_module_that_draws_differently_is_caught(module):
    with pytest.raises(EquivalenceError) as info:
        assert_equivalent(SamplingPolicy, module, observation_space=OBS,
                          action_space=gym.spaces.Discrete(5), examples=50)
    assert info.value.difference.quantity == "actions"


@settings(max_examples=25, deadline=None)
@given(spaces(max_depth=1, max_leaf_size=4), st.integers(0, 2**31))
def test_seeded_spaces_repeats_draws_and_restores_the_space_rng(space, seed):
    space.seed(7)
    expected_next = space.sample()
    space.seed(7)
    with seeded_spaces([space], seed):
        first = space.sample()
    with seeded_spaces([space], seed):
        second = space.sample()
    _assert_same(first, second)
    _assert_same(space.sample(), expected_next)  # the block left the space's own RNG alone


def _assert_same(a, b):
    if isinstance(a, dict):
        for key in a:
            _assert_same(a[key], b[key])
    elif isinstance(a, tuple):
        for x, y in zip(a, b):
            _assert_same(x, y)
    else:
        np.testing.assert_array_equal(a, b)


def test_input_dict_and_single_action_policies_are_driven_the_way_rllib_called_them():
    for legacy in (SignPolicy, SingleSignPolicy):
        report = assert_equivalent(legacy, SignModule, observation_space=OBS,
                                   action_space=gym.spaces.Discrete(2), examples=30)
        assert tuple(report.compared) == ("actions",)


def test_a_heuristic_policy_side_batches_list_actions_and_reports_no_logp():
    policy = SamplingPolicy(OBS, gym.spaces.Discrete(4), {})
    side = PolicySide(policy, label="legacy")
    assert side.hand_written and is_hand_written(policy)
    out = side.step(np.zeros((3, 3), np.float32), [], explore=False, seed=0)
    assert isinstance(out["actions"], np.ndarray) and out["actions"].shape == (3,)
    assert out["logp"] is None and side.logp_of(out["actions"]) is None
    assert side.weights_owner() == {}  # get_weights() returned None: no weights


def test_a_policy_acting_through_a_module_is_not_hand_written(mlp_pair):
    _, migrated = mlp_pair
    module = migrated(observation_space=OBS, action_space=gym.spaces.Discrete(2), model_config={})
    assert not is_hand_written(Policy.from_module(module))


class EpsilonPolicy(Policy):
    def __init__(self, observation_space, action_space, config):
        super().__init__(observation_space, action_space, config)
        self.epsilon = config.get("epsilon", 0.0)

    def compute_actions(self, obs_batch, state_batches=None, **kwargs):
        greedy = np.zeros(len(obs_batch), dtype=np.int64)
        random_moves = np.random.randint(0, self.action_space.n, len(obs_batch))
        return np.where(np.random.random(len(obs_batch)) < self.epsilon, random_moves, greedy), [], {}


class EpsilonModule(RLModule):
    def _forward(self, batch, **kwargs):
        rows = len(convert_to_numpy(batch[Columns.OBS]))
        greedy = np.zeros(rows, dtype=np.int64)
        random_moves = np.random.randint(0, self.action_space.n, rows)
        epsilon = self.model_config.get("epsilon", 0.0)
        return {Columns.ACTIONS: np.where(np.random.random(rows) < epsilon, random_moves, greedy)}


def test_a_policy_built_with_a_config_gives_its_keys_to_the_modules_model_config():
    def policy():
        return EpsilonPolicy(OBS, gym.spaces.Discrete(3), {"epsilon": 0.5})

    report = assert_equivalent(policy(), EpsilonModule, observation_space=OBS,
                               action_space=gym.spaces.Discrete(3), examples=30)
    assert tuple(report.compared) == ("actions",)
    # the same module told another epsilon than the policy's acts differently
    with pytest.raises(EquivalenceError):
        assert_equivalent(policy(), EpsilonModule, observation_space=OBS,
                          action_space=gym.spaces.Discrete(3), examples=30,
                          migrated_model_config={"epsilon": 0.0})


DICT_OBS = gym.spaces.Dict({
    "mask": gym.spaces.Box(0, 1, (3,), dtype=np.int8),
    "turn": gym.spaces.Discrete(2),
})


class FlatRowsPolicy(Policy):
    """Reads the flattened Dict (mask first, then the one-hot turn), as a 2.10 worker fed it;
    its signature has no defaults: only RLlib's full keyword call runs it."""

    def __init__(self, observation_space, action_space, config):
        super().__init__(observation_space, action_space, config)
        self.width = observation_space.original_space["mask"].shape[0]

    def compute_actions(self, obs_batch, state_batches, prev_action_batch, prev_reward_batch,
                        info_batch, episodes, explore, timestep, **kwargs):
        return np.asarray(obs_batch)[:, :self.width].argmax(-1) + 3 * np.asarray(obs_batch)[:, -1], [], {}


class FlatRowsModule(RLModule):
    def _forward(self, batch, **kwargs):
        obs = batch[Columns.OBS]
        mask, turn = convert_to_numpy(obs["mask"]), convert_to_numpy(obs["turn"])
        return {Columns.ACTIONS: mask.argmax(-1) + 3 * (turn == 1)}


def test_a_hand_written_policy_gets_the_preprocessed_space_and_rows_and_all_keywords():
    report = assert_equivalent(FlatRowsPolicy, FlatRowsModule, observation_space=DICT_OBS,
                               action_space=gym.spaces.Discrete(6), examples=30)
    assert tuple(report.compared) == ("actions",)


def test_the_preprocessed_space_follows_the_configs_disable_switch():
    box = legacy_policy_space(FlatRowsPolicy, DICT_OBS, {"model": {}})
    assert box.shape == (5,) and box.original_space == DICT_OBS
    assert legacy_policy_space(FlatRowsPolicy, DICT_OBS, {"_disable_preprocessor_api": True}) is DICT_OBS
    assert legacy_policy_space(FlatRowsPolicy, DICT_OBS,
                               {"model": {"_disable_preprocessor_api": True}}) is DICT_OBS
    assert legacy_policy_space(Policy, DICT_OBS, {}) is DICT_OBS  # not hand-written: raw


def test_rllibs_policy_routes_an_input_dict_to_an_overridden_compute_actions():
    policy = FlatRowsPolicy(legacy_policy_space(FlatRowsPolicy, DICT_OBS, {}),
                            gym.spaces.Discrete(6), {})
    rows = np.array([[0, 1, 0, 0, 1], [1, 0, 0, 1, 0]], dtype=np.float32)
    actions, state, extra = policy.compute_actions_from_input_dict({"obs": rows}, explore=False)
    assert actions.tolist() == [4, 0] and state == [] and extra == {}


class FirstRowPolicy(Policy):
    """Written for one env per worker: reads obs[0] and answers one action for the batch."""

    def compute_actions(self, obs_batch, state_batches=None, **kwargs):
        row = obs_batch[0]
        return np.asarray([int(row[0] > 0.5) + int(row[1] > 0.5)]), [], {}


class FirstRowModule(RLModule):
    def _forward(self, batch, **kwargs):
        row = convert_to_numpy(batch[Columns.OBS])[0]
        return {Columns.ACTIONS: np.asarray([int(row[0] > 0.5) + int(row[1] > 0.5)])}


class FirstRowSecondFeatureMovedModule(RLModule):
    def _forward(self, batch, **kwargs):
        row = convert_to_numpy(batch[Columns.OBS])[0]
        return {Columns.ACTIONS: np.asarray([int(row[0] > 0.5) + int(row[1] > 0.0)])}


@pytest.mark.parametrize("engine", ["screen", "hypothesis"])
def test_a_policy_answering_only_the_first_row_is_compared_row_by_row(engine):
    """A batch of B rows answered with one action would compare one observation per batch:
    each row is checked alone instead (as RLlib's one-env worker called such a policy), so a
    module that differs only on rows other than the first of a batch is caught."""
    report = assert_equivalent(FirstRowPolicy, FirstRowModule, observation_space=OBS,
                               action_space=gym.spaces.Discrete(3), examples=30, engine=engine)
    assert report.compared == ("actions",) and report.rows > 30
    with pytest.raises(EquivalenceError) as info:
        assert_equivalent(FirstRowPolicy, FirstRowSecondFeatureMovedModule, observation_space=OBS,
                          action_space=gym.spaces.Discrete(3), examples=30, engine=engine)
    assert info.value.difference.quantity == "actions"


class ConfigGatedStatePolicy(Policy):
    """Keeps a state only when its config asks for it; None otherwise (as 2.10 allowed)."""

    def get_initial_state(self):
        if self.config.get("keep_state"):
            return [np.zeros(2, np.float32)]

    def compute_actions(self, obs_batch, state_batches=None, **kwargs):
        return [0 for _ in obs_batch], state_batches or [], {}


def test_a_policy_whose_initial_state_is_none_has_no_state():
    """Ray 2.10's AgentCollector took ``get_initial_state()`` or ``[]``: None is no state."""
    space = gym.spaces.Discrete(2)
    side = PolicySide(ConfigGatedStatePolicy(OBS, space, {}), label="legacy")
    assert side.initial_state(3) == [] and side.state_template() == []
    stateful = PolicySide(ConfigGatedStatePolicy(OBS, space, {"keep_state": True}), label="legacy")
    [state] = stateful.initial_state(3)
    assert state.shape == (3, 2)
