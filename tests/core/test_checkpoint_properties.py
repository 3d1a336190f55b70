"""Property: save -> load gives identical outputs, for generated spaces and model configs."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlmigrate import (
    APPOTorchRLModule,
    BCTorchRLModule,
    MultiRLModuleSpec,
    PPOTorchRLModule,
    RLModule,
    RLModuleSpec,
)
from rlmigrate.testing.strategies import action_spaces, batches, spaces

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def module_specs(draw):
    obs_space = draw(spaces(max_depth=1, max_leaf_size=4, max_rank=3, max_children=2, dtypes=(np.float32,)))
    act_space = draw(action_spaces(max_depth=1, max_leaf_size=3, max_children=2))
    config = {
        "fcnet_hiddens": draw(st.lists(st.integers(1, 6), min_size=1, max_size=2)),
        "fcnet_activation": draw(st.sampled_from(["tanh", "relu", "linear"])),
        "head_fcnet_hiddens": draw(st.lists(st.integers(1, 4), max_size=1)),
        "conv_filters": [[2, 1, 1]],
        "vf_share_layers": draw(st.booleans()),
        "use_lstm": draw(st.booleans()),
        "lstm_cell_size": 3,
        "recurrent_layer_type": draw(st.sampled_from(["lstm", "gru"])),
    }
    if isinstance(act_space, gym.spaces.Box):
        config["free_log_std"] = draw(st.booleans())
    module_class = draw(st.sampled_from([PPOTorchRLModule, APPOTorchRLModule, BCTorchRLModule]))
    return RLModuleSpec(module_class=module_class, observation_space=obs_space, action_space=act_space, model_config=config)


def _outputs(module, batch):
    out = module.forward_inference(batch)
    values = [out["action_dist_inputs"]]
    if "state_out" in out:
        values += [v for v in _leaves(out["state_out"])]
    if hasattr(module, "compute_values") and not module.inference_only:
        with torch.no_grad():
            values.append(module.compute_values(batch))
    return values


def _leaves(tree):
    if isinstance(tree, dict):
        for value in tree.values():
            yield from _leaves(value)
    else:
        yield tree


@SETTINGS
@given(spec=module_specs(), data=st.data())
def test_save_load_gives_identical_outputs(spec, data, tmp_path_factory):
    module = spec.build()
    batch = data.draw(batches(module, batch_size=2, time=2 if module.is_stateful() else None, state="random"))
    path = module.save_to_path(tmp_path_factory.mktemp("ckpt"))
    restored = RLModule.from_checkpoint(path)
    assert type(restored) is type(module)
    for a, b in zip(_outputs(module, batch), _outputs(restored, batch)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@SETTINGS
@given(spec=module_specs(), other=module_specs(), data=st.data())
def test_restore_component_changes_only_that_sub_module(spec, other, data, tmp_path_factory):
    multi_spec = MultiRLModuleSpec(rl_module_specs={"first": spec, "second": other})
    source = multi_spec.build()
    path = source.save_to_path(tmp_path_factory.mktemp("multi"))
    target = multi_spec.build()  # fresh weights
    first_batch = data.draw(batches(target["first"], batch_size=2, time=2 if target["first"].is_stateful() else None))
    second_batch = data.draw(batches(target["second"], batch_size=2, time=2 if target["second"].is_stateful() else None))
    second_before = _outputs(target["second"], second_batch)
    target.restore_from_path(path, component="first")
    for a, b in zip(_outputs(source["first"], first_batch), _outputs(target["first"], first_batch)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    for a, b in zip(second_before, _outputs(target["second"], second_batch)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
