"""PPO's fused acting path gives bit-identical results and steps aside when it must."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate import PPOTorchRLModule
from rlmigrate.modules._fast_path import fast_actor_forward

OBS = gym.spaces.Box(-1, 1, (5,), np.float32)


def build(act=None, **config):
    return PPOTorchRLModule(observation_space=OBS, action_space=act or gym.spaces.Discrete(3),
                            model_config={"fcnet_hiddens": [8, 8], **config})


def slow(module, obs):
    with torch.no_grad():
        encoded, out = module._encode({"obs": obs})
        return module.pi(encoded["encoder_out"]["actor"])


@settings(max_examples=20, deadline=None)
@given(share=st.booleans(), continuous=st.booleans(), batch=st.integers(1, 5), scale=st.floats(0.1, 100.0),
       head=st.lists(st.integers(1, 4), max_size=1))
def test_fused_path_is_bit_identical(share, continuous, batch, scale, head):
    act = gym.spaces.Box(-1, 1, (2,), np.float32) if continuous else None
    module = build(act, vf_share_layers=share, head_fcnet_hiddens=head, log_std_clip_param=0.5)
    obs = torch.randn(batch, 5) * scale
    assert fast_actor_forward(module, {"obs": obs}) is not None
    assert torch.equal(module.forward_inference({"obs": obs})["action_dist_inputs"], slow(module, obs))


def test_hooks_on_skipped_wrappers_still_run():
    module = build()
    calls = []
    module.pi.register_forward_hook(lambda mod, args, out: calls.append(out.shape))
    module.forward_inference({"obs": torch.zeros(2, 5)})
    assert calls == [torch.Size([2, 3])]


def test_global_hooks_disable_the_fused_path():
    module = build()
    calls = []
    handle = torch.nn.modules.module.register_module_forward_hook(lambda mod, args, out: calls.append(type(mod).__name__))
    try:
        module.forward_inference({"obs": torch.zeros(1, 5)})
    finally:
        handle.remove()
    assert "TorchMLPHead" in calls


@pytest.mark.parametrize("where", ["pi", "pi.net", "encoder.encoder", "encoder.encoder.net"])
def test_replacing_a_wrapper_is_seen(where):
    module = build()
    module.forward_inference({"obs": torch.zeros(1, 5)})  # cache the fused path
    owner_path, name = where.rsplit(".", 1) if "." in where else ("", where)
    owner = module.get_submodule(owner_path) if owner_path else module

    class Zeros(torch.nn.Module):
        def __init__(self, width):
            super().__init__()
            self.width = width

        def forward(self, x):
            return torch.zeros(*x.shape[:-1], self.width)

    if name == "pi":
        setattr(owner, name, Zeros(3))
        expected = torch.zeros(1, 3)
    elif name == "net" and owner_path == "pi":
        setattr(owner, name, Zeros(3))
        expected = torch.zeros(1, 3)
    elif name == "encoder":
        owner.encoder = type("Enc", (torch.nn.Module,), {"forward": lambda self, b: {"encoder_out": torch.zeros(1, 8)}})()
        expected = slow(module, torch.zeros(1, 5))
    else:
        setattr(owner, name, Zeros(8))
        expected = module.pi(torch.zeros(1, 8))
    out = module.forward_inference({"obs": torch.zeros(1, 5)})["action_dist_inputs"]
    torch.testing.assert_close(out, expected)


def test_instance_forward_override_is_seen():
    module = build()
    module.forward_inference({"obs": torch.zeros(1, 5)})
    module.pi.forward = lambda x: torch.full((x.shape[0], 3), 7.0)
    assert torch.all(module.forward_inference({"obs": torch.zeros(1, 5)})["action_dist_inputs"] == 7.0)


@pytest.mark.parametrize("obs", [torch.zeros(2, 5, dtype=torch.float64), np.zeros((2, 5), np.float32)])
def test_other_inputs_take_the_normal_path(obs):
    module = build()
    assert fast_actor_forward(module, {"obs": obs}) is None
    assert module.forward_inference({"obs": torch.as_tensor(obs)})["action_dist_inputs"].shape == (2, 3)


def test_wrong_width_still_gets_the_helpful_error():
    with pytest.raises(ValueError, match=r"expected inputs of shape \(\.\.\., 5\), got \(2, 4\)"):
        build().forward_inference({"obs": torch.zeros(2, 4)})


def test_deep_copies_use_their_own_layers():
    import copy

    module = build()
    module.forward_inference({"obs": torch.zeros(1, 5)})
    clone = copy.deepcopy(module)
    with torch.no_grad():
        for p in clone.parameters():
            p.zero_()
    assert torch.all(clone.forward_inference({"obs": torch.ones(1, 5)})["action_dist_inputs"] == 0)
    assert not torch.all(module.forward_inference({"obs": torch.ones(1, 5)})["action_dist_inputs"] == 0)
