"""Recorded observations: checked against the declared space, then on both sides of a proof.

Our own legacy idiom (the pattern of card-game heuristics): the observation holds one-hot
blocks, and the rule reads the card a block encodes in a loop that assigns a local variable
only when it finds the hot entry -- ``UnboundLocalError`` on a block that encodes no card,
which the game never produces and generated inputs nearly always do.
"""

from __future__ import annotations

import json
import re

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlmigrate import Columns, RLModule
from rlmigrate.cli import main
from rlmigrate.core.numpy_utils import convert_to_numpy
from rlmigrate.testing.compare import Inconclusive
from rlmigrate.testing.equivalence import EquivalenceError, assert_equivalent
from rlmigrate.testing.recorded_obs import (
    check_observations,
    leaf_paths,
    load_observations,
    save_observations,
)
from rlmigrate.testing.sampling import sample_observations
from rlmigrate.testing.strategies import spaces
from shim.policy.policy import Policy

BLOCKS, CARDS = 3, 5
HAND = gym.spaces.Box(-24, 127, (BLOCKS * CARDS,), dtype=np.int8)  # three one-hot cards


def _card(block):
    for value in range(CARDS):
        if block[value] == 1:
            card = value
    return card  # UnboundLocalError when no entry is hot


def _best(row):
    return int(np.argmax([_card(row[i * CARDS:(i + 1) * CARDS]) for i in range(BLOCKS)]))


class HighestCardPolicy(Policy):
    def compute_actions(self, obs_batch, state_batches=None, **kwargs):
        return np.array([_best(row) for row in obs_batch]), [], {}

    def get_weights(self):
        pass


class HighestCardModule(RLModule):
    def _forward(self, batch, **kwargs):
        return {Columns.ACTIONS: np.array([_best(row) for row in convert_to_numpy(batch[Columns.OBS])])}


class FirstBlockOffModule(RLModule):
    """A port that reads the blocks one card too far to the right: wrong on real hands."""

    def _forward(self, batch, **kwargs):
        obs = convert_to_numpy(batch[Columns.OBS])
        return {Columns.ACTIONS: np.array([_best(np.roll(row, 1)) for row in obs])}


def _hands(n, seed=0):
    rng = np.random.default_rng(seed)
    hands = np.zeros((n, BLOCKS * CARDS), np.int8)
    for row in range(n):
        for block in range(BLOCKS):
            hands[row, block * CARDS + rng.integers(CARDS)] = 1
    return hands


def test_generated_inputs_alone_leave_the_card_rule_inconclusive():
    with pytest.raises(Inconclusive, match=r"acts on only \d+ of \d+ generated examples.*"
                       r"UnboundLocalError on"):
        assert_equivalent(HighestCardPolicy, HighestCardModule, observation_space=HAND,
                          action_space=gym.spaces.Discrete(BLOCKS), examples=20)


def test_recorded_hands_prove_the_port_with_the_generated_failures_matched():
    report = assert_equivalent(HighestCardPolicy, HighestCardModule, observation_space=HAND,
                               action_space=gym.spaces.Discrete(BLOCKS), examples=20,
                               observations=_hands(30))
    assert report.recorded == 30 and report.recorded_acted == 30 and not report.recorded_raised
    assert report.examples + report.recorded_acted >= 20
    assert re.search(r"; acted on \d+ of \d+ generated examples and on 30 of 30 recorded observations; "
                     r"both sides raised the same exception on the other \d+ generated: "
                     r"UnboundLocalError on \d+", str(report).splitlines()[0])


def test_a_port_wrong_only_on_real_hands_is_caught_on_a_recorded_row():
    with pytest.raises(EquivalenceError, match=r"recorded observation \d+ of observations"):
        assert_equivalent(HighestCardPolicy, FirstBlockOffModule, observation_space=HAND,
                          action_space=gym.spaces.Discrete(BLOCKS), examples=20,
                          observations=_hands(30))


DICT = gym.spaces.Dict(
    action_mask=gym.spaces.Box(0, 1, (4,), np.int8),
    turn=gym.spaces.Discrete(2),
    cards=gym.spaces.Tuple((gym.spaces.Box(-1.0, 1.0, (2,), np.float32), gym.spaces.MultiDiscrete([3, 2]))),
)
GOOD = {
    "action_mask": np.ones((3, 4), np.int8),
    "turn": np.array([0, 1, 1]),
    "cards": (np.zeros((3, 2), np.float64), np.array([[2, 1], [0, 0], [1, 1]])),
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"action_mask": np.ones((3, 5))},
         r"leaf 'action_mask': shape \(3, 5\) does not fit Box\(0, 1, \(4,\), int8\): expected \(N, 4\)"),
        ({"action_mask": np.full((3, 4), 2)},
         r"leaf 'action_mask': row 0 is outside .*value 2 at index \(0,\) is above high 1"),
        ({"action_mask": np.full((3, 4), 0.5)}, r"leaf 'action_mask': row 0 holds 0.5 at index \(0,\)"),
        ({"turn": np.array([0, 1, 2])}, r"leaf 'turn': row 2 is outside Discrete\(2\): 2 is not in \[0, 2\)"),
        ({"cards": (np.array([[0, 0], [0, 3.0], [0, 0]]), GOOD["cards"][1])},
         r"leaf 'cards/0': row 1 is outside .*value 3.0 at index \(1,\) is above high 1.0"),
        ({"cards": (GOOD["cards"][0], np.array([[2, 1], [0, 2], [1, 1]]))},
         r"leaf 'cards/1': row 1 is outside .*value 2 at index \(1,\) is not in \[0, 2\)"),
        ({"turn": np.array([0, 1])}, r"leaf 'turn': 2 rows, but the other leaves have 3"),
    ],
)
def test_observations_outside_the_space_name_the_leaf_row_and_index(change, message):
    with pytest.raises(ValueError, match=message):
        check_observations(DICT, {**GOOD, **change})


def test_a_missing_leaf_names_the_space():
    with pytest.raises(ValueError, match=r"no leaf 'turn' for Dict"):
        check_observations(DICT, {k: v for k, v in GOOD.items() if k != "turn"})


def test_float64_rows_of_a_float32_box_are_cast_like_the_env_checker_allows():
    checked = check_observations(DICT, GOOD)
    assert checked.count == 3 and checked.obs["cards"][0].dtype == np.float32
    assert checked.row(2)["action_mask"].shape == (1, 1, 4)  # (B, T, ...) of one row


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(space=spaces(max_depth=2, max_leaf_size=4), n=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_any_sampled_batch_fits_and_survives_the_npz_round_trip(tmp_path, space, n, seed):
    obs = sample_observations(space, (n,), np.random.default_rng(seed))
    path = tmp_path / f"obs{seed}.npz"
    save_observations(path, space, obs)
    loaded = load_observations(path, space)
    assert loaded.count == n
    for leaf_path, _ in leaf_paths(space):
        original, again = obs, loaded.obs
        for part in [p for p in leaf_path.split("/") if p]:
            key = int(part) if isinstance(original, tuple) else part
            original, again = original[key], again[key]
        np.testing.assert_array_equal(np.asarray(original), again)


def test_verify_observations_flag_proves_with_real_rows_and_rejects_a_bad_file(tmp_path, capsys):
    pair = [f"{__file__}:HighestCardPolicy", f"{__file__}:HighestCardModule"]
    spaces_args = ["--obs-space", "Box(-24, 127, (15,), int8)", "--action-space", "Discrete(3)",
                   "--examples", "20"]
    assert main(["verify", *pair, *spaces_args, "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().out)["verdict"] == "inconclusive"
    good = tmp_path / "hands.npz"
    np.savez(good, obs=_hands(25))
    assert main(["verify", *pair, *spaces_args, "--observations", str(good), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)["report"]
    assert report["recorded"] == 25 and report["recorded_acted"] == 25
    bad = tmp_path / "bad.npz"
    np.savez(bad, obs=np.ones((4, 14), np.int8))
    assert main(["verify", *pair, *spaces_args, "--observations", str(bad)]) == 2
    assert "--observations bad.npz: shape (4, 14) does not fit Box(-24, 127, (15,), int8)" in " ".join(
        capsys.readouterr().err.split())
