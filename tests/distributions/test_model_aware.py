"""rlmigrate.distributions.model_aware: a legacy distribution that calls the model, bound to a
module (the autoregressive idiom), acts inside the module and scores for the Learner."""

from __future__ import annotations

import doctest

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlmigrate import Columns, TorchCategorical, TorchRLModule
from rlmigrate.core import custom_models
from rlmigrate.distributions import model_aware
from rlmigrate.distributions.model_aware import (
    ModuleBoundDistribution,
    act_in_module,
    bind_to_module,
    is_legacy_contract,
)
from rlmigrate.models.torch.legacy_inputs import legacy_train_actions

OBS = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
ACT = gym.spaces.Dict({"first": gym.spaces.Discrete(2), "second": gym.spaces.Discrete(3)})


class PairedChoice:
    """Legacy contract, our own: the second choice's head is conditioned on the first."""

    def __init__(self, inputs, model):
        self.inputs, self.model, self.last_sample = inputs, model, None

    def _first(self):
        return torch.distributions.Categorical(logits=self.model.first_head(self.inputs))

    def _second(self, first):
        chosen = torch.nn.functional.one_hot(first.long(), 2).float()
        return torch.distributions.Categorical(logits=self.model.second_head(torch.cat([self.inputs, chosen], 1)))

    def sample(self):
        first = self._first().sample()
        self.last_sample = {"first": first, "second": self._second(first).sample()}
        return self.last_sample

    def deterministic_sample(self):
        first = self._first().probs.argmax(1)
        self.last_sample = {"first": first, "second": self._second(first).probs.argmax(1)}
        return self.last_sample

    def sampled_action_logp(self):
        return self.logp(legacy_train_actions(self.last_sample))

    def logp(self, actions):  # the train batch's layout: [first, second] per row (keys sorted)
        first, second = actions[:, 0], actions[:, 1]
        return self._first().log_prob(first.long()) + self._second(first).log_prob(second.long())

    def entropy(self):
        return self._first().entropy()

    def kl(self, other):
        return torch.distributions.kl_divergence(self._first(), other._first())

    @staticmethod
    def required_model_output_shape(action_space, model_config):
        return model_config["width"]


class PairedModule(TorchRLModule):
    def setup(self):
        width = self.model_config.get("width", 4)
        self.trunk = torch.nn.Linear(3, width)
        self.first_head = torch.nn.Linear(width, 2)
        self.second_head = torch.nn.Linear(width + 2, 3)

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: torch.tanh(self.trunk(batch[Columns.OBS]))}


@pytest.fixture(autouse=True)
def empty_registry(monkeypatch):
    monkeypatch.setattr(custom_models, "_MODULES", {})
    monkeypatch.setattr(custom_models, "_ACTION_DISTS", {})


def bound_module(width: int = 4) -> PairedModule:
    custom_models.register_custom_module("paired", PairedModule)
    custom_models.register_custom_action_dist("paired_choice", PairedChoice)
    module = custom_models.custom_model_module((), {
        "observation_space": OBS, "action_space": ACT,
        "model_config": {"custom_model": "paired", "custom_action_dist": "paired_choice", "width": width}})
    assert isinstance(module, PairedModule)
    return module


def test_docstring_example_runs():
    result = doctest.testmod(model_aware, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_legacy_contract_is_told_apart_from_the_new_stack():
    assert is_legacy_contract(PairedChoice)
    assert not is_legacy_contract(TorchCategorical)  # built from logits
    assert not is_legacy_contract(PairedModule)
    assert not is_legacy_contract(object())


def test_bind_rejects_a_new_stack_distribution():
    with pytest.raises(TypeError, match="legacy ActionDistribution class"):
        bind_to_module(TorchCategorical, torch.nn.Linear(1, 1))


def test_a_registered_legacy_distribution_is_bound_to_the_module_it_names():
    module = bound_module()
    bound = module.get_train_action_dist_cls()
    assert issubclass(bound, ModuleBoundDistribution)
    assert bound.legacy_class is PairedChoice and bound.module is module
    assert module.get_inference_action_dist_cls() is bound


def test_a_class_that_is_neither_contract_is_refused_by_name():
    custom_models.register_custom_module("paired", PairedModule)
    with pytest.raises(TypeError, match="resolved to .*PairedModule"):
        custom_models.custom_model_module((), {
            "observation_space": OBS, "action_space": ACT,
            "model_config": {"custom_model": "paired", "custom_action_dist": f"{__name__}.PairedModule"}})


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.integers(1, 6), width=st.integers(1, 6), seed=st.integers(0, 2**16), explore=st.booleans())
def test_the_module_acts_as_the_legacy_distribution_on_it_would(batch, width, seed, explore):
    module = bound_module(width)
    obs = torch.rand(batch, 3) * 2 - 1
    torch.manual_seed(seed)
    out = module.forward_exploration({Columns.OBS: obs}) if explore else module.forward_inference({Columns.OBS: obs})
    torch.manual_seed(seed)
    with torch.no_grad():
        legacy = PairedChoice(out[Columns.ACTION_DIST_INPUTS], module)
        actions = legacy.sample() if explore else legacy.deterministic_sample()
        logp = legacy.sampled_action_logp()
    assert set(out) >= {Columns.ACTIONS, Columns.ACTION_LOGP, Columns.ACTION_DIST_INPUTS}
    assert all(torch.equal(out[Columns.ACTIONS][k], actions[k]) for k in ("first", "second"))
    assert torch.equal(out[Columns.ACTION_LOGP], logp)


def test_logp_takes_the_learners_struct_actions_in_the_legacy_layout():
    module = bound_module()
    logits = torch.rand(5, 4)
    actions = {"second": torch.tensor([0, 1, 2, 0, 1]), "first": torch.tensor([1, 0, 1, 1, 0])}
    bound = module.get_train_action_dist_cls().from_logits(logits)
    expected = PairedChoice(logits, module).logp(torch.stack([actions["first"], actions["second"]], 1).float())
    assert torch.equal(bound.logp(actions), expected)
    other = module.get_train_action_dist_cls().from_logits(torch.rand(5, 4))
    assert torch.equal(bound.kl(other), bound.legacy.kl(other.legacy))
    assert torch.equal(bound.entropy(), bound.legacy.entropy())


def test_disabled_action_flattening_hands_the_struct_over():
    module = bound_module()
    module.model_config["_disable_action_flattening"] = True
    actions = {"first": torch.tensor([1]), "second": torch.tensor([2])}
    assert model_aware.legacy_actions(actions, module) is actions


def test_an_output_with_its_own_actions_is_left_alone():
    module = bound_module()
    out = {Columns.ACTION_DIST_INPUTS: torch.zeros(2, 4), Columns.ACTIONS: "mine"}
    assert act_in_module(module.get_train_action_dist_cls(), out, explore=True) is out


def test_no_reparameterised_or_multi_draw_sampling():
    bound = bound_module().get_train_action_dist_cls().from_logits(torch.zeros(2, 4))
    with pytest.raises(NotImplementedError, match="no rsample"):
        bound.rsample()
    with pytest.raises(ValueError, match="one action per row"):
        bound.sample(sample_shape=(3,))
    with pytest.raises(TypeError, match="not a tensor"):  # a Dict action has no point-mass tensor
        bound.to_deterministic()


def test_sizing_is_the_legacy_method_on_the_legacy_config():
    bound = bound_module().get_train_action_dist_cls()
    assert bound.required_input_dim_bound(ACT, {"width": 7}) == 7


def test_a_deep_copy_acts_and_scores_with_its_own_weights():
    import copy

    module = bound_module()
    twin = copy.deepcopy(module)
    with torch.no_grad():
        for p in twin.parameters():
            p.add_(1.0)
    bound = twin.get_train_action_dist_cls()
    assert bound.module is twin and module.get_train_action_dist_cls().module is module
    obs = {Columns.OBS: torch.rand(4, 3)}
    out = twin.forward_inference(obs)
    expected = PairedChoice(out[Columns.ACTION_DIST_INPUTS], twin).deterministic_sample()
    assert all(torch.equal(out[Columns.ACTIONS][k], expected[k]) for k in expected)
