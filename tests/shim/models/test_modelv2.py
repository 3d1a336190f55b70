"""ModelV2 / TorchModelV2 call semantics: obs_flat, restored Dict obs, state_in_i, seq_lens,
the "incoming state when forward returns none" rule, and validation errors."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from rlmigrate.testing.strategies import observations, spaces
from shim.models.catalog import ModelCatalog
from shim.models.modelv2 import ModelV2
from shim.models.torch_modelv2 import TorchModelV2


class Recorder(TorchModelV2, nn.Module):
    """Records what forward received; returns what the test asks for."""

    def __init__(self, obs_space: gym.Space, num_outputs: int = 2, result: Any = "echo") -> None:
        TorchModelV2.__init__(self, obs_space, gym.spaces.Discrete(2), num_outputs, {}, "rec")
        nn.Module.__init__(self)
        self.result = result
        self.seen: dict[str, Any] = {}

    def forward(self, input_dict: dict, state: list, seq_lens: Any) -> Any:
        self.seen = {"input_dict": input_dict, "state": state, "seq_lens": seq_lens}
        if self.result == "echo":
            return torch.zeros(input_dict["obs_flat"].shape[0], self.num_outputs), state
        return self.result


def test_torch_modelv2_requires_nn_module() -> None:
    class NotModule(TorchModelV2):
        pass

    with pytest.raises(ValueError, match="nn.Module"):
        NotModule(gym.spaces.Box(-1, 1, (2,)), gym.spaces.Discrete(2), 2, {}, "x")


@pytest.mark.parametrize("module_first", [True, False])
def test_either_init_order_keeps_layers_and_attributes(module_first: bool) -> None:
    class Model(TorchModelV2, nn.Module):
        def __init__(self, obs_space: gym.Space) -> None:
            if module_first:
                nn.Module.__init__(self)
                TorchModelV2.__init__(self, obs_space, gym.spaces.Discrete(3), 3, {"k": 1}, "m")
            else:
                TorchModelV2.__init__(self, obs_space, gym.spaces.Discrete(3), 3, {"k": 1}, "m")
                nn.Module.__init__(self)
            self.layer = nn.Linear(2, 3)

        def forward(self, input_dict: dict, state: list, seq_lens: Any) -> Any:
            return self.layer(input_dict["obs"]), state

    model = Model(gym.spaces.Box(-1, 1, (2,)))
    assert model.model_config == {"k": 1} and model.num_outputs == 3 and model.name == "m"
    assert list(model.state_dict()) == ["layer.weight", "layer.bias"]
    out, state = model({"obs": torch.zeros(4, 2)})
    assert out.shape == (4, 3) and state == []
    assert model.last_output() is out
    assert set(model.variables(as_dict=True)) == {"layer.weight", "layer.bias"}
    assert len(model.trainable_variables()) == 2


def test_incoming_state_is_returned_when_forward_returns_empty_state() -> None:
    model = Recorder(gym.spaces.Box(-1, 1, (3,)), result=(torch.zeros(2, 2), []))
    state = [torch.ones(2, 4)]
    _, state_out = model({"obs": torch.zeros(2, 3)}, state, torch.ones(2))
    assert state_out is state
    _, state_out = model({"obs": torch.zeros(2, 3)})
    assert state_out == []


def test_state_in_keys_and_seq_lens_are_collected_from_the_input_dict() -> None:
    model = Recorder(gym.spaces.Box(-1, 1, (3,)))
    s0, s1 = torch.ones(2, 4), torch.zeros(2, 5)
    seq_lens = torch.tensor([1, 1])
    model({"obs": torch.zeros(2, 3), "state_in_0": s0, "state_in_1": s1, "seq_lens": seq_lens})
    assert model.seen["state"][0] is s0 and model.seen["state"][1] is s1
    assert model.seen["seq_lens"] is seq_lens


@pytest.mark.parametrize(
    "bad", [torch.zeros(2, 2), (torch.zeros(2, 2),), (torch.zeros(2, 2), [], 3)]
)
def test_forward_must_return_a_pair(bad: Any) -> None:
    model = Recorder(gym.spaces.Box(-1, 1, (3,)), result=bad)
    with pytest.raises(ValueError, match="tuple"):
        model({"obs": torch.zeros(2, 3)})


def test_forward_state_must_be_a_list() -> None:
    model = Recorder(gym.spaces.Box(-1, 1, (3,)), result=(torch.zeros(2, 2), (torch.zeros(2, 1),)))
    with pytest.raises(ValueError, match="list"):
        model({"obs": torch.zeros(2, 3)})


def test_image_obs_is_flattened_into_obs_flat() -> None:
    model = Recorder(gym.spaces.Box(0, 1, (4, 4, 3)))
    obs = torch.rand(2, 4, 4, 3)
    model({"obs": obs})
    assert model.seen["input_dict"]["obs"] is obs
    torch.testing.assert_close(model.seen["input_dict"]["obs_flat"], obs.reshape(2, -1))


def test_disable_preprocessor_api_passes_obs_through() -> None:
    model = Recorder(gym.spaces.Box(-1, 1, (3,)))
    model.model_config = {"_disable_preprocessor_api": True}
    obs = torch.zeros(2, 3)
    model({"obs": obs})
    assert model.seen["input_dict"]["obs_flat"] is obs


COMPOSITE = spaces(
    kinds=("box", "discrete", "multi_discrete", "dict", "tuple"),
    max_depth=2,
    max_leaf_size=4,
    max_rank=2,
)


@settings(max_examples=25, deadline=None)
@given(data=st.data(), space=COMPOSITE)
def test_restored_obs_round_trips_the_flattening_preprocessor(
    data: st.DataObject, space: gym.Space
) -> None:
    """Flattened obs come back in the original structure (discrete leaves one-hot)."""
    prep = ModelCatalog.get_preprocessor_for_space(space)
    batch = data.draw(observations(space, batch_size=3))
    flat = torch.as_tensor(prep.transform_batch(batch))
    assert tuple(flat.shape) == (3,) + prep.shape
    model = Recorder(prep.observation_space)
    model({"obs": flat})
    seen = model.seen["input_dict"]
    torch.testing.assert_close(seen["obs_flat"].reshape(3, -1), flat.reshape(3, -1))

    def compare(restored: Any, raw: Any, sub: gym.Space) -> None:
        if isinstance(sub, gym.spaces.Dict):
            assert list(restored) == list(sub.spaces)
            for key, child in sub.spaces.items():
                compare(restored[key], raw[key], child)
        elif isinstance(sub, gym.spaces.Tuple):
            for item, value, child in zip(restored, raw, sub.spaces):
                compare(item, value, child)
        elif isinstance(sub, gym.spaces.Discrete):
            expected = np.eye(sub.n)[np.asarray(raw) - sub.start]
            np.testing.assert_allclose(restored.numpy(), expected)
        elif isinstance(sub, gym.spaces.MultiDiscrete):
            parts = [np.eye(n)[np.asarray(raw)[:, i]] for i, n in enumerate(sub.nvec)]
            np.testing.assert_allclose(restored.numpy(), np.concatenate(parts, axis=1))
        else:
            np.testing.assert_allclose(
                restored.numpy(), np.asarray(raw, dtype=np.float32).reshape(restored.shape)
            )

    if isinstance(space, (gym.spaces.Dict, gym.spaces.Tuple)):
        compare(seen["obs"], batch, space)


def test_structured_obs_get_a_flat_obs_flat() -> None:
    space = gym.spaces.Dict({"a": gym.spaces.Discrete(3), "b": gym.spaces.Box(-1, 1, (2,))})
    prep = ModelCatalog.get_preprocessor_for_space(space)
    model = Recorder(prep.observation_space)
    raw = {"a": np.array([0, 2]), "b": np.array([[0.5, -0.5], [0.1, 0.2]], np.float32)}
    model({"obs": {"a": torch.as_tensor(raw["a"]), "b": torch.as_tensor(raw["b"])}})
    np.testing.assert_allclose(
        model.seen["input_dict"]["obs_flat"].numpy(), prep.transform_batch(raw)
    )


def test_base_defaults() -> None:
    model = Recorder(gym.spaces.Box(-1, 1, (3,)))
    assert model.get_initial_state() == [] and model.metrics() == {}
    assert model.custom_loss("loss", {}) == "loss"
    assert model.is_time_major() is False
    assert list(model.view_requirements) == ["obs"]
    with pytest.raises(NotImplementedError):
        ModelV2.value_function(model)
    with model.context():
        pass


def test_a_custom_context_wraps_every_forward() -> None:
    """The hot path skips the default no-op context; an overriding one must still be entered."""
    entered: list[bool] = []

    class WithContext(Recorder):
        def context(self) -> Any:
            class Ctx:
                def __enter__(self) -> None:
                    entered.append(True)

                def __exit__(self, *exc: Any) -> None:
                    return None

            return Ctx()

    model = WithContext(gym.spaces.Box(-1, 1, (3,)))
    for _ in range(2):
        model({"obs": torch.zeros(2, 3)})
    assert entered == [True, True]


def test_replacing_obs_space_redecides_restoration() -> None:
    """The flat-vs-structured decision is cached per space object, not frozen forever."""
    space = gym.spaces.Dict({"a": gym.spaces.Discrete(3), "b": gym.spaces.Box(-1, 1, (2,))})
    prep = ModelCatalog.get_preprocessor_for_space(space)
    model = Recorder(gym.spaces.Box(-1, 1, prep.shape))
    flat = torch.as_tensor(prep.transform_batch({"a": np.array([1]), "b": np.zeros((1, 2))}))
    model({"obs": flat})
    assert model.seen["input_dict"]["obs"] is flat
    model.obs_space = prep.observation_space
    model({"obs": flat})
    assert isinstance(model.seen["input_dict"]["obs"], dict)
    assert list(model.seen["input_dict"]["obs"]) == ["a", "b"]


def test_call_does_not_mutate_the_callers_input_dict() -> None:
    model = Recorder(gym.spaces.Box(-1, 1, (3,)))
    given_dict = {"obs": torch.zeros(2, 3)}
    model(given_dict)
    assert list(given_dict) == ["obs"]
    assert "obs_flat" in model.seen["input_dict"]
