"""Weight transfer: by name, through mappings, from policies and dicts; every misfit listed."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from rlmigrate.testing.transfer import WeightTransferError, source_state, transfer_weights


def _mlp(sizes, names=("a", "b", "c")):
    module = nn.Module()
    for name, (i, o) in zip(names, zip(sizes, sizes[1:])):
        setattr(module, name, nn.Linear(i, o))
    return module


def _same(a: nn.Module, b: nn.Module, mapping=None) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    mapping = mapping or {}
    return all(torch.equal(v, sb[mapping.get(k, k)]) for k, v in sa.items())


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 16), min_size=2, max_size=4))
def test_same_names_copy_every_tensor(sizes):
    source, target = _mlp(sizes), _mlp(sizes)
    report = transfer_weights(source, target)
    assert _same(source, target)
    assert (
        len(report.pairs) == len(source.state_dict())
        and not report.unused_source
        and not report.unfilled_target
    )


def test_dict_mapping_renames_and_none_drops():
    source, target = (
        _mlp([3, 4, 2], names=("hidden", "logits")),
        _mlp([3, 4, 2], names=("encoder", "pi")),
    )
    mapping = {f"hidden.{p}": f"encoder.{p}" for p in ("weight", "bias")}
    mapping.update({f"logits.{p}": f"pi.{p}" for p in ("weight", "bias")})
    transfer_weights(source, target, mapping=mapping)
    assert _same(source, target, mapping)
    extra = dict(source.state_dict(), junk=torch.zeros(1))
    transfer_weights(extra, target, mapping={**mapping, "junk": None})


def test_callable_mapping():
    source, target = (
        _mlp([3, 4, 2], names=("hidden", "logits")),
        _mlp([3, 4, 2], names=("enc_hidden", "enc_logits")),
    )
    transfer_weights(source, target, mapping=lambda key: "enc_" + key)
    assert torch.equal(source.hidden.weight, target.enc_hidden.weight)


def test_unmatched_keys_are_listed_in_both_directions_and_nothing_is_written():
    source, target = (
        _mlp([3, 4, 2], names=("hidden", "logits")),
        _mlp([3, 4, 2], names=("hidden", "pi")),
    )
    before = {k: v.clone() for k, v in target.state_dict().items()}
    with pytest.raises(WeightTransferError) as info:
        transfer_weights(source, target)
    message = str(info.value)
    assert "in source but not in target (2): ['logits.weight', 'logits.bias']" in message
    assert "in target but not in source (2): ['pi.weight', 'pi.bias']" in message
    assert all(torch.equal(before[k], v) for k, v in target.state_dict().items())
    report = transfer_weights(source, target, strict=False)
    assert report.unused_source == ["logits.weight", "logits.bias"] and report.unfilled_target == [
        "pi.weight",
        "pi.bias",
    ]
    assert torch.equal(source.hidden.weight, target.hidden.weight)


def test_shape_mismatch_names_both_shapes_even_when_not_strict():
    source, target = _mlp([3, 4, 2]), _mlp([3, 5, 2])
    with pytest.raises(
        WeightTransferError, match=r"'a.weight' -> 'a.weight': source \(4, 3\) vs target \(5, 3\)"
    ):
        transfer_weights(source, target, strict=False)


def test_two_sources_onto_one_target_is_an_error():
    source = {"x": np.zeros(2), "y": np.ones(2)}
    target = nn.Module()
    target.register_buffer("z", torch.zeros(2))
    with pytest.raises(WeightTransferError, match="fed by two source keys"):
        transfer_weights(source, target, mapping={"x": "z", "y": "z"})


def test_buffers_travel_and_dtypes_follow_the_target():
    source, target = nn.BatchNorm1d(3), nn.BatchNorm1d(3)
    source.running_mean += 2.0
    transfer_weights({k: v.double().numpy() for k, v in source.state_dict().items()}, target)
    assert target.running_mean.dtype == torch.float32 and torch.equal(
        target.running_mean, source.running_mean
    )


def test_from_and_into_a_shim_policy(mlp_pair):
    from shim.policy.policy import Policy

    _, migrated_cls = mlp_pair
    space, act = gym.spaces.Box(-1, 1, (5,), dtype=np.float32), gym.spaces.Discrete(3)
    a = migrated_cls(observation_space=space, action_space=act, model_config={})
    b = migrated_cls(observation_space=space, action_space=act, model_config={})
    policy = Policy.from_module(b)
    transfer_weights(a, policy)  # into the policy (set_weights)
    assert _same(a, b)
    c = migrated_cls(observation_space=space, action_space=act, model_config={})
    transfer_weights(policy, c)  # from the policy (get_weights)
    assert _same(a, c)


def test_unreadable_source_names_its_type():
    with pytest.raises(TypeError, match="cannot read weights from int"):
        source_state(3)
    with pytest.raises(TypeError, match="must be a model"):
        transfer_weights(_mlp([2, 2]), {"a.weight": np.zeros((2, 2))})
