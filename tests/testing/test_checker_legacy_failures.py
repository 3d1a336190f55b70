"""Equivalence including failures: where the legacy code raises, the port must raise the same.

Our own legacy idiom (the pattern of hand-written board-game heuristics): a random legal move
from the action-mask part of the observation, ``random.choice`` of an empty list when the mask
has no legal move -- a state the game never produces, but generated inputs do. A faithful
module raises there too; near misses act instead, raise another type, or raise where the
legacy code acts.
"""

from __future__ import annotations

import random
import zlib

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlmigrate import Columns, RLModule
from rlmigrate.core.numpy_utils import convert_to_numpy
from rlmigrate.testing.compare import Inconclusive, LegacyFailure, exception_name
from rlmigrate.testing.equivalence import EquivalenceError, assert_equivalent
from shim.policy.policy import Policy

MASK = gym.spaces.Box(0, 1, (4,), dtype=np.int64)  # the observation is the legal-move mask
ACTIONS = gym.spaces.Discrete(4)


def _random_legal(mask):
    return random.choice([i for i in range(len(mask)) if mask[i]])


class RandomLegalMovePolicy(Policy):
    def compute_actions(self, obs_batch, state_batches=None, **kwargs):
        return np.array([_random_legal(row) for row in obs_batch]), [], {}

    def get_weights(self):
        pass


class RandomLegalMoveModule(RLModule):
    """The faithful port: the same draw, the same IndexError on an empty mask."""

    def _forward(self, batch, **kwargs):
        obs = convert_to_numpy(batch[Columns.OBS])
        return {Columns.ACTIONS: np.array([_random_legal(row) for row in obs])}


class PassesWhenStuckModule(RLModule):
    """Acts (action 0) where the legacy code raised: not what the legacy policy does."""

    def _forward(self, batch, **kwargs):
        obs = convert_to_numpy(batch[Columns.OBS])
        return {Columns.ACTIONS: np.array([_random_legal(row) if row.any() else 0 for row in obs])}


class OtherErrorModule(RLModule):
    """Raises where the legacy code raised, but another exception type."""

    def _forward(self, batch, **kwargs):
        obs = convert_to_numpy(batch[Columns.OBS])
        if not obs.any(axis=1).all():
            raise ValueError("no legal move")
        return {Columns.ACTIONS: np.array([_random_legal(row) for row in obs])}


class RaisesOnOneLegalMoveModule(RLModule):
    """Raises the legacy type, but also where the legacy code acts (a single legal move)."""

    def _forward(self, batch, **kwargs):
        obs = convert_to_numpy(batch[Columns.OBS])
        if (obs.sum(axis=1) <= 1).any():
            raise IndexError("Cannot choose from an empty sequence")
        return {Columns.ACTIONS: np.array([_random_legal(row) for row in obs])}


def _verify(module, **kwargs):
    return assert_equivalent(RandomLegalMovePolicy, module, observation_space=MASK,
                             action_space=ACTIONS, examples=20, **kwargs)


@pytest.mark.parametrize("engine", ["screen", "hypothesis"])
def test_a_port_that_reproduces_the_legacy_failure_is_equivalent_and_says_how_often(engine):
    report = _verify(RandomLegalMoveModule, engine=engine)
    assert report.examples >= 20  # the requested examples all acted on both sides
    assert set(report.raised) == {"IndexError"} and report.raised["IndexError"] > 0
    assert report.engine == "hypothesis"  # the batched screen met the failure and handed over
    first_line = str(report).splitlines()[0]
    assert f"acted on {report.examples} of {report.examples + report.raised['IndexError']}" in first_line
    assert "IndexError on" in first_line and "Cannot choose from an empty sequence" in first_line


@pytest.mark.parametrize(
    ("module", "reason"),
    [
        (PassesWhenStuckModule, r"legacy raised IndexError: .*but migrated acts on this input"),
        (OtherErrorModule, r"legacy raised IndexError: .*another exception type: ValueError"),
        (RaisesOnOneLegalMoveModule, r"migrated raised IndexError"),
    ],
)
def test_near_misses_of_the_legacy_failure_are_differences(module, reason):
    with pytest.raises(EquivalenceError, match=reason):
        _verify(module)


def test_strict_mode_ends_at_the_first_legacy_failure():
    with pytest.raises(LegacyFailure, match=r"itself raises .*IndexError.*raises too") as info:
        _verify(RandomLegalMoveModule, legacy_failures="strict")
    assert type(info.value) is LegacyFailure


def test_an_unknown_failure_mode_is_a_usage_error():
    with pytest.raises(ValueError, match="legacy_failures='lenient'"):
        _verify(RandomLegalMoveModule, legacy_failures="lenient")


def _rarely_handled(obs) -> bool:
    """About 1 batch in 300: the few states a legacy rule was written for (a checksum of the
    observations, so that no input shape or value the generator favours makes it common)."""
    return zlib.crc32(np.ascontiguousarray(obs, dtype=np.float32).tobytes()) % 300 == 0


class RareStatePolicy(Policy):
    def compute_actions(self, obs_batch, state_batches=None, **kwargs):
        if not _rarely_handled(obs_batch):
            raise KeyError("board")
        return np.zeros(len(obs_batch), np.int64), [], {}

    def get_weights(self):
        pass


class RareStateModule(RLModule):
    def _forward(self, batch, **kwargs):
        obs = convert_to_numpy(batch[Columns.OBS])
        if not _rarely_handled(obs):
            raise KeyError("board")
        return {Columns.ACTIONS: np.zeros(len(obs), np.int64)}


def test_a_legacy_side_that_acts_on_too_few_inputs_is_inconclusive_never_equivalent():
    with pytest.raises(Inconclusive, match=r"inconclusive: legacy \(Policy RareStatePolicy\) "
                       r"acts on only \d+ of \d+ generated examples.*fewer than the 20.*KeyError on") as info:
        assert_equivalent(RareStatePolicy, RareStateModule, observation_space=MASK,
                          action_space=ACTIONS, examples=20)
    assert info.value.acted < 20 and info.value.raised["KeyError"] > info.value.acted
    assert isinstance(info.value, LegacyFailure) and not isinstance(info.value, EquivalenceError)


def test_exception_types_match_by_name_across_two_copies_of_a_project():
    """The legacy and the migrated side may import two copies of a project's own module."""
    first = type("NoLegalMove", (Exception,), {"__module__": "game.rules"})
    second = type("NoLegalMove", (Exception,), {"__module__": "game.rules"})
    assert first is not second and exception_name(first()) == exception_name(second())
    assert exception_name(IndexError()) == "IndexError"
    other = type("NoLegalMove", (Exception,), {"__module__": "other.rules"})
    assert exception_name(other()) != exception_name(first())


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.nested_given])
@given(bad=st.sets(st.integers(0, 5), min_size=1, max_size=3))
def test_any_set_of_failing_observations_is_matched_row_for_row(bad):
    """Whatever observations the legacy code raises on, a port with the same rule is
    equivalent, counts only acting examples and names the failure; one that acts there is not."""
    space = gym.spaces.Discrete(6)

    class Legacy(Policy):
        def compute_actions(self, obs_batch, state_batches=None, **kwargs):
            codes = np.asarray(obs_batch).argmax(axis=1)  # the worker one-hot encodes Discrete
            if any(int(c) in bad for c in codes):
                raise KeyError(f"unseen state {sorted(bad)}")
            return codes % 2, [], {}

        def get_weights(self):
            pass

    class Port(RLModule):
        def _forward(self, batch, **kwargs):
            codes = np.asarray(convert_to_numpy(batch[Columns.OBS])).reshape(-1)
            if any(int(c) in bad for c in codes):
                raise KeyError(f"unseen state {sorted(bad)}")
            return {Columns.ACTIONS: codes % 2}

    class Lenient(Port):
        def _forward(self, batch, **kwargs):
            codes = np.asarray(convert_to_numpy(batch[Columns.OBS])).reshape(-1)
            return {Columns.ACTIONS: codes % 2}

    report = assert_equivalent(Legacy, Port, observation_space=space, action_space=ACTIONS,
                               examples=10, batch_size=(1, 2))
    assert report.examples >= 10 and set(report.raised) <= {"KeyError"}
    with pytest.raises(EquivalenceError, match="acts on this input"):  # 30 examples: all 6 states
        assert_equivalent(Legacy, Lenient, observation_space=space, action_space=ACTIONS,
                          examples=30, batch_size=(1, 2))
