"""tools/corpus/git_deps.py: pinned git-only packages, installed from a local snapshot."""

from __future__ import annotations

import subprocess

import git_deps
import pytest
from hypothesis import given
from hypothesis import strategies as st

_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=12).filter(
    lambda s: s[0].isalnum()
)
_SHA = st.text(alphabet="0123456789abcdef", min_size=40, max_size=40)


@given(st.lists(st.tuples(_NAME, _NAME, _SHA, st.text(alphabet=" #abc", max_size=8)), max_size=4))
def test_parse_reads_every_pinned_line_and_ignores_comments(rows):
    text = "# header\n\n" + "".join(f"{o}/{n}  {sha}  # {c}\n" for o, n, sha, c in rows)
    parsed = git_deps.parse_requirements(text, "reqs.txt")
    assert [(r.repo, r.commit) for r in parsed] == [(f"{o}/{n}", sha) for o, n, sha, _ in rows]
    assert all(r.url == f"git+https://github.com/{r.repo}@{r.commit}" for r in parsed)


@pytest.mark.parametrize(
    "line",
    [
        "owner/name",
        "owner/name main",
        "ownername " + "a" * 40,
        "o/n " + "A" * 40,
        "o/n " + "a" * 39,
    ],
)
def test_parse_names_file_and_line_of_a_malformed_pin(line):
    with pytest.raises(ValueError, match=r"reqs\.txt:2: expected 'owner/name <40-hex commit>'"):
        git_deps.parse_requirements("# ok\n" + line + "\n", "reqs.txt")


def test_committed_requirements_parse():
    assert git_deps.parse_requirements(git_deps.REQUIREMENTS.read_text(encoding="utf-8"))


def _snapshot(mirror, bare):
    work = mirror / "owner+pkg" / "repo"
    work.mkdir(parents=True)
    (work / "pkg").mkdir()
    (work / "pkg" / "__init__.py").write_text("VALUE = 1\n")
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "first"], check=True)
    first = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    (work / "pkg" / "__init__.py").write_text("VALUE = 2\n")
    subprocess.run([*git, "commit", "-qam", "second"], check=True)
    if bare:  # fetch's layout: a bare snapshot at .../repo
        bare_dir = mirror / "owner+pkg" / "bare"
        subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare_dir)], check=True)
        subprocess.run(["rm", "-rf", str(work)], check=True)
        bare_dir.rename(work)
    return first.stdout.strip()


@pytest.mark.parametrize("bare", [False, True])
def test_install_exports_the_pinned_commit_from_the_mirror(tmp_path, monkeypatch, bare):
    commit = _snapshot(tmp_path / "mirror", bare)
    assert git_deps.mirror_git_dir(tmp_path / "mirror", "owner/pkg") is not None
    seen = {}
    real_run = subprocess.run

    def run(cmd, *args, **kwargs):
        if cmd[:3] == [git_deps.sys.executable, "-m", "pip"]:  # look at what pip would install
            seen["cmd"] = cmd
            seen["value"] = (git_deps.Path(cmd[-1]) / "pkg" / "__init__.py").read_text()
            return subprocess.CompletedProcess(cmd, 0)
        return real_run(cmd, *args, **kwargs)

    monkeypatch.setattr(git_deps.subprocess, "run", run)
    where = git_deps.install(
        git_deps.GitRequirement("owner/pkg", commit), tmp_path / "deps", tmp_path / "mirror"
    )
    assert commit[:12] in where
    assert seen["value"] == "VALUE = 1\n"  # the pinned commit, not the snapshot's HEAD
    assert seen["cmd"][5:8] == ["--no-deps", "--target", str(tmp_path / "deps")]


def test_install_without_a_snapshot_asks_pip_for_the_pinned_url(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(git_deps.subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    requirement = git_deps.GitRequirement("owner/missing", "b" * 40)
    assert git_deps.install(requirement, tmp_path, tmp_path / "empty-mirror") == requirement.url
    assert calls[0][-1] == "git+https://github.com/owner/missing@" + "b" * 40


def test_export_of_an_unknown_commit_names_the_snapshot(tmp_path):
    _snapshot(tmp_path / "mirror", bare=True)
    git_dir = git_deps.mirror_git_dir(tmp_path / "mirror", "owner/pkg")
    with pytest.raises(RuntimeError, match="cannot export commit " + "c" * 40):
        git_deps.export_commit(git_dir, "c" * 40, tmp_path / "out")
