"""FILE:Class references: parsing, sibling imports, legacy ray.rllib imports, and errors that
name the file, the class and what the file defines."""

from __future__ import annotations

import sys

import pytest

from rlmigrate.testing.loading import ReferenceError_, load_reference, parse_reference


def test_a_legacy_file_imports_ray_rllib_through_the_shim_and_the_aliases_go_away(tmp_path):
    (tmp_path / "helper.py").write_text("HIDDEN = 7\n")
    (tmp_path / "model.py").write_text(
        "from helper import HIDDEN\n"
        "from ray.rllib.models.torch.torch_modelv2 import TorchModelV2\n"
        "class M(TorchModelV2):\n    size = HIDDEN\n"
    )
    cls, module = load_reference(f"{tmp_path / 'model.py'}:M", legacy=True)
    assert cls.size == 7 and cls.__mro__[1].__module__.startswith("shim.")
    assert "ray" not in sys.modules and str(tmp_path) not in sys.path


def test_two_files_with_the_same_name_stay_apart(tmp_path):
    for folder, value in (("a", 1), ("b", 2)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "model.py").write_text(f"class M:\n    v = {value}\n")
    a, _ = load_reference(f"{tmp_path / 'a' / 'model.py'}:M", legacy=False)
    b, _ = load_reference(f"{tmp_path / 'b' / 'model.py'}:M", legacy=False)
    assert (a.v, b.v) == (1, 2)


def test_errors_name_file_class_and_cause(tmp_path):
    (tmp_path / "m.py").write_text("class A:\n    pass\nclass B:\n    pass\n")
    (tmp_path / "broken.py").write_text("import does_not_exist\n")
    with pytest.raises(ReferenceError_, match=r"has no 'C'; it defines \['A', 'B'\]"):
        load_reference(f"{tmp_path / 'm.py'}:C", legacy=False)
    with pytest.raises(ReferenceError_, match="name the class as FILE:Class"):
        load_reference(str(tmp_path / "m.py"), legacy=False)
    with pytest.raises(
        ReferenceError_, match="ModuleNotFoundError: No module named 'does_not_exist'"
    ):
        load_reference(f"{tmp_path / 'broken.py'}:X", legacy=False)
    with pytest.raises(ReferenceError_, match="no such file"):
        parse_reference("missing.py:X")


def test_sibling_modules_are_loaded_per_folder(tmp_path):
    """A legacy file and its rewrite import a sibling of the same name: each gets its own."""
    from rlmigrate.testing.loading import load_file

    for folder, value in (("legacy", 1), ("migrated", 2)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "shared_helper.py").write_text(f"VALUE = {value}\n")
        (tmp_path / folder / "main.py").write_text("import shared_helper\n\nVALUE = shared_helper.VALUE\n")
    legacy = load_file(tmp_path / "legacy" / "main.py", legacy=False)
    migrated = load_file(tmp_path / "migrated" / "main.py", legacy=False)
    assert (legacy.VALUE, migrated.VALUE) == (1, 2)


# A model module inside a package that imports its helpers relatively (``from .util import f``,
# a repository's ``models/`` folder, often without an ``__init__.py``): loaded by path it had
# "no known parent package"; it is loaded inside its own package, one per folder.
def _package(root, value, init=False):
    (root / "models").mkdir(parents=True)
    if init:
        (root / "models" / "__init__.py").write_text("MARK = 'init ran'\n")
    (root / "models" / "util.py").write_text(f"def scale(x):\n    return x * {value}\n")
    (root / "models" / "net.py").write_text(
        "from .util import scale\nfrom . import util\n\n\nclass Net:\n"
        "    def forward(self, x):\n        return scale(x) + util.scale(0)\n")


@pytest.mark.parametrize("init", [False, True])
def test_relative_imports_resolve_to_the_files_own_package_for_each_side(tmp_path, init):
    _package(tmp_path / "legacy", 2, init)
    _package(tmp_path / "migrated", 3, init)  # the rewrite: same package and module names
    legacy, module = load_reference(f"{tmp_path / 'legacy' / 'models' / 'net.py'}:Net", legacy=True)
    migrated, _ = load_reference(f"{tmp_path / 'migrated' / 'models' / 'net.py'}:Net", legacy=False)
    assert (legacy().forward(5), migrated().forward(5)) == (10, 15)
    package = sys.modules[module.__name__.rpartition(".")[0]]
    assert getattr(package, "MARK", None) == ("init ran" if init else None)
    assert "models" not in sys.modules and "models.util" not in sys.modules


def test_a_subpackage_module_imports_from_its_parent_package_and_plain_files_load_as_before(tmp_path):
    top = tmp_path / "proj" / "pkg"
    (top / "sub").mkdir(parents=True)
    (top / "__init__.py").write_text("")
    (top / "sub" / "__init__.py").write_text("")
    (top / "common.py").write_text("BASE = 40\n")
    (top / "sub" / "model.py").write_text("from ..common import BASE\n\n\nclass M:\n    v = BASE + 2\n")
    cls, module = load_reference(f"{top / 'sub' / 'model.py'}:M", legacy=False)
    assert cls.v == 42 and module.__name__.endswith(".sub.model")
    (tmp_path / "plain.py").write_text("class P:\n    pass\n")
    _, plain = load_reference(f"{tmp_path / 'plain.py'}:P", legacy=False)
    assert plain.__name__.startswith("_rlmigrate_verify_plain_")
