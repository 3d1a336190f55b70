"""BC module: a short cloning loop on synthetic expert data lowers the loss."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate import BCTorchRLModule, Catalog


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    # The training loop is tiny; on a loaded 2-core machine torch's intra-op threads fight
    # other processes and each step becomes ~300x slower. One thread keeps it ~1 ms/step.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 10_000), n_actions=st.integers(2, 5))
def test_behaviour_cloning_lowers_the_loss(seed, n_actions):
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    module = BCTorchRLModule(
        observation_space=gym.spaces.Box(-1, 1, (6,), np.float32), action_space=gym.spaces.Discrete(n_actions),
        model_config={"fcnet_hiddens": [32, 32]},
    )
    obs = torch.rand(256, 6, generator=generator) * 2 - 1
    expert = torch.randn(6, n_actions, generator=generator)
    actions = (obs @ expert).argmax(-1)  # a deterministic expert policy
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-2)
    dist_cls = module.get_train_action_dist_cls()

    def loss_fn():
        logits = module.forward_train({"obs": obs})["action_dist_inputs"]
        return -dist_cls.from_logits(logits).logp(actions).mean()

    first = loss_fn().item()
    for _ in range(40):
        optimizer.zero_grad()
        loss = loss_fn()
        loss.backward()
        optimizer.step()
    assert loss_fn().item() < 0.5 * first


def test_bc_uses_the_plain_catalog_and_rllib_key_names():
    module = BCTorchRLModule(observation_space=gym.spaces.Discrete(5), action_space=gym.spaces.Discrete(2),
                             model_config={"fcnet_hiddens": [4]})
    assert type(module.catalog) is Catalog
    assert {"pi.net.mlp.0.weight", "encoder.net.mlp.0.weight"} <= set(module.state_dict())
    assert module.forward_inference({"obs": torch.tensor([0, 4])})["action_dist_inputs"].shape == (2, 2)
