"""verify knows DQN and SAC: the legacy side acts on Q-values / the SAC policy head.

A DQN ModelV2's ``forward()`` returns features; the kit builds it as Ray 2.10's DQN policy did
and compares the Q-values (dueling-combined) and greedy / epsilon-greedy actions with the DQN
module. A SAC model is compared through ``get_action_model_outputs``. Planted near-misses
(a lost dueling combination, a missing twin-Q-free policy head difference) are caught.
"""

from __future__ import annotations

import gymnasium as gym
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.modules.dqn import DQNRainbowTorchRLModule
from rlmigrate.modules.sac import SACTorchRLModule
from rlmigrate.testing.compare import EquivalenceError
from rlmigrate.testing.equivalence import assert_equivalent
from rlmigrate.testing.side_build import as_side
from rlmigrate.testing.side_qsac import (
    LegacyDQNSide,
    LegacySACSide,
    QSACPolicySide,
    default_weights_view,
    qsac_kind,
)
from shim.models.dqn_torch_model import DQNTorchModel
from shim.models.sac_torch_model import SACTorchModel
from shim.policy.dqn import DQNTorchPolicy
from shim.policy.sac import SACTorchPolicy

OBS = gym.spaces.Box(-1, 1, (5,))


class BodyQModel(DQNTorchModel):
    """A user DQN model: its own body, RLlib's Q heads."""

    def __init__(self, obs_space, action_space, num_outputs, model_config, name, **kw):
        super().__init__(obs_space, action_space, num_outputs, model_config, name, **kw)
        self.body = torch.nn.Sequential(torch.nn.Linear(obs_space.shape[0], num_outputs), torch.nn.Tanh())

    def forward(self, input_dict, state, seq_lens):
        return self.body(input_dict["obs"]), state


class BodyQModule(DQNRainbowTorchRLModule):
    """Its migrated twin (what the codemod writes)."""

    def setup(self):
        num_outputs = self.dqn_num_outputs()
        self.build_q_heads(num_outputs)
        self.body = torch.nn.Sequential(torch.nn.Linear(self.observation_space.shape[0], num_outputs), torch.nn.Tanh())

    def _forward(self, batch, **kwargs):
        return {"embeddings": self.body(batch["obs"])}


@pytest.mark.parametrize("explore", [False, True])
@pytest.mark.parametrize("config", [
    {"fcnet_hiddens": [16, 8], "hiddens": [8]},
    {"fcnet_hiddens": [16], "hiddens": [], "dueling": False},
    {"hiddens": [4], "num_atoms": 3, "v_min": -1.0, "v_max": 1.0},
])
def test_default_dqn_model_and_module_are_equivalent(config, explore) -> None:
    report = assert_equivalent(DQNTorchModel, DQNRainbowTorchRLModule, observation_space=OBS,
                               action_space=gym.spaces.Discrete(3), model_config=config, explore=explore,
                               examples=8)
    assert "equivalent" in str(report)


@pytest.mark.parametrize("explore", [False, True])
def test_dqn_subclass_with_its_own_body_is_equivalent(explore) -> None:
    assert_equivalent(BodyQModel, BodyQModule, observation_space=OBS, action_space=gym.spaces.Discrete(4),
                      model_config={"fcnet_hiddens": [6], "hiddens": [5]}, explore=explore, examples=8)


def test_lost_dueling_combination_is_caught() -> None:
    with pytest.raises(EquivalenceError, match="in 'action_dist_inputs'|weights"):
        assert_equivalent(DQNTorchModel, DQNRainbowTorchRLModule, observation_space=OBS,
                          action_space=gym.spaces.Discrete(3), model_config={"hiddens": [4]},
                          migrated_model_config={"hiddens": [4], "dueling": False}, examples=5)


def test_dqn_legacy_side_builds_as_the_dqn_policy() -> None:
    side = as_side(DQNTorchModel, label="legacy", observation_space=OBS, action_space=gym.spaces.Discrete(3),
                   model_config={"fcnet_hiddens": [7], "hiddens": [3]})
    assert isinstance(side, LegacyDQNSide)
    assert side.model.num_outputs == 7 and side.model.model_config["no_final_linear"]
    view = default_weights_view(side.model)
    assert "encoder.net.mlp.0.weight" in view and not any("_value_branch" in k for k in view)
    out = side.step(OBS.sample()[None].repeat(2, 0), [], explore=False, seed=0)
    assert out["action_dist_inputs"].shape == (2, 3) and out["values"] is None


@pytest.mark.parametrize("explore", [False, True])
@pytest.mark.parametrize("action_space", [gym.spaces.Box(-1, 1, (2,)), gym.spaces.Discrete(3)])
def test_sac_model_and_module_are_equivalent(action_space, explore) -> None:
    config = {"policy_model_config": {"fcnet_hiddens": [8]}, "q_model_config": {"fcnet_hiddens": [6]}}
    assert_equivalent(SACTorchModel, SACTorchRLModule, observation_space=OBS, action_space=action_space,
                      model_config=config, explore=explore, examples=8)
    assert isinstance(as_side(SACTorchModel, label="legacy", observation_space=OBS, action_space=action_space,
                              model_config=config), LegacySACSide)


def test_sac_policy_head_size_mismatch_is_caught() -> None:
    with pytest.raises(EquivalenceError):
        assert_equivalent(SACTorchModel, SACTorchRLModule, observation_space=OBS,
                          action_space=gym.spaces.Box(-1, 1, (2,)),
                          model_config={"policy_model_config": {"fcnet_hiddens": [8]}},
                          migrated_model_config={"policy_model_config": {"fcnet_hiddens": [8, 8]}}, examples=3)


@pytest.mark.parametrize("explore", [False, True])
def test_shim_dqn_policy_acts_like_the_module(explore) -> None:
    policy_cls = DQNTorchPolicy.with_updates(name="MyDQN")
    config = {"model": {"fcnet_hiddens": [16, 8]}, "hiddens": [8],
              "exploration_config": {"type": "EpsilonGreedy", "initial_epsilon": 0.5, "final_epsilon": 0.1,
                                     "epsilon_timesteps": 100}}
    policy = policy_cls(OBS, gym.spaces.Discrete(3), dict(config))
    assert isinstance(as_side(policy, label="legacy", observation_space=None, action_space=None,
                              model_config=None), QSACPolicySide)
    migrated = {**config["model"], **{k: v for k, v in config.items() if k != "model"}}
    assert_equivalent(policy, DQNRainbowTorchRLModule, migrated_model_config=migrated, model_config=config["model"],
                      explore=explore, examples=8)


@pytest.mark.parametrize("explore", [False, True])
def test_shim_sac_policy_acts_like_the_module(explore) -> None:
    config = {"policy_model_config": {"fcnet_hiddens": [8]}, "q_model_config": {"fcnet_hiddens": [6]}}
    policy = SACTorchPolicy(OBS, gym.spaces.Box(-1, 1, (2,)), dict(config))
    assert_equivalent(policy, SACTorchRLModule, migrated_model_config=config, model_config={},
                      explore=explore, examples=8)


def test_qsac_kind_tells_dqn_sac_and_others_apart() -> None:
    from shim.models.fcnet import FullyConnectedNetwork

    assert qsac_kind(DQNTorchModel) == "dqn" and qsac_kind(BodyQModel) == "dqn"
    assert qsac_kind(SACTorchModel) == "sac" and qsac_kind(FullyConnectedNetwork) is None


def test_a_dqn_policy_class_gets_the_algorithm_keys_of_the_model_config() -> None:
    policy_cls = DQNTorchPolicy.with_updates(name="KeysDQN")
    config = {"fcnet_hiddens": [6], "hiddens": [3], "dueling": False}
    side = as_side(policy_cls, label="legacy", observation_space=OBS, action_space=gym.spaces.Discrete(2),
                   model_config=config)
    assert side.policy.config["hiddens"] == [3] and side.policy.config["dueling"] is False
    assert "value_module" not in dict(side.policy.model.named_children())
    assert_equivalent(policy_cls, DQNRainbowTorchRLModule, observation_space=OBS,
                      action_space=gym.spaces.Discrete(2), model_config=config, examples=5)


def test_module_config_from_policy_config_keeps_only_algorithm_keys() -> None:
    from rlmigrate.modules.dqn_config import module_config_from_policy_config
    from rlmigrate.modules.sac_config import SAC_POLICY_KEYS

    config = {"model": {"fcnet_hiddens": [4]}, "twin_q": False, "lr": 0.1, "hiddens": [2]}
    assert module_config_from_policy_config(config) == {"fcnet_hiddens": [4], "hiddens": [2]}
    assert module_config_from_policy_config(config, SAC_POLICY_KEYS) == {"fcnet_hiddens": [4], "twin_q": False}


@settings(max_examples=8, deadline=None)
@given(
    fc=st.lists(st.integers(1, 6), min_size=1, max_size=2),
    hiddens=st.lists(st.integers(1, 5), max_size=2),
    dueling=st.booleans(),
    atoms=st.sampled_from([1, 3]),
    n=st.integers(2, 4),
    obs_dim=st.integers(1, 4),
)
def test_default_dqn_model_equivalence_holds_across_configs(fc, hiddens, dueling, atoms, n, obs_dim) -> None:
    config = {"fcnet_hiddens": fc, "hiddens": hiddens, "dueling": dueling,
              "num_atoms": atoms if hiddens else 1, "v_min": -2.0, "v_max": 2.0}
    assert_equivalent(DQNTorchModel, DQNRainbowTorchRLModule, observation_space=gym.spaces.Box(-1, 1, (obs_dim,)),
                      action_space=gym.spaces.Discrete(n), model_config=config, examples=3)
