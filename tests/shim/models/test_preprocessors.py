"""Legacy preprocessors: per-item and batched transforms agree; Ray's selection rules."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.testing.strategies import observations, spaces
from shim.models.catalog import ModelCatalog
from shim.models.preprocessors import (
    AtariRamPreprocessor,
    DictFlatteningPreprocessor,
    NoPreprocessor,
    OneHotPreprocessor,
    TupleFlatteningPreprocessor,
    get_preprocessor,
)


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    space=spaces(
        kinds=("box", "discrete", "multi_discrete", "dict", "tuple"),
        max_depth=2,
        max_leaf_size=4,
        max_rank=2,
    ),
)
def test_batch_transform_equals_per_item_transform(data: st.DataObject, space: gym.Space) -> None:
    prep = ModelCatalog.get_preprocessor_for_space(space)
    batch = data.draw(observations(space, batch_size=3))
    items = [data_item(batch, i) for i in range(3)]
    per_item = np.stack(
        [np.asarray(prep.transform(item), dtype=np.float32).reshape(prep.shape) for item in items]
    )
    np.testing.assert_allclose(
        np.asarray(prep.transform_batch(batch), dtype=np.float32).reshape(per_item.shape), per_item
    )
    assert prep.size == int(np.prod(prep.shape))


def data_item(batch: object, i: int) -> object:
    if isinstance(batch, dict):
        return {k: data_item(v, i) for k, v in batch.items()}
    if isinstance(batch, tuple):
        return tuple(data_item(v, i) for v in batch)
    return np.asarray(batch)[i]


def test_preprocessor_selection_follows_rllib() -> None:
    assert get_preprocessor(gym.spaces.Discrete(3)) is OneHotPreprocessor
    assert get_preprocessor(gym.spaces.MultiDiscrete([2, 2])) is OneHotPreprocessor
    assert (
        get_preprocessor(gym.spaces.Dict({"a": gym.spaces.Discrete(2)}))
        is DictFlatteningPreprocessor
    )
    assert (
        get_preprocessor(gym.spaces.Tuple([gym.spaces.Discrete(2)])) is TupleFlatteningPreprocessor
    )
    assert get_preprocessor(gym.spaces.Box(0, 255, (128,))) is AtariRamPreprocessor
    assert get_preprocessor(gym.spaces.Box(-1, 1, (4,))) is NoPreprocessor
    flat = ModelCatalog.get_preprocessor_for_space(
        gym.spaces.Dict({"a": gym.spaces.Discrete(2), "b": gym.spaces.Box(-1, 1, (2,))})
    )
    assert flat.observation_space.shape == (4,) and isinstance(
        flat.observation_space.original_space, gym.spaces.Dict
    )
    np.testing.assert_array_equal(
        flat.transform({"a": 1, "b": np.array([0.5, -0.5])}), [0, 1, 0.5, -0.5]
    )
