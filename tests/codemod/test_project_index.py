"""Bases defined in other files of the run: the project-wide class index (project_index.py)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlmigrate.codemod.engine import RunOptions, run

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "legacy"

BASE = '''import torch.nn as nn
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2


class Model0(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.pi = nn.Linear(obs_space.shape[0], num_outputs)

    def forward(self, input_dict, state, seq_lens):
        return self.pi(input_dict["obs"]), state
'''


def _write_chain(root: Path, length: int, relative: list[bool]) -> None:
    """pkg/m0.py holds a legacy model; pkg/m{i}.py subclasses the class of m{i-1}."""
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "m0.py").write_text(BASE)
    for i in range(1, length):
        source = f".m{i - 1}" if relative[i - 1] else f"pkg.m{i - 1}"
        (package / f"m{i}.py").write_text(
            f"from {source} import Model{i - 1} as Parent\n\n\n"
            f"class Model{i}(Parent):\n    pass\n\n\nclass Plain{i}:\n    pass\n"
        )
    (package / "other.py").write_text("class Model0:\n    pass\n")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(length=st.integers(2, 5), relative=st.lists(st.booleans(), min_size=4, max_size=4))
def test_every_subclass_of_a_legacy_model_in_another_file_is_reported(tmp_path_factory, length, relative):
    root = tmp_path_factory.mktemp("project")
    _write_chain(root, length, relative)
    result = run([root], RunOptions(mode="scan"), jobs=1)
    by_file = {Path(r.path).name: r for r in result.files}
    for i in range(1, length):
        found = [f for f in by_file[f"m{i}.py"].findings if f.code == "RLM090"]
        assert len(found) == 1, by_file[f"m{i}.py"].findings
        assert found[0].status == "manual" and f"Model{i} subclasses Parent" in found[0].message
        assert f"m{i - 1}.py" in found[0].message and found[0].line == 4
    assert by_file["other.py"].status == "skipped"  # same class name, no legacy base
    assert by_file["m0.py"].status == "converted"


def test_a_file_without_legacy_names_is_still_skipped(tmp_path):
    (tmp_path / "a.py").write_text("class A:\n    pass\n")
    (tmp_path / "b.py").write_text("from a import A\n\n\nclass B(A):\n    pass\n")
    result = run([tmp_path], RunOptions(mode="scan"), jobs=1)
    assert [r.status for r in result.files] == ["skipped", "skipped"]


def test_plain_files_beside_a_chain_change_nothing_in_the_index(tmp_path):
    """Files with ordinary classes add no foreign base: the chain's foreign bases are exactly
    those of the chain (and the plain files are not even parsed)."""
    from rlmigrate.codemod import project_index

    _write_chain(tmp_path, 4, [False, True, False])
    for i in range(20):
        (tmp_path / "pkg" / f"plain{i}.py").write_text(f"class Record{i}(object):\n    pass\n")
    files = sorted((p, tmp_path) for p in (tmp_path / "pkg").glob("*.py"))
    index = project_index.build_index(files)
    assert {Path(p).name: sorted(c) for p, c in index.foreign.items()} == {
        "m1.py": ["Model1"], "m2.py": ["Model2"], "m3.py": ["Model3"]}


def test_only_files_connected_to_legacy_ones_by_a_name_are_parsed(tmp_path):
    """Seeds (legacy tokens), then both directions: a file that names a class of a parsed file
    (chains of subclasses), and a file that defines a name a parsed file uses (an interface
    class a legacy file imports, and its own base in a third file)."""
    from rlmigrate.codemod import project_index

    texts = {
        "legacy.py": BASE + "\nfrom iface import Interface\n",
        "sub.py": "from legacy import Model0\n\n\nclass Sub(Model0):\n    pass\n",
        "subsub.py": "from sub import Sub\n\n\nclass SubSub(Sub):\n    pass\n",
        "iface.py": "from iface_base import Root\n\n\nclass Interface(Root):\n    def forward(self):\n        pass\n",
        "iface_base.py": "class Root:\n    pass\n",
        "unrelated.py": "class Record:\n    def forward(self):\n        pass\n",
        "template.py": "Fast = Slow.with_updates(name='fast')\n",
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    raws = {tmp_path / n: t.encode() for n, t in texts.items()}
    chosen = {p.name for p in project_index.files_to_parse(raws)}
    assert chosen == set(texts) - {"unrelated.py"}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(length=st.integers(2, 5), relative=st.lists(st.booleans(), min_size=4, max_size=4),
       plain=st.integers(0, 6))
def test_the_parse_prefilter_changes_no_rewrite(tmp_path_factory, monkeypatch, length, relative, plain):
    """The same run with every candidate file parsed and with only the connected ones gives
    the same findings and the same output text, fixtures beside a chain and plain files."""
    from rlmigrate.codemod import project_index

    root = tmp_path_factory.mktemp("project")
    _write_chain(root, length, relative)
    for fixture in sorted(FIXTURES.glob("policy_*.py"))[:6]:
        (root / "pkg" / fixture.name).write_text(fixture.read_text())
    for i in range(plain):
        (root / "pkg" / f"plain{i}.py").write_text(f"class Record{i}(object):\n    pass\n")

    def outcome():
        result = run([root], RunOptions(mode="diff"), jobs=1)
        return [(Path(r.path).name, r.status, r.diff, [(f.code, f.line, f.message) for f in r.findings])
                for r in result.files]

    pruned = outcome()
    with monkeypatch.context() as patch:
        patch.setattr(project_index, "files_to_parse", lambda raws: set(raws))
        full = outcome()
    assert pruned == full
