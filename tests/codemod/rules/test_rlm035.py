"""RLM035: Ray 1.x paths and names renamed before 2.10 move to the Ray 2.10 ones, only where
Ray 2.10 has the new path and every imported name; everything else is reported, unchanged."""

from __future__ import annotations

import ast

from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.codemod import ray_renames as rn
from rlmigrate.codemod.rules import ALL_RULES
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

CODES = frozenset({"RLM035", "RLM036"})


def modernize(text: str):
    outcome = rewrite_source(text, path="m.py", target=Target("rlmigrate"), selected=CODES,
                             rule_classes=ALL_RULES)
    return outcome.text, [(f.line, f.code, f.status, f.message) for f in outcome.findings]


# every Ray 2.10 module under a renamed prefix, with the old path that named it
_PAIRS = sorted(
    (old + path[len(new):], path)
    for old, new in rn.MODULE_RENAMES
    for path in rn.ray_2_10_modules()
    if (path == new or path.startswith(new + ".")) and rn.ray_2_10_modules()[path] and rn.module_in_2_10(path)
)
_IDENT = st.from_regex(r"[A-Z][A-Za-z0-9]{2,12}", fullmatch=True)


def test_the_renamed_prefixes_name_existing_ray_2_10_packages():
    for _, new in rn.MODULE_RENAMES:
        assert rn.module_in_2_10(new), new
    for qualified, new_name in rn.NAME_RENAMES.items():
        module, _, old_name = qualified.rpartition(".")
        assert rn.name_in_2_10(module, new_name) and not rn.name_in_2_10(module, old_name)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_PAIRS), st.data())
def test_an_import_of_existing_names_moves_to_the_new_path_and_stays_there(pair, data):
    old, new = pair
    names = sorted(n for n in rn.ray_2_10_modules()[new] if rn.name_in_2_10(new, n))  # no raising stubs
    if not names:
        return
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    uses = "".join(f"print({n})\n" for n in chosen)
    text = f"from {old} import {', '.join(chosen)}\n\n{uses}"
    out, found = modernize(text)
    assert out == f"from {new} import {', '.join(chosen)}\n\n{uses}"
    assert [(code, status) for _, code, status, _ in found] == [("RLM035", "converted")]
    assert modernize(out) == (out, [])  # a second run changes nothing


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_PAIRS), _IDENT)
def test_a_used_name_the_new_module_lacks_leaves_the_statement_and_is_reported(pair, name):
    old, new = pair
    if rn.name_in_2_10(new, name):
        return
    text = f"from {old} import {name}\n\nprint({name})\n"
    out, found = modernize(text)
    assert out == text
    assert [(line, code, status) for line, code, status, _ in found] == [(1, "RLM035", "manual")]
    assert f"{old}.{name} is not in Ray 2.10 ({new} has no {name})" in found[0][3]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_PAIRS), _IDENT)
def test_an_unused_name_ray_2_10_lacks_is_removed_with_its_statement(pair, name):
    old, new = pair
    if rn.name_in_2_10(new, name):
        return
    text = f"import os\nfrom {old} import {name}\n\nprint(os.sep)\n"
    out, found = modernize(text)
    assert out == "import os\n\nprint(os.sep)\n"
    assert [(line, status) for line, _, status, _ in found] == [(2, "converted")]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["TrainerConfigDict", "PartialTrainerConfigDict"]),
       st.sampled_from(["", " as Cfg"]), st.sampled_from(["annotation", "call", "attribute"]))
def test_config_dict_aliases_are_renamed_at_the_import_and_every_use(old, alias, where):
    new = rn.NAME_RENAMES[f"ray.rllib.utils.typing.{old}"]
    local = alias[4:] if alias else old
    if where == "attribute":
        text = f"from ray.rllib.utils import typing as t\n\n\ndef f(c: t.{old}) -> t.{old}:\n    return c\n"
        expected = text.replace(f"t.{old}", f"t.{new}")
    else:
        use = f"def f(c: {local}) -> {local}:\n    return c\n" if where == "annotation" else f"x = {local}(a=1)\n"
        text = f"from ray.rllib.utils.typing import TensorType, {old}{alias}\n\n\n{use}"
        expected = text.replace(f"{old}{alias}", f"{new}{alias}")
        if not alias:
            expected = expected.replace(f"({old})", f"({new})").replace(f": {old})", f": {new})")
            expected = expected.replace(f"-> {old}:", f"-> {new}:").replace(f"= {old}(", f"= {new}(")
    out, found = modernize(text)
    assert out == expected
    assert old not in out.replace(f"Partial{old}", "") or alias
    assert all(status == "converted" for _, _, status, _ in found)
    ast.parse(out)
    assert modernize(out) == (out, [])


def test_a_project_alias_of_the_same_spelling_is_not_touched():
    text = "from ray.rllib.utils.torch_utils import FLOAT_MIN\nTrainerConfigDict = dict\n\n\ndef f(c: TrainerConfigDict):\n    return FLOAT_MIN\n"
    assert modernize(text) == (text, [])


def test_a_module_alias_reports_names_the_new_module_lacks_where_they_are_read():
    text = "import ray.rllib.agents.ppo as ppo\n\nconfig = ppo.DEFAULT_CONFIG\nalgo = ppo.PPO\n"
    out, found = modernize(text)
    assert out == "import ray.rllib.algorithms.ppo as ppo\n\nconfig = ppo.DEFAULT_CONFIG\nalgo = ppo.PPO\n"
    assert [(line, status) for line, _, status, _ in found] == [(1, "converted"), (3, "manual")]
    assert "AlgorithmConfig" in found[1][3]


def test_without_an_alias_a_renamed_module_import_is_only_reported():
    text = "import ray.rllib.agents.ppo\n\nx = ray.rllib.agents.ppo.PPOTrainer\n"
    out, found = modernize(text)
    assert out == text
    assert [(line, status) for line, _, status, _ in found] == [(1, "manual")]


def test_known_dead_ends_name_what_replaces_them():
    text = ("from ray.rllib.agents.trainer_template import build_trainer\n"
            "from ray.rllib.agents.dqn.dqn_tf_policy import _adjust_nstep\n"
            "from ray.rllib.agents.ppo import PPOTrainer\n\nprint(build_trainer, _adjust_nstep, PPOTrainer)\n")
    out, found = modernize(text)
    assert out == text
    messages = [m for _, _, _, m in found]
    assert "build_trainer was removed in Ray 2.0" in messages[0]
    assert "adjust_nstep(n_step, gamma, batch) takes a SampleBatch" in messages[1]
    assert "PPOTrainer → PPO" in messages[2]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([
    "import os\n", "from ray.rllib.utils.torch_utils import FLOAT_MIN\n",
    "from ray.rllib.algorithms.ppo import PPO\n", "from myproject.agents.ppo import x\n",
    "x = 1\n", "from ray.rllib.utils.typing import AlgorithmConfigDict\n",
    "from ray.rllib.policy.policy_template import build_policy_class\n",
]), max_size=6))
def test_files_without_renamed_names_stay_byte_identical(lines):
    text = "".join(lines)
    assert modernize(text) == (text, [])


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([(o, n) for o, n in _PAIRS if o.count(".") >= 4]), _IDENT)
def test_reads_through_a_submodule_imported_as_a_name_are_checked_against_ray_2_10(pair, attr):
    """``from ray.rllib.agents.ppo import ppo_tf_policy`` then ``ppo_tf_policy.X``: the import
    moves, and each X Ray 2.10's module lacks is reported where it is read."""
    old, new = pair
    package, _, sub = old.rpartition(".")
    text = f"def get():\n    from {package} import {sub}\n\n    return {sub}.{attr}\n"
    out, found = modernize(text)
    assert out == text.replace(f"from {package} import", f"from {new.rpartition('.')[0]} import")
    expected = [(2, "converted")] + ([] if rn.name_in_2_10(new, attr) else [(4, "manual")])
    assert [(line, status) for line, _, status, _ in found] == expected
    if len(found) == 2:
        assert f"{old}.{attr} is not in Ray 2.10 ({new} has no {attr}); this use fails there" in found[1][3]


def test_reads_through_an_unrenamed_ray_module_are_checked_too():
    text = ("from ray.rllib.policy import torch_policy\n\n"
            "mixins = [torch_policy.LearningRateSchedule, torch_policy.TorchPolicy]\n")
    out, found = modernize(text)
    assert out == text
    assert [(line, status) for line, _, status, _ in found] == [(3, "manual")]
    assert "ray.rllib.policy.torch_policy has no LearningRateSchedule" in found[0][3]


def test_rays_examples_are_not_judged_the_inventory_lists_their_paths_only():
    text = ("from ray.rllib.examples.env.random_env import RandomEnv\n"
            "from ray.rllib import examples\n\nprint(RandomEnv, examples.anything)\n")
    assert modernize(text) == (text, [])


def test_a_name_ray_2_10_keeps_only_as_a_raising_stub_is_no_successor():
    """``convert_to_non_torch_type`` is in 2.10's torch_utils as ``@Deprecated(error=True)``:
    renaming the import would trade an ImportError for an error at the call, so it is reported."""
    assert rn.raises_in_2_10("ray.rllib.utils.torch_utils", "convert_to_non_torch_type")
    text = ("from ray.rllib.utils.torch_ops import convert_to_non_torch_type, FLOAT_MIN\n\n"
            "print(convert_to_non_torch_type, FLOAT_MIN)\n")
    out, found = modernize(text)
    assert out == text
    assert "torch_utils.convert_to_non_torch_type only raises there" in found[0][3]
    assert not rn.module_in_2_10("ray.rllib.utils.timer")  # importing it raises on 2.10
