"""Lazily built submodules (``rlmigrate.testing.warmup``): found on copies without touching the
sides, built on both real sides by one identical step only when found, and their weights then
transferred by ``assert_equivalent``, which still finds a lazily built part that computes
something else."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from torch import nn

from rlmigrate import Columns, TorchRLModule
from rlmigrate.testing.equivalence import EquivalenceError, assert_equivalent
from rlmigrate.testing.loading import load_reference
from rlmigrate.testing.side_build import as_side
from rlmigrate.testing.warmup import WARMUP_BATCH, WarmUp, lazily_built, warm_up_lazy

ROOT = Path(__file__).resolve().parents[2]
OBS = gym.spaces.Box(-1.0, 1.0, (4,), dtype=np.float32)
ACT = gym.spaces.Discrete(3)


class Counting(TorchRLModule):
    """Counts its forward calls; builds ``self.head`` in the first one when ``lazy``."""

    def setup(self):
        self.pi = nn.Linear(4, 3)
        self.head = None
        self.calls = 0

    def _forward(self, batch, **kwargs):
        self.calls += 1
        if self.model_config.get("lazy") and self.head is None:
            self.head = nn.Linear(4, 3)
        out = self.pi(batch[Columns.OBS])
        if self.head is not None:
            out = out + self.model_config.get("sign", 1.0) * self.head(batch[Columns.OBS])
        return {Columns.ACTION_DIST_INPUTS: out}


class Broken(Counting):
    def _forward(self, batch, **kwargs):
        raise RuntimeError("no forward today")


def side(label: str, cls=Counting, **config):
    module = cls(observation_space=OBS, action_space=ACT, model_config=config)
    return as_side(module, label=label, observation_space=OBS, action_space=ACT, model_config=None)


def test_nothing_built_lazily_means_no_step_on_the_real_sides():
    left, right = side("legacy"), side("migrated")
    warm = warm_up_lazy(left, right, seed=3)
    assert not warm.ran and warm.built == {"legacy": (), "migrated": ()} and warm.describe() == ""
    assert left.module.calls == 0 and right.module.calls == 0  # only their copies were stepped


def test_a_lazy_build_is_found_on_a_copy_then_both_sides_take_one_step():
    left, right = side("legacy", lazy=True), side("migrated", lazy=True)
    obs = np.zeros((WARMUP_BATCH, 4), np.float32)
    assert lazily_built(left, obs, [], seed=0) == ("head",)
    assert left.module.head is None and left.module.calls == 0  # the probe left it alone
    warm = warm_up_lazy(left, right, seed=3)
    assert warm.built == {"legacy": ("head",), "migrated": ("head",)}
    assert left.module.calls == right.module.calls == 1
    assert "head.weight" in right.module.state_dict()
    assert "legacy head; migrated head" in warm.describe()


def test_a_side_that_cannot_step_or_has_no_module_weights_is_not_probed():
    broken = side("legacy", Broken)
    assert lazily_built(broken, np.zeros((2, 4), np.float32), [], seed=0) == ()

    class NoModule:  # a policy-like side: its weights are not an nn.Module's
        def weights_owner(self):
            return {}

    assert lazily_built(NoModule(), None, [], seed=0) == ()  # type: ignore[arg-type]
    assert not WarmUp({"legacy": (), "migrated": ()}).ran


def test_lazily_built_weights_drawn_differently_are_transferred_and_reported():
    legacy = load_reference(f"{ROOT}/fixtures/legacy/lazy_submodule.py:LazyHeadModel", legacy=True)[0]
    migrated = load_reference(f"{ROOT}/fixtures/expected/lazy_submodule.py:LazyHeadModel", legacy=False)[0]

    class OwnDraws(migrated):
        def _forward(self, batch, **kwargs):
            if self.value_head is None:
                torch.rand(7)  # a draw of its own first: its value head differs from the legacy one
            return super()._forward(batch, **kwargs)

    report = assert_equivalent(legacy, OwnDraws, observation_space=OBS, action_space=ACT, examples=20)
    assert report.lazily_built == {"legacy": ("value_head",), "migrated": ("value_head",)}
    assert "values" in report.compared and "warm-up: the first forward pass builds" in str(report)


def test_a_lazily_built_part_that_computes_something_else_is_still_found():
    reference = Counting(observation_space=OBS, action_space=ACT, model_config={"lazy": True})
    flipped = Counting(observation_space=OBS, action_space=ACT, model_config={"lazy": True, "sign": -1.0})
    with pytest.raises(EquivalenceError, match="action_dist_inputs"):
        assert_equivalent(reference, flipped, examples=10)
