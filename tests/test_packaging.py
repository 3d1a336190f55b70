"""The install split: the codemod runs without torch, gymnasium or hypothesis.

``pip install rlmigrate`` is the codemod only (libcst, rich); the runtime, the shim and the
equivalence kit are extras (``pip install "rlmigrate[all]"``). These tests run the CLI in a
subprocess where an import hook refuses every extra-only package, as a codemod-only install
would, and read ``pyproject.toml`` for the extras' layout. ``tools/check_install.py`` (``make
check-install``) does the same with a real fresh venv and the pre-commit hook.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the base install brings tomli
    import tomli as tomllib

from rlmigrate.extras import EXTRA_MODULES

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

# Runs the CLI with every extra-only package refused at import, and reports each refusal on
# stderr (a codemod that caught the ImportError and carried on would still be caught here).
BLOCKED_CLI = """
import importlib.abc, os, sys
BLOCKED = set({blocked!r})
attempts = []
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCKED:
            attempts.append(name)
            log = os.environ.get("RLMIGRATE_TEST_REFUSED")  # forked codemod workers too
            if log:
                with open(log, "a") as handle:
                    handle.write(name + "\\n")
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Refuse())
from rlmigrate.cli import main
try:
    code = main(sys.argv[1:])
finally:
    sys.stderr.write("BLOCKED-IMPORTS:" + ",".join(attempts) + "\\n")
sys.exit(code)
"""


def run_without_extras(*args: str) -> tuple[int, str, str, list[str]]:
    """``(exit code, stdout, stderr, refused imports)`` of ``rlmigrate ARGS`` without extras.

    Refused imports are counted in the CLI process and in the codemod's forked workers.
    """
    code = BLOCKED_CLI.format(blocked=sorted(EXTRA_MODULES))
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "refused.txt"
        result = subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "RLMIGRATE_TEST_REFUSED": str(log)},
        )
        logged = log.read_text().split() if log.exists() else []
    marker = re.search(r"BLOCKED-IMPORTS:(.*)", result.stderr)
    assert marker is not None, result.stderr
    refused = sorted({name for name in marker.group(1).split(",") if name} | set(logged))
    return result.returncode, result.stdout, result.stderr, refused


def test_rewrite_check_runs_without_torch_and_reports_what_would_change():
    code, out, err, refused = run_without_extras("rewrite", "--check", "fixtures/legacy/mlp.py")
    assert refused == [] and code == 1, err
    assert "RLM001" in out and "RLM002" in out
    code, _, err, refused = run_without_extras("rewrite", "--check", "fixtures/expected/mlp.py")
    assert refused == [] and code == 0, err


@pytest.mark.parametrize(
    "args", [("scan", "fixtures/legacy/mlp.py"), ("rules",), ("rules", "RLM001")]
)
def test_scan_and_rules_run_without_torch(args):
    code, out, err, refused = run_without_extras(*args)
    assert refused == [] and code == 0, err
    assert "RLM001" in out


def test_verify_without_torch_names_the_extra_to_install():
    code, _, err, _ = run_without_extras(
        "verify", "fixtures/legacy/mlp.py:MLPModel", "fixtures/expected/mlp.py:MLPModel"
    )
    assert code == 2
    assert "rlmigrate verify needs 'torch', which is not installed" in err
    assert "pip install 'rlmigrate[testing]'" in err
    assert "Traceback" not in err


def test_help_lists_every_command_without_torch():
    code, out, err, refused = run_without_extras("--help")
    assert code == 0 and refused == [], err
    for command in ("rewrite", "scan", "rules", "verify"):
        assert command in out


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s\[<>=!;~]", req, maxsplit=1)[0].lower() for req in requirements}


def test_base_install_is_the_codemod_and_extras_add_the_rest():
    project = PYPROJECT["project"]
    base = _requirement_names(project["dependencies"])
    assert {"libcst", "rich"} <= base
    assert not base & {"torch", "gymnasium", "hypothesis", "numpy", "safetensors"}
    extras = project["optional-dependencies"]
    assert {"torch", "gymnasium", "numpy", "safetensors"} <= _requirement_names(extras["runtime"])
    assert "hypothesis" in _requirement_names(extras["testing"])
    assert "rlmigrate[runtime,shim,testing]" in extras["all"]
    assert "rlmigrate[all]" in extras["test"]
    assert "ray" not in extras  # Ray is the oracle only, in tools/oracle's own venv


def test_every_extra_named_by_the_cli_exists():
    from rlmigrate.extras import EXTRA_FOR_COMMAND, REQUIRED_MODULES

    extras = PYPROJECT["project"]["optional-dependencies"]
    assert set(EXTRA_FOR_COMMAND.values()) <= set(extras)
    assert set(REQUIRED_MODULES) <= set(extras)


def test_metadata_is_complete():
    project = PYPROJECT["project"]
    assert project["license"] == "Apache-2.0" and project["license-files"] == ["LICENSE"]
    assert "Apache License" in (ROOT / "LICENSE").read_text()[:200]
    assert {"Homepage", "Repository", "Documentation", "Issues"} <= set(project["urls"])
    assert "Typing :: Typed" in project["classifiers"]
    assert project["keywords"] and project["authors"]
    assert (ROOT / "rlmigrate" / "py.typed").exists()


def test_pre_commit_hook_runs_the_codemod_check():
    yaml = pytest.importorskip("yaml")
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    by_id = {hook["id"]: hook for hook in hooks}
    hook = by_id["rlmigrate"]
    assert hook["language"] == "python"
    assert hook["entry"].split()[:3] == ["rlmigrate", "rewrite", "--check"]
    assert hook["types"] == ["python"]
    assert not hook.get("additional_dependencies")  # the base install, no torch


def test_pytest_plugin_loads_without_the_extras():
    # pytest loads the plugin (a pytest11 entry point) in every suite of an environment where
    # rlmigrate is installed, codemod-only ones included.
    code = BLOCKED_CLI.split("from rlmigrate.cli import main")[0] + (
        "import rlmigrate.testing.pytest_plugin as plugin\n"
        "print(sorted(plugin.__all__))\n"
        "sys.stderr.write('BLOCKED-IMPORTS:' + ','.join(attempts) + '\\n')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code.format(blocked=sorted(EXTRA_MODULES))],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "rlmigrate_equivalence" in result.stdout
    assert "BLOCKED-IMPORTS:\n" in result.stderr


def test_an_optional_subcommand_importing_torch_does_not_break_the_codemod_cli(tmp_path):
    # A subcommand module importing torch at its top (as convert-checkpoint may) stays listed
    # and names the extra, while rewrite keeps working.
    (tmp_path / "cli_needs_torch.py").write_text(
        "import torch\n\ndef register(subparsers):\n    raise AssertionError('not reached')\n"
    )
    prelude = BLOCKED_CLI.split("from rlmigrate.cli import main")[0]
    code = prelude + (
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "import rlmigrate.cli as cli\n"
        "cli.SUBCOMMAND_MODULES += (('cli_needs_torch', False),)\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    ).replace("{", "{{").replace("}", "}}")
    code = code.format(blocked=sorted(EXTRA_MODULES))

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True
        )

    listed = cli("--help")
    assert listed.returncode == 0, listed.stderr
    assert re.search(
        r"needs-torch\s+\(not installed: pip install 'rlmigrate\[all\]'\)", listed.stdout
    )
    refused = cli("needs-torch", "--any", "args")
    assert refused.returncode == 2
    assert "rlmigrate needs-torch needs 'torch', which is not installed" in refused.stderr
    assert cli("rewrite", "--check", "fixtures/expected/mlp.py").returncode == 0
