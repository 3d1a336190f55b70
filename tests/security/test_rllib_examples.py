"""RLlib's own documented patterns, written as its docs show them, against our names.

* a 2.10-style module (``__init__(self, config: RLModuleConfig)``) builds through
  ``RLModuleSpec.build()`` and ``MultiRLModuleSpec.build()``; the form is decided from the
  signature, so an error raised inside such an ``__init__`` surfaces unchanged (and once);
* a ``PPOTorchRLModule`` subclass that overrides ``setup()`` to build its own encoder and heads
  (the docs' "customize the default module" pattern) acts, trains and computes values.
"""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
import torch
from torch import nn

from rlmigrate import (
    Columns,
    MultiRLModuleSpec,
    PPOTorchRLModule,
    RLModule,
    RLModuleConfig,
    RLModuleSpec,
    TorchRLModule,
    compute_actions,
)
from rlmigrate.core.checkpoint import load_module
from rlmigrate.core.constants import ACTOR, CRITIC, ENCODER_OUT

OBS = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
ACT = gym.spaces.Discrete(3)
BATCH = {Columns.OBS: torch.linspace(-1, 1, 12).reshape(3, 4)}


class OldStyle(TorchRLModule):
    """RLlib 2.10's documented form: one positional config, layers read from it in setup()."""

    def __init__(self, config: RLModuleConfig) -> None:
        super().__init__(config)

    def setup(self) -> None:
        hidden = self.config.model_config_dict["hidden"]
        self.net = nn.Sequential(nn.Linear(4, hidden), nn.ReLU(), nn.Linear(hidden, self.config.action_space.n))

    def _forward_inference(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.net(batch[Columns.OBS])}

    _forward_exploration = _forward_train = _forward_inference


class BrokenOldStyle(TorchRLModule):
    calls = 0

    def __init__(self, config: RLModuleConfig) -> None:
        type(self).calls += 1
        raise TypeError("boom inside __init__")


class BrokenNewStyle(TorchRLModule):
    calls = 0

    def setup(self) -> None:
        type(self).calls += 1
        raise TypeError("boom inside setup")


def _spec(cls: type, **config) -> RLModuleSpec:
    return RLModuleSpec(module_class=cls, observation_space=OBS, action_space=ACT, model_config=config)


def test_2_10_style_module_builds_through_a_spec():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        module = _spec(OldStyle, hidden=5).build()
    assert module.net[0].out_features == 5
    assert module.forward_inference(BATCH)[Columns.ACTION_DIST_INPUTS].shape == (3, 3)


def test_2_10_style_modules_build_through_a_multi_spec():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        multi = MultiRLModuleSpec(rl_module_specs={"a": _spec(OldStyle, hidden=2), "b": _spec(OldStyle, hidden=6)}).build()
    assert multi["a"].net[0].out_features == 2 and multi["b"].net[0].out_features == 6


def test_error_inside_a_2_10_style_init_surfaces_unchanged_and_once():
    BrokenOldStyle.calls = 0
    with pytest.raises(TypeError, match="boom inside __init__"):
        _spec(BrokenOldStyle).build()
    assert BrokenOldStyle.calls == 1


def test_error_inside_a_keyword_module_surfaces_unchanged_and_once(tmp_path):
    """A TypeError raised by a keyword-style module is not retried the 2.10 way."""
    BrokenNewStyle.calls = 0
    with pytest.raises(TypeError, match="boom inside setup"):
        _spec(BrokenNewStyle).build()
    assert BrokenNewStyle.calls == 1


def test_2_10_style_module_round_trips_through_a_checkpoint(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        module = _spec(OldStyle, hidden=3).build()
        restored = load_module(module.save_to_path(tmp_path / "ckpt"), module_class=OldStyle)
    torch.testing.assert_close(
        restored.forward_inference(BATCH)[Columns.ACTION_DIST_INPUTS],
        module.forward_inference(BATCH)[Columns.ACTION_DIST_INPUTS],
    )


# ---------------------------------------------------------------- setup() overridden, as RLlib documents
class MyActorCriticEncoder(nn.Module):
    """An encoder written by hand: ``{ENCODER_OUT: {ACTOR: (B, H), CRITIC: (B, H)}}``."""

    def __init__(self, in_dim: int, hidden: int) -> None:
        super().__init__()
        self.actor = nn.Sequential(nn.Linear(in_dim, hidden), nn.Tanh())
        self.critic = nn.Sequential(nn.Linear(in_dim, hidden), nn.Tanh())

    def forward(self, batch):
        obs = batch[Columns.OBS]
        return {ENCODER_OUT: {ACTOR: self.actor(obs), CRITIC: self.critic(obs)}}


class MyPPOModule(PPOTorchRLModule):
    """Own encoder and heads in setup(); PPOTorchRLModule's forward passes and values reused."""

    def setup(self) -> None:
        hidden = self.model_config.get("hidden", 16)
        self.encoder = MyActorCriticEncoder(self.observation_space.shape[0], hidden)
        self.pi = nn.Linear(hidden, self.action_space.n)
        self.vf = nn.Linear(hidden, 1)


class MyCatalogPPOModule(PPOTorchRLModule):
    """setup() from the catalog's builders, without calling the parent's setup()."""

    def setup(self) -> None:
        self.encoder = self.catalog.build_actor_critic_encoder(framework="torch")
        self.pi = self.catalog.build_pi_head(framework="torch")
        self.vf = self.catalog.build_vf_head(framework="torch")


@pytest.mark.parametrize("cls", [MyPPOModule, MyCatalogPPOModule])
def test_ppo_subclass_with_its_own_setup_acts_trains_and_computes_values(cls):
    module = cls(observation_space=OBS, action_space=ACT, model_config={"hidden": 8, "fcnet_hiddens": [8]})
    for forward in (module.forward_inference, module.forward_exploration, module.forward_train):
        assert forward(BATCH)[Columns.ACTION_DIST_INPUTS].shape == (3, 3)
    train = module.forward_train(BATCH)
    values = module.compute_values(BATCH)
    assert values.shape == (3,)
    torch.testing.assert_close(module.compute_values(BATCH, embeddings=train[Columns.EMBEDDINGS]), values)
    assert not module.is_stateful() and module.get_initial_state() == {}
    for explore in (True, False):
        assert compute_actions(module, BATCH[Columns.OBS].numpy(), explore=explore)["actions"].shape == (3,)


@pytest.mark.parametrize("cls", [MyPPOModule, MyCatalogPPOModule])
def test_ppo_subclass_with_its_own_setup_builds_inference_only(cls):
    module = cls(observation_space=OBS, action_space=ACT, inference_only=True, model_config={"fcnet_hiddens": [8]})
    assert module.forward_inference(BATCH)[Columns.ACTION_DIST_INPUTS].shape == (3, 3)
    assert not hasattr(module, "vf")


def test_ppo_subclass_with_its_own_setup_round_trips(tmp_path):
    module = MyPPOModule(observation_space=OBS, action_space=ACT, model_config={"hidden": 4})
    restored = RLModule.from_checkpoint(module.save_to_path(tmp_path / "ckpt"), module_class=MyPPOModule)
    torch.testing.assert_close(
        restored.forward_inference(BATCH)[Columns.ACTION_DIST_INPUTS],
        module.forward_inference(BATCH)[Columns.ACTION_DIST_INPUTS],
    )


def test_error_inside_a_constructor_during_a_checkpoint_load_is_chained_not_retried(tmp_path, monkeypatch):
    """Loading used to catch TypeError and retry the 2.10 way, hiding the real error."""
    module = MyPPOModule(observation_space=OBS, action_space=ACT, model_config={"hidden": 4})
    path = module.save_to_path(tmp_path / "ckpt")
    built_from_config = []
    monkeypatch.setattr(RLModuleConfig, "__post_init__", lambda self: built_from_config.append(self), raising=False)

    def broken_setup(self):
        raise TypeError("boom inside setup")

    monkeypatch.setattr(MyPPOModule, "setup", broken_setup)
    with pytest.raises(Exception, match="TypeError: boom inside setup") as info:
        load_module(path, module_class=MyPPOModule)
    assert isinstance(info.value.__cause__, TypeError)
    assert built_from_config == []


def test_2_10_style_multi_module_class_builds_through_a_multi_spec():
    from rlmigrate import MultiRLModule

    class OldMulti(MultiRLModule):
        def __init__(self, config) -> None:
            super().__init__(config)

    multi = MultiRLModuleSpec(
        multi_rl_module_class=OldMulti, rl_module_specs={"a": RLModuleSpec.from_module(MyPPOModule(observation_space=OBS, action_space=ACT))}
    ).build()
    assert type(multi) is OldMulti and isinstance(multi["a"], MyPPOModule)
