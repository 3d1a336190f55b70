"""Whole-input delegation to an inner legacy network over structured observations: the rewrite
builds the inner network on the legacy (flattened) space and hands it the legacy input_dict, so
the migration verifies on Dict observations with Discrete parts and on RLlib's Repeated lists,
where the inner network used to be built on the raw space and failed to build."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import pytest

from rlmigrate.testing.equivalence import assert_equivalent
from rlmigrate.testing.loading import load_reference
from shim.spaces import Repeated

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ITEM = gym.spaces.Dict(
    {"where": gym.spaces.Box(-1.0, 1.0, (2,)), "kind": gym.spaces.Discrete(3),
     "load": gym.spaces.Box(0.0, 1.0, (4,))}
)


@pytest.mark.parametrize("space", [
    gym.spaces.Dict({"position": gym.spaces.Box(-1.0, 1.0, (3,)), "mode": gym.spaces.Discrete(4)}),
    Repeated(ITEM, max_len=5),
    Repeated(gym.spaces.Box(-1.0, 1.0, (3,)), max_len=2),
], ids=["dict", "repeated-dict", "repeated-box"])
def test_whole_input_delegation_verifies_on_structured_spaces(space):
    legacy, _ = load_reference(f"{FIXTURES}/legacy/structured_obs_delegation.py:InspectingWrapper", legacy=True)
    migrated, _ = load_reference(f"{FIXTURES}/expected/structured_obs_delegation.py:InspectingWrapper",
                                 legacy=True)
    for explore in (False, True):
        report = assert_equivalent(legacy, migrated, observation_space=space,
                                   action_space=gym.spaces.Discrete(3),
                                   model_config={"fcnet_hiddens": [16]}, examples=30, explore=explore)
        assert {"action_dist_inputs", "actions", "logp", "values"} <= set(report.compared)
