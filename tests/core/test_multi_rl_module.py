"""MultiRLModule: mapping protocol, per-module forward, shared sub-networks, state."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rlmigrate import Columns, MultiRLModule, MultiRLModuleSpec, RLModuleSpec, TorchRLModule
from tests.core.conftest import ACT_SPACE, OBS_SPACE, ModernModule

OBS = torch.ones(2, 4)


def _spec(hidden: int = 8) -> RLModuleSpec:
    return RLModuleSpec(
        module_class=ModernModule, observation_space=OBS_SPACE, action_space=ACT_SPACE, model_config={"hidden": hidden}
    )


@pytest.fixture
def multi() -> MultiRLModule:
    return MultiRLModuleSpec(rl_module_specs={"a": _spec(4), "b": _spec(6)}).build()


def test_builds_each_sub_module_from_its_spec(multi):
    assert set(multi.keys()) == {"a", "b"} and len(multi) == 2
    assert multi["a"].pi[0].out_features == 4 and multi["b"].pi[0].out_features == 6
    assert "a" in multi and "c" not in multi
    assert multi.framework == "torch"


def test_forward_runs_only_the_ids_in_the_batch(multi):
    out = multi.forward_inference({"b": {Columns.OBS: OBS}, "unknown": {Columns.OBS: OBS}})
    assert set(out) == {"b"}
    torch.testing.assert_close(out["b"][Columns.ACTION_DIST_INPUTS], multi["b"].forward_inference({Columns.OBS: OBS})[Columns.ACTION_DIST_INPUTS])
    assert out["b"][Columns.ACTION_DIST_INPUTS].shape == (2, 3)


def test_unknown_id_error_lists_available_ids(multi):
    with pytest.raises(KeyError, match=r"'zz' not found; available module ids: \['a', 'b'\]"):
        multi["zz"]
    with pytest.raises(KeyError):
        multi.remove_module("zz")
    multi.remove_module("zz", raise_err_if_not_found=False)


def test_add_module_refuses_existing_id_unless_override(multi):
    new = _spec(3).build()
    with pytest.raises(ValueError, match="already exists"):
        multi.add_module("a", new)
    multi.add_module("a", new, override=True)
    assert multi["a"] is new
    assert multi.rl_module_specs["a"].model_config == {"hidden": 3}


def test_add_module_with_invalid_id_warns(multi):
    with pytest.warns(UserWarning, match="forbidden character"):
        multi.add_module("bad/id", _spec().build())


def test_remove_and_foreach(multi):
    multi.remove_module("a")
    assert list(multi.keys()) == ["b"]
    assert multi.foreach_module(lambda mid, m: (mid, type(m).__name__)) == [("b", "ModernModule")]
    assert multi.foreach_module(lambda mid, m, k: k, return_dict=True, k=1) == {"b": 1}


def test_inference_only_is_forced_down_to_sub_modules():
    spec = MultiRLModuleSpec(rl_module_specs={"a": _spec()}, inference_only=True)
    multi = spec.build()
    assert multi.inference_only and multi["a"].inference_only
    with pytest.raises(RuntimeError):
        multi["a"].forward_train({Columns.OBS: OBS})


def test_state_round_trip_and_component_selection(multi):
    state = multi.get_state()
    assert set(state) == {"a", "b"}
    assert set(multi.get_state(components="a")) == {"a"}
    assert set(multi.get_state(not_components=["a"])) == {"b"}
    fresh = MultiRLModuleSpec(rl_module_specs={"a": _spec(4), "b": _spec(6)}).build()
    fresh.set_state(state)
    torch.testing.assert_close(fresh["b"].pi[0].weight, multi["b"].pi[0].weight)
    with pytest.raises(KeyError):
        fresh.set_state({"nope": {}})


class SharedEncoderPolicy(TorchRLModule):
    """A policy head reading a shared encoder passed in through model_config."""

    def setup(self):
        self.encoder = self.model_config["encoder"]
        self.head = nn.Linear(self.encoder.out_features, self.action_space.n)

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.head(torch.relu(self.encoder(batch[Columns.OBS])))}


def test_sub_modules_sharing_an_encoder_compute_per_module_outputs_and_share_grads():
    shared = nn.Linear(4, 5)
    multi = MultiRLModule(rl_module_specs={})
    for mid in ("left", "right"):
        multi.add_module(mid, SharedEncoderPolicy(observation_space=OBS_SPACE, action_space=ACT_SPACE, model_config={"encoder": shared}))
    assert multi["left"].encoder is multi["right"].encoder
    out = multi.forward_train({"left": {Columns.OBS: OBS}, "right": {Columns.OBS: -OBS}})
    assert not torch.allclose(out["left"][Columns.ACTION_DIST_INPUTS], out["right"][Columns.ACTION_DIST_INPUTS])
    (out["left"][Columns.ACTION_DIST_INPUTS].sum() + out["right"][Columns.ACTION_DIST_INPUTS].sum()).backward()
    assert shared.weight.grad is not None
    params = list(multi.parameters())
    assert sum(p is shared.weight for p in params) == 1  # counted once
    assert len(params) == 2 + 2 * 2


def test_forward_needs_a_dict_of_batches(multi):
    with pytest.raises(TypeError, match="module_id"):
        multi.forward_inference([OBS])


def test_deprecated_multi_agent_names_still_work():
    from rlmigrate import MultiAgentRLModule, MultiAgentRLModuleSpec

    with pytest.warns(DeprecationWarning):
        spec = MultiAgentRLModuleSpec(module_specs={"a": _spec()})
    assert spec.build()["a"].pi[0].out_features == 8
    with pytest.warns(DeprecationWarning):
        assert len(MultiAgentRLModule(rl_module_specs={"a": _spec()})) == 1
