"""PPO default module: RLlib key names, inference-only construction, (B, T) shapes."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlmigrate import (
    DefaultPPOTorchRLModule,
    PPOCatalog,
    PPOTorchRLModule,
    RLModuleSpec,
    TorchDiagGaussian,
)
from rlmigrate.modules.ppo import IMPALATorchRLModule

BOX4 = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
DISCRETE2 = gym.spaces.Discrete(2)
BOX3_ACT = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)


def build(obs=BOX4, act=DISCRETE2, inference_only=False, **config):
    return RLModuleSpec(
        module_class=PPOTorchRLModule, observation_space=obs, action_space=act,
        inference_only=inference_only, model_config=config,
    ).build()


def shapes(module):
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


# RLlib 2.40's default PPO module for Box(4)/Discrete(2) with the default model config
# (fcnet_hiddens [256, 256], vf_share_layers True): names and shapes of its state dict.
RLLIB_SHARED_DEFAULT = {
    "encoder.encoder.net.mlp.0.weight": (256, 4), "encoder.encoder.net.mlp.0.bias": (256,),
    "encoder.encoder.net.mlp.2.weight": (256, 256), "encoder.encoder.net.mlp.2.bias": (256,),
    "pi.log_std_clip_param_const": (1,), "pi.net.mlp.0.weight": (2, 256), "pi.net.mlp.0.bias": (2,),
    "vf.log_std_clip_param_const": (1,), "vf.net.mlp.0.weight": (1, 256), "vf.net.mlp.0.bias": (1,),
}


def test_key_names_and_shapes_match_rllib_default_module():
    assert shapes(build()) == RLLIB_SHARED_DEFAULT


def test_separate_encoder_keys_match_rllib():
    keys = set(build(vf_share_layers=False, fcnet_hiddens=[8]).state_dict())
    assert {"encoder.actor_encoder.net.mlp.0.weight", "encoder.critic_encoder.net.mlp.0.weight",
            "pi.net.mlp.0.weight", "vf.net.mlp.0.weight"} <= keys
    assert not any(k.startswith("encoder.encoder.") for k in keys)


def test_cnn_keys_follow_rllib_layer_indices():
    module = build(obs=gym.spaces.Box(0, 255, (16, 16, 3), np.uint8), conv_filters=[[4, 4, 2], [8, 4, 2], [8, 3, 2]])
    conv_keys = sorted(k for k in module.state_dict() if ".cnn." in k)
    assert conv_keys == [f"encoder.encoder.net.0.cnn.{i}.{p}" for i in (1, 4, 7) for p in ("bias", "weight")]


def test_lstm_keys_follow_rllib():
    keys = set(build(use_lstm=True, lstm_cell_size=8, fcnet_hiddens=[6]).state_dict())
    assert {"encoder.encoder.tokenizer.net.mlp.0.weight", "encoder.encoder.lstm.weight_ih_l0",
            "encoder.encoder.lstm.weight_hh_l0", "encoder.encoder.lstm.bias_ih_l0",
            "encoder.encoder.lstm.bias_hh_l0"} <= keys


def test_rllib_named_weights_load_strictly():
    module = build()
    rng = np.random.default_rng(0)
    exported = {k: rng.standard_normal(s).astype(np.float32) for k, s in RLLIB_SHARED_DEFAULT.items()}
    exported["pi.log_std_clip_param_const"] = np.array([20.0], np.float32)
    exported["vf.log_std_clip_param_const"] = np.array([20.0], np.float32)
    module.load_state_dict({k: torch.from_numpy(v) for k, v in exported.items()}, strict=True)
    obs = torch.from_numpy(rng.standard_normal((3, 4)).astype(np.float32))
    hidden = torch.tanh(torch.tanh(obs @ torch.from_numpy(exported["encoder.encoder.net.mlp.0.weight"]).T
                                   + torch.from_numpy(exported["encoder.encoder.net.mlp.0.bias"]))
                        @ torch.from_numpy(exported["encoder.encoder.net.mlp.2.weight"]).T
                        + torch.from_numpy(exported["encoder.encoder.net.mlp.2.bias"]))
    expected = hidden @ torch.from_numpy(exported["pi.net.mlp.0.weight"]).T + torch.from_numpy(exported["pi.net.mlp.0.bias"])
    torch.testing.assert_close(module.forward_inference({"obs": obs})["action_dist_inputs"], expected)


@pytest.mark.parametrize("share", [True, False])
def test_inference_only_module_holds_no_critic_weights(share):
    full = build(vf_share_layers=share, fcnet_hiddens=[8])
    lean = build(vf_share_layers=share, fcnet_hiddens=[8], inference_only=True)
    lean_keys = set(lean.state_dict())
    assert not any(k.startswith(("vf.", "encoder.critic_encoder.")) for k in lean_keys)
    assert not hasattr(lean, "vf")
    assert lean_keys == set(full.get_state(inference_only=True))
    with pytest.raises(RuntimeError, match="inference_only=True"):
        lean.compute_values({"obs": torch.zeros(1, 4)})
    with pytest.raises(RuntimeError, match="inference_only"):
        lean.forward_train({"obs": torch.zeros(1, 4)})


def test_recurrent_inference_only_keeps_the_critic_encoder_state():
    full = build(vf_share_layers=False, use_lstm=True, lstm_cell_size=4, fcnet_hiddens=[4])
    lean = build(vf_share_layers=False, use_lstm=True, lstm_cell_size=4, fcnet_hiddens=[4], inference_only=True)
    assert set(lean.get_initial_state()) == {"actor", "critic"} == set(full.get_initial_state())
    assert not any(k.startswith("vf.") for k in lean.state_dict())
    assert set(lean.state_dict()) == set(full.get_state(inference_only=True))


def test_forward_outputs_per_pass():
    module = build(fcnet_hiddens=[8])
    obs = {"obs": torch.randn(5, 4)}
    assert set(module.forward_inference(obs)) == {"action_dist_inputs"}
    assert set(module.forward_exploration(obs)) == {"action_dist_inputs"}
    assert set(module.forward_train(obs)) == {"action_dist_inputs", "embeddings"}


@pytest.mark.parametrize("share", [True, False])
def test_time_ranked_batches_for_a_stateless_module(share):
    module = build(vf_share_layers=share, fcnet_hiddens=[8], act=BOX3_ACT)
    batch = {"obs": torch.randn(2, 7, 4)}
    out = module.forward_train(batch)
    assert out["action_dist_inputs"].shape == (2, 7, 6)
    assert out["embeddings"].shape == (2, 7, 8)
    values = module.compute_values(batch, embeddings=out["embeddings"])
    assert values.shape == (2, 7)
    torch.testing.assert_close(values, module.compute_values(batch))


def test_gaussian_log_stds_are_clipped_and_free_log_std_is_a_parameter():
    module = build(act=BOX3_ACT, fcnet_hiddens=[8], log_std_clip_param=0.5)
    out = module.forward_inference({"obs": torch.randn(16, 4) * 1e3})["action_dist_inputs"]
    assert out[:, 3:].abs().max() <= 0.5
    free = build(act=BOX3_ACT, fcnet_hiddens=[8], free_log_std=True)
    assert free.pi.log_std.shape == (3,)
    assert issubclass(free.get_train_action_dist_cls(), TorchDiagGaussian)


def test_defaults_and_aliases():
    module = PPOTorchRLModule(observation_space=BOX4, action_space=DISCRETE2, model_config={"fcnet_hiddens": [4]})
    assert isinstance(module.catalog, PPOCatalog)
    assert DefaultPPOTorchRLModule is PPOTorchRLModule is IMPALATorchRLModule


def test_catalog_errors_surface_at_construction():
    with pytest.raises(ValueError, match="conv_filters"):
        build(obs=gym.spaces.Box(0, 1, (5, 5)))
    with pytest.raises(ValueError, match="free_log_std"):
        build(free_log_std=True)
