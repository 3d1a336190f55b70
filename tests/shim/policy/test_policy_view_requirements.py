"""The view-requirement hooks RLlib's own heuristic policies override (``@override(Policy)``)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from shim.policy.policy import Policy
from shim.policy.sample_batch import SampleBatch

OBS = gym.spaces.Box(-1.0, 1.0, (3,), dtype=np.float32)
ACT = gym.spaces.Discrete(4)


class Tweaked(Policy):
    def init_view_requirements(self):
        super().init_view_requirements()
        self.view_requirements[SampleBatch.INFOS].used_for_compute_actions = False


def test_init_view_requirements_rebuilds_the_defaults_and_subclasses_extend_them():
    policy = Tweaked(OBS, ACT, {})
    policy.view_requirements.pop(SampleBatch.OBS)
    policy.init_view_requirements()
    assert SampleBatch.OBS in policy.view_requirements
    assert policy.view_requirements[SampleBatch.INFOS].used_for_compute_actions is False


@pytest.mark.parametrize("batch_size", [1, 3])
def test_dummy_batch_has_zeros_shaped_like_each_space(batch_size):
    batch = Policy(OBS, ACT, {})._get_dummy_batch_from_view_requirements(batch_size)
    assert batch[SampleBatch.OBS].shape == (batch_size, 3)
    assert batch[SampleBatch.OBS].dtype == np.float32
    assert batch[SampleBatch.ACTIONS].shape == (batch_size,)
    assert not batch[SampleBatch.OBS].any()

