"""Space <-> JSON and the structural observation check."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings

from rlmigrate.core.spaces import flat_obs_check, space_from_dict, space_to_dict
from rlmigrate.testing.strategies import observations, spaces


@settings(max_examples=60, deadline=None)
@given(space=spaces())
def test_space_json_round_trip(space):
    assert space_from_dict(json.loads(json.dumps(space_to_dict(space)))) == space


def test_hand_written_lists_and_scalars_are_accepted():
    box = space_from_dict({"space": "box", "low": -1, "high": 1, "shape": [3], "dtype": "float32"})
    assert box == gym.spaces.Box(-1, 1, (3,), np.float32)
    md = space_from_dict({"space": "multi-discrete", "nvec": [3, 2]})
    assert md == gym.spaces.MultiDiscrete([3, 2])


def test_hand_written_text_without_charset_gets_gymnasium_default():
    # gymnasium's Text rejects charset=None; a dict without one means the default alphabet.
    text = space_from_dict({"space": "text", "max_length": 4})
    assert text == gym.spaces.Text(4)
    assert space_from_dict({"space": "text", "max_length": 4, "charset": ""}) == text
    assert space_from_dict({"space": "text", "max_length": 4, "charset": "ab"}) == gym.spaces.Text(
        4, charset="ab"
    )


def test_multi_binary_int_and_shape_round_trip():
    for space in (gym.spaces.MultiBinary(5), gym.spaces.MultiBinary([2, 3])):
        data = space_to_dict(space)
        assert data["n"] == (5 if space.shape == (5,) else [2, 3])
        assert space_from_dict(json.loads(json.dumps(data))) == space


def test_unknown_kind_and_missing_key_are_named():
    with pytest.raises(ValueError, match="unknown space kind 'graph'"):
        space_from_dict({"space": "graph"})
    with pytest.raises(ValueError, match="needs a 'space' key"):
        space_from_dict({"n": 3})
    with pytest.raises(TypeError, match="Sequence"):
        space_to_dict(gym.spaces.Sequence(gym.spaces.Discrete(2)))


def test_npy_payload_never_unpickles():
    import base64
    import io

    buf = io.BytesIO()
    np.save(buf, np.array([object()], dtype=object), allow_pickle=True)
    payload = base64.b64encode(buf.getvalue()).decode()
    with pytest.raises(ValueError, match="allow_pickle"):
        space_from_dict({"space": "box", "low": payload, "high": payload, "shape": [1], "dtype": "float32"})


@settings(max_examples=40, deadline=None)
@given(data=__import__("hypothesis").strategies.data(), space=spaces())
def test_generated_batches_pass_and_single_items_are_told_apart(data, space):
    batch = data.draw(observations(space, batch_size=3))
    flat_obs_check(space, batch, batched=True)
    single = space.sample()
    flat_obs_check(space, single, batched=False)


def test_wrong_width_and_missing_key_messages():
    space = gym.spaces.Dict({"pos": gym.spaces.Box(-1, 1, (2,)), "id": gym.spaces.Discrete(3)})
    with pytest.raises(ValueError, match=r"observation\['pos'\]: expected shape \(B, 2\).*got \(5, 3\)"):
        flat_obs_check(space, {"pos": np.zeros((5, 3)), "id": np.zeros(5)}, batched=True)
    with pytest.raises(ValueError, match=r"missing key\(s\) \['id'\]"):
        flat_obs_check(space, {"pos": np.zeros((5, 2))}, batched=True)
    with pytest.raises(ValueError, match="expected a tuple of 2"):
        flat_obs_check(gym.spaces.Tuple([space, space]), [1], batched=True)


def test_multi_discrete_start_survives_the_round_trip():
    space = gym.spaces.MultiDiscrete([3, 2], start=[1, -2])
    back = space_from_dict(json.loads(json.dumps(space_to_dict(space))))
    assert back == space
    np.testing.assert_array_equal(back.start, [1, -2])
