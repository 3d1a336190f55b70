"""APPO module: target networks are frozen copies, synced by Polyak updates."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlmigrate import APPOTorchRLModule, TargetNetworkAPI
from rlmigrate.core.apis import update_target_network


def build(**kw):
    return APPOTorchRLModule(
        observation_space=gym.spaces.Box(-1, 1, (4,), np.float32), action_space=gym.spaces.Discrete(3),
        model_config={"fcnet_hiddens": [8]}, **kw,
    )


def test_target_networks_start_equal_and_frozen():
    module = build()
    assert isinstance(module, TargetNetworkAPI)
    batch = {"obs": torch.randn(5, 4)}
    target = module.forward_target(batch)["target_network_action_dist_inputs"]
    torch.testing.assert_close(target, module.forward_inference(batch)["action_dist_inputs"])
    assert not any(p.requires_grad for _, t in module.get_target_network_pairs() for p in t.parameters())


def test_polyak_update_moves_targets_toward_main():
    module = build()
    with torch.no_grad():
        for p in module.pi.parameters():
            p.add_(1.0)
    batch = {"obs": torch.randn(5, 4)}
    before = module.forward_target(batch)["target_network_action_dist_inputs"]
    for main, target in module.get_target_network_pairs():
        update_target_network(main_net=main, target_net=target, tau=1.0)
    after = module.forward_target(batch)["target_network_action_dist_inputs"]
    assert not torch.allclose(before, after)
    torch.testing.assert_close(after, module.forward_inference(batch)["action_dist_inputs"])


def test_inference_only_appo_has_no_targets():
    module = build(inference_only=True)
    assert not any(k.startswith("_old_") for k in module.state_dict())
    with pytest.raises(RuntimeError, match="no target networks"):
        module.forward_target({"obs": torch.zeros(1, 4)})
