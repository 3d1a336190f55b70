"""Acting refuses bad observations the same way in ``compute_actions`` and the shim Policy.

* NaN/inf observations raise the same clear error whether exploring or not (they used to give
  a normal-looking action with ``explore=False``); ``check_finite=False`` is the documented switch;
* a Discrete observation of 2.5 is refused by both (``compute_actions`` used to accept it);
* a Dict batch whose keys disagree on the batch size names the keys and sizes (it used to
  surface as a raw torch error).
"""

from __future__ import annotations

import re

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate import PPOTorchRLModule, compute_actions
from rlmigrate.testing.strategies import observations
from shim.policy.policy import Policy

UNBOUNDED = gym.spaces.Box(-np.inf, np.inf, (3,), np.float32)
BOUNDED = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
DISCRETE = gym.spaces.Discrete(3)
DICT = gym.spaces.Dict({"pos": BOUNDED, "id": DISCRETE})
ACT = gym.spaces.Discrete(2)


def _module(space: gym.Space) -> PPOTorchRLModule:
    return PPOTorchRLModule(observation_space=space, action_space=ACT, model_config={"fcnet_hiddens": [4]})


def _both(space: gym.Space) -> tuple[PPOTorchRLModule, Policy]:
    module = _module(space)
    return module, Policy(space, ACT, {}, module=module)


def _message(call) -> str:
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


@pytest.mark.parametrize("space", [UNBOUNDED, BOUNDED], ids=["unbounded", "bounded"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_observation_raises_the_same_error_exploring_or_not(space, bad):
    module, policy = _both(space)
    obs = np.array([[0.5, bad, 0.0]], np.float32)
    messages = {
        _message(lambda: compute_actions(module, obs, explore=True)),
        _message(lambda: compute_actions(module, obs, explore=False)),
    }
    assert len(messages) == 1, messages
    assert re.search(r"row 0 .* holds NaN or inf", messages.pop())
    for explore in (True, False):
        assert "NaN or inf" in _message(lambda explore=explore: policy.compute_actions(obs, explore=explore))


def test_check_finite_false_lets_inf_through_an_unbounded_box():
    module = _module(UNBOUNDED)
    obs = np.array([[0.5, np.inf, 0.0]], np.float32)
    out = compute_actions(module, obs, explore=False, check_finite=False)
    assert out["actions"].shape == (1,)


@pytest.mark.parametrize("obs", [2.5, np.array([2.5]), np.array([0.0, 2.5])])
def test_fractional_discrete_observation_is_refused_by_both(obs):
    module, policy = _both(DISCRETE)
    ours = _message(lambda: compute_actions(module, obs, explore=False))
    batch = np.atleast_1d(obs)
    shims = _message(lambda: policy.compute_actions(batch, explore=False))
    assert "2.5" in ours and "outside Discrete(3)" in ours
    assert ours.split(": ", 1)[1] == shims.split(": ", 1)[1]  # same check, same words after the location


def test_dict_batch_with_mismatched_sizes_names_the_keys_and_sizes():
    module, policy = _both(DICT)
    obs = {"pos": np.zeros((3, 3), np.float32), "id": np.array([0, 1])}
    for message in (
        _message(lambda: compute_actions(module, obs, explore=False)),
        _message(lambda: policy.compute_actions(obs, explore=False)),
    ):
        assert "batch sizes" in message and "'pos': 3" in message and "'id': 2" in message, message


def test_compute_actions_and_the_shim_share_one_checker():
    from rlmigrate.core import obs_check
    from shim.policy import conversion

    assert conversion.make_batch_checker is obs_check.make_batch_checker


SPACES = st.sampled_from([UNBOUNDED, BOUNDED, DISCRETE, DICT, gym.spaces.MultiDiscrete([2, 3])])


@settings(max_examples=40, deadline=None)
@given(data=st.data(), space=SPACES, batch=st.integers(1, 5), explore=st.booleans())
def test_compute_actions_and_the_shim_agree_on_every_batch(data, space, batch, explore):
    """Valid batches act in both; a batch with one value broken is refused by both."""
    module, policy = _both(space)
    obs = data.draw(observations(space, batch_size=batch))
    compute_actions(module, obs, explore=explore)
    policy.compute_actions(obs, explore=explore)
    leaves = [obs] if not isinstance(obs, dict) else list(obs.values())
    leaf = data.draw(st.sampled_from(leaves))
    broken = np.array(leaf, dtype=np.float64 if leaf.dtype.kind == "f" else leaf.dtype, copy=True)
    index = data.draw(st.integers(0, broken.size - 1))
    broken.flat[index] = data.draw(st.sampled_from([np.nan, np.inf, 1e9])) if broken.dtype.kind == "f" else 10**6
    if isinstance(obs, dict):
        key = next(k for k, v in obs.items() if v is leaf)
        broken = {**obs, key: broken.astype(leaf.dtype)}
    else:
        broken = broken.astype(leaf.dtype)
    if space is UNBOUNDED and np.isfinite(np.asarray(broken)).all():
        return  # 1e9 is inside an unbounded Box
    with pytest.raises(ValueError, match="outside"):
        compute_actions(module, broken, explore=explore)
    with pytest.raises(ValueError, match="outside"):
        policy.compute_actions(broken, explore=explore)
