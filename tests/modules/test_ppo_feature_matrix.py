"""Feature matrix: PPO × observation kinds × action kinds, built from a spec.

For every cell: act with explore True/False through ``rlmigrate.compute_actions`` (actions
lie in the action space), ``forward_train`` gives ``ACTION_DIST_INPUTS`` of the width the
action distribution needs and ``EMBEDDINGS``, and ``compute_values`` has shape ``(B,)`` (or
``(B, T)``) and equals ``compute_values(embeddings=...)``.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlmigrate import MultiRLModuleSpec, PPOTorchRLModule, RLModuleSpec, compute_actions
from rlmigrate.acting import to_tensor_struct
from rlmigrate.distributions.defaults import required_input_dim_for_space
from rlmigrate.testing.strategies import initial_state_batch

SMALL = {"fcnet_hiddens": [16, 16], "head_fcnet_hiddens": [8], "lstm_cell_size": 8}
B, T = 3, 4

OBS_KINDS = {
    "box": (gym.spaces.Box(-1.0, 1.0, (5,), np.float32), {}),
    "image": (gym.spaces.Box(0, 255, (10, 10, 3), np.uint8), {}),
    "lstm": (gym.spaces.Box(-1.0, 1.0, (5,), np.float32), {"use_lstm": True}),
    "dict": (
        gym.spaces.Dict(
            {
                "camera": gym.spaces.Box(0.0, 1.0, (10, 10, 1), np.float32),
                "speed": gym.spaces.Box(-1.0, 1.0, (3,), np.float32),
                "gear": gym.spaces.Discrete(4),
            }
        ),
        {},
    ),
    "tuple": (
        gym.spaces.Tuple(
            (gym.spaces.Box(-1.0, 1.0, (2,), np.float32), gym.spaces.MultiBinary(3), gym.spaces.Discrete(2, start=1))
        ),
        {},
    ),
    "discrete": (gym.spaces.Discrete(6), {}),
    "multi_discrete": (gym.spaces.MultiDiscrete([3, 4]), {}),
}
ACT_KINDS = {
    "discrete": gym.spaces.Discrete(3),
    "box": gym.spaces.Box(-1.0, 1.0, (2,), np.float32),
    "multi_discrete": gym.spaces.MultiDiscrete([2, 3]),
    "dict": gym.spaces.Dict({"move": gym.spaces.Discrete(2), "force": gym.spaces.Box(-1.0, 1.0, (2,), np.float32)}),
}


def _obs_batch(space: gym.Space, n: int, seed: int = 0):
    space.seed(seed)
    samples = [space.sample() for _ in range(n)]
    return _stack(space, samples)


def _stack(space, samples):
    if isinstance(space, gym.spaces.Dict):
        return {k: _stack(s, [x[k] for x in samples]) for k, s in space.spaces.items()}
    if isinstance(space, gym.spaces.Tuple):
        return tuple(_stack(s, [x[i] for x in samples]) for i, s in enumerate(space.spaces))
    return np.stack([np.asarray(x) for x in samples])


def _unbatch(space, actions, i):
    if isinstance(space, gym.spaces.Dict):
        return {k: _unbatch(s, actions[k], i) for k, s in space.spaces.items()}
    if isinstance(space, gym.spaces.Tuple):
        return tuple(_unbatch(s, a, i) for s, a in zip(space.spaces, actions))
    value = actions[i]
    return np.asarray(value, dtype=space.dtype) if isinstance(space, gym.spaces.Box) else value


def _check_acting(module, obs_space, act_space):
    obs = _obs_batch(obs_space, B)
    for explore in (True, False):
        result = compute_actions(module, obs, explore=explore)
        assert result["action_dist_inputs"].shape == (B, required_input_dim_for_space(act_space))
        for i in range(B):
            action = _unbatch(act_space, result["actions_for_env"], i)
            if isinstance(act_space, gym.spaces.Dict):
                action["force"] = np.clip(action["force"], -1, 1)  # Gaussian samples are unbounded
            elif isinstance(act_space, gym.spaces.Box):
                action = np.clip(action, -1, 1)
            assert act_space.contains(action), (explore, action)
        if module.is_stateful():
            assert set(result["state_out"]) == set(module.get_initial_state())


def _check_training(module, obs_space, act_space):
    stateful = module.is_stateful()
    lead = (B, T) if stateful else (B,)
    obs = _obs_batch(obs_space, B * (T if stateful else 1))
    obs = to_tensor_struct(_reshape(obs, lead))
    batch = {"obs": obs}
    if stateful:
        batch["state_in"] = initial_state_batch(module, B)
    out = module.forward_train(batch)
    width = required_input_dim_for_space(act_space)
    assert out["action_dist_inputs"].shape == (*lead, width)
    assert out["action_dist_inputs"].requires_grad
    values = module.compute_values(batch)
    assert values.shape == lead
    torch.testing.assert_close(module.compute_values(batch, embeddings=out["embeddings"]), values)
    (out["action_dist_inputs"].sum() + values.sum()).backward()
    assert all(p.grad is not None for p in module.pi.parameters() if p.requires_grad)


def _reshape(obs, lead):
    if isinstance(obs, dict):
        return {k: _reshape(v, lead) for k, v in obs.items()}
    if isinstance(obs, tuple):
        return tuple(_reshape(v, lead) for v in obs)
    return obs.reshape(*lead, *obs.shape[1:])


@pytest.mark.parametrize("act_kind", list(ACT_KINDS))
@pytest.mark.parametrize("obs_kind", list(OBS_KINDS))
@pytest.mark.parametrize("vf_share_layers", [True, False])
def test_ppo_cell(obs_kind, act_kind, vf_share_layers):
    obs_space, extra = OBS_KINDS[obs_kind]
    act_space = ACT_KINDS[act_kind]
    spec = RLModuleSpec(
        module_class=PPOTorchRLModule,
        observation_space=obs_space,
        action_space=act_space,
        model_config={**SMALL, **extra, "vf_share_layers": vf_share_layers},
    )
    module = spec.build()
    assert module.is_stateful() == (obs_kind == "lstm")
    _check_acting(module, obs_space, act_space)
    _check_training(module, obs_space, act_space)


@pytest.mark.parametrize("act_kind", list(ACT_KINDS))
def test_multi_agent_cell(act_kind):
    act_space = ACT_KINDS[act_kind]
    specs = {
        "runner": RLModuleSpec(module_class=PPOTorchRLModule, observation_space=OBS_KINDS["box"][0],
                               action_space=act_space, model_config=SMALL),
        "watcher": RLModuleSpec(module_class=PPOTorchRLModule, observation_space=OBS_KINDS["dict"][0],
                                action_space=act_space, model_config={**SMALL, "use_lstm": True}),
    }
    multi = MultiRLModuleSpec(rl_module_specs=specs).build()
    for module_id, spec in specs.items():
        _check_acting(multi[module_id], spec.observation_space, act_space)
    batch = {"runner": {"obs": to_tensor_struct(_obs_batch(specs["runner"].observation_space, B))}}
    out = multi.forward_inference(batch)
    assert set(out) == {"runner"}
    assert out["runner"]["action_dist_inputs"].shape == (B, required_input_dim_for_space(act_space))
    for module_id in specs:
        _check_training(multi[module_id], specs[module_id].observation_space, act_space)
