"""ModelCatalog: distributions per action space, custom models/dists, wrapping, errors."""

from __future__ import annotations

import functools
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from torch import nn

from rlmigrate.core.nest import flatten, flatten_space
from rlmigrate.testing.strategies import action_spaces
from shim.models import action_dist as legacy
from shim.models.catalog import ModelCatalog, UnsupportedSpaceException
from shim.models.complex_input_net import ComplexInputNetwork
from shim.models.fcnet import FullyConnectedNetwork
from shim.models.lstm_wrapper import LSTMWrapper
from shim.models.model_defaults import MODEL_DEFAULTS, merge_model_config
from shim.models.torch_modelv2 import TorchModelV2
from shim.models.visionnet import VisionNetwork
from shim.spaces import Simplex


class KwargsModel(TorchModelV2, nn.Module):
    def __init__(
        self,
        obs_space: gym.Space,
        action_space: gym.Space,
        num_outputs: int,
        model_config: dict,
        name: str,
        width: int = 3,
    ) -> None:
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.width = width
        if num_outputs is None:  # wrapped by LSTMWrapper: output features of our choice
            self.num_outputs = num_outputs = 8
        self.net = nn.Linear(int(np.prod(obs_space.shape)), num_outputs)

    def forward(self, input_dict: dict, state: list, seq_lens: Any) -> Any:
        return self.net(input_dict["obs_flat"]), state


class OldStyleModel(KwargsModel):
    def __init__(
        self,
        obs_space: gym.Space,
        action_space: gym.Space,
        num_outputs: int,
        model_config: dict,
        name: str,
    ) -> None:
        super().__init__(obs_space, action_space, num_outputs, model_config, name)


ModelCatalog.register_custom_model("catalog_test_kwargs", KwargsModel)
ModelCatalog.register_custom_model("catalog_test_old", OldStyleModel)
BOX4 = gym.spaces.Box(-1, 1, (4,), np.float32)


@settings(max_examples=30, deadline=None)
@given(space=action_spaces(max_depth=2))
def test_action_dist_width_matches_what_the_dist_consumes(space: gym.Space) -> None:
    dist_cls, width = ModelCatalog.get_action_dist(space, MODEL_DEFAULTS)
    dist = dist_cls(torch.zeros(3, width), None)
    sample = dist.sample()
    det = dist.deterministic_sample()
    assert dist.sampled_action_logp().shape == (3,)
    assert all(torch.as_tensor(leaf).shape[0] == 3 for leaf in flatten(sample))
    assert len(flatten(sample)) == len(flatten_space(space))
    assert type(det) is type(sample)


@pytest.mark.parametrize(
    ("space", "family", "width"),
    [
        (gym.spaces.Discrete(5), legacy.TorchCategorical, 5),
        (gym.spaces.Box(-1, 1, (3,), np.float32), legacy.TorchDiagGaussian, 6),
        (gym.spaces.MultiDiscrete([2, 3]), legacy.TorchMultiCategorical, 5),
        (gym.spaces.Box(0, 2, (2,), np.int64), legacy.TorchMultiCategorical, 6),
        (
            gym.spaces.Tuple([gym.spaces.Discrete(2), gym.spaces.Box(-1, 1, (2,))]),
            legacy.TorchMultiActionDistribution,
            6,
        ),
        (Simplex((4,)), legacy.TorchDirichlet, 4),
    ],
)
def test_default_action_dist_per_space(space: gym.Space, family: type, width: int) -> None:
    dist_cls, dim = ModelCatalog.get_action_dist(space, MODEL_DEFAULTS)
    assert getattr(dist_cls, "func", dist_cls) is family and dim == width


def test_deterministic_dist_type_and_unsupported_box() -> None:
    assert ModelCatalog.get_action_dist(BOX4, {}, dist_type="deterministic") == (
        legacy.TorchDeterministic,
        4,
    )
    with pytest.raises(UnsupportedSpaceException, match=r"\(2, 2\)"):
        ModelCatalog.get_action_dist(gym.spaces.Box(-1, 1, (2, 2)), {})


def test_custom_action_dist_by_name_and_unknown_name_lists_registered() -> None:
    ModelCatalog.register_custom_action_dist("catalog_test_dist", legacy.TorchCategorical)
    dist_cls, dim = ModelCatalog.get_action_dist(
        gym.spaces.Discrete(3), {"custom_action_dist": "catalog_test_dist"}
    )
    assert dist_cls is legacy.TorchCategorical and dim == 3
    with pytest.raises(ValueError, match="catalog_test_dist") as err:
        ModelCatalog.get_action_dist(gym.spaces.Discrete(3), {"custom_action_dist": "nope"})
    assert "'nope'" in str(err.value)


def test_unknown_custom_model_lists_registered_names() -> None:
    with pytest.raises(ValueError) as err:
        ModelCatalog.get_model_v2(
            BOX4, gym.spaces.Discrete(2), 2, {"custom_model": "no_such_model"}
        )
    message = str(err.value)
    assert (
        "'no_such_model'" in message
        and "catalog_test_kwargs" in message
        and "catalog_test_old" in message
    )


def test_custom_model_config_arrives_as_kwargs_and_old_style_still_builds() -> None:
    config = merge_model_config(
        {"custom_model": "catalog_test_kwargs", "custom_model_config": {"width": 7}}
    )
    model = ModelCatalog.get_model_v2(BOX4, gym.spaces.Discrete(2), 2, config)
    assert model.width == 7 and model.model_config is config
    old = ModelCatalog.get_model_v2(
        BOX4,
        gym.spaces.Discrete(2),
        2,
        {"custom_model": "catalog_test_old", "custom_model_config": {"width": 7}},
    )
    assert isinstance(old, OldStyleModel) and old.width == 3


def test_custom_model_as_class_and_dotted_path() -> None:
    model = ModelCatalog.get_model_v2(
        BOX4, gym.spaces.Discrete(2), 2, {"custom_model": KwargsModel}
    )
    assert isinstance(model, KwargsModel)
    dotted = ModelCatalog.get_model_v2(
        BOX4,
        gym.spaces.Discrete(2),
        2,
        {"custom_model": "shim.models.fcnet.FullyConnectedNetwork", "fcnet_hiddens": [4]},
    )
    assert isinstance(dotted, FullyConnectedNetwork)
    with pytest.raises(ValueError, match="ModelV2 subclass"):
        ModelCatalog.get_model_v2(
            BOX4, gym.spaces.Discrete(2), 2, {"custom_model": "collections.OrderedDict"}
        )


def test_default_model_choice_by_observation_space() -> None:
    act = gym.spaces.Discrete(2)
    cfg = merge_model_config({"fcnet_hiddens": [8]})
    assert type(ModelCatalog.get_model_v2(BOX4, act, 2, cfg)) is FullyConnectedNetwork
    assert (
        type(
            ModelCatalog.get_model_v2(
                gym.spaces.Box(0, 1, (10, 10, 3)), act, 2, merge_model_config({})
            )
        )
        is VisionNetwork
    )
    image_dict = gym.spaces.Dict(
        {"img": gym.spaces.Box(0, 1, (10, 10, 3)), "x": gym.spaces.Discrete(3)}
    )
    flat = ModelCatalog.get_preprocessor_for_space(image_dict).observation_space
    assert type(ModelCatalog.get_model_v2(flat, act, 2, cfg)) is ComplexInputNetwork


def test_use_lstm_wraps_with_rllib_naming() -> None:
    cfg = merge_model_config({"use_lstm": True, "lstm_cell_size": 4, "fcnet_hiddens": [8]})
    model = ModelCatalog.get_model_v2(BOX4, gym.spaces.Discrete(2), 2, cfg)
    assert type(model).__name__ == "FullyConnectedNetwork_as_LSTMWrapper"
    assert isinstance(model, LSTMWrapper) and isinstance(model, FullyConnectedNetwork)
    custom = ModelCatalog.get_model_v2(
        BOX4, gym.spaces.Discrete(2), 2, {**cfg, "custom_model": "catalog_test_kwargs"}
    )
    assert type(custom).__name__ == "KwargsModel_as_LSTMWrapper"
    with pytest.raises(ValueError, match="use_lstm and use_attention"):
        ModelCatalog.get_model_v2(BOX4, gym.spaces.Discrete(2), 2, {**cfg, "use_attention": True})


def test_non_torch_framework_is_refused() -> None:
    with pytest.raises(ValueError, match="torch"):
        ModelCatalog.get_action_dist(BOX4, {}, framework="tf")


def test_partial_dists_are_functools_partials() -> None:
    dist_cls, _ = ModelCatalog.get_action_dist(BOX4, {})
    assert isinstance(dist_cls, functools.partial) and dist_cls.keywords["action_space"] is BOX4


def test_simplex_actions_get_the_dirichlet_over_as_many_inputs_as_coordinates():
    """RLlib 2.10's catalog gives a ``Simplex`` action space ``TorchDirichlet``; its inputs are
    one log-concentration per coordinate and its deterministic action lies on the simplex."""
    from shim.models.action_dist import TorchDirichlet
    from shim.models.catalog import ModelCatalog
    from shim.spaces import Simplex

    dist_cls, width = ModelCatalog.get_action_dist(Simplex((5,)), None)
    assert dist_cls is TorchDirichlet and width == 5
    action = dist_cls(torch.zeros(2, 5)).deterministic_sample()
    assert torch.allclose(action.sum(-1), torch.ones(2))
