"""--exclude / extend-exclude and .gitignore: what discovery leaves out, and what it never does."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pathspec
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rlmigrate.codemod.discover import discover
from rlmigrate.codemod.excludes import DEFAULT_EXCLUDE, FileFilter, GitIgnore

from .test_cli_output import cli, legacy_tree


def _touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def _found(root: Path, paths=None, **kwargs) -> set[str]:
    kwargs.setdefault("root", root)
    found = discover([str(p) for p in (paths or [root])], FileFilter(**kwargs))
    return {f.relative_to(root).as_posix() for f, _ in found.files}


def test_exclude_patterns_follow_gitignore_semantics(tmp_path):
    _touch(tmp_path, "a.py", "gen/x.py", "src/gen/y.py", "src/m_pb2.py", "src/keep.py",
           "top/z.py", "src/top/w.py", "build/b.py")
    found = _found(tmp_path, exclude=("gen", "*_pb2.py", "/top"))
    # unanchored names match at any depth; "/top" only at the root; exclude replaces the
    # defaults, so build/ is walked again
    assert found == {"a.py", "src/keep.py", "src/top/w.py", "build/b.py"}
    assert "build/b.py" not in _found(tmp_path)  # default excludes


def test_explicitly_named_paths_are_processed_unless_force_exclude(tmp_path):
    _touch(tmp_path, "gen/x.py", "gen/sub/y.py")
    named = [tmp_path / "gen", tmp_path / "gen" / "sub" / "y.py"]
    assert _found(tmp_path, named, exclude=("gen",)) == {"gen/x.py", "gen/sub/y.py"}
    assert _found(tmp_path, named, exclude=("gen",), force_exclude=True) == set()
    found = discover([str(p) for p in named], FileFilter(exclude=("gen",), root=tmp_path, force_exclude=True))
    assert [p.name for p in found.excluded] == ["gen", "y.py"]


def test_inside_a_named_excluded_folder_the_other_patterns_still_apply(tmp_path):
    _touch(tmp_path, "gen/a.py", "gen/b_pb2.py", "gen/.venv/c.py", "gen/sub/d.py")
    found = _found(tmp_path, [tmp_path / "gen"], exclude=("gen", "*_pb2.py", ".venv"))
    assert found == {"gen/a.py", "gen/sub/d.py"}
    # a tree under a folder named like a default exclude, outside the pattern root
    project = tmp_path / "build" / "proj"
    _touch(project, "m.py", ".venv/lib.py", "pkg/__pycache__/x.py")
    found = discover([str(project)], FileFilter(root=tmp_path / "elsewhere"))
    assert [f.name for f, _ in found.files] == ["m.py"]


def _git_init(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)


def test_gitignore_is_respected_like_git(tmp_path):
    repo = tmp_path / "repo"
    _touch(repo, "keep.py", "ignored.py", "out/gen.py", "pkg/a.py", "pkg/local.py", "pkg/re.py",
           "pkg/deep/b.py")
    _git_init(repo)
    (repo / ".gitignore").write_text("ignored.py\nout/\nre.py\n")
    (repo / "pkg" / ".gitignore").write_text("local.py\n!re.py\ndeep/\n")
    (repo / ".git" / "info" / "exclude").write_text("a.py\n")
    found = _found(repo, respect_gitignore=True)
    assert found == {"keep.py", "pkg/re.py"}  # the inner .gitignore re-includes re.py
    # git itself agrees (ls-files --others --exclude-standard lists untracked, not ignored)
    listed = subprocess.run(["git", "-C", str(repo), "ls-files", "--others", "--exclude-standard"],
                            capture_output=True, text=True, check=True).stdout.split()
    assert found == {p for p in listed if p.endswith(".py")}
    assert "ignored.py" in _found(repo, respect_gitignore=False)


def test_a_named_ignored_folder_is_walked_with_the_other_gitignore_lines(tmp_path):
    repo = tmp_path / "repo"
    _touch(repo, "out/a.py", "out/b_gen.py", "out/deep/c.py")
    _git_init(repo)
    (repo / ".gitignore").write_text("out/\n*_gen.py\n")
    assert _found(repo, [repo / "out"], respect_gitignore=True) == {"out/a.py", "out/deep/c.py"}


def test_gitignore_of_ancestors_applies_when_walking_a_subfolder(tmp_path):
    repo = tmp_path / "repo"
    _touch(repo, "src/a.py", "src/gen_x.py")
    _git_init(repo)
    (repo / ".gitignore").write_text("gen_*.py\n")
    assert _found(repo, [repo / "src"], respect_gitignore=True) == {"src/a.py"}


def test_cli_exclude_gitignore_and_no_respect_gitignore(tmp_path, monkeypatch):
    root = legacy_tree(tmp_path, ("mlp.py", "lstm.py"))
    (root / "vendored").mkdir()
    (root / "vendored" / "mlp.py").write_text((root / "mlp.py").read_text())
    (root / ".gitignore").write_text("lstm.py\n")
    _git_init(root)
    monkeypatch.chdir(root)
    _, _, _, result = cli(["scan", "--exclude", "vendored", "."])
    assert [f.path for f in result.files] == ["mlp.py"]
    _, _, _, result = cli(["scan", "--no-respect-gitignore", "--extend-exclude", "vendored", "."])
    assert [f.path for f in result.files] == ["mlp.py", "sub/lstm.py"]
    _, _, _, result = cli(["scan", "."])
    assert [f.path for f in result.files] == ["mlp.py", "vendored/mlp.py"]
    # named on the command line: processed, unless --force-exclude (pre-commit passes names)
    assert [f.path for f in cli(["scan", "sub/lstm.py"])[3].files] == ["sub/lstm.py"]
    assert cli(["scan", "--force-exclude", "sub/lstm.py"])[3].files == []


# --------------------------------------------------------------------- property
_NAMES = st.sampled_from(["a", "b", "gen", "build", "x_pb2", "tests"])
_REL_FILES = st.lists(
    st.lists(_NAMES, min_size=0, max_size=3).map(lambda parts: "/".join([*parts, "m.py"]) if parts else "m.py")
    | st.tuples(st.lists(_NAMES, max_size=2), _NAMES).map(lambda t: "/".join([*t[0], t[1] + ".py"])),
    min_size=1, max_size=8, unique=True,
)
_PATTERN = st.one_of(
    _NAMES,
    _NAMES.map(lambda n: n + "/"),
    _NAMES.map(lambda n: "/" + n),
    _NAMES.map(lambda n: n + ".py"),
    st.tuples(_NAMES, _NAMES).map(lambda t: f"{t[0]}/{t[1]}"),
    st.tuples(_NAMES, _NAMES).map(lambda t: f"{t[0]}/**/{t[1]}.py"),
    st.sampled_from(["*.py", "*_pb2.py", "**/b", "a/*", "?.py", "[ab]/"]),
)


def _expected(files: list[str], patterns: list[str]) -> set[str]:
    """Git's rule, stated directly: a file is left out when a pattern matches it or any of
    its folders (a folder is matched with a trailing slash)."""
    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    keep = set()
    for rel in files:
        parts = rel.split("/")
        folders = ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]
        if not any(spec.match_file(f) for f in folders) and not spec.match_file(rel):
            keep.add(rel)
    return keep


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=_REL_FILES, patterns=st.lists(_PATTERN, max_size=4))
def test_walk_matches_pathspec_semantics(tmp_path_factory, files, patterns):
    root = tmp_path_factory.mktemp("tree")
    written = []
    for rel in files:
        path = root / rel
        if any(p.is_file() for p in [*path.parents][: len(Path(rel).parts) - 1]):
            continue  # a file where a folder is wanted: skip this one
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")
        written.append(rel)
    assert _found(root, exclude=tuple(patterns)) == _expected(written, patterns)


def test_default_exclude_covers_the_usual_tool_folders():
    spec = FileFilter()
    for name in (".git", ".venv", "build", "node_modules", "pkg.egg-info", "__pycache__"):
        assert spec.excluded(Path(os.getcwd()) / "x" / name, is_dir=True), name
    assert not spec.excluded(Path(os.getcwd()) / "x" / "src", is_dir=True)
    assert "*.egg-info" in DEFAULT_EXCLUDE


def test_gitignore_outside_a_repository_uses_the_walked_tree_only(tmp_path):
    _touch(tmp_path, "proj/a.py", "proj/b.py")
    (tmp_path / ".gitignore").write_text("a.py\n")  # above the walk root, no repository
    (tmp_path / "proj" / ".gitignore").write_text("b.py\n")
    ignore = GitIgnore(tmp_path / "proj")
    assert not ignore.ignored(tmp_path / "proj" / "a.py", is_dir=False)
    assert ignore.ignored(tmp_path / "proj" / "b.py", is_dir=False)


@pytest.mark.parametrize("pattern", ["mlp.py", "*.py", "/mlp.py"])
def test_cli_exclude_then_nothing_is_processed(tmp_path, monkeypatch, pattern):
    root = legacy_tree(tmp_path, ("mlp.py",))
    monkeypatch.chdir(root)
    code, out, _, result = cli(["scan", "--exclude", pattern, "."])
    assert code == 0 and result.files == [] and "0 files seen" in out


_GITIGNORE_LINE = st.one_of(_PATTERN, _PATTERN.map(lambda p: "!" + p.lstrip("/")))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=_REL_FILES, top=st.lists(_GITIGNORE_LINE, max_size=4), inner=st.lists(_GITIGNORE_LINE, max_size=3))
# a folder re-included by "!" is walked, and the other lines still apply inside it
@example(files=["b/a/a/m.py"], top=["a", "!b/a"], inner=[])
def test_gitignore_agrees_with_git(tmp_path_factory, files, top, inner):
    """What discovery keeps is what ``git ls-files --others --exclude-standard`` lists, for
    random trees and random root and sub-folder .gitignore files (negations included)."""
    repo = tmp_path_factory.mktemp("repo")
    _git_init(repo)
    for rel in files:
        path = repo / rel
        if path.exists() or any(p.is_file() for p in path.parents):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")
    (repo / ".gitignore").write_text("\n".join(top) + "\n")
    folders = sorted(p for p in repo.iterdir() if p.is_dir() and p.name != ".git")
    if folders:
        (folders[0] / ".gitignore").write_text("\n".join(inner) + "\n")
    listed = subprocess.run(["git", "-C", str(repo), "ls-files", "--others", "--exclude-standard"],
                            capture_output=True, text=True, check=True).stdout.split()
    assert _found(repo, exclude=(".git",), respect_gitignore=True) == {p for p in listed if p.endswith(".py")}
