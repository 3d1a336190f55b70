"""DQNRainbowTorchRLModule computes what Ray 2.10's DQNTorchPolicy computed.

The recordings (``tools/oracle/record_qsac.py``, real Ray 2.10) hold a DQN policy's default
model weights and its ``compute_actions(explore=False)``: our module, given those weights
through :func:`legacy_dqn_key_map`, must reproduce the Q-values and the greedy actions, for
the default (dueling), plain, distributional and ``hiddens=[]`` heads.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.convert.qsac_model_map import legacy_dqn_key_map
from rlmigrate.modules.dqn import ATOMS, QF_LOGITS, QF_PREDS, QF_PROBS, DQNRainbowTorchRLModule
from rlmigrate.modules.dqn_config import dqn_num_outputs, legacy_dqn_model_kwargs
from rlmigrate.testing.transfer import transfer_weights
from tests.modules._qsac_oracle import CASES, array, load_case, module_config, spaces

DQN_CASES = [c for c in CASES if c.startswith("dqn_")]


def _module(case: str) -> tuple[DQNRainbowTorchRLModule, dict]:
    record, weights = load_case(case)
    obs_space, action_space = spaces(record)
    module = DQNRainbowTorchRLModule(
        observation_space=obs_space, action_space=action_space, model_config=module_config(record))
    transfer_weights(weights, module, mapping=legacy_dqn_key_map(weights))
    return module, record


def test_recorded_cases_cover_the_head_variants() -> None:
    assert DQN_CASES == ["dqn_default", "dqn_distributional", "dqn_no_hiddens", "dqn_plain"]


@pytest.mark.parametrize("case", DQN_CASES)
def test_inference_reproduces_ray_q_values_and_greedy_actions(case: str) -> None:
    module, record = _module(case)
    obs = torch.from_numpy(array(record, "inputs", "obs"))
    with torch.no_grad():
        out = module.forward_inference({"obs": obs})
    np.testing.assert_allclose(out["action_dist_inputs"].numpy(),
                               array(record, "outputs", "action_dist_inputs"), atol=1e-5)
    np.testing.assert_array_equal(out["actions"].numpy(), array(record, "outputs", "actions"))
    assert torch.equal(out[QF_PREDS], out["action_dist_inputs"])


@pytest.mark.parametrize("case", DQN_CASES)
def test_features_and_head_outputs_match_ray_model(case: str) -> None:
    module, record = _module(case)
    obs = torch.from_numpy(array(record, "inputs", "obs"))
    with torch.no_grad():
        features = module._forward({"obs": obs})["embeddings"]
        scores = module.advantage_module(features)
    np.testing.assert_allclose(features.numpy(), array(record, "outputs", "features"), atol=1e-5)
    if module.q_head_config.num_atoms == 1:
        np.testing.assert_allclose(scores.numpy(), array(record, "outputs", "action_scores"), atol=1e-5)
    if "state_value" in record["outputs"]:
        np.testing.assert_allclose(module.value_module(features).detach().numpy(),
                                   array(record, "outputs", "state_value"), atol=1e-5)


def test_distributional_train_outputs_have_atoms_logits_probs() -> None:
    module, record = _module("dqn_distributional")
    obs = torch.from_numpy(array(record, "inputs", "obs"))
    out = module.forward_train({"obs": obs})
    np.testing.assert_allclose(out[ATOMS].numpy(), array(record, "outputs", "z"), atol=1e-6)
    assert out[QF_LOGITS].shape == (6, 3, 5) and out[QF_PROBS].shape == (6, 3, 5)
    torch.testing.assert_close(out[QF_PROBS].sum(-1), torch.ones(6, 3))
    torch.testing.assert_close(out[QF_PREDS], (out[ATOMS] * out[QF_PROBS]).sum(-1))


def test_epsilon_schedule_matches_ray_epsilon_greedy() -> None:
    module, record = _module("dqn_default")
    for t, epsilon in record["epsilon_at"].items():
        assert module.epsilon_schedule(int(t)) == pytest.approx(epsilon, abs=1e-9)


def test_exploration_is_greedy_at_epsilon_zero_and_uniform_at_one() -> None:
    module, record = _module("dqn_default")
    obs = torch.from_numpy(np.repeat(array(record, "inputs", "obs"), 200, axis=0))
    with torch.no_grad():
        greedy = module.forward_inference({"obs": obs})["actions"]
        module.epsilon_schedule.endpoints, module.epsilon_schedule.outside_value = [(0, 0.0)], 0.0
        assert torch.equal(module.forward_exploration({"obs": obs}, t=5)["actions"], greedy)
        module.epsilon_schedule.endpoints, module.epsilon_schedule.outside_value = [(0, 1.0)], 1.0
        torch.manual_seed(0)
        explored = module.forward_exploration({"obs": obs}, t=5)["actions"]
    counts = np.bincount(explored.numpy(), minlength=3) / len(explored)
    assert np.all(np.abs(counts - 1 / 3) < 0.05)


def test_exploration_never_draws_masked_actions() -> None:
    module, _ = _module("dqn_plain")
    q = torch.tensor([[1.0, -3.4e38, 0.5, -3.4e38]] * 500)
    from rlmigrate.modules._epsilon import epsilon_greedy

    torch.manual_seed(1)
    actions = epsilon_greedy(q, 1.0)
    assert set(actions.tolist()) == {0, 2}


def test_exploration_uses_epsilon_at_t_and_t0_without_it() -> None:
    module, record = _module("dqn_default")
    obs = torch.from_numpy(np.repeat(array(record, "inputs", "obs"), 300, axis=0))
    with torch.no_grad():
        greedy = module.forward_inference({"obs": obs})["actions"]
        late = module.forward_exploration({"obs": obs}, t=50_000)  # epsilon 0.02
        early = module.forward_exploration({"obs": obs})  # t=0: epsilon 1.0
    assert (late["actions"] != greedy).float().mean() < 0.05
    assert (early["actions"] != greedy).float().mean() > 0.4
    assert torch.equal(late["action_logp"], torch.zeros(len(obs)))


def test_noisy_is_refused_with_the_key_named() -> None:
    with pytest.raises(NotImplementedError, match="noisy=True"):
        DQNRainbowTorchRLModule(observation_space=gym.spaces.Box(-1, 1, (3,)),
                                action_space=gym.spaces.Discrete(2), model_config={"noisy": True})


def test_box_actions_are_refused_naming_the_space() -> None:
    with pytest.raises(ValueError, match="Discrete action space"):
        DQNRainbowTorchRLModule(observation_space=gym.spaces.Box(-1, 1, (3,)),
                                action_space=gym.spaces.Box(-1, 1, (2,)), model_config={})


def test_legacy_kwargs_and_num_outputs_follow_ray_dqn_policy() -> None:
    assert legacy_dqn_model_kwargs({})["q_hiddens"] == [256]
    assert legacy_dqn_model_kwargs({"noisy": True})["use_noisy"] is True
    assert dqn_num_outputs({"fcnet_hiddens": [32, 7]}, gym.spaces.Discrete(3)) == 7
    assert dqn_num_outputs({"fcnet_hiddens": [], "hiddens": [8]}, gym.spaces.Discrete(3)) == 256
    assert dqn_num_outputs({"hiddens": []}, gym.spaces.Discrete(5)) == 5


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 6),
    hiddens=st.lists(st.integers(1, 8), max_size=2),
    fc=st.lists(st.integers(1, 8), min_size=1, max_size=2),
    dueling=st.booleans(),
    atoms=st.sampled_from([1, 3]),
    batch=st.integers(1, 5),
)
def test_q_values_shape_and_greedy_action_is_argmax(n, hiddens, fc, dueling, atoms, batch) -> None:
    module = DQNRainbowTorchRLModule(
        observation_space=gym.spaces.Box(-1, 1, (3,)), action_space=gym.spaces.Discrete(n),
        model_config={"fcnet_hiddens": fc, "hiddens": hiddens, "dueling": dueling,
                      "num_atoms": atoms if hiddens else 1})
    obs = torch.rand(batch, 3) * 2 - 1
    with torch.no_grad():
        out = module.forward_inference({"obs": obs})
    assert out[QF_PREDS].shape == (batch, n)
    assert torch.equal(out["actions"], out[QF_PREDS].argmax(-1))
    if dueling and atoms == 1 and hiddens:
        # dueling: Q - mean(Q) over actions == A - mean(A), whatever V is
        features = module._forward({"obs": obs})["embeddings"]
        a = module.advantage_module(features)
        torch.testing.assert_close(out[QF_PREDS] - out[QF_PREDS].mean(1, keepdim=True),
                                   a - a.mean(1, keepdim=True))


def test_legacy_head_methods_match_ray_model_outputs() -> None:
    module, record = _module("dqn_distributional")
    features = torch.from_numpy(array(record, "outputs", "features"))
    with torch.no_grad():
        scores, z, support_logits, _, probs = module.get_q_value_distributions(features)
        value = module.get_state_value(features)
    np.testing.assert_allclose(scores.numpy(), array(record, "outputs", "action_scores"), atol=1e-5)
    np.testing.assert_allclose(support_logits.numpy(), array(record, "outputs", "support_logits"), atol=1e-5)
    np.testing.assert_allclose(value.numpy(), array(record, "outputs", "state_value"), atol=1e-5)
    plain, _ = _module("dqn_plain")
    with pytest.raises(ValueError, match="dueling=False"):
        plain.get_state_value(torch.zeros(1, 12))
