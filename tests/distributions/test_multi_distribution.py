"""TorchMultiDistribution: layouts, struct vs flat logp, sums, structure errors."""

from __future__ import annotations

import gymnasium as gym
import pytest
import torch

from rlmigrate.distributions import (
    TorchCategorical,
    TorchDeterministic,
    TorchDiagGaussian,
    TorchMultiCategorical,
    TorchMultiDistribution,
)

MULTI_CAT = TorchMultiCategorical.get_partial_dist_cls(input_lens=[2, 3])
CLASSES = {
    "move": TorchDiagGaussian,
    "pick": TorchCategorical,
    "grip": (MULTI_CAT, TorchCategorical),
}
# Flattening order is sorted keys: grip(multi 5, cat 2), move (4), pick (3).
INPUT_LENS = [5, 2, 4, 3]


def _dist(batch=3, seed=0):
    logits = torch.randn(batch, sum(INPUT_LENS), generator=torch.Generator().manual_seed(seed))
    return logits, TorchMultiDistribution.from_logits(
        logits, child_distribution_cls_struct=CLASSES, input_lens=INPUT_LENS
    )


def test_children_take_logits_in_sorted_key_order():
    logits, dist = _dist()
    children = dist.child_distribution_struct
    grip_multi, grip_cat = children["grip"]
    assert torch.equal(grip_multi.categoricals[0].logits, logits[:, 0:2])
    assert torch.equal(grip_multi.categoricals[1].logits, logits[:, 2:5])
    assert torch.equal(grip_cat.logits, logits[:, 5:7])
    assert torch.equal(children["move"].loc, logits[:, 7:9])
    assert torch.equal(children["move"].scale, logits[:, 9:11].exp())
    assert torch.equal(children["pick"].logits, logits[:, 11:14])
    # The struct keeps the order it was given in (not the sorted order).
    assert list(children) == ["move", "pick", "grip"]


def test_sample_is_nested_like_the_classes():
    _, dist = _dist(batch=4)
    sample = dist.sample()
    assert set(sample) == {"move", "pick", "grip"}
    assert sample["move"].shape == (4, 2)
    assert sample["pick"].shape == (4,) and sample["pick"].dtype == torch.int64
    assert isinstance(sample["grip"], tuple) and sample["grip"][0].shape == (4, 2)
    with_shape = dist.sample(sample_shape=(2,))
    assert with_shape["move"].shape == (2, 4, 2) and with_shape["grip"][1].shape == (2, 4)


def test_logp_of_struct_equals_logp_of_flat_tensor_and_sum_of_children():
    _, dist = _dist(batch=5, seed=3)
    sample = dist.sample()
    children = dist.child_distribution_struct
    expected = (
        children["move"].logp(sample["move"])
        + children["pick"].logp(sample["pick"])
        + children["grip"][0].logp(sample["grip"][0])
        + children["grip"][1].logp(sample["grip"][1])
    )
    assert torch.allclose(dist.logp(sample), expected)
    flat = torch.cat(
        [
            sample["grip"][0].float(),
            sample["grip"][1].float().unsqueeze(-1),
            sample["move"],
            sample["pick"].float().unsqueeze(-1),
        ],
        dim=-1,
    )
    assert torch.allclose(dist.logp(flat), expected)
    # Categorical parts given as (B, 1) inside a struct are squeezed too.
    unsqueezed = {**sample, "pick": sample["pick"].unsqueeze(-1)}
    assert torch.allclose(dist.logp(unsqueezed), expected)


def test_entropy_and_kl_are_sums():
    _, dist = _dist(seed=1)
    _, other = _dist(seed=2)
    mine, theirs = dist.child_distribution_struct, other.child_distribution_struct
    entropy = (
        mine["move"].entropy() + mine["pick"].entropy() + sum(c.entropy() for c in mine["grip"])
    )
    assert torch.allclose(dist.entropy(), entropy)
    kl = (
        mine["move"].kl(theirs["move"])
        + mine["pick"].kl(theirs["pick"])
        + sum(a.kl(b) for a, b in zip(mine["grip"], theirs["grip"]))
    )
    assert dist.kl(other).shape == (3,)
    assert torch.allclose(dist.kl(other), kl)


def test_to_deterministic_keeps_structure_and_logp_reduces_to_batch():
    logits, dist = _dist(batch=2)
    greedy = dist.to_deterministic()
    assert isinstance(greedy, TorchMultiDistribution)
    sample = greedy.sample()
    assert torch.equal(sample["move"], logits[:, 7:9])
    assert torch.equal(sample["pick"], logits[:, 11:14].argmax(-1))
    assert torch.equal(
        sample["grip"][0], torch.stack([logits[:, 0:2].argmax(-1), logits[:, 2:5].argmax(-1)], -1)
    )
    assert all(
        isinstance(c, TorchDeterministic) for c in [greedy.child_distribution_struct["move"]]
    )
    logp = greedy.logp(sample)
    assert logp.shape == (2,) and not logp.any()


def test_input_lens_may_be_nested_like_the_classes():
    logits, dist = _dist()
    nested = {"move": 4, "pick": 3, "grip": [5, 2]}
    again = TorchMultiDistribution.from_logits(
        logits, child_distribution_cls_struct=CLASSES, input_lens=nested
    )
    sample = dist.sample()
    assert torch.allclose(again.logp(sample), dist.logp(sample))


def test_width_and_structure_errors_name_what_was_expected():
    logits = torch.zeros(2, 13)
    with pytest.raises(ValueError, match=r"last dimension 14 .*got shape \(2, 13\)"):
        TorchMultiDistribution.from_logits(
            logits, child_distribution_cls_struct=CLASSES, input_lens=INPUT_LENS
        )
    with pytest.raises(ValueError, match=r"expected 4 input_lens .* got \[5, 2, 4\]"):
        TorchMultiDistribution.from_logits(
            logits, child_distribution_cls_struct=CLASSES, input_lens=[5, 2, 4]
        )
    with pytest.raises(ValueError, match="dict/tuple of distribution classes"):
        TorchMultiDistribution.from_logits(
            logits, child_distribution_cls_struct=TorchCategorical, input_lens=[13]
        )
    space = gym.spaces.Dict({"move": gym.spaces.Box(-1, 1, (2,)), "pick": gym.spaces.Discrete(3)})
    with pytest.raises(ValueError, match="not nested like the space"):
        TorchMultiDistribution.from_logits(
            torch.zeros(2, 14),
            child_distribution_cls_struct=CLASSES,
            input_lens=INPUT_LENS,
            space=space,
        )
    _, dist = _dist()
    with pytest.raises(ValueError, match=r"flat action tensor \(B, 6\) .*got shape \(3, 5\)"):
        dist.logp(torch.zeros(3, 5))
    with pytest.raises(ValueError, match="actions nested like"):
        dist.logp({"move": torch.zeros(3, 2)})
    with pytest.raises(TypeError, match="got int"):
        dist.logp(3)


def test_constructor_and_kl_validation():
    with pytest.raises(ValueError, match="non-empty dict/tuple/list"):
        TorchMultiDistribution({})
    with pytest.raises(TypeError, match="leaf 1 of"):
        TorchMultiDistribution((TorchCategorical(logits=torch.zeros(1, 2)), torch.zeros(1)))
    _, dist = _dist()
    other = TorchMultiDistribution((TorchCategorical(logits=torch.zeros(3, 2)),))
    with pytest.raises(TypeError, match="nested like"):
        dist.kl(other)


def test_required_input_dim():
    space = gym.spaces.Tuple((gym.spaces.Discrete(3), gym.spaces.Box(-1, 1, (2,))))
    assert TorchMultiDistribution.required_input_dim(space, input_lens=[3, 4]) == 7
    assert TorchMultiDistribution.required_input_dim(space, input_lens=[3, 4], as_list=True) == [
        3,
        4,
    ]
    with pytest.raises(ValueError, match="expected 2 input_lens .*got 3"):
        TorchMultiDistribution.required_input_dim(space, input_lens=[3, 4, 1])
    with pytest.raises(ValueError, match="needs input_lens"):
        TorchMultiDistribution.required_input_dim(space)
    with pytest.raises(ValueError, match="positive ints"):
        TorchMultiDistribution.required_input_dim(space, input_lens=[3, -4])


def test_tuple_children_and_rsample():
    logits = torch.randn(2, 5, requires_grad=True)
    dist = TorchMultiDistribution.from_logits(
        logits,
        child_distribution_cls_struct=(TorchCategorical, TorchDiagGaussian),
        input_lens=[3, 2],
    )
    one_hot, continuous = dist.rsample()
    assert one_hot.shape == (2, 3) and continuous.shape == (2, 1)
    (one_hot.sum() + continuous.sum()).backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0
