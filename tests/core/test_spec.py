"""RLModuleSpec / MultiRLModuleSpec: build, errors, JSON round trips, update rules."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest
from hypothesis import given, settings

from rlmigrate import MultiRLModuleSpec, RLModuleSpec
from rlmigrate.core.spec import import_class
from rlmigrate.testing.strategies import spaces
from tests.core.conftest import ACT_SPACE, OBS_SPACE, ModernModule, OldStyleModule


def _spec(**kw) -> RLModuleSpec:
    base = dict(module_class=ModernModule, observation_space=OBS_SPACE, action_space=ACT_SPACE, model_config={"hidden": 4})
    base.update(kw)
    return RLModuleSpec(**base)


def test_build_passes_everything_but_learner_only_is_kept():
    module = _spec(inference_only=True, learner_only=True).build()
    assert module.inference_only is True and module.learner_only is True
    assert module.pi[0].out_features == 4


@pytest.mark.parametrize("missing", ["module_class", "observation_space", "action_space"])
def test_build_names_the_missing_field(missing):
    with pytest.raises(ValueError, match=f"needs {missing}"):
        _spec(**{missing: None}).build()


def test_from_module_rebuilds_same_architecture():
    module = _spec().build()
    rebuilt = RLModuleSpec.from_module(module).build()
    assert type(rebuilt) is ModernModule and rebuilt.model_config == {"hidden": 4}


def test_to_dict_is_json_and_round_trips():
    spec = _spec()
    data = json.loads(json.dumps(spec.to_dict()))
    assert data["module_class"].endswith("ModernModule")
    back = RLModuleSpec.from_dict(data)
    assert back.module_class is ModernModule
    assert back.observation_space == OBS_SPACE and back.action_space == ACT_SPACE
    assert back.model_config == {"hidden": 4}


def test_from_dict_reads_rllib_210_layout():
    data = {
        "module_class": f"{ModernModule.__module__}.ModernModule",
        "module_config": {
            "observation_space": {"space": "box", "low": [-1] * 4, "high": [1] * 4, "shape": [4], "dtype": "<f4"},
            "action_space": {"space": "discrete", "n": 3},
            "model_config_dict": {"hidden": 2},
            "catalog_class_path": "",
        },
    }
    spec = RLModuleSpec.from_dict(data)
    assert spec.build().pi[0].out_features == 2


@settings(max_examples=40, deadline=None)
@given(obs=spaces(), act=spaces())
def test_to_dict_from_dict_round_trips_every_space(obs, act):
    spec = _spec(observation_space=obs, action_space=act)
    back = RLModuleSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert back.observation_space == obs
    assert back.action_space == act


def test_update_override_and_fill_rules():
    mine = _spec(model_config=None, learner_only=True)
    theirs = RLModuleSpec(model_config={"hidden": 9}, learner_only=False, inference_only=True)
    mine.update(theirs)
    assert mine.model_config == {"hidden": 9} and mine.module_class is ModernModule
    assert mine.inference_only is True and mine.learner_only is False  # learner_only AND-ed
    keep = _spec()
    keep.update(RLModuleSpec(model_config={"hidden": 1}), override=False)
    assert keep.model_config == {"hidden": 4}
    with pytest.raises(ValueError, match="needs an RLModuleSpec"):
        keep.update({"model_config": {}})


def test_legacy_spellings_warn_and_work():
    with pytest.warns(DeprecationWarning):
        from rlmigrate import SingleAgentRLModuleSpec

        legacy = SingleAgentRLModuleSpec(
            module_class=OldStyleModule, observation_space=OBS_SPACE, action_space=ACT_SPACE, model_config_dict={"hidden": 3}
        )
    assert legacy.model_config == {"hidden": 3}
    with pytest.warns(DeprecationWarning):
        multi = legacy.as_multi_agent()
    assert isinstance(multi, MultiRLModuleSpec) and "default_policy" in multi


def test_multi_spec_validation_and_build_one():
    with pytest.raises(ValueError, match="needs rl_module_specs"):
        MultiRLModuleSpec()
    with pytest.raises(ValueError, match=r"rl_module_specs\['x'\] must be an RLModuleSpec"):
        MultiRLModuleSpec(rl_module_specs={"x": object()})
    multi = MultiRLModuleSpec(rl_module_specs={"a": _spec(), "b": _spec(model_config={"hidden": 2})})
    assert multi.build("b").pi[0].out_features == 2
    with pytest.raises(KeyError, match="available"):
        multi.build("c")


def test_multi_spec_single_shared_spec_does_not_crash():
    # RLlib 2.40 crashes here (QUIRK); we read the flag of the shared spec.
    assert MultiRLModuleSpec(rl_module_specs=_spec(inference_only=True)).inference_only is True


def test_multi_spec_json_round_trip_and_update():
    multi = MultiRLModuleSpec(rl_module_specs={"a": _spec()})
    back = MultiRLModuleSpec.from_dict(json.loads(json.dumps(multi.to_dict())))
    assert back["a"].module_class is ModernModule
    back.update(MultiRLModuleSpec(rl_module_specs={"c": _spec(model_config={"hidden": 7})}))
    assert back.build()["c"].pi[0].out_features == 7
    back.update(RLModuleSpec(catalog_class=None, model_config={"ignored": True}))
    assert back["a"].model_config == {"hidden": 4}
    back.remove_modules("c")
    assert "c" not in back


def test_import_class_errors_name_the_path():
    assert import_class("gymnasium.spaces.Box") is gym.spaces.Box
    with pytest.raises(ValueError, match="no_such.Module"):
        import_class("no_such.Module")
