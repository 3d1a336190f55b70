"""Catalog and PPOCatalog: which encoder/head/distribution for which spaces, and bad input."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlmigrate import Catalog, PPOCatalog, TorchCategorical, TorchDiagGaussian
from rlmigrate.models.configs import (
    CNNEncoderConfig,
    FreeLogStdMLPHeadConfig,
    MLPEncoderConfig,
    MLPHeadConfig,
    RecurrentEncoderConfig,
)
from rlmigrate.models.filters import SUPPORTED_IMAGE_SIZES, get_filter_config
from rlmigrate.models.input_configs import MultiInputEncoderConfig

BOX4 = gym.spaces.Box(-1, 1, (4,), np.float32)
DISCRETE = gym.spaces.Discrete(3)


@pytest.mark.parametrize(
    "space, expected",
    [
        (BOX4, MLPEncoderConfig),
        (gym.spaces.Box(0, 255, (10, 10, 3), np.uint8), CNNEncoderConfig),
        (gym.spaces.Discrete(5), MultiInputEncoderConfig),
        (gym.spaces.MultiDiscrete([2, 3]), MultiInputEncoderConfig),
        (gym.spaces.MultiBinary(4), MultiInputEncoderConfig),
        (gym.spaces.Dict({"a": BOX4}), MultiInputEncoderConfig),
        (gym.spaces.Tuple([BOX4, DISCRETE]), MultiInputEncoderConfig),
    ],
)
def test_encoder_config_per_observation_space(space, expected):
    assert type(Catalog(space, DISCRETE, {"fcnet_hiddens": [8]}).encoder_config) is expected


def test_mlp_encoder_uses_last_fcnet_size_as_latent_layer_with_activation():
    cfg = Catalog(BOX4, DISCRETE, {"fcnet_hiddens": [16, 8], "fcnet_activation": "relu"}).encoder_config
    assert list(cfg.hidden_layer_dims) == [16] and cfg.output_layer_dim == 8
    assert cfg.output_layer_activation == "relu"


def test_use_lstm_wraps_the_space_encoder_as_tokenizer():
    cat = Catalog(gym.spaces.Discrete(4), DISCRETE, {"use_lstm": True, "lstm_cell_size": 7, "fcnet_hiddens": [5]})
    assert isinstance(cat.encoder_config, RecurrentEncoderConfig)
    assert isinstance(cat.encoder_config.tokenizer_config, MultiInputEncoderConfig)
    assert cat.latent_dims == (7,)


def test_2d_box_without_conv_filters_says_what_to_set():
    with pytest.raises(ValueError, match=r"2-D Box observation of shape \(6, 7\).*conv_filters.*FlattenObservation"):
        Catalog(gym.spaces.Box(0, 1, (6, 7)), DISCRETE, {})


def test_2d_box_with_conv_filters_is_a_one_channel_image():
    cat = Catalog(gym.spaces.Box(0, 1, (6, 7)), DISCRETE, {"conv_filters": [[3, 2, 2]]})
    out = cat.build_encoder()({"obs": torch.rand(2, 6, 7)})["encoder_out"]
    assert out.shape == (2, *cat.latent_dims) == (2, 3 * 4 * 3)


def test_image_size_without_default_filters_says_what_to_set():
    with pytest.raises(ValueError, match=r"no default CNN filters for images of shape \(33, 33, 3\).*conv_filters"):
        Catalog(gym.spaces.Box(0, 1, (33, 33, 3)), DISCRETE, {})


def test_image_leaf_without_default_filters_names_the_leaf():
    space = gym.spaces.Dict({"cam": gym.spaces.Box(0, 1, (33, 33, 3))})
    with pytest.raises(ValueError, match="image observation at 'cam'.*conv_filters"):
        Catalog(space, DISCRETE, {})


def test_high_rank_box_is_refused():
    with pytest.raises(ValueError, match="4-D Box observation"):
        Catalog(gym.spaces.Box(0, 1, (2, 2, 2, 2)), DISCRETE, {})


def test_unsupported_space_is_refused_with_a_hint():
    with pytest.raises(ValueError, match="no default encoder.*Text.*custom"):
        Catalog(gym.spaces.Text(5), DISCRETE, {})


def test_empty_fcnet_hiddens_for_a_vector_is_refused():
    with pytest.raises(ValueError, match="fcnet_hiddens"):
        Catalog(BOX4, DISCRETE, {"fcnet_hiddens": []})


@pytest.mark.parametrize("side", SUPPORTED_IMAGE_SIZES)
def test_default_filters_shrink_each_size_to_one_pixel(side):
    cat = Catalog(gym.spaces.Box(0, 255, (side, side, 3), np.uint8), DISCRETE, {})
    spatial = CNNEncoderConfig(
        input_dims=[side, side, 3], cnn_filter_specifiers=get_filter_config((side, side, 3)), flatten_at_end=False
    ).output_dims
    assert spatial[:2] == (1, 1)
    assert cat.latent_dims == (spatial[2],)


def test_catalog_does_not_write_into_the_users_dict():
    given = {"fcnet_hiddens": [4]}
    Catalog(gym.spaces.Box(0, 1, (42, 42, 3)), DISCRETE, given)
    assert given == {"fcnet_hiddens": [4]}


def test_action_dist_classes():
    assert Catalog(BOX4, DISCRETE, {}).get_action_dist_cls(framework="torch") is TorchCategorical
    assert Catalog(BOX4, BOX4, {}).get_action_dist_cls(framework="torch") is TorchDiagGaussian
    assert Catalog(BOX4, BOX4, {}).get_action_dist_cls(framework=None) is None


def test_subclass_hook_can_add_components():
    class MyCatalog(Catalog):
        def _determine_components_hook(self):
            super()._determine_components_hook()
            self.extra = MLPHeadConfig(input_dims=list(self.latent_dims), output_layer_dim=2)

    cat = MyCatalog(BOX4, DISCRETE, {"fcnet_hiddens": [6]})
    assert cat.extra.build()(torch.zeros(1, 6)).shape == (1, 2)


@pytest.mark.parametrize(
    "action_space, width",
    [(DISCRETE, 3), (BOX4, 8), (gym.spaces.MultiDiscrete([2, 5]), 7),
     (gym.spaces.Dict({"a": DISCRETE, "b": gym.spaces.Box(-1, 1, (2,))}), 7)],
)
def test_pi_head_width_is_the_distribution_input_dim(action_space, width):
    cat = PPOCatalog(BOX4, action_space, {"fcnet_hiddens": [6]})
    assert cat.build_pi_head()(torch.zeros(2, 6)).shape == (2, width)
    assert cat.pi_head_config.clip_log_std == (action_space is BOX4)
    assert cat.build_vf_head()(torch.zeros(2, 6)).shape == (2, 1)


def test_free_log_std_builds_a_free_head_for_gaussians():
    cat = PPOCatalog(BOX4, BOX4, {"fcnet_hiddens": [6], "free_log_std": True})
    head = cat.build_pi_head()
    assert isinstance(cat.pi_head_config, FreeLogStdMLPHeadConfig)
    assert head.log_std.shape == (4,)


def test_free_log_std_with_discrete_actions_says_what_to_set():
    cat = PPOCatalog(BOX4, DISCRETE, {"free_log_std": True})
    with pytest.raises(ValueError, match="free_log_std.*Discrete.*TorchCategorical.*free_log_std=False"):
        cat.build_pi_head()


def test_ppo_catalog_has_no_plain_encoder():
    with pytest.raises(NotImplementedError, match="build_actor_critic_encoder"):
        PPOCatalog(BOX4, DISCRETE, {}).build_encoder()


def test_vf_share_layers_decides_the_encoder_layout():
    assert PPOCatalog(BOX4, DISCRETE, {}).actor_critic_encoder_config.shared is True
    assert PPOCatalog(BOX4, DISCRETE, {"vf_share_layers": False}).actor_critic_encoder_config.shared is False


def test_pi_head_without_a_framework_names_what_is_missing():
    # get_action_dist_cls(framework=None) is None (RLlib's convention): nothing sizes the head.
    cat = PPOCatalog(BOX4, DISCRETE, {"fcnet_hiddens": [6]})
    with pytest.raises(ValueError, match=r"build_pi_head\(framework=None\): no action distribution"):
        cat.build_pi_head(framework=None)
