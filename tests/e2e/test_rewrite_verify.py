"""Rewrite → verify, for every class the codemod converts (data-driven from CASES.json).

Each legacy fixture runs unmodified through the shim (its ``ray.rllib`` imports resolved by
``shim.ray_compat``), its rewrite runs on the runtime, the legacy weights are transferred by
name, and the two must agree over 100 generated examples, greedy (atol 1e-6) and exploring
(same seed, same samples).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rlmigrate.core.spaces import space_from_dict
from rlmigrate.testing.equivalence import assert_equivalent
from rlmigrate.testing.loading import legacy_imports, load_reference

LEGACY_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "legacy"


@pytest.fixture(autouse=True)
def _forget_legacy_siblings():
    """A legacy sibling module a fixture imports when it runs (``policy_factory_models``, from
    the legacy folder put on the path below) leaves ``sys.modules`` afterwards: a later test
    importing the migrated sibling of the same name must not get the legacy one."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if (getattr(sys.modules[name], "__file__", None) or "").startswith(str(LEGACY_DIR)):
            del sys.modules[name]


def load_cases() -> dict:
    cases = json.loads((LEGACY_DIR / "CASES.json").read_text())
    return {k: v for k, v in cases.items() if not k.startswith("_")}


# (file, class case, file status) for every class the codemod converts
CASES = [
    (name, case, entry["status"])
    for name, entry in sorted(load_cases().items())
    for case in entry.get("classes", [])
]


def test_cases_cover_the_fixtures():
    names = {p.name for p in LEGACY_DIR.glob("*.py")}
    assert set(load_cases()) == names
    assert len(CASES) >= 15


def test_rewrite_statuses_match_the_cases(rewritten):
    _, report = rewritten
    statuses = {f["path"].rsplit("/", 1)[-1]: f["status"] for f in report["files"]
                if f["path"].endswith(".py")}
    assert statuses == {name: entry["status"] for name, entry in load_cases().items()}


@pytest.mark.parametrize("explore", [False, True], ids=["greedy", "explore"])
@pytest.mark.parametrize(
    "file, case, status", CASES, ids=[f"{f}:{c['legacy']}" for f, c, _ in CASES]
)
def test_migrated_class_is_equivalent_to_its_legacy_class(rewritten, file, case, status, explore, monkeypatch):
    out, _ = rewritten
    legacy, _ = load_reference(f"{LEGACY_DIR / file}:{case['legacy']}", legacy=True)
    migrated, _ = load_reference(f"{out / file}:{case['migrated']}", legacy=True)
    model_config = dict(case.get("model_config") or {})
    if case.get("custom_model_config"):
        model_config["custom_model_config"] = dict(case["custom_model_config"])
    # legacy code that imports a sibling (and ray.rllib) when it runs, as `rlmigrate verify` run
    # from the project's folder serves it (policy_lazy_factory.py's make_model)
    monkeypatch.syspath_prepend(str(LEGACY_DIR))
    with legacy_imports():
        report = assert_equivalent(
            legacy,
            migrated,
            observation_space=space_from_dict(case["observation_space"]),
            action_space=space_from_dict(case["action_space"]),
            model_config=model_config,  # the migrated side: what the rewritten spec carries
            explore=explore,
            examples=100,
            atol=1e-6,
        )
    assert report.examples == 100
    if case.get("heuristic"):  # hand-written acting rules: actions only, no distribution
        assert "actions" in report.compared
    else:
        assert {"action_dist_inputs", "actions", "logp"} <= set(report.compared)
    if case.get("has_value_function"):
        assert "values" in report.compared
    if case.get("stateful"):
        assert "state" in report.compared
    if case.get("legacy_raises"):  # the legacy rule's own failure, reproduced by the port
        assert set(report.raised) == {case["legacy_raises"]}
    # built in the first forward(): both sides warmed up before the weights moved, and said so
    built = tuple(case.get("lazily_built") or ())
    assert report.lazily_built == ({"legacy": built, "migrated": built} if built else {})


def _mutant(out: Path, tmp_path: Path, file: str, old: str, new: str) -> Path:
    text = (out / file).read_text()
    if old not in text:
        pytest.skip(f"the rewrite of {file} no longer contains {old!r}; update this mutation")
    path = tmp_path / file
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    "file, old, new, quantity",
    [
        ("mlp.py", "nn.Tanh()", "nn.ReLU()", "action_dist_inputs"),  # swapped activation
        (
            "lstm.py",
            '"1": torch.squeeze(c, 0)',
            '"1": torch.squeeze(h, 0)',
            "state",
        ),  # wrong state out
        # (the first occurrence is replaced: strings found only in the generated module)
        ("heuristic_constant.py", 'model_config.get("move", 1)', 'model_config.get("move", 2)',
         "actions"),  # another default
        ("heuristic_prev_action.py", "asarray((obs[:, 0] > 0)", "asarray((obs[:, 0] >= 0)",
         "actions"),  # boundary moved
        ("heuristic_stateful.py", "enumerate([steps + 1])", "enumerate([steps + 2])",
         "state"),  # wrong state out
        ("heuristic_random.py", "np.asarray(actions)", "np.asarray(actions) + 1",
         "actions"),  # another move
        ("heuristic_masked_dict.py", "batch[Columns.OBS], self.observation_space, self.model_config)",
         'batch[Columns.OBS], self.observation_space, {"_disable_preprocessor_api": True})',
         "forward"),  # the module skips the preprocessing the legacy policy's rows had
        ("heuristic_unguarded_choice.py",
         "obs_batch = legacy_policy_observations(batch[Columns.OBS], self.observation_space, self.model_config)",
         "obs_batch = [r if r[:4].any() else r + np.eye(len(r))[0] for r in legacy_policy_observations("
         "batch[Columns.OBS], self.observation_space, self.model_config)]",
         "forward"),  # the port "fixes" the empty mask: it acts where the legacy policy raised
        (
            "masked_recurrent_forward.py",
            "torch.clamp(torch.log(mask), min=LOG_FLOOR)",
            "torch.zeros_like(mask)",
            "action_dist_inputs",
        ),  # RLM011: the kept forward() body loses its action mask
        ("stateful_feedforward.py", "[h]))", "[h.flip(-1)]))", "state"),  # RLM011: state out
        # RLM038, a policy acting through the module it holds: built with another default, or
        # reporting another state out than the held module's
        # episode columns: the module reads another column than the policy did, or reports
        # another state than the timestep it read
        ("heuristic_episode_columns.py", '"env_id": convert_to_numpy(batch["env_id"])',
         '"env_id": convert_to_numpy(batch["agent_index"])', "actions"),
        ("heuristic_episode_columns.py", "enumerate([steps[:, None]])",
         "enumerate([steps[:, None] + 1])", "state"),
        # a stand-in model of the policy's own, kept: another initial state, another action
        ("heuristic_stand_in_model.py", "def setup(self):\n        self.memory_space = Box(0.0, 1.0,",
         "def setup(self):\n        self.memory_space = Box(0.0, 0.5,", "state"),
        ("heuristic_stand_in_model.py", "np.asarray(actions)[:, None]", "np.asarray(actions % 2)[:, None]",
         "actions"),
        ("policy_held_module.py", 'policy_config.get("threshold", 0.25)',
         'policy_config.get("threshold", 0.5)', "actions"),
        ("policy_held_module.py", "Columns.STATE_OUT: out[Columns.STATE_OUT]}",
         "Columns.STATE_OUT: out[Columns.STATE_OUT] + 1}", "state"),
    ],
)
def test_a_mutated_rewrite_is_caught(rewritten, tmp_path, file, old, new, quantity):
    from rlmigrate.testing.equivalence import EquivalenceError

    out, _ = rewritten
    case = next(c for f, c, _ in CASES if f == file)
    legacy, _ = load_reference(f"{LEGACY_DIR / file}:{case['legacy']}", legacy=True)
    mutant, _ = load_reference(
        f"{_mutant(out, tmp_path, file, old, new)}:{case['migrated']}", legacy=True
    )
    model_config = dict(
        case.get("model_config") or {}, custom_model_config=case.get("custom_model_config") or {}
    )
    with pytest.raises(EquivalenceError) as info:
        assert_equivalent(
            legacy,
            mutant,
            observation_space=space_from_dict(case["observation_space"]),
            action_space=space_from_dict(case["action_space"]),
            model_config=model_config,
        )
    assert info.value.difference.quantity == quantity
