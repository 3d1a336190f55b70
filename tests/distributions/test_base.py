"""The Distribution contract: partial classes, sample shapes, the abstract base."""

from __future__ import annotations

import gymnasium as gym
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import rlmigrate
from rlmigrate.distributions import (
    Distribution,
    TorchCategorical,
    TorchMultiCategorical,
    TorchMultiDistribution,
    TorchSquashedGaussian,
)
from rlmigrate.distributions.base import as_sample_shape


def test_distribution_is_abstract():
    with pytest.raises(TypeError):
        Distribution()  # type: ignore[abstract]


def test_base_from_logits_and_to_deterministic_are_not_implemented():
    class Minimal(Distribution):
        def sample(self, *, sample_shape=None, **kw):
            return torch.zeros(2)

        def rsample(self, *, sample_shape=None, **kw):
            return torch.zeros(2)

        def logp(self, value, **kw):
            return torch.ones(2)

        def kl(self, other, **kw):
            return torch.zeros(2)

        def entropy(self, **kw):
            return torch.zeros(2)

        @staticmethod
        def required_input_dim(space, **kw):
            return 1

    with pytest.raises(NotImplementedError, match="Minimal does not define from_logits"):
        Minimal.from_logits(torch.zeros(2, 1))
    with pytest.raises(NotImplementedError, match="to_deterministic"):
        Minimal().to_deterministic()
    # The generic sample_and_logp pairs sample() with logp(sample).
    sample, logp = Minimal().sample_and_logp()
    assert torch.equal(sample, torch.zeros(2)) and torch.equal(logp, torch.ones(2))


@given(st.one_of(st.none(), st.integers(0, 4), st.lists(st.integers(0, 4), max_size=3)))
@settings(max_examples=30, deadline=None)
def test_as_sample_shape_normalises(shape):
    size = as_sample_shape(shape)
    assert isinstance(size, torch.Size)
    expected = () if shape is None else (shape,) if isinstance(shape, int) else tuple(shape)
    assert tuple(size) == expected


def test_as_sample_shape_rejects_garbage():
    with pytest.raises(TypeError, match="sample_shape"):
        as_sample_shape("ab")


def test_partial_injects_fixed_kwargs_into_from_logits_and_required_input_dim():
    partial = TorchMultiCategorical.get_partial_dist_cls(input_lens=[3, 2])
    dist = partial.from_logits(torch.zeros(4, 5))
    assert dist.sample().shape == (4, 2)
    assert partial.required_input_dim(gym.spaces.MultiDiscrete([3, 2])) == 5
    # The fixed input_lens are checked against the space.
    with pytest.raises(ValueError, match="do not match"):
        partial.required_input_dim(gym.spaces.MultiDiscrete([2, 3]))


def test_partial_reclasses_results_and_keeps_a_readable_name():
    partial = TorchMultiCategorical.get_partial_dist_cls(input_lens=[3, 2])
    dist = partial.from_logits(torch.zeros(4, 5))
    assert type(dist) is partial
    assert isinstance(dist, TorchMultiCategorical)
    assert partial.__name__ == "TorchMultiCategoricalPartial"
    assert partial.__qualname__ == "TorchMultiCategoricalPartial"
    assert partial.__module__ == TorchMultiCategorical.__module__
    assert dict(partial.partial_kwargs) == {"input_lens": [3, 2]}
    assert dict(TorchMultiCategorical.partial_kwargs) == {}
    with pytest.raises(TypeError):
        partial.partial_kwargs["input_lens"] = [1]  # read-only view


@given(key=st.sampled_from(["input_lens", "temperatures"]))
@settings(max_examples=5, deadline=None)
def test_partial_refuses_fixed_kwargs_again(key):
    fixed = {"input_lens": [3, 2], "temperatures": [1.0, 2.0]}
    partial = TorchMultiCategorical.get_partial_dist_cls(**{key: fixed[key]})
    with pytest.raises(ValueError, match=f"'{key}'.*fixed by the partial class"):
        partial.from_logits(torch.zeros(1, 5), **{key: fixed[key]})
    with pytest.raises(ValueError, match=f"'{key}'.*fixed by the partial class"):
        partial.required_input_dim(gym.spaces.MultiDiscrete([3, 2]), **{key: fixed[key]})
    with pytest.raises(ValueError, match="already fixes"):
        partial.get_partial_dist_cls(**{key: fixed[key]})


def test_partial_of_partial_stacks_kwargs():
    first = TorchSquashedGaussian.get_partial_dist_cls(low=0.0)
    second = first.get_partial_dist_cls(high=4.0)
    assert dict(second.partial_kwargs) == {"low": 0.0, "high": 4.0}
    assert issubclass(second, first)
    dist = second.from_logits(torch.zeros(3, 2))
    assert type(dist) is second
    assert torch.allclose(dist.to_deterministic().sample(), torch.full((3, 1), 2.0))
    assert second.__name__ == "TorchSquashedGaussianPartial"


def test_partial_passes_unfixed_kwargs_through():
    partial = TorchMultiCategorical.get_partial_dist_cls(input_lens=[2, 2])
    logits = torch.tensor([[0.0, 1.0, 0.0, 1.0]])
    cold = partial.from_logits(logits, temperatures=[0.5, 2.0])
    expected = torch.softmax(torch.tensor([[0.0, 2.0]]), -1)
    assert torch.allclose(cold.categoricals[0].probs, expected)


def test_partial_required_input_dim_uses_the_fixed_space_when_none_given():
    space = gym.spaces.Tuple((gym.spaces.Discrete(3), gym.spaces.Discrete(2)))
    partial = TorchMultiDistribution.get_partial_dist_cls(
        child_distribution_cls_struct=(TorchCategorical, TorchCategorical),
        input_lens=[3, 2],
        space=space,
    )
    assert partial.required_input_dim() == 5
    assert partial.required_input_dim(space=space) == 5
    assert partial.required_input_dim(space, as_list=True) == [3, 2]
    unfixed = TorchMultiCategorical.get_partial_dist_cls(input_lens=[3])
    with pytest.raises(TypeError, match="missing the space"):
        unfixed.required_input_dim()


def test_flat_api_exports_the_distribution_classes():
    assert rlmigrate.TorchCategorical is TorchCategorical
    assert rlmigrate.TorchMultiDistribution is TorchMultiDistribution
    assert rlmigrate.Distribution is Distribution
    assert callable(rlmigrate.get_default_dist_cls)
