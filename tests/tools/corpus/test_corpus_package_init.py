"""tools/corpus/package_init.py and the recorder's "package __init__ isolated" stage
(record_corpus.isolated_import): a policy module imported with its packages' ``__init__.py``
not run, only where its import failed inside such an ``__init__``."""

from __future__ import annotations

import json
import sys

import harness
import package_init
import pytest
import record_corpus
from hypothesis import given
from hypothesis import strategies as st

_NAME = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)

#: a package whose __init__ imports its policy module and then a trainer that cannot import
INIT = "from pkgx.policy import P\nfrom pkgx.trainer import T\n"
TRAINER = "import a_module_nobody_installed_xyz\nT = 1\n"
POLICY = "import pkgx\nfrom pkgx.model import M\n\nclass P:\n    model = M\n"
MODEL = "M = 'model'\n"


@given(st.lists(_NAME, min_size=1, max_size=5))
def test_parent_packages_are_every_proper_prefix_outermost_first(parts):
    module = ".".join(parts)
    parents = package_init.parent_packages(module)
    assert len(parents) == len(parts) - 1
    assert all(module.startswith(p + ".") for p in parents)
    assert parents == sorted(parents, key=len)


def _write(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def clean_modules(monkeypatch):
    """``pkgx`` (and ``deep``) packages of these tests leave ``sys.modules`` and ``sys.path``
    as they were."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    for name in [n for n in sys.modules if n.split(".")[0] in ("pkgx", "deep")]:
        del sys.modules[name]


def test_a_failure_inside_the_package_init_is_seen_and_skipping_the_init_imports_the_module(tmp_path, clean_modules):
    _write(tmp_path, {"pkgx/__init__.py": INIT, "pkgx/trainer.py": TRAINER,
                      "pkgx/policy.py": POLICY, "pkgx/model.py": MODEL})
    sys.path.insert(0, str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as failed:
        __import__("pkgx.policy")
    assert package_init.init_in_traceback(failed.value, tmp_path, "pkgx.policy") == ["pkgx"]
    assert package_init.package_init_error(failed.value, tmp_path, "pkgx.policy") == {
        "packages": ["pkgx"], "error": "ModuleNotFoundError: No module named 'a_module_nobody_installed_xyz'"}
    module = package_init.import_isolated(tmp_path, "pkgx.policy")
    assert module.P.model == "model"  # what the module imports itself is imported normally
    package = sys.modules["pkgx"]
    assert getattr(package, package_init.MARK) is True
    assert not hasattr(package, "P")  # its __init__ never ran
    assert package.__file__ == str(tmp_path / "pkgx" / "__init__.py")
    assert "pkgx.trainer" not in sys.modules


def test_a_failure_of_the_module_itself_is_not_an_init_failure_and_stays(tmp_path, clean_modules):
    _write(tmp_path, {"pkgx/__init__.py": "", "pkgx/policy.py": "import a_module_nobody_installed_xyz\n"})
    sys.path.insert(0, str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as failed:
        __import__("pkgx.policy")
    assert package_init.init_in_traceback(failed.value, tmp_path, "pkgx.policy") == []
    assert package_init.package_init_error(failed.value, tmp_path, "pkgx.policy") is None
    with pytest.raises(ModuleNotFoundError):  # isolating the package changes nothing
        package_init.import_isolated(tmp_path, "pkgx.policy")


def test_nested_packages_are_all_left_uninitialised_and_bound_to_their_parent(tmp_path, clean_modules):
    _write(tmp_path, {"deep/__init__.py": "raise RuntimeError('outer init')\n",
                      "deep/inner/__init__.py": "raise RuntimeError('inner init')\n",
                      "deep/inner/leaf.py": "VALUE = 3\n"})
    sys.path.insert(0, str(tmp_path))
    with pytest.raises(RuntimeError) as failed:
        __import__("deep.inner.leaf")
    assert package_init.init_in_traceback(failed.value, tmp_path, "deep.inner.leaf") == ["deep"]
    assert package_init.import_isolated(tmp_path, "deep.inner.leaf").VALUE == 3
    assert sys.modules["deep"].inner is sys.modules["deep.inner"]


def test_a_namespace_package_has_no_init_to_skip(tmp_path):
    _write(tmp_path, {"ns/leaf.py": "VALUE = 1\n"})
    assert package_init.package_inits(tmp_path, "ns.leaf") == {}


# --- the recorder's stage (record_corpus.isolated_import) -----------------------------------
def _entry():
    return {"id": "o+n/pkgx/policy.py", "repo": "o/n", "path": "pkgx/policy.py", "module": "pkgx.policy"}


def _import_error(cache, entry):
    try:
        harness.import_module(cache, entry)
    except Exception as exc:  # noqa: BLE001 - the failure under test
        return exc
    raise AssertionError("the import was expected to fail")


def test_the_recorder_imports_the_original_with_the_package_init_not_run(tmp_path, clean_modules):
    _write(tmp_path / "o+n", {"pkgx/__init__.py": INIT, "pkgx/trainer.py": TRAINER,
                              "pkgx/policy.py": POLICY, "pkgx/model.py": MODEL})
    entry = _entry()
    record = record_corpus.isolated_import(tmp_path, entry, _import_error(tmp_path, entry), None)
    assert record == {"from": "original", "packages": ["pkgx"], "ray_importable": True,
                      "error": "ModuleNotFoundError: No module named 'a_module_nobody_installed_xyz'"}


def test_the_recorder_falls_back_to_the_modernized_copy_where_the_original_module_itself_fails(tmp_path, clean_modules):
    files = {"pkgx/__init__.py": INIT, "pkgx/trainer.py": TRAINER, "pkgx/model.py": MODEL}
    # the original policy spells a name its Ray no longer has; the modernized copy does not
    _write(tmp_path / "o+n", {**files, "pkgx/policy.py": "from a_renamed_module_xyz import x\n" + POLICY})
    _write(tmp_path / harness.MODERNIZED / "o+n", {**files, "pkgx/policy.py": POLICY})
    entry = _entry()
    modern = {"codes": ["RLM035"], "files": {}, "ray_importable": False, "error": "E"}
    record = record_corpus.isolated_import(tmp_path, entry, _import_error(tmp_path, entry), modern)
    assert record is not None and record["from"] == "modernized" and record["ray_importable"] is True
    assert record["packages"] == ["pkgx"]


def test_the_recorder_says_where_the_isolated_module_still_fails(tmp_path, clean_modules):
    _write(tmp_path / "o+n", {"pkgx/__init__.py": INIT, "pkgx/trainer.py": TRAINER,
                              "pkgx/policy.py": "from a_renamed_module_xyz import x\n" + POLICY,
                              "pkgx/model.py": MODEL})
    entry = _entry()
    record = record_corpus.isolated_import(tmp_path, entry, _import_error(tmp_path, entry), None)
    assert record is not None and record["ray_importable"] is False
    assert record["isolated_error"] == "ModuleNotFoundError: No module named 'a_renamed_module_xyz'"


def test_the_recorder_never_isolates_a_failure_outside_a_package_init(tmp_path, clean_modules):
    _write(tmp_path / "o+n", {"pkgx/__init__.py": "", "pkgx/policy.py": TRAINER})
    entry = _entry()
    assert record_corpus.isolated_import(tmp_path, entry, _import_error(tmp_path, entry), None) is None


def test_policy_source_follows_the_isolated_record(tmp_path):
    (tmp_path / "oracle").mkdir()
    modern = {"ray_importable": False, "error": "E", "codes": ["RLM035"], "files": {}}
    for isolated, expected in [
        ({"from": "original", "packages": ["p"], "error": "E", "ray_importable": True}, (tmp_path, None)),
        ({"from": "modernized", "packages": ["p"], "error": "E", "ray_importable": True},
         (tmp_path / harness.MODERNIZED, modern)),
        ({"from": "original", "packages": ["p"], "error": "E", "ray_importable": False,
          "isolated_error": "E2"}, None),
    ]:
        row = {"ray_importable": False, "modernized": modern, "isolated_package_init": isolated}
        (tmp_path / "oracle" / "policies.json").write_text(json.dumps({"o+n/p.py": row}))
        got = harness.policy_source(tmp_path, {"id": "o+n/p.py"})
        if expected is None:
            assert got == (tmp_path, None, None)
        else:
            assert got == (*expected, isolated)
