"""Install the corpus's git-only packages (``requirements-corpus-git.txt``) into a folder.

Some legacy repositories depend on a package that was never released on PyPI (their
requirements say ``git+https://github.com/...``), and a PyPI package of the same import name
can be another project altogether. The legacy side of such a policy cannot be built without
the real one, so the judge would measure the missing package, not the migration. Each line of
the requirements file pins a repository to a commit; the package is installed with
``pip install --no-deps --target DEST`` from a local git snapshot (``--mirror``, laid out as
``fetch.py`` expects) or, without one, from GitHub.

    python tools/corpus/git_deps.py --target .corpus/deps --mirror /work/.mirror
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "requirements-corpus-git.txt"


@dataclass(frozen=True)
class GitRequirement:
    """One pinned git-only package: ``owner/name`` at a full commit sha."""

    repo: str
    commit: str

    @property
    def url(self) -> str:
        return f"git+https://github.com/{self.repo}@{self.commit}"


def parse_requirements(text: str, source: str = str(REQUIREMENTS)) -> list[GitRequirement]:
    """Read ``repository commit  # comment`` lines; a malformed line names itself."""
    found = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if (
            len(parts) != 2
            or parts[0].count("/") != 1
            or len(parts[1]) != 40
            or any(c not in "0123456789abcdef" for c in parts[1])
        ):
            raise ValueError(
                f"{source}:{number}: expected 'owner/name <40-hex commit>', got {raw.strip()!r}"
            )
        found.append(GitRequirement(parts[0], parts[1]))
    return found


def mirror_git_dir(mirror: Path, repo: str) -> Path | None:
    """The snapshot's git directory (bare ``repo`` or ``repo/.git``), or None."""
    base = mirror / repo.replace("/", "+", 1) / "repo"
    for candidate in (base / ".git", base):
        if (candidate / "HEAD").is_file():
            return candidate
    return None


def export_commit(git_dir: Path, commit: str, dest: Path) -> None:
    """Write the tree of ``commit`` into ``dest`` (``git archive``; no work tree needed)."""
    archive = subprocess.run(
        ["git", "--git-dir", str(git_dir), "archive", "--format=tar", commit],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise RuntimeError(
            f"{git_dir}: cannot export commit {commit}: {archive.stderr.decode().strip()}"
        )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")


def install(requirement: GitRequirement, target: Path, mirror: Path | None) -> str:
    """Install one package into ``target``; returns where it came from."""
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target)]
    git_dir = mirror_git_dir(mirror, requirement.repo) if mirror else None
    if git_dir is None:
        subprocess.run([*pip, requirement.url], check=True)
        return requirement.url
    with tempfile.TemporaryDirectory() as tmp:
        export_commit(git_dir, requirement.commit, Path(tmp))
        subprocess.run([*pip, tmp], check=True)
    return f"{git_dir} at {requirement.commit[:12]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", type=Path, required=True, help="the corpus deps folder")
    parser.add_argument("--mirror", type=Path, help="git snapshots as DIR/<owner>+<name>/repo")
    parser.add_argument("--requirements", type=Path, default=REQUIREMENTS)
    args = parser.parse_args(argv)
    requirements = parse_requirements(
        args.requirements.read_text(encoding="utf-8"), str(args.requirements)
    )
    for requirement in requirements:
        print(f"{requirement.repo}: {install(requirement, args.target, args.mirror)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
