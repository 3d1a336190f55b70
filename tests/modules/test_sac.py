"""SACTorchRLModule computes what Ray 2.10's SACTorchPolicy computed.

Given a recorded SAC policy's model weights (``fixtures/oracle/qsac``, real Ray 2.10) through
:func:`legacy_sac_key_map`, the module reproduces the policy head's distribution inputs, the
deterministic actions (``tanh(mean)`` within ``[-1, 1]`` for Box: Ray's squashed Gaussian
with ``normalize_actions``; argmax for Discrete), and the (twin) Q-values.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.convert.qsac_model_map import legacy_sac_key_map
from rlmigrate.modules.sac import QF_PREDS, QF_TWIN_PREDS, SACTorchRLModule, sac_mlp_layers
from rlmigrate.modules.sac_config import legacy_sac_model_kwargs, sub_model_config
from rlmigrate.testing.transfer import transfer_weights
from tests.modules._qsac_oracle import CASES, array, load_case, module_config, spaces

SAC_CASES = [c for c in CASES if c.startswith("sac_")]


def _module(case: str) -> tuple[SACTorchRLModule, dict]:
    record, weights = load_case(case)
    obs_space, action_space = spaces(record)
    module = SACTorchRLModule(
        observation_space=obs_space, action_space=action_space, model_config=module_config(record))
    transfer_weights(weights, module, mapping=legacy_sac_key_map(weights))
    return module, record


@pytest.mark.parametrize("case", SAC_CASES)
def test_deterministic_actions_and_dist_inputs_match_ray(case: str) -> None:
    module, record = _module(case)
    obs = torch.from_numpy(array(record, "inputs", "obs"))
    with torch.no_grad():
        inputs = module.forward_inference({"obs": obs})["action_dist_inputs"]
        dist = module.get_inference_action_dist_cls().from_logits(inputs)
        actions = dist.to_deterministic().sample()
    np.testing.assert_allclose(inputs.numpy(), array(record, "outputs", "action_dist_inputs"), atol=1e-5)
    np.testing.assert_allclose(actions.numpy(), array(record, "outputs", "actions"), atol=1e-6)


def test_box_deterministic_action_is_tanh_of_mean_not_rescaled_to_space() -> None:
    module, record = _module("sac_box")
    obs = torch.from_numpy(array(record, "inputs", "obs"))
    with torch.no_grad():
        inputs = module.forward_inference({"obs": obs})["action_dist_inputs"]
    mean = inputs[:, :2]
    actions = array(record, "outputs", "actions")
    np.testing.assert_allclose(actions, torch.tanh(mean).numpy(), atol=1e-6)
    assert module.action_space.low.tolist() == [-2.0, 0.0]  # Ray left the rescaling to the env runner


@pytest.mark.parametrize("case", SAC_CASES)
def test_q_and_twin_q_match_ray(case: str) -> None:
    module, record = _module(case)
    obs = torch.from_numpy(array(record, "inputs", "obs"))
    batch = {"obs": obs}
    if "q_actions" in record["inputs"]:
        batch["actions"] = torch.from_numpy(array(record, "inputs", "q_actions"))
    with torch.no_grad():
        out = module.forward_train(batch)
    np.testing.assert_allclose(out[QF_PREDS].numpy(), array(record, "outputs", "q"), atol=1e-5)
    if "twin_q" in record["outputs"]:
        np.testing.assert_allclose(out[QF_TWIN_PREDS].numpy(), array(record, "outputs", "twin_q"), atol=1e-5)
    else:
        assert QF_TWIN_PREDS not in out
    np.testing.assert_allclose(module.log_alpha.detach().numpy(), array(record, "outputs", "log_alpha"))
    np.testing.assert_allclose(module.target_entropy.detach().numpy(),
                               array(record, "outputs", "target_entropy"), rtol=1e-6)


def test_sub_model_config_lays_sac_keys_over_the_model_config() -> None:
    config = {"fcnet_hiddens": [7], "vf_share_layers": True, "twin_q": False,
              "q_model_config": {"fcnet_hiddens": [3], "fcnet_activation": "tanh"}}
    q = sub_model_config(config, "q_model_config")
    pi = sub_model_config(config, "policy_model_config")
    assert q["fcnet_hiddens"] == [3] and q["fcnet_activation"] == "tanh" and q["vf_share_layers"]
    assert pi["fcnet_hiddens"] == [256, 256] and "twin_q" not in pi
    assert legacy_sac_model_kwargs(config)["twin_q"] is False


def test_post_fcnet_layers_use_fcnet_activation_like_rlmlib_fcnet() -> None:
    assert sac_mlp_layers({"fcnet_hiddens": [4], "post_fcnet_hiddens": [2], "fcnet_activation": "tanh"}) == ([4, 2], "tanh")
    assert sac_mlp_layers({"fcnet_hiddens": [], "post_fcnet_hiddens": [2], "post_fcnet_activation": "relu"}) == ([2], "relu")
    with pytest.raises(ValueError, match="use_lstm"):
        sac_mlp_layers({"use_lstm": True})


def test_image_observations_are_refused_naming_the_space() -> None:
    with pytest.raises(ValueError, match="flat Box observations"):
        SACTorchRLModule(observation_space=gym.spaces.Box(0, 1, (8, 8, 3)),
                         action_space=gym.spaces.Discrete(2), model_config={})


def test_box_q_needs_actions() -> None:
    module = SACTorchRLModule(observation_space=gym.spaces.Box(-1, 1, (3,)),
                              action_space=gym.spaces.Box(-1, 1, (2,)), model_config={})
    with pytest.raises(ValueError, match="needs actions"):
        module.compute_q_values(torch.zeros(2, 3))


@settings(max_examples=20, deadline=None)
@given(dims=st.integers(1, 3), batch=st.integers(1, 6), hiddens=st.lists(st.integers(1, 6), max_size=2),
       normalize=st.booleans())
def test_box_actions_stay_in_unit_bounds_when_normalized(dims, batch, hiddens, normalize) -> None:
    module = SACTorchRLModule(
        observation_space=gym.spaces.Box(-1, 1, (4,)), action_space=gym.spaces.Box(-5, 5, (dims,)),
        model_config={"policy_model_config": {"fcnet_hiddens": hiddens}, "normalize_actions": normalize})
    obs = torch.rand(batch, 4) * 20 - 10
    with torch.no_grad():
        inputs = module.forward_inference({"obs": obs})["action_dist_inputs"]
        dist = module.get_inference_action_dist_cls().from_logits(inputs)
        actions = dist.to_deterministic().sample()
    assert inputs.shape == (batch, 2 * dims)
    if normalize:
        assert torch.all(actions.abs() <= 1.0)
        torch.testing.assert_close(actions, torch.tanh(inputs[:, :dims]))
    else:
        torch.testing.assert_close(actions, inputs[:, :dims])


def test_legacy_method_names_give_the_same_networks() -> None:
    module, record = _module("sac_box")
    obs = torch.from_numpy(array(record, "inputs", "obs"))
    actions = torch.from_numpy(array(record, "inputs", "q_actions"))
    with torch.no_grad():
        np.testing.assert_allclose(module.get_action_model_outputs(obs)[0].numpy(),
                                   array(record, "outputs", "policy_outputs"), atol=1e-5)
        np.testing.assert_allclose(module.get_twin_q_values(obs, actions)[0].numpy(),
                                   array(record, "outputs", "twin_q"), atol=1e-5)
    assert len(module.q_variables()) == 2 * len(list(module.qf.parameters()))
    assert module.policy_variables()[0] is next(module.pi.parameters())
