"""legacy_forward_args / legacy_forward_outputs rebuild what RLlib 2.10's ModelV2.__call__ gave
a legacy forward(): checked against the shim's own preprocessor, restore_original_dimensions
and add_time_dimension (the legacy side of every equivalence check) over generated spaces."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.core.columns import Columns
from rlmigrate.core.nest import flatten, map_struct
from rlmigrate.models.torch.legacy_inputs import (
    add_time_dimension,
    legacy_forward_args,
    legacy_forward_outputs,
    legacy_obs,
    legacy_observation_space,
    legacy_train_actions,
    legacy_train_obs,
)
from rlmigrate.testing.sides import as_tensors
from rlmigrate.testing.space_strategies import spaces
from rlmigrate.testing.strategies import observations
from shim.models.catalog import ModelCatalog
from shim.models.preprocessors import restore_original_dimensions
from shim.models.recurrent_net import add_time_dimension as shim_add_time_dimension

SPACES = spaces(kinds=("box", "discrete", "multi_discrete", "dict", "tuple"), max_depth=2,
                max_leaf_size=5, max_rank=2, dtypes=(np.float32,))


def _legacy_flat(space: gym.Space, obs) -> torch.Tensor:
    prep = ModelCatalog.get_preprocessor_for_space(space)
    return torch.as_tensor(np.asarray(prep.transform_batch(obs), dtype=np.float32)), prep


def _leaves(value) -> list[np.ndarray]:
    return [np.asarray(leaf, dtype=np.float32) for leaf in flatten(map_struct(
        lambda t: t.detach().numpy() if isinstance(t, torch.Tensor) else t, value))]


@settings(max_examples=40, deadline=None)
@given(data=st.data(), space=SPACES)
def test_stateless_inputs_match_the_legacy_preprocessor(data, space):
    obs = data.draw(observations(space, batch_size=3))
    input_dict, state, seq_lens = legacy_forward_args({Columns.OBS: as_tensors(obs)}, space)
    flat, prep = _legacy_flat(space, obs)
    np.testing.assert_allclose(input_dict["obs_flat"].numpy(), flat.numpy().reshape(3, -1), atol=1e-6)
    restored = restore_original_dimensions(flat, prep.observation_space, "torch")
    for mine, legacy in zip(_leaves(input_dict["obs"]), _leaves(restored), strict=True):
        np.testing.assert_allclose(mine, legacy, atol=1e-6)
    assert state == [] and seq_lens is None
    assert legacy_observation_space(space).shape == prep.observation_space.shape


@settings(max_examples=40, deadline=None)
@given(data=st.data(), space=SPACES)
def test_train_obs_is_what_the_legacy_sampler_stored(data, space):
    """One-hot/flattened by the catalog's preprocessor for Discrete/Dict/Tuple leaves, as it is
    for a Box (RLlib's NoPreprocessor kept its shape)."""
    obs = data.draw(observations(space, batch_size=3))
    mine = legacy_train_obs(as_tensors(obs), space)
    if isinstance(space, gym.spaces.Box):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(obs))
        return
    flat, _ = _legacy_flat(space, obs)
    np.testing.assert_allclose(mine.numpy(), flat.numpy().reshape(3, -1), atol=1e-6)


INT_SPACES = spaces(kinds=("box", "int_box", "discrete", "multi_discrete", "dict", "tuple"), max_depth=2,
                    max_leaf_size=5, max_rank=2)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), space=INT_SPACES)
def test_obs_is_what_model_v2_call_restored(data, space):
    """``input_dict["obs"]`` of a legacy forward: the preprocessed observation restored to its
    structure (discrete leaves one-hot, integer leaves float32); a Box the very batch tensor."""
    obs = data.draw(observations(space, batch_size=3))
    given_obs = as_tensors(obs)
    mine = legacy_obs(given_obs, space)
    if legacy_observation_space(space) is space:
        assert mine is given_obs
        return
    flat, prep = _legacy_flat(space, obs)
    restored = restore_original_dimensions(flat, prep.observation_space, "torch")
    for leaf, legacy in zip(flatten(mine), flatten(restored), strict=True):
        assert leaf.dtype == torch.float32
        np.testing.assert_allclose(leaf.numpy(), np.asarray(legacy), atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(data=st.data(), space=SPACES, steps=st.integers(1, 4), size=st.integers(1, 3))
def test_stateful_batches_fold_to_the_legacy_rows(data, space, steps, size):
    obs = data.draw(observations(space, batch_size=size, time=steps))
    state_in = {"0": torch.randn(size, 2), "1": torch.randn(size, 3)}
    batch = {Columns.OBS: as_tensors(obs), Columns.STATE_IN: state_in}
    input_dict, state, seq_lens = legacy_forward_args(batch, space)
    rows = map_struct(lambda a: np.asarray(a).reshape((size * steps,) + np.asarray(a).shape[2:]), obs)
    flat, _ = _legacy_flat(space, rows)
    np.testing.assert_allclose(input_dict["obs_flat"].numpy(), flat.numpy().reshape(size * steps, -1), atol=1e-6)
    assert [s is state_in[k] for s, k in zip(state, "01")] == [True, True]
    assert seq_lens.tolist() == [steps] * size
    # the legacy body cuts its rows back into sequences the way RLlib did
    mine = add_time_dimension(input_dict["obs_flat"], seq_lens=seq_lens, framework="torch")
    legacy = shim_add_time_dimension(flat.reshape(size * steps, -1), seq_lens=seq_lens, framework="torch")
    np.testing.assert_allclose(mine.numpy(), np.asarray(legacy), atol=1e-6)


@given(size=st.integers(1, 4), steps=st.integers(1, 5), width=st.integers(1, 4))
def test_outputs_go_back_to_batch_time_layout_and_state_dict(size, steps, width):
    batch = {Columns.OBS: torch.zeros(size, steps, 2), Columns.STATE_IN: {"0": torch.zeros(size, 3)}}
    logits = torch.arange(size * steps * width, dtype=torch.float32).reshape(size * steps, width)
    h = torch.ones(size, 3)
    out = legacy_forward_outputs(batch, (logits, [h]))
    assert out[Columns.ACTION_DIST_INPUTS].shape == (size, steps, width)
    assert torch.equal(out[Columns.ACTION_DIST_INPUTS].reshape(-1, width), logits)
    assert out[Columns.STATE_OUT]["0"] is h


def test_empty_state_out_returns_the_incoming_state_as_model_v2_call_did():
    state_in = {"0": torch.ones(2, 3)}
    out = legacy_forward_outputs({Columns.OBS: torch.zeros(2, 1, 4), Columns.STATE_IN: state_in}, (torch.zeros(2, 5), []))
    assert out[Columns.STATE_OUT] == {"0": state_in["0"]}


def test_stateless_outputs_carry_no_state():
    out = legacy_forward_outputs({Columns.OBS: torch.zeros(2, 4)}, (torch.zeros(2, 5), []))
    assert set(out) == {Columns.ACTION_DIST_INPUTS}


def test_extra_columns_are_passed_folded_like_the_observation():
    batch = {Columns.OBS: torch.zeros(2, 3, 4), Columns.STATE_IN: {"0": torch.zeros(2, 1)},
             "prev_actions": torch.arange(6).reshape(2, 3), Columns.SEQ_LENS: torch.tensor([3, 1])}
    input_dict, _, seq_lens = legacy_forward_args(batch, gym.spaces.Box(-1, 1, (4,)))
    assert input_dict["prev_actions"].tolist() == [0, 1, 2, 3, 4, 5]
    assert seq_lens.tolist() == [3, 1]  # the learner's own lengths win over T


def test_disabled_preprocessor_api_passes_raw_observations():
    space = gym.spaces.Dict({"a": gym.spaces.Discrete(3)})
    obs = {"a": torch.tensor([0, 2])}
    input_dict, _, _ = legacy_forward_args({Columns.OBS: obs}, space, {"_disable_preprocessor_api": True})
    assert input_dict["obs"] is obs and input_dict["obs_flat"] is obs


def test_atari_ram_shaped_boxes_are_scaled_like_rllib_2_10():
    space = gym.spaces.Box(0, 255, (128,), np.float32)
    input_dict, _, _ = legacy_forward_args({Columns.OBS: torch.full((1, 128), 192.0)}, space)
    assert torch.allclose(input_dict["obs"], torch.full((1, 128), 0.5))


@pytest.mark.parametrize(
    "batch, message",
    [
        ({}, "no 'obs' column"),
        ({Columns.OBS: torch.zeros(2, 1, 3), Columns.STATE_IN: {"h": torch.zeros(2, 1)}}, "'0', '1'"),
        ({Columns.OBS: torch.zeros(2), Columns.STATE_IN: {"0": torch.zeros(2, 1)}}, "(B, T, ...)"),
    ],
)
def test_bad_batches_name_the_problem(batch, message):
    with pytest.raises((KeyError, ValueError), match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.").replace("*", r"\*")):
        legacy_forward_args(batch, gym.spaces.Box(-1, 1, (3,)))


def test_add_time_dimension_rejects_rows_that_do_not_split():
    with pytest.raises(ValueError, match="7 padded rows cannot be split into 2 sequences"):
        add_time_dimension(torch.zeros(7, 2), seq_lens=torch.tensor([3, 4]))


def test_legacy_forward_outputs_rejects_a_non_pair():
    with pytest.raises(ValueError, match="must return \\(outputs, state_out\\)"):
        legacy_forward_outputs({Columns.OBS: torch.zeros(1, 2)}, torch.zeros(1, 2))


@settings(max_examples=30, deadline=None)
@given(child=SPACES.filter(lambda s: not isinstance(s, gym.spaces.Tuple)), max_len=st.integers(1, 4),
       size=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_repeated_lists_give_the_legacy_preprocessor_vector(child, max_len, size, seed):
    from rlmigrate.testing.repeated_obs import module_view, raw_lists
    from rlmigrate.testing.sampling import sample_observations
    from shim.spaces import Repeated

    space = Repeated(child, max_len=max_len)
    obs = sample_observations(space, (size,), np.random.default_rng(seed))
    view = module_view(space, obs)  # the RepeatedValues the legacy model saw as input_dict["obs"]
    input_dict, _, _ = legacy_forward_args({Columns.OBS: view}, space)
    flat, prep = _legacy_flat(space, raw_lists(space, obs))
    np.testing.assert_allclose(input_dict["obs_flat"].numpy(), flat.numpy(), atol=1e-6)
    assert input_dict["obs"] is view
    assert legacy_observation_space(space).shape == prep.observation_space.shape
    assert legacy_observation_space(space).original_space is space


def test_a_repeated_space_needs_the_repeated_values():
    from shim.spaces import Repeated

    with pytest.raises(ValueError, match="must arrive as the RepeatedValues"):
        legacy_forward_args({Columns.OBS: torch.zeros(2, 5)}, Repeated(gym.spaces.Box(-1, 1, (2,)), 2))


@settings(max_examples=30, deadline=None)
@given(data=st.data(), sizes=st.lists(st.integers(1, 3), min_size=1, max_size=3), batch=st.integers(1, 4),
       as_dict=st.booleans())
def test_struct_actions_flatten_per_row_in_sorted_key_order(data, sizes, batch, as_dict):
    """What Ray 2.10's AgentCollector stored for a Dict/Tuple action: one float32 row per step,
    leaves in tree.flatten order (dict keys sorted), each leaf (B, -1)."""
    leaves = [torch.tensor(data.draw(st.lists(st.lists(st.integers(-3, 3), min_size=n, max_size=n),
                                              min_size=batch, max_size=batch))) for n in sizes]
    struct = {f"k{len(leaves) - i}": leaf for i, leaf in enumerate(leaves)} if as_dict else tuple(leaves)
    flat = legacy_train_actions(struct)
    order = [struct[k] for k in sorted(struct)] if as_dict else leaves
    assert flat.dtype == torch.float32 and flat.shape == (batch, sum(sizes))
    assert torch.equal(flat, torch.cat([leaf.float() for leaf in order], dim=1))
    plain = torch.ones(batch, 2)
    assert legacy_train_actions(plain) is plain
