"""``make check-install``: the codemod-only install and the pre-commit hook, in fresh venvs.

What a team's lint job or pre-commit env gets from ``pip install rlmigrate``:

1. a copy of this checkout (tracked and untracked-but-not-ignored files, like a clone) is
   built into an sdist and a wheel (``python -m build``); the sdist must carry the tests,
   fixtures and docs, the wheel only the ``rlmigrate`` and ``shim`` packages;
2. a fresh venv installs the wheel with its base dependencies only and must hold no torch,
   gymnasium, hypothesis or numpy; there ``rlmigrate rewrite --check`` flags a legacy file
   (exit 1), passes a migrated one (exit 0), and ``rlmigrate verify`` names the extra to install;
3. ``pre-commit try-repo`` runs the ``rlmigrate`` hook of ``.pre-commit-hooks.yaml`` from a git
   copy of the checkout on a scratch repository: it fails on the legacy file, passes the other;
4. with ``--full``: a fresh venv installs ``torch==2.13.0`` (the local CPU build) and then
   ``rlmigrate[all]`` from the wheel, and runs the README's Python blocks there.

Needs a package index (PyPI or the local mirror pip is configured with); without one it says
so and exits 0 (skipped). Everything happens under a temporary directory (``--keep`` keeps it).
Standard library only: it runs with any ``python3``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTRA_ONLY = ("torch", "gymnasium", "hypothesis", "numpy", "safetensors")
SDIST_MUST_HOLD = ("tests/", "fixtures/legacy/", "docs/", "LICENSE", ".pre-commit-hooks.yaml")
SKIPPED = 0


class CheckFailed(RuntimeError):
    """One step did not do what a user would expect; the message says which."""


def run(
    cmd: list[str], *, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    shown = " ".join(str(c) for c in cmd)
    print(f"$ {shown}", flush=True)
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )


def expect(result: subprocess.CompletedProcess, code: int, what: str, needle: str = "") -> None:
    output = result.stdout + result.stderr
    if result.returncode != code or needle not in output:
        raise CheckFailed(
            f"{what}: expected exit {code}{f' and {needle!r} in the output' if needle else ''}, "
            f"got exit {result.returncode}\n{output[-3000:]}"
        )
    print(f"  ok: {what} (exit {result.returncode})", flush=True)


def index_reachable(python: str, scratch: Path) -> bool:
    result = run(
        [python, "-m", "pip", "download", "--no-deps", "-q", "-d", scratch / "probe", "rich"]
    )
    return result.returncode == 0


def copy_checkout(dest: Path) -> None:
    """Tracked + untracked-not-ignored files, as a clone with local edits would have them."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def make_venv(path: Path) -> Path:
    expect(run([sys.executable, "-m", "venv", path]), 0, f"python -m venv {path.name}")
    return path / "bin"


def check_dists(bin_dir: Path, source: Path, dist: Path) -> Path:
    expect(run([bin_dir / "pip", "install", "-q", "build"]), 0, "pip install build")
    expect(run([bin_dir / "python", "-m", "build", "--outdir", dist, source]), 0, "python -m build")
    sdist = next(dist.glob("rlmigrate-*.tar.gz"))
    wheel = next(dist.glob("rlmigrate-*.whl"))
    with tarfile.open(sdist) as archive:
        names = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
    missing = [item for item in SDIST_MUST_HOLD if not any(n.startswith(item) for n in names)]
    stray = [n for n in names if "__pycache__" in n or n.startswith(".venv") or "/.venv/" in n]
    if missing or stray:
        raise CheckFailed(f"sdist {sdist.name}: missing {missing}, stray {stray[:5]}")
    print(f"  ok: sdist {sdist.name} holds {', '.join(SDIST_MUST_HOLD)} ({len(names)} files)")
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/", 1)[0] for name in archive.namelist()}
        has_typed = "rlmigrate/py.typed" in archive.namelist()
    packages = {t for t in tops if not t.endswith(".dist-info")}
    if packages != {"rlmigrate", "shim"} or not has_typed:
        raise CheckFailed(f"wheel {wheel.name}: top-level {sorted(tops)}, py.typed={has_typed}")
    print(f"  ok: wheel {wheel.name} holds rlmigrate (with py.typed) and shim only")
    return wheel


def check_codemod_install(scratch: Path, wheel: Path) -> None:
    bin_dir = make_venv(scratch / "venv-codemod")
    started = time.perf_counter()
    expect(
        run([bin_dir / "pip", "install", "-q", wheel]), 0, "pip install rlmigrate (codemod only)"
    )
    seconds = time.perf_counter() - started
    listed = run([bin_dir / "pip", "list", "--format", "json"])
    installed = {item["name"].lower() for item in json.loads(listed.stdout)}
    leaked = sorted(installed & set(EXTRA_ONLY))
    if leaked:
        raise CheckFailed(f"the codemod-only install pulled {leaked}")
    site = next((scratch / "venv-codemod" / "lib").glob("python3*/site-packages"))
    size_mb = sum(f.stat().st_size for f in site.rglob("*") if f.is_file()) / 1e6
    print(
        f"  ok: installed in {seconds:.0f} s: {len(installed)} distributions, {size_mb:.0f} MB "
        f"site-packages, none of {', '.join(EXTRA_ONLY)}"
    )
    work = scratch / "project"
    (work / "legacy").mkdir(parents=True)
    (work / "migrated").mkdir()
    shutil.copy2(ROOT / "fixtures" / "legacy" / "mlp.py", work / "legacy" / "mlp.py")
    shutil.copy2(ROOT / "fixtures" / "expected" / "mlp.py", work / "migrated" / "mlp.py")
    rlmigrate = bin_dir / "rlmigrate"
    expect(
        run([rlmigrate, "rewrite", "--check", "legacy/mlp.py"], cwd=work),
        1,
        "rewrite --check on a legacy file",
        "RLM001",
    )
    expect(
        run([rlmigrate, "rewrite", "--check", "migrated/mlp.py"], cwd=work),
        0,
        "rewrite --check on a migrated file",
    )
    expect(run([rlmigrate, "scan", "legacy"], cwd=work), 0, "scan", "RLM001")
    expect(
        run([rlmigrate, "verify", "legacy/mlp.py:MLPModel", "migrated/mlp.py:MLPModel"], cwd=work),
        2,
        "verify without torch names the extra",
        "rlmigrate[testing]",
    )
    expect(run([bin_dir / "python", "-m", "rlmigrate", "--version"]), 0, "python -m rlmigrate")


def check_pre_commit(scratch: Path, source: Path) -> None:
    global SKIPPED
    bin_dir = make_venv(scratch / "venv-pre-commit")
    if run([bin_dir / "pip", "install", "-q", "pre-commit"]).returncode != 0:
        print("  SKIP: pre-commit is not installable from the configured index")
        SKIPPED += 1
        return
    git = ["git", "-c", "user.name=check-install", "-c", "user.email=check@install.invalid"]
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        expect(run([*git, *cmd], cwd=source), 0, f"git {cmd[0]} (hook repository)")
    project = scratch / "hooked"
    project.mkdir()
    shutil.copy2(ROOT / "fixtures" / "legacy" / "mlp.py", project / "legacy_model.py")
    shutil.copy2(ROOT / "fixtures" / "expected" / "mlp.py", project / "migrated_model.py")
    for cmd in (["init", "-q"], ["add", "-A"]):
        expect(run([*git, *cmd], cwd=project), 0, f"git {cmd[0]} (scratch project)")
    env = {**os.environ, "PRE_COMMIT_HOME": str(scratch / "pre-commit-home")}
    try_repo = [bin_dir / "pre-commit", "try-repo", source, "rlmigrate", "--files"]
    failing = run([*try_repo, "legacy_model.py"], cwd=project, env=env)
    expect(failing, 1, "pre-commit hook fails on legacy code", "rlmigrate")
    print("  | " + "\n  | ".join(failing.stdout.strip().splitlines()[-8:]))
    expect(
        run([*try_repo, "migrated_model.py"], cwd=project, env=env),
        0,
        "pre-commit hook passes migrated code",
        "Passed",
    )
    # try-repo installs into a throwaway store; a project config (the way teams use the hook)
    # installs into PRE_COMMIT_HOME, where the hook's environment can be inspected.
    sha = run(["git", "rev-parse", "HEAD"], cwd=source).stdout.strip()
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {source}\n    rev: {sha}\n    hooks:\n      - id: rlmigrate\n"
    )
    expect(run([*git, "add", "-A"], cwd=project), 0, "git add (pre-commit config)")
    run_hook = [bin_dir / "pre-commit", "run", "--files"]
    expect(
        run([*run_hook, "legacy_model.py"], cwd=project, env=env),
        1,
        "pre-commit run (project config) fails on legacy code",
        "rlmigrate",
    )
    expect(
        run([*run_hook, "migrated_model.py"], cwd=project, env=env),
        0,
        "pre-commit run (project config) passes migrated code",
        "Passed",
    )
    hook_envs = list((scratch / "pre-commit-home").rglob("site-packages"))
    if not hook_envs:
        raise CheckFailed("pre-commit made no hook environment under PRE_COMMIT_HOME")
    leaked = [p.name for env_dir in hook_envs for p in env_dir.iterdir() if p.name in EXTRA_ONLY]
    if leaked:
        raise CheckFailed(f"the pre-commit hook env holds {leaked}")
    print(f"  ok: the hook's env holds none of {', '.join(EXTRA_ONLY)}")


def check_full_install(scratch: Path, wheel: Path) -> None:
    bin_dir = make_venv(scratch / "venv-full")
    # torch first, as `make setup` does: any other resolution downloads CUDA wheels.
    expect(run([bin_dir / "pip", "install", "-q", "torch==2.13.0"]), 0, "pip install torch==2.13.0")
    expect(
        run([bin_dir / "pip", "install", "-q", f"{wheel}[all]"]), 0, 'pip install "rlmigrate[all]"'
    )
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```", readme, flags=re.MULTILINE | re.DOTALL)
    if not blocks:
        raise CheckFailed("README.md has no ```python block to run")
    work = scratch / "readme"
    work.mkdir()
    for number, block in enumerate(blocks, start=1):
        script = work / f"readme_{number}.py"
        script.write_text(block)
        expect(run([bin_dir / "python", script], cwd=work), 0, f"README python block {number}")
    expect(run([bin_dir / "rlmigrate", "verify", "--help"]), 0, "rlmigrate verify --help (full)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--full", action="store_true", help="also install rlmigrate[all] and run the README"
    )
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="rlmigrate-check-install-"))
    started = time.perf_counter()
    try:
        if not index_reachable(sys.executable, scratch):
            print("SKIP: no package index reachable (pip download rich failed); nothing checked")
            return 0
        source = scratch / "src"
        copy_checkout(source)
        build_bin = make_venv(scratch / "venv-build")
        wheel = check_dists(build_bin, source, scratch / "dist")
        check_codemod_install(scratch, wheel)
        check_pre_commit(scratch, source)
        if args.full:
            check_full_install(scratch, wheel)
    except CheckFailed as err:
        print(f"FAILED: {err}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    verdict = "passed" if not SKIPPED else f"passed ({SKIPPED} step skipped)"
    print(f"check-install {verdict} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
