"""Issue 12/13 policy figures of tools/corpus/judge.py, from synthetic rows (no corpus files)."""

from __future__ import annotations

import contextlib

import gymnasium as gym
import judge
import judge_codemod
import judge_policies
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st


@contextlib.contextmanager
def _executed_wrapper(monkeypatch, repo_dir, wrapper):
    """The judge's verify wrapper executed as verify does (the repository first on the path, the
    ray.rllib aliases on); imports, modules and path are restored afterwards."""
    import builtins
    import importlib.util
    import sys

    from shim import ray_compat

    real_import, modules, path = builtins.__import__, dict(sys.modules), list(sys.path)
    monkeypatch.syspath_prepend(str(repo_dir))
    ray_compat.install()
    try:
        spec = importlib.util.spec_from_file_location(f"_test_wrapper_{wrapper.stem}", wrapper)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        builtins.__import__ = real_import
        ray_compat.uninstall()
        for name in set(sys.modules) - set(modules):
            del sys.modules[name]
        sys.path[:] = path


def _pol(framework="torch", *, finding=True, module=False, learner=False, act="", loss="",
         custom_loss=False, importable=None, hooks=(), built=True):
    return {"file": "r/f.py", "policy": "P", "kind": "subclass", "framework": framework,
            "finding": finding, "codes": "RLM031", "module_generated": module,
            "learner_generated": learner, "verify_act": act, "verify_act_message": "",
            "verify_loss": loss, "verify_loss_message": "", "custom_loss": custom_loss,
            "ray_importable": importable, "ray_built": built, "manual_hooks": list(hooks)}


def test_policy_figures_denominators_exclude_tf_and_count_only_verified_rewrites():
    rows = [
        _pol("torch", module=True, act="equivalent", importable=True, custom_loss=True,
             learner=True, loss="equivalent", hooks=["postprocess"]),
        _pol("any", module=True, act="different", importable=True),
        _pol("torch", module=False, importable=False, custom_loss=True,
             hooks=["loss", "postprocess"]),
        _pol("torch", module=True, act="equivalent", importable=None, custom_loss=True,
             learner=True, loss="different"),
        _pol("tf", finding=False, module=False, custom_loss=True, hooks=["TensorFlow policy"]),
    ]
    f = judge_policies.policy_figures(rows)
    assert f["policies"] == 5 and f["policies_without_finding"] == 1
    assert (f["acting_denominator"], f["acting_module_generated"], f["acting_proven"]) == (4, 3, 2)
    assert f["acting_proven_pct"] == 50.0
    assert (f["acting_ray_importable_denominator"], f["acting_ray_importable_proven"]) == (2, 1)
    assert (f["custom_losses"], f["learners_generated"], f["learners_proven"]) == (3, 2, 1)
    assert f["learners_proven_pct"] == pytest.approx(33.3)
    assert f["manual_hooks"] == {"postprocess": 2, "loss": 1, "TensorFlow policy": 1}


@pytest.mark.parametrize("built", [False, None])
def test_an_equivalent_verdict_counts_only_when_ray_built_the_policy_with_its_case(built):
    rows = [_pol(module=True, act="equivalent", importable=True, custom_loss=True, learner=True,
                 loss="equivalent", built=built),
            _pol(module=True, act="equivalent", importable=True)]
    f = judge_policies.policy_figures(rows)
    assert (f["acting_proven"], f["acting_ray_importable_proven"], f["learners_proven"]) == (1, 1, 0)
    assert f["acting_unbuilt_equivalent"] == 1
    assert judge_policies.not_proven_reason(rows[0]).startswith(
        "not counted, Ray 2.10 did not build the policy with its case: verify equivalent")


def test_policy_figures_on_main_as_it_is_are_zero_not_an_error():
    f = judge_policies.policy_figures([_pol("torch"), _pol("tf")])
    assert f["acting_proven_pct"] == 0.0 and f["learners_proven_pct"] == 0.0
    assert judge_policies.policy_figures([])["acting_denominator"] == 0


def test_not_proven_reason_names_the_stage():
    assert "TensorFlow" in judge_policies.not_proven_reason(_pol("tf"))
    assert "no <Policy>RLModule" in judge_policies.not_proven_reason(_pol("torch"))
    assert judge_policies.not_proven_reason(_pol(module=True)) == "verify not run"
    row = _pol(module=True, act="different")
    row["verify_act_message"] = "actions differ"
    assert judge_policies.not_proven_reason(row) == "verify different: actions differ"


def test_not_proven_reason_says_when_ray_itself_cannot_build_the_legacy_side():
    row = _pol(module=True, act="error", importable=False)
    row["ray_error"] = "ModuleNotFoundError: No module named 'ray.rllib.agents'"
    row["verify_act_message"] = "UnservedPathError: ..."
    reason = judge_policies.not_proven_reason(row)
    assert reason.startswith("legacy side does not build on Ray 2.10: ModuleNotFoundError: No module "
                             "named 'ray.rllib.agents'; verify error")
    assert judge_policies.not_proven_reason(_pol(importable=False)).startswith(
        "legacy side does not build on Ray 2.10: import fails; no <Policy>RLModule")
    assert "legacy side" not in judge_policies.not_proven_reason(_pol(module=True, importable=None))


def test_legacy_files_without_finding_counts_only_the_judged_files(tmp_path):
    for rel in ("r/a.py", "r/b.py", "r/c.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("from ray.rllib.models import ModelCatalog\n")
    by_file = {"r/a.py": [{"code": "RLM090"}]}
    assert judge_codemod.legacy_files_without_finding(tmp_path, by_file) == (3, ["r/b.py", "r/c.py"])
    assert judge_codemod.legacy_files_without_finding(tmp_path, by_file, {"r/a.py", "r/c.py"}) == (2, ["r/c.py"])


def test_copy_corpus_copies_the_context_files_of_an_only_run(tmp_path):
    cache, dest = tmp_path / "cache", tmp_path / "dest"
    for rel in ("o+r/pol.py", "o+r/model.py", "o+r/helper.py"):
        (cache / rel).parent.mkdir(parents=True, exist_ok=True)
        (cache / rel).write_text("x = 1\n")
    manifest = {"files": [{"repo": "o/r", "path": "pol.py", "support": ["helper.py"]}],
                "context_files": [{"repo": "o/r", "path": "model.py"}]}
    judge_codemod._copy_corpus(cache, manifest, dest)
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*.py")) == [
        "o+r/helper.py", "o+r/model.py", "o+r/pol.py"]


def _shim(status, built=True, loss="", stochastic=(), error="", ray_error=""):
    return {"status": status, "ray_buildable": built, "loss": loss, "stochastic": list(stochastic),
            "error": error, "ray_error": ray_error}


def test_policy_shim_figures_count_only_what_ray_built():
    rows = [_shim("match", loss="match"), _shim("match", stochastic=["actions"]),
            _shim("mismatch", loss="mismatch"),
            _shim("build", error="NotInShimError: ray.rllib.utils.debug.deterministic.seed_it exists in "
                                 "Ray 2.10 but is not implemented by the shim"),
            _shim("ray-unbuildable", built=False, ray_error="import: ModuleNotFoundError: No module named 'sb3'"),
            _shim("no-recording", built=False)]
    f = judge_policies.shim_figures(rows, judge.reason)
    assert f["failure_reasons"] == {"shim lacks ray.rllib.utils.debug.deterministic.seed_it": 1}
    assert f["ray_unbuilt_reasons"] == {"third-party package not installed: sb3": 1}
    assert (f["policies_with_case"], f["ray_built"], f["shim_match"]) == (6, 4, 2)
    assert f["shim_match_pct"] == 50.0 and f["numeric_mismatches"] == 1
    assert f["stochastic_compared_by_shape"] == 1 and f["failure_stages"] == {"mismatch": 1, "build": 1}
    assert (f["ray_losses"], f["shim_loss_match"], f["not_recorded"]) == (2, 1, 1)


def test_compare_outputs_exact_for_deterministic_and_by_space_for_stochastic():
    space = gym.spaces.Discrete(3)
    expected = {"actions": np.array([0, 1, 2]), "extra/logits": np.zeros((3, 3), np.float32)}
    same = judge_policies.compare_outputs(expected, {k: v.copy() for k, v in expected.items()}, [], space)
    assert same == {"actions": 0.0, "extra/logits": 0.0}
    off = judge_policies.compare_outputs(expected, {"actions": np.array([0, 1, 1])}, [], space)
    assert off["actions"] == 1.0 and off["extra/logits"] == np.inf  # missing output
    sampled = judge_policies.compare_outputs(expected, {"actions": np.array([2, 2, 0]),
                                                        "extra/logits": expected["extra/logits"]},
                                             ["actions"], space)
    assert sampled["actions"] == 0.0
    outside = judge_policies.compare_outputs(expected, {"actions": np.array([0, 5, 0])}, ["actions"], space)
    assert outside["actions"] == np.inf
    reshaped = judge_policies.compare_outputs(expected, {"actions": np.array([[0, 1, 2]])}, ["actions"], space)
    assert reshaped["actions"] == np.inf


@given(st.lists(st.floats(-1, 1, width=32), min_size=1, max_size=6),
       st.floats(1e-3, 1.0))
def test_compare_outputs_box_actions_leave_the_space_only_outside_bounds(values, bump):
    space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)
    want = {"actions": np.asarray(values, np.float32).reshape(-1, 1)}
    inside = judge_policies.compare_outputs(want, {"actions": want["actions"][::-1].copy()}, ["actions"], space)
    assert inside["actions"] == 0.0
    pushed = want["actions"].copy()
    pushed[0] = 1.0 + bump
    assert judge_policies.compare_outputs(want, {"actions": pushed}, ["actions"], space)["actions"] == np.inf


LOSSES = '''
from ray.rllib.algorithms.ppo.ppo_torch_policy import PPOTorchPolicy
from ray.rllib.policy.torch_policy_template import build_torch_policy

class WithLoss(PPOTorchPolicy):
    def loss(self, model, dist_class, train_batch):
        return 0.0

class Acting(PPOTorchPolicy):
    def postprocess_trajectory(self, batch, other_agent_batches=None, episode=None):
        return batch

Built = build_torch_policy(name="Built", loss_fn=lambda p, m, d, b: 0.0)
Updated = PPOTorchPolicy.with_updates(name="Updated", stats_fn=None)
'''


@pytest.mark.parametrize(("name", "line", "has_loss"), [
    ("WithLoss", 5, True), ("Acting", 9, False), ("Built", 13, True), ("Updated", 14, False)])
def test_defines_loss_reads_the_definition_at_its_line(name, line, has_loss):
    assert judge_policies.defines_loss(LOSSES, {"name": name, "line": line}) is has_loss


def test_defines_loss_is_false_for_unparsable_or_unknown_lines():
    assert judge_policies.defines_loss("class (:", {"name": "X", "line": 1}) is False
    assert judge_policies.defines_loss(LOSSES, {"name": "X", "line": 99}) is False


@pytest.mark.parametrize(("code", "message", "kind"), [
    ("RLM032", "P.postprocess_trajectory() left in place; on the new stack ...", "postprocess"),
    ("RLM032", "P: postprocess_fn left in place; on the new stack ...", "postprocess"),
    ("RLM032", "P: extra_grad_process_fn left in place; ...", "extra_grad_process"),
    ("RLM032", "P: stats_fn left in place; ...", "stats"),
    ("RLM033", "P: no Learner generated: loss_fn loss() uses its policy argument as `self`", "loss"),
    ("RLM030", "P: no RLModule generated: no module class: ...", "acting (no module generated)"),
    ("RLM090", "P: a TensorFlow policy template: port the model to torch", "TensorFlow policy"),
    ("RLM090", "P subclasses legacy Policy: a custom Policy splits into an RLModule (acting) and a "
               "Learner (loss); port by hand", "whole policy class (port by hand)"),
    ("RLM061", "ViewRequirement has no RLModule counterpart", "view_requirements"),
    ("RLM031", "P: make_model_and_action_dist() returns a tuple", "make_model_and_action_dist"),
    ("RLM090", "legacy import kept in the file: ray.rllib.policy.Policy", "other: RLM090"),
])
def test_hook_of_reads_the_hook_kind_from_the_message(code, message, kind):
    assert judge_policies.hook_of({"code": code, "message": message}) == kind


def test_manual_hooks_counts_only_manual_findings_once_per_kind():
    findings = [{"status": "manual", "code": "RLM032", "message": "P.postprocess_trajectory() left in place"},
                {"status": "manual", "code": "RLM032", "message": "P: postprocess_fn left in place"},
                {"status": "review", "code": "RLM031", "message": "P: stats_fn left in place"},
                {"status": "manual", "code": "RLM090", "message": "legacy import kept"}]
    assert judge_policies.manual_hooks(findings) == ["other: RLM090", "postprocess"]


def test_uses_legacy_api_sees_ray_rllib_imports_only():
    assert judge_codemod.uses_legacy_api("from ray.rllib.models import ModelCatalog\n")
    assert judge_codemod.uses_legacy_api("import ray.rllib.agents.ppo as ppo\n")
    assert judge_codemod.uses_legacy_api("from ray import rllib\n")
    assert not judge_codemod.uses_legacy_api("import ray\nfrom ray import tune\n")
    assert not judge_codemod.uses_legacy_api("from .rllib import x\n")
    assert not judge_codemod.uses_legacy_api("def (:\n")


def test_legacy_files_without_finding_lists_silent_legacy_files(tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "a.py").write_text("from ray.rllib.policy import Policy\n")
    (tmp_path / "repo" / "b.py").write_text("from ray.rllib.models import ModelCatalog\n")
    (tmp_path / "repo" / "c.py").write_text("import numpy\n")
    count, silent = judge_codemod.legacy_files_without_finding(
        tmp_path, {"repo/a.py": [{"code": "RLM090"}], "repo/c.py": []})
    assert count == 2 and silent == ["repo/b.py"]
    assert judge.legacy_api_figures({"legacy_api_files": count,
                                     "legacy_api_files_without_finding": silent}) == {
        "legacy_api_files": 2, "legacy_api_files_without_finding": 1,
        "legacy_api_files_without_finding_list": ["repo/b.py"]}
    assert judge.legacy_api_figures({})["legacy_api_files_without_finding"] == 0


def test_wrapper_registers_the_legacy_model_then_exports_legacy_policy_and_rewrite(tmp_path):
    entry = {"repo": "o/n", "path": "pkg/policy.py", "import_root": "src"}
    pol = {"name": "P", "case": {"register": {"my_model": "pkg.models.Net",
                                               "cc": "ray.rllib.examples.models.cc.CC"}}}
    text = judge_policies.wrapper_source(entry, pol, tmp_path / "src", tmp_path / "out", ["PRLModule"])
    compile(text, "wrapper.py", "exec")
    assert f"{tmp_path}/src/o+n/src/pkg/models.py" in text
    assert f"{tmp_path}/src/ray-project+ray/rllib/examples/models/cc.py" in text
    assert text.index("_register('cc'") < text.index("_judge_legacy_P")
    assert "ModelCatalog.register_custom_action_dist(name, cls)" in text  # an ActionDistribution
    assert "P = _legacy.P\n" in text and f"{tmp_path}/src/o+n/pkg/policy.py" in text
    assert f"{tmp_path}/out/o+n/pkg/policy.py" in text
    assert text.rstrip().endswith("PRLModule = _rewritten.PRLModule")


def test_benchmark_record_carries_the_policy_rows(tmp_path):
    import pathlib

    repo_root = pathlib.Path(judge.__file__).resolve().parents[2]
    result = {"atol": 1e-5, "corpus": {"files": 1, "repos": 1, "classes": 0, "policies": 1},
              "shim": judge.shim_figures([]), "policy_shim": judge_policies.shim_figures([_shim("match")]),
              "codemod": {**judge.codemod_figures([], []), **judge.legacy_api_figures({})},
              "policies": judge_policies.policy_figures([_pol("torch", module=True, act="equivalent")])}
    record = judge.benchmark_record(result, repo_root)
    names = {m["name"]: m for m in record["measures"]}
    acting = names["policies: torch/framework-free policies whose generated module verify proves"]
    assert acting["values"]["rlmigrate"] == 100.0 and acting["unit"] == "%"
    assert "codemod: files with legacy RLlib API and no finding" in names
    assert names["shim: Ray-built policies that build and act like Ray 2.10"]["values"]["rlmigrate"] == 100.0
    assert record["real_world"]["policies"]["acting_proven"] == 1
    units: dict[str, set[str]] = {}
    for measure in record["measures"]:  # benchmarks/report.py draws one chart per group
        units.setdefault(measure["group"], set()).add(measure["unit"])
    assert all(len(u) == 1 for u in units.values()), units


def _fixture_tree(tmp_path, expected_text):
    import pathlib

    fixtures = pathlib.Path(judge.__file__).resolve().parents[2] / "fixtures"
    for side, text in (("src", (fixtures / "legacy" / "torch_policy_v2.py").read_text()),
                       ("out", expected_text or (fixtures / "expected" / "torch_policy_v2.py").read_text())):
        (tmp_path / side / "o+n").mkdir(parents=True)
        (tmp_path / side / "o+n" / "pol.py").write_text(text)
    return fixtures.parent


def test_verify_policy_runs_rlmigrate_verify_on_our_policy_fixture(tmp_path):
    """End to end on a fixture of ours (legacy policy in src, its generated module and Learner
    in out): acting and loss proven; a planted change in the module's acting is caught."""
    import pathlib

    repo_root = _fixture_tree(tmp_path, None)
    entry = {"repo": "o/n", "path": "pol.py", "import_root": ""}
    pol = {"name": "ScaledPolicy",
           "case": {"obs_space": "Box(-1, 1, (4,))", "action_space": "Discrete(2)", "config": {}}}
    act = judge_policies.verify_policy(repo_root, entry, pol, tmp_path / "src", tmp_path / "out", tmp_path)
    assert act[0] == "equivalent", act
    loss = judge_policies.verify_policy(repo_root, entry, pol, tmp_path / "src", tmp_path / "out",
                                        tmp_path, learner=True)
    assert loss[0] == "equivalent", loss
    planted = (tmp_path / "out" / "o+n" / "pol.py").read_text().replace(
        "return {Columns.ACTION_DIST_INPUTS: logits * 2.0}", "return {Columns.ACTION_DIST_INPUTS: logits * 3.0}")
    other = tmp_path / "planted"
    _fixture_tree(other, planted)
    verdict, message = judge_policies.verify_policy(repo_root, entry, pol, other / "src", other / "out", other)
    assert verdict == "different" and "ScaledPolicy" in message
    assert pathlib.Path(repo_root / "rlmigrate").is_dir()


def test_ray_example_imports_and_the_wrapper_serve_them_under_their_own_names(tmp_path):
    source = ("import ray.rllib.examples.env.two_step_game\n"
              "from ray.rllib.examples.models.cc import CC\nfrom ray.rllib.models import ModelCatalog\n"
              "from .local import x\n")
    assert judge_policies.ray_example_imports(source) == [
        "ray.rllib.examples.env.two_step_game", "ray.rllib.examples.models.cc"]
    assert judge_policies.ray_example_imports("def (:") == []
    entry = {"repo": "ray-project/ray", "path": "rllib/examples/cc_policy.py"}
    pol = {"name": "P", "case": {"register": {"cc": "ray.rllib.examples.models.cc.CC"}}}
    text = judge_policies.wrapper_source(entry, pol, tmp_path / "src", tmp_path / "out", [],
                                         ["ray.rllib.examples.models.cc"])
    compile(text, "wrapper.py", "exec")
    served = f"_load('ray.rllib.examples.models.cc', '{tmp_path}/src/ray-project+ray/rllib/examples/models/cc.py')"
    assert served in text
    assert "_register('cc', sys.modules['ray.rllib.examples.models.cc'].CC)" in text
    assert text.index(served) < text.index("_register('cc'") < text.index("_legacy = ")
    assert "_rewritten" not in text


def test_verify_supports_reads_the_flag_not_a_longer_option(tmp_path):
    judge_codemod._HELP[str(tmp_path)] = "  --model-config JSON   legacy\n  --policy-config JSON  loss\n"
    assert not judge_codemod.verify_supports(tmp_path, "--config")
    assert judge_codemod.verify_supports(tmp_path, "--model-config")
    judge_codemod._HELP[str(tmp_path)] = "  --config JSON         the policy config\n"
    assert judge_codemod.verify_supports(tmp_path, "--config")


def test_recorded_config_keeps_only_what_json_holds():
    import record_corpus

    config = {"lr": 0.1, "model": {"fcnet_hiddens": [8, 8], "custom_model": None},
              "callbacks": object, "policies": {"p": (None, object(), 3)}, "sched": [[0, 1.0], [10, 0.1]],
              1: "int key"}
    assert record_corpus._jsonable(config) == {
        "lr": 0.1, "model": {"fcnet_hiddens": [8, 8], "custom_model": None}, "policies": {},
        "sched": [[0, 1.0], [10, 0.1]]}


IMPORT_ERROR = "importing 'o+n/x.py' failed: UnservedPathError: ray.rllib.agents"


def test_ray_status_says_when_the_legacy_side_does_not_import_on_ray_either():
    file_record = {"ray_importable": False, "error": "ModuleNotFoundError: No module named 'ray.rllib.agents'"}
    message = judge_policies.with_ray_status("error", IMPORT_ERROR, file_record, {})
    assert message.startswith("legacy side does not build on Ray 2.10 (ModuleNotFoundError")
    assert message.endswith(IMPORT_ERROR)
    # Ray imported the file: the import failure is ours, nothing is added
    assert judge_policies.with_ray_status("error", IMPORT_ERROR, {"ray_importable": True}, {}) == IMPORT_ERROR
    # a failure after the import is not blamed on Ray's import
    assert judge_policies.with_ray_status("different", "actions differ", file_record, {}) == "actions differ"


@pytest.mark.parametrize("verdict", ["equivalent", "different", "error"])
def test_ray_status_notes_a_case_ray_could_not_build_without_changing_the_verdict(verdict):
    recorded = {"ray_buildable": False, "stage": "build", "error": "KeyError: 'env_config'"}
    message = judge_policies.with_ray_status(verdict, "m", {"ray_importable": True}, recorded)
    assert message == "Ray 2.10 did not build this case (build: KeyError: 'env_config'); m"
    assert judge_policies.with_ray_status(verdict, "m", {}, {"ray_buildable": True}) == "m"


def test_wrapper_gives_each_side_its_own_copy_of_the_project_and_example_modules(tmp_path, monkeypatch):
    """The legacy policy imports the legacy project modules and Ray example modules, the
    rewritten file the rewritten ones (its model may be a module now), in one process."""
    import sys

    from rlmigrate.testing.loading import load_file

    def write(path, text):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    body = ("from pkg.models import KIND as MODEL\n"
            "from ray.rllib.examples.models.cc_twin import KIND as EXAMPLE\n\n"
            "class P:\n    seen = (MODEL, EXAMPLE)\n\n"
            "    def lazy(self):\n        from pkg.late import KIND\n        return KIND\n")
    for side in ("src", "out"):
        write(tmp_path / side / "o+n" / "pkg" / "__init__.py", "")
        write(tmp_path / side / "o+n" / "pkg" / "models.py", f"KIND = {side!r}\n\nclass Net:\n    pass\n")
        # imported by the legacy policy only when a method runs, by the rewritten file at once
        write(tmp_path / side / "o+n" / "pkg" / "late.py", f"from pkg.models import KIND as MODEL\nKIND = {side!r} + MODEL\n")
        write(tmp_path / side / "ray-project+ray" / "rllib" / "examples" / "models" / "cc_twin.py", f"KIND = {side!r}\n")
        write(tmp_path / side / "o+n" / "pkg" / "policy.py",
              body + ("\nfrom pkg.late import KIND as LATE\n\nclass PRLModule:\n    seen = (MODEL, EXAMPLE, LATE)\n\n"
                      "    def lazy(self):\n        from pkg.late import KIND\n        return KIND\n"
                      if side == "out" else ""))
    # a package only the legacy tree has (one the repository installs): both sides import it from there
    write(tmp_path / "src" / "o+n" / "shared_pkg" / "__init__.py", "from shared_pkg.sub import VALUE\n")
    write(tmp_path / "src" / "o+n" / "shared_pkg" / "sub.py", "VALUE = 'shared'\n")
    rewritten = tmp_path / "out" / "o+n" / "pkg" / "policy.py"
    rewritten.write_text(rewritten.read_text() + "\nfrom shared_pkg import VALUE as SHARED\n")
    entry = {"repo": "o/n", "path": "pkg/policy.py"}
    pol = {"name": "P", "case": {"register": {"twin_model": "pkg.models.Net"}}}
    wrapper = tmp_path / "wrapper.py"
    wrapper.write_text(judge_policies.wrapper_source(entry, pol, tmp_path / "src", tmp_path / "out", ["PRLModule"],
                                                     ["ray.rllib.examples.models.cc_twin"]))
    monkeypatch.syspath_prepend(str(tmp_path / "src" / "o+n"))
    monkeypatch.setattr(sys, "path", list(sys.path))  # the wrapper puts the rewritten root first
    for name in [n for n in sys.modules if n == "pkg" or n.startswith("pkg.")]:
        monkeypatch.delitem(sys.modules, name)  # another test's "pkg" package (restored afterwards)
    import builtins

    monkeypatch.setattr(builtins, "__import__", builtins.__import__)  # the wrapper replaces it
    before = set(sys.modules)
    try:
        module = load_file(wrapper, legacy=True)
        assert module.P.seen == ("src", "src")
        assert module.PRLModule.seen == ("out", "out", "outout")
        # a legacy method's import at run time sees the legacy project (twice: kept aside)
        assert module.P().lazy() == module.P().lazy() == "srcsrc"
        assert module.PRLModule().lazy() == "outout"  # and the rewritten side's, the rewritten one
        assert module.P().lazy() == "srcsrc"
    finally:
        for name in set(sys.modules) - before:
            if name in ("pkg", "shared_pkg") or name.startswith(("pkg.", "shared_pkg.", "_judge_",
                                                                  "ray.rllib.examples.models.cc_twin")):
                sys.modules.pop(name, None)


TABLE_POLICY = '''import json

import numpy as np
from ray.rllib.policy.policy import Policy


class TablePolicy(Policy):
    """Plays the move its table file names for the sign of the first feature."""

    def __init__(self, observation_space, action_space, config):
        super().__init__(observation_space, action_space, config)
        with open("data/moves.json") as table:
            self.moves = json.load(table)["moves"]

    def compute_actions(self, obs_batch, state_batches=None, **kwargs):
        return np.array([self.moves[int(row[0] > 0)] for row in obs_batch]), [], {}
'''


def test_verify_policy_runs_in_the_cases_run_dir(tmp_path):
    """A policy of ours opens a data file by a path relative to the repository's root, where
    the repository's scripts run, while its module lives under an import root ``src``: with
    ``run_dir`` "" both sides find the file and verify proves the rewrite; without it verify
    runs in the import root and the legacy constructor cannot open the file."""
    import json
    import pathlib

    from rlmigrate.codemod.rules import ALL_RULES, select_codes
    from rlmigrate.codemod.targets import Target
    from rlmigrate.codemod.transform import rewrite_source

    repo_root = pathlib.Path(judge.__file__).resolve().parents[2]
    rewritten = rewrite_source(TABLE_POLICY, path="pol.py", target=Target("rlmigrate"),
                               selected=select_codes(), rule_classes=ALL_RULES).text
    assert "class TablePolicyRLModule(RLModule):" in rewritten
    for side, text in (("src", TABLE_POLICY), ("out", rewritten)):
        (tmp_path / side / "o+n" / "src").mkdir(parents=True)
        (tmp_path / side / "o+n" / "src" / "pol.py").write_text(text)
    (tmp_path / "src" / "o+n" / "data").mkdir()
    (tmp_path / "src" / "o+n" / "data" / "moves.json").write_text(json.dumps({"moves": [2, 0]}))
    entry = {"repo": "o/n", "path": "src/pol.py", "import_root": "src"}
    case = {"obs_space": "Box(-1, 1, (2,))", "action_space": "Discrete(3)", "config": {}}
    pol = {"name": "TablePolicy", "case": {**case, "run_dir": ""}}
    verdict, message = judge_policies.verify_policy(repo_root, entry, pol, tmp_path / "src",
                                                    tmp_path / "out", tmp_path)
    assert verdict == "equivalent", message
    verdict, message = judge_policies.verify_policy(repo_root, entry, {"name": "TablePolicy", "case": case},
                                                    tmp_path / "src", tmp_path / "out", tmp_path)
    assert verdict != "equivalent" and "data/moves.json" in message, (verdict, message)


def test_wrapper_legacy_hooks_import_the_legacy_project_after_the_swap(tmp_path, monkeypatch):
    """A legacy hook that imports a project module inside a method (P3O's ``make_model``:
    ``from risk_cost_vf_custom_model import make_risk_model``) runs when verify builds the
    legacy policy, after the wrapper put the rewritten project first: it must still get the
    legacy module (and the registered class's own module object), while the rewritten side
    keeps its rewritten one."""
    import sys


    src, out = tmp_path / "src", tmp_path / "out"
    for root, value in ((src, "legacy"), (out, "rewritten")):
        (root / "o+n" / "swap_pkg").mkdir(parents=True)
        (root / "o+n" / "swap_helper_mod.py").write_text(f"VALUE = {value!r}\nclass Net:\n    pass\n")
        (root / "o+n" / "swap_pkg" / "__init__.py").write_text("from swap_pkg.inner import NAME\n")
        (root / "o+n" / "swap_pkg" / "inner.py").write_text(f"NAME = {value!r}\n")
    (src / "o+n" / "policy.py").write_text(
        "class P:\n    def hook(self):\n        from swap_helper_mod import VALUE, Net\n"
        "        import swap_pkg\n        return VALUE, Net, swap_pkg.NAME\n")
    (out / "o+n" / "policy.py").write_text(
        "from swap_helper_mod import VALUE\nimport swap_pkg\nclass PRLModule:\n    value = (VALUE, swap_pkg.NAME)\n")
    entry = {"repo": "o/n", "path": "policy.py"}
    pol = {"name": "P", "case": {"register": {"net": "swap_helper_mod.Net"}}}
    wrapper = tmp_path / "wrapper.py"
    wrapper.write_text(judge_policies.wrapper_source(entry, pol, src, out, ["PRLModule"]))
    with _executed_wrapper(monkeypatch, src / "o+n", wrapper) as module:
        value, net, name = module.P().hook()
        assert (value, name) == ("legacy", "legacy")
        from ray.rllib.models import ModelCatalog

        assert net is ModelCatalog.registered_models()["net"]  # the class that was registered
        assert module.PRLModule.value == ("rewritten", "rewritten")
        assert sys.modules["swap_helper_mod"].VALUE == "rewritten"  # the swap is undone after the hook


def test_wrapper_registers_the_rewritten_twins_for_the_new_stack(tmp_path, monkeypatch):
    """The case's registered names also name the rewritten classes for rlmigrate (a module
    generated for a policy on its config's model resolves them), as the migrated project registers
    its migrated model and distribution; a class the rewrite left legacy stays unregistered."""
    import sys

    from rlmigrate.core import custom_models

    src, out = tmp_path / "src", tmp_path / "out"
    (src / "o+n").mkdir(parents=True)
    (out / "o+n").mkdir(parents=True)
    (src / "o+n" / "twin_nets_mod.py").write_text("class Net:\n    pass\nclass Dist:\n    pass\nclass Kept:\n    pass\n")
    (out / "o+n" / "twin_nets_mod.py").write_text(
        "from rlmigrate import TorchRLModule, TorchCategorical\n"
        "class Net(TorchRLModule):\n    pass\nclass Dist(TorchCategorical):\n    pass\nclass Kept:\n    pass\n")
    (src / "o+n" / "policy.py").write_text("class P:\n    pass\n")
    (out / "o+n" / "policy.py").write_text("class PRLModule:\n    pass\n")
    entry = {"repo": "o/n", "path": "policy.py"}
    pol = {"name": "P", "case": {"register": {"net": "twin_nets_mod.Net", "dist": "twin_nets_mod.Dist",
                                               "kept": "twin_nets_mod.Kept"}}}
    wrapper = tmp_path / "wrapper.py"
    wrapper.write_text(judge_policies.wrapper_source(entry, pol, src, out, ["PRLModule"]))
    monkeypatch.setattr(custom_models, "_MODULES", {})
    monkeypatch.setattr(custom_models, "_ACTION_DISTS", {})
    with _executed_wrapper(monkeypatch, src / "o+n", wrapper):
        rewritten = sys.modules["twin_nets_mod"]
        assert rewritten.__file__ == str(out / "o+n" / "twin_nets_mod.py")
        assert custom_models.registered_modules() == {"net": rewritten.Net}
        assert custom_models.registered_action_dists() == {"dist": rewritten.Dist}


# --- the modernize stage (tools/corpus/README.md, "Decided: the modernize stage") ----------
def _modern(**kw):
    row = _pol(module=True, act="equivalent", importable=False, **kw)
    row["modernized"] = ["RLM035", "RLM036"]
    return row


def test_a_proof_against_the_modernized_file_counts_apart_and_never_as_ray_importable():
    rows = [_modern(custom_loss=True, learner=True, loss="equivalent"),
            _modern(built=False),  # Ray 2.10 did not build even the modernized file's policy
            _pol(module=True, act="equivalent", importable=True)]
    f = judge_policies.policy_figures(rows)
    assert (f["acting_proven"], f["acting_modernized_proven"], f["acting_modernized_denominator"]) == (2, 1, 2)
    assert (f["acting_ray_importable_denominator"], f["acting_ray_importable_proven"]) == (1, 1)
    assert (f["learners_proven"], f["learners_modernized_proven"]) == (1, 1)
    # the same rows without the modernize record: Ray 2.10 imports neither file, nothing counts
    for row in rows[:2]:
        row["modernized"] = []
    assert judge_policies.policy_figures(rows)["acting_modernized_proven"] == 0


def test_the_verify_message_says_the_legacy_side_is_the_modernized_file():
    recorded = {"ray_buildable": True, "modernized": {"codes": ["RLM035", "RLM036"], "files": {}}}
    message = judge_policies.with_ray_status("equivalent", "equivalent on 20 inputs",
                                             {"ray_importable": False, "error": "E"}, recorded)
    assert message == ("legacy side: the file after the modernize fixes only (RLM035, RLM036), which "
                       "Ray 2.10 imports; equivalent on 20 inputs")


def test_not_proven_reason_says_where_the_modernized_file_still_stops():
    row = _pol(importable=False)
    row["ray_error"] = "ModuleNotFoundError: No module named 'ray.rllib.agents'"
    row["modernized_error"] = "ModuleNotFoundError: No module named 'pommerman'"
    assert judge_policies.not_proven_reason(row).startswith(
        "legacy side does not build on Ray 2.10: ModuleNotFoundError: No module named 'ray.rllib.agents'; "
        "after the modernize fixes: ModuleNotFoundError: No module named 'pommerman'; no <Policy>RLModule")


def test_the_shim_row_runs_the_file_the_recording_was_built_from(tmp_path):
    import harness
    import policy_harness

    entry = {"id": "o+n/p.py", "repo": "o/n", "path": "p.py", "module": "p"}
    pol = {"name": "P"}
    (tmp_path / "oracle").mkdir()
    meta = tmp_path / "oracle" / f"{policy_harness.policy_id(entry, pol)}.json"
    meta.write_text('{"ray_buildable": true}')
    assert judge_policies.recorded_source(tmp_path, entry, pol) == tmp_path
    meta.write_text('{"ray_buildable": true, "modernized": {"codes": ["RLM035"], "files": {}}}')
    assert judge_policies.recorded_source(tmp_path, entry, pol) == tmp_path / harness.MODERNIZED


def test_the_recorder_builds_from_the_modernized_copy_only_when_ray_imported_only_that(tmp_path):
    import harness

    entry = {"id": "o+n/p.py"}
    assert harness.policy_source(tmp_path, entry) == (tmp_path, None, None)
    (tmp_path / "oracle").mkdir()
    index = tmp_path / "oracle" / "policies.json"
    modern = {"ray_importable": True, "codes": ["RLM035"], "files": {"p.py": ["RLM035"]}}
    for row, expected in [
        ({"ray_importable": True, "modernized": modern}, (tmp_path, None, None)),  # the original imports
        ({"ray_importable": False}, (tmp_path, None, None)),  # no modernized copy
        ({"ray_importable": False, "modernized": {**modern, "ray_importable": False, "error": "E"}},
         (tmp_path, None, None)),  # the copy does not import either
        ({"ray_importable": False, "modernized": modern}, (tmp_path / harness.MODERNIZED, modern, None)),
    ]:
        index.write_text(__import__("json").dumps({"o+n/p.py": row}))
        assert harness.policy_source(tmp_path, entry) == expected


def test_not_proven_reason_says_ray_did_not_build_even_the_modernized_file():
    row = _modern(built=False)
    row["module_generated"] = False
    row["ray_build_error"] = "import: AttributeError: module 'm' has no attribute 'P'"
    assert judge_policies.not_proven_reason(row).startswith(
        "legacy side (the file after the modernize fixes RLM035, RLM036) not built by Ray 2.10: "
        "import: AttributeError: module 'm' has no attribute 'P'; no <Policy>RLModule")


# --- the "package __init__ isolated" stage (tools/corpus/README.md) -------------------------
def _isolated(**kw):
    row = _modern(**kw)
    row["isolated_package_init"] = ["pkg"]
    return row


def test_a_proof_with_the_package_init_not_run_counts_apart_and_never_as_ray_importable():
    rows = [_isolated(custom_loss=True, learner=True, loss="equivalent"),
            _isolated(built=False),  # Ray 2.10 imported the module but did not build the policy
            _pol(module=True, act="equivalent", importable=True)]
    f = judge_policies.policy_figures(rows)
    assert (f["acting_proven"], f["acting_isolated_init_proven"], f["acting_isolated_init_denominator"]) == (2, 1, 2)
    assert (f["acting_ray_importable_denominator"], f["acting_ray_importable_proven"]) == (1, 1)
    assert (f["learners_proven"], f["learners_isolated_init_proven"]) == (1, 1)


def test_the_verify_message_and_the_reason_say_the_package_init_was_not_run():
    recorded = {"ray_buildable": False, "stage": "build", "error": "KeyError: 'k'",
                "isolated_package_init": {"packages": ["pkg"], "error": "ModuleNotFoundError: No module named 'sns'",
                                          "from": "original"}}
    message = judge_policies.with_ray_status("inconclusive", "legacy acts on 0 of 20",
                                             {"ray_importable": False, "error": "E"}, recorded)
    assert message.startswith("legacy side: the policy's module imported with its package's __init__.py not run "
                              "(pkg: ModuleNotFoundError: No module named 'sns'); ")
    row = _isolated(built=False)
    row["module_generated"] = False
    row["ray_build_error"] = "build: KeyError: 'model_config'"
    assert judge_policies.not_proven_reason(row).startswith(
        "legacy side (the file after the modernize fixes RLM035, RLM036) not built by Ray 2.10: "
        "build: KeyError: 'model_config' (imported with pkg/__init__.py not run); no <Policy>RLModule")


def test_the_shim_row_imports_as_the_recording_did(tmp_path):
    import policy_harness

    entry = {"id": "o+n/p.py", "repo": "o/n", "path": "pkg/p.py", "module": "pkg.p"}
    pol = {"name": "P"}
    (tmp_path / "oracle").mkdir()
    meta = tmp_path / "oracle" / f"{policy_harness.policy_id(entry, pol)}.json"
    assert judge_policies.isolated_packages(tmp_path, entry, pol) == []
    meta.write_text('{"ray_buildable": true, "isolated_package_init": {"packages": ["pkg"], "error": "E", '
                    '"from": "original"}}')
    assert judge_policies.isolated_packages(tmp_path, entry, pol) == ["pkg"]
    assert judge_policies.recorded_source(tmp_path, entry, pol) == tmp_path


def test_wrapper_imports_both_sides_with_the_package_init_not_run(tmp_path, monkeypatch):
    """Each side's ``pkg/__init__.py`` imports a trainer that cannot import; the wrapper of an
    isolated recording loads the legacy policy and its rewrite with the package left empty."""
    import builtins
    import sys

    from rlmigrate.testing.loading import ReferenceError_, load_file

    for side in ("src", "out"):
        root = tmp_path / side / "o+n" / "pkg"
        root.mkdir(parents=True)
        (root / "__init__.py").write_text("from pkg.trainer import T\n")
        (root / "trainer.py").write_text("import a_module_nobody_installed_xyz\n")
        (root / "model.py").write_text(f"KIND = {side!r}\n")
        (root / "policy.py").write_text("import pkg\nfrom pkg.model import KIND\n\nclass P:\n    seen = KIND\n"
                                        + ("\nclass PRLModule:\n    seen = KIND\n" if side == "out" else ""))
    entry = {"repo": "o/n", "path": "pkg/policy.py", "module": "pkg.policy"}
    pol = {"name": "P", "case": {}}
    wrapper = tmp_path / "wrapper.py"
    wrapper.write_text(judge_policies.wrapper_source(entry, pol, tmp_path / "src", tmp_path / "out",
                                                     ["PRLModule"], isolate=True))
    monkeypatch.syspath_prepend(str(tmp_path / "src" / "o+n"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    for name in [n for n in sys.modules if n == "pkg" or n.startswith("pkg.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(builtins, "__import__", builtins.__import__)
    before = set(sys.modules)
    try:
        module = load_file(wrapper, legacy=True)
        assert (module.P.seen, module.PRLModule.seen) == ("src", "out")
        assert not any(n.startswith("pkg.trainer") for n in sys.modules)
    finally:
        for name in set(sys.modules) - before:
            if name == "pkg" or name.startswith(("pkg.", "_judge_", "_corpus_package_init")):
                sys.modules.pop(name, None)
    # without the isolation the same wrapper fails in the package's __init__
    wrapper.write_text(judge_policies.wrapper_source(entry, pol, tmp_path / "src", tmp_path / "out", ["PRLModule"]))
    try:
        with pytest.raises(ReferenceError_, match="No module named 'a_module_nobody_installed_xyz'"):
            load_file(wrapper, legacy=True)
    finally:
        for name in set(sys.modules) - before:
            if name == "pkg" or name.startswith(("pkg.", "_judge_")):
                sys.modules.pop(name, None)


def test_migrated_registrations_register_a_model_aware_distribution_kept_legacy(tmp_path, monkeypatch):
    """The rewritten twin of a registered distribution that the rewrite kept in the legacy
    contract (a model-aware one, RLM040 review) is registered as it is, for the module to bind;
    a class that is neither a module nor a distribution stays unregistered."""
    from rlmigrate.core import custom_models

    monkeypatch.setattr(custom_models, "_ACTION_DISTS", {})
    (tmp_path / "twins.py").write_text(
        "class Staged:\n"
        "    def __init__(self, inputs, model): ...\n"
        "    def sample(self): ...\n"
        "    def deterministic_sample(self): ...\n"
        "    def logp(self, actions): ...\n\n"
        "class Helper:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    lines = judge_policies.migrated_registrations_source([("staged", "twins.Staged"), ("helper", "twins.Helper")])
    exec(compile("\n".join(lines), "wrapper.py", "exec"), {})
    registered = custom_models.registered_action_dists()
    assert set(registered) == {"staged"} and registered["staged"].__name__ == "Staged"
