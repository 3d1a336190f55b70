"""Activation/initializer resolution by name, and TF-style conv padding."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.models.torch.utils import (
    apply_initializer,
    get_activation_fn,
    get_initializer_fn,
    same_padding,
    valid_padding,
)


@pytest.mark.parametrize(
    "name, expected",
    [("relu", nn.ReLU), ("ReLU", nn.ReLU), ("tanh", nn.Tanh), ("swish", nn.SiLU), ("silu", nn.SiLU),
     ("elu", nn.ELU), ("LeakyReLU", nn.LeakyReLU), ("gelu", nn.GELU)],
)
def test_activation_names_resolve_to_torch_classes(name, expected):
    assert get_activation_fn(name) is expected


@pytest.mark.parametrize("name", [None, "linear", "Linear", "identity"])
def test_no_activation_names_give_none(name):
    assert get_activation_fn(name) is None


def test_callable_activation_is_used_as_is():
    assert get_activation_fn(nn.Softsign) is nn.Softsign


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValueError, match="unknown activation 'relux'.*fcnet_activation.*relu"):
        get_activation_fn("relux")


@pytest.mark.parametrize("name", ["xavier_uniform_", "xavier_uniform", "orthogonal_", "zeros_"])
def test_initializer_names_resolve_to_torch_init(name):
    fn = get_initializer_fn(name)
    assert fn is getattr(nn.init, name.rstrip("_") + "_")


def test_unknown_initializer_names_the_choices():
    with pytest.raises(ValueError, match="unknown initializer 'glorot'.*xavier_uniform_"):
        get_initializer_fn("glorot")


def test_initializer_is_applied_with_kwargs():
    weight = torch.empty(3, 4)
    apply_initializer(weight, "constant_", {"val": 0.5})
    assert torch.all(weight == 0.5)


def test_fan_initializer_on_a_bias_names_the_problem():
    with pytest.raises(ValueError, match="xavier_uniform_.*shape \\(3,\\)"):
        apply_initializer(torch.empty(3), "xavier_uniform_", None)


@settings(max_examples=60, deadline=None)
@given(
    size=st.tuples(st.integers(1, 20), st.integers(1, 20)),
    kernel=st.tuples(st.integers(1, 6), st.integers(1, 6)),
    stride=st.tuples(st.integers(1, 4), st.integers(1, 4)),
)
def test_same_padding_gives_ceil_division_output_for_a_real_conv(size, kernel, stride):
    pads, out = same_padding(size, kernel, stride)
    assert out == (-(-size[0] // stride[0]), -(-size[1] // stride[1]))
    x = nn.ZeroPad2d(pads)(torch.zeros(1, 1, *size))
    y = nn.Conv2d(1, 1, kernel, stride)(x)
    assert tuple(y.shape[2:]) == out


@settings(max_examples=40, deadline=None)
@given(
    size=st.tuples(st.integers(1, 20), st.integers(1, 20)),
    kernel=st.tuples(st.integers(1, 6), st.integers(1, 6)),
    stride=st.tuples(st.integers(1, 4), st.integers(1, 4)),
)
def test_valid_padding_matches_a_real_conv_or_says_it_does_not_fit(size, kernel, stride):
    if kernel[0] > size[0] or kernel[1] > size[1]:
        with pytest.raises(ValueError, match="does not fit"):
            valid_padding(size, kernel, stride)
        return
    y = nn.Conv2d(1, 1, kernel, stride)(torch.zeros(1, 1, *size))
    assert tuple(y.shape[2:]) == valid_padding(size, kernel, stride)
