"""custom_action_dist end to end: the rewrite acts with the custom distribution, and the kit
catches a rewrite that silently falls back to the default one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rlmigrate.core.spaces import space_from_dict
from rlmigrate.testing.equivalence import EquivalenceError, assert_equivalent
from rlmigrate.testing.loading import load_reference

LEGACY_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "legacy"
CASES = {k: v for k, v in json.loads((LEGACY_DIR / "CASES.json").read_text()).items()
         if not k.startswith("_")}
WIRING = "        self.action_dist_cls = TemperatureCategorical\n"


def _check(legacy, migrated, case, explore):
    return assert_equivalent(
        legacy, migrated,
        observation_space=space_from_dict(case["observation_space"]),
        action_space=space_from_dict(case["action_space"]),
        model_config=dict(case["model_config"]),
        explore=explore, examples=100, atol=1e-6,
    )


@pytest.mark.parametrize("explore", [False, True], ids=["greedy", "explore"])
def test_rewrite_without_the_wiring_is_caught(rewritten, tmp_path, explore):
    """The old rewrite (the model acting with the default Categorical) is not equivalent."""
    out, _ = rewritten
    (case,) = CASES["custom_dist.py"]["classes"]
    text = (out / "custom_dist.py").read_text()
    assert WIRING in text
    mutant = tmp_path / "custom_dist.py"
    mutant.write_text(text.replace(WIRING, ""))
    legacy, _ = load_reference(f"{LEGACY_DIR / 'custom_dist.py'}:DistModel", legacy=True)
    wrong, _ = load_reference(f"{mutant}:DistModel", legacy=True)
    right, _ = load_reference(f"{out / 'custom_dist.py'}:DistModel", legacy=True)
    with pytest.raises(EquivalenceError) as info:
        _check(legacy, wrong, case, explore)
    assert info.value.difference.quantity in ("actions", "logp")
    # loading the migrated files re-registered "temperature" with new-stack classes: the
    # legacy side must still act with the legacy class, so the real rewrite stays equivalent
    assert _check(legacy, right, case, explore).examples == 100


def test_cases_name_the_custom_action_dist_their_legacy_file_configures():
    """A case whose legacy file configures custom_action_dist for the class must pass it to the
    kit; otherwise the legacy side acts with the default distribution and proves nothing."""
    checked = 0
    for file, entry in CASES.items():
        if "custom_action_dist" not in (LEGACY_DIR / file).read_text():
            continue
        for case in entry["classes"]:
            legacy, module = load_reference(f"{LEGACY_DIR / file}:{case['legacy']}", legacy=True)
            configs = [v for v in vars(module).values() if isinstance(v, dict)]
            for config in configs:
                model = config.get("model", config)
                if not isinstance(model, dict) or "custom_action_dist" not in model:
                    continue
                registered = module.ModelCatalog.registered_models().get(model.get("custom_model"))
                if registered is legacy or model.get("custom_model") is legacy:
                    checked += 1
                    assert case["model_config"].get("custom_action_dist") == (
                        model["custom_action_dist"]), f"{file}:{case['legacy']}"
    assert checked >= 1
