"""get_default_dist_cls: the catalog's choice per action space, and clear refusals."""

from __future__ import annotations

from collections import OrderedDict

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlmigrate.distributions import (
    TorchCategorical,
    TorchDiagGaussian,
    TorchMultiCategorical,
    TorchMultiDistribution,
    UnsupportedActionSpaceError,
    get_default_dist_cls,
    required_input_dim_for_space,
)


def test_leaf_spaces_map_to_their_families():
    assert get_default_dist_cls(gym.spaces.Discrete(4)) is TorchCategorical
    assert get_default_dist_cls(gym.spaces.Discrete(4, start=-2)) is TorchCategorical
    assert get_default_dist_cls(gym.spaces.Box(-1, 1, (3,))) is TorchDiagGaussian
    assert get_default_dist_cls(gym.spaces.Box(-1, 1, (3,), dtype=np.float64)) is TorchDiagGaussian
    assert get_default_dist_cls(gym.spaces.Box(-1, 1, ())) is TorchDiagGaussian  # RLlib allows 0-d


def test_multi_discrete_gets_a_partial_multi_categorical():
    cls = get_default_dist_cls(gym.spaces.MultiDiscrete([3, 2, 4]))
    assert issubclass(cls, TorchMultiCategorical) and cls is not TorchMultiCategorical
    assert dict(cls.partial_kwargs) == {"input_lens": [3, 2, 4]}
    assert all(type(n) is int for n in cls.partial_kwargs["input_lens"])
    assert cls.from_logits(torch.zeros(2, 9)).sample().shape == (2, 3)


def test_dict_gets_a_partial_multi_distribution_with_nested_classes_and_flat_lens():
    space = gym.spaces.Dict(
        OrderedDict(
            [
                ("z", gym.spaces.Discrete(3)),
                (
                    "a",
                    gym.spaces.Tuple(
                        (gym.spaces.Box(-1, 1, (2,)), gym.spaces.MultiDiscrete([2, 2]))
                    ),
                ),
            ]
        )
    )
    cls = get_default_dist_cls(space)
    assert issubclass(cls, TorchMultiDistribution)
    fixed = cls.partial_kwargs
    assert fixed["space"] is space
    classes = fixed["child_distribution_cls_struct"]
    assert classes["z"] is TorchCategorical
    assert classes["a"][0] is TorchDiagGaussian
    assert issubclass(classes["a"][1], TorchMultiCategorical)
    # Flat lens in RLlib's (sorted-key) order: a.0 (4), a.1 (2 + 2), z (3).
    assert fixed["input_lens"] == [4, 4, 3]
    assert cls.required_input_dim(space) == 11 == required_input_dim_for_space(space)
    dist = cls.from_logits(torch.zeros(5, 11))
    sample = dist.sample()
    assert list(sample) == ["z", "a"]  # the space's own key order
    assert sample["z"].shape == (5,) and sample["a"][1].shape == (5, 2)


@pytest.mark.parametrize(
    ("space", "words"),
    [
        (gym.spaces.Box(0, 5, (2,), dtype=np.int64), "dtype int64 is not continuous"),
        (gym.spaces.Box(-1, 1, (2, 3)), r"shape \(2, 3\) has more than one dim"),
        (gym.spaces.MultiBinary(3), "MultiBinary spaces have no default"),
        (gym.spaces.MultiDiscrete([[2, 3], [4, 5]]), "nvec of shape"),
        (gym.spaces.Dict({}), "the Dict is empty"),
        (gym.spaces.Tuple(()), "the Tuple is empty"),
        (gym.spaces.Text(5), "Text spaces have no default"),
    ],
)
def test_unsupported_spaces_raise_naming_space_and_what_is_supported(space, words):
    with pytest.raises(UnsupportedActionSpaceError, match=words) as info:
        get_default_dist_cls(space)
    assert "Supported: Discrete, 1-D float Box" in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, NotImplementedError)


def test_unsupported_leaf_inside_a_dict_names_its_path():
    space = gym.spaces.Dict(
        {"ok": gym.spaces.Discrete(2), "bad": gym.spaces.Tuple((gym.spaces.MultiBinary(2),))}
    )
    with pytest.raises(UnsupportedActionSpaceError, match=r"at \['bad'\]\[0\]"):
        get_default_dist_cls(space)


def test_required_input_dim_for_leaf_spaces():
    assert required_input_dim_for_space(gym.spaces.Discrete(5)) == 5
    assert required_input_dim_for_space(gym.spaces.Box(-1, 1, (3,))) == 6
    assert required_input_dim_for_space(gym.spaces.MultiDiscrete([3, 2])) == 5
