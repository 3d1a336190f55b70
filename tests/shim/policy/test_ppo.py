"""PPO's legacy pieces that user policies copying ``PPOTorchPolicy.__init__`` call: the
config check, the mixins' constructors, ``PPOConfig().to_dict()`` and the loss initialisation."""

from __future__ import annotations

import logging

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shim.models.model_defaults import merge_model_config
from shim.policy.ppo import (
    EntropyCoeffSchedule,
    KLCoeffMixin,
    LearningRateSchedule,
    PPOConfig,
    PPOTorchPolicy,
    ValueNetworkMixin,
)
from shim.policy.ppo_validate import validate_config
from shim.policy.torch_policy_v2 import TorchPolicyV2

BOX = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
ACT = gym.spaces.Discrete(3)
OBS = np.linspace(-1, 1, 9, dtype=np.float32).reshape(3, 3)

#: Ray 2.10's PPOConfig().to_dict() values of the keys PPO's own __init__ reads
RAY_2_10_PPO = {"lr": 5e-5, "lr_schedule": None, "entropy_coeff": 0.0, "entropy_coeff_schedule": None,
                "kl_coeff": 0.2, "kl_target": 0.01, "use_gae": True, "use_kl_loss": True,
                "grad_clip": None, "sgd_minibatch_size": 128, "num_sgd_iter": 30,
                "train_batch_size": 4000}


class CopiedPPOPolicy(ValueNetworkMixin, LearningRateSchedule, EntropyCoeffSchedule, KLCoeffMixin,
                      TorchPolicyV2):
    """The constructor of Ray 2.10's PPOTorchPolicy, as user files copy it."""

    def __init__(self, observation_space, action_space, config):
        config = dict(PPOConfig().to_dict(), **config)
        validate_config(config)
        TorchPolicyV2.__init__(self, observation_space, action_space, config,
                               max_seq_len=config["model"]["max_seq_len"])
        ValueNetworkMixin.__init__(self, config)
        LearningRateSchedule.__init__(self, config["lr"], config["lr_schedule"])
        EntropyCoeffSchedule.__init__(self, config["entropy_coeff"], config["entropy_coeff_schedule"])
        KLCoeffMixin.__init__(self, config)
        self._initialize_loss_from_dummy_batch()


def test_ppo_config_dict_has_the_keys_ppo_constructors_read() -> None:
    config = PPOConfig().to_dict()
    assert {k: config[k] for k in RAY_2_10_PPO} == RAY_2_10_PPO
    assert config["model"]["vf_share_layers"] is False and config["model"]["max_seq_len"] == 20


def test_validate_config_informs_about_shared_value_layers(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="shim.policy.ppo_validate"):
        validate_config({"model": {"vf_share_layers": False}})
        assert not caplog.records
        validate_config({"model": {"vf_share_layers": True}})
    assert "vf_loss_coeff" in caplog.records[0].getMessage()
    assert validate_config({}) is None  # no model config: nothing to say


@settings(max_examples=10, deadline=None)
@given(use_gae=st.booleans(), vtrace=st.booleans())
def test_value_network_mixin_init_picks_the_bootstrap_value(use_gae: bool, vtrace: bool) -> None:
    config = {"model": merge_model_config({"fcnet_hiddens": [4]}), "use_gae": use_gae, "vtrace": vtrace}
    policy = CopiedPPOPolicy(BOX, ACT, config)
    step = {"obs": OBS[0]}
    if use_gae or vtrace:  # the model's value of the step
        policy.compute_actions(OBS[:1], explore=False)
        assert policy._value(**step) == pytest.approx(float(policy.model.value_function()[0]))
    else:
        assert policy._value(**step) == 0.0


def test_a_copy_of_ppos_constructor_builds_and_acts_like_ppo_torch_policy() -> None:
    config = {"model": merge_model_config({"fcnet_hiddens": [5]})}
    copied, ppo = CopiedPPOPolicy(BOX, ACT, config), PPOTorchPolicy(BOX, ACT, config)
    ppo.set_weights(copied.get_weights())
    (a1, _, e1), (a2, _, e2) = (p.compute_actions(OBS, explore=False) for p in (copied, ppo))
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_allclose(e1["vf_preds"], e2["vf_preds"], atol=1e-6)
    assert (copied.cur_lr, copied.entropy_coeff, copied.kl_coeff) == (5e-5, 0.0, 0.2)


def test_a_policy_without_its_own_init_is_still_built_by_its_base() -> None:
    class WithValue(ValueNetworkMixin, TorchPolicyV2):
        pass

    _, _, extra = WithValue(BOX, ACT, {"model": {"fcnet_hiddens": [4]}}).compute_actions(OBS)
    assert extra["vf_preds"].shape == (3,)
