"""LegacyPolicyView offers exactly the attributes it was given, read-only, and names the rest."""

from __future__ import annotations

import pytest

from rlmigrate.learner import LegacyPolicyView
from rlmigrate.learner.policy_view import VIEW_ATTRIBUTES


def test_offers_what_it_was_given():
    model = object()
    view = LegacyPolicyView(config={"gamma": 0.9}, model=model)
    assert view.config["gamma"] == 0.9 and view.model is model
    assert repr(view) == "LegacyPolicyView(config, model)"


@pytest.mark.parametrize("name", [*VIEW_ATTRIBUTES[1:], "global_timestep", "compute_actions"])
def test_anything_else_raises_naming_it_and_what_is_offered(name):
    with pytest.raises(AttributeError, match=rf"policy\.{name}, .*offers config\)"):
        getattr(LegacyPolicyView(config={}), name)


def test_it_is_read_only_and_rejects_attributes_without_a_learner_equivalent():
    view = LegacyPolicyView(config={})
    with pytest.raises(AttributeError, match="read-only: the legacy helper set policy.config"):
        view.config = {}
    with pytest.raises(TypeError, match="offers only config, model, observation_space, action_space; got kl_coeff"):
        LegacyPolicyView(kl_coeff=0.2)
