"""The public API as users and their tools see it: lazy exports, their types, ``python -m``.

The lazy ``__getattr__`` exports keep ``import rlmigrate`` cheap; the ``if TYPE_CHECKING:``
imports beside them are what mypy and editors read. These tests pin that both lists agree
and that mypy sees ``TorchRLModule`` as a class in a file written like the README's snippet.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAZY_PACKAGES = {
    "rlmigrate": ROOT / "rlmigrate" / "__init__.py",
    "rlmigrate.testing": ROOT / "rlmigrate" / "testing" / "__init__.py",
    "shim.policy": ROOT / "shim" / "policy" / "__init__.py",
}


def _type_checking_imports(path: Path) -> dict[str, str]:
    """``{name: module}`` imported under ``if TYPE_CHECKING:`` at module level."""
    names: dict[str, str] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom):
                    for alias in stmt.names:
                        names[alias.asname or alias.name] = stmt.module or ""
                elif isinstance(stmt, ast.Import):
                    for alias in stmt.names:
                        names[alias.asname or alias.name.split(".")[0]] = alias.name
    return names


@pytest.mark.parametrize("package", sorted(LAZY_PACKAGES))
def test_type_checking_imports_match_the_lazy_exports(package):
    module = importlib.import_module(package)
    exports = module._EXPORTS
    assert _type_checking_imports(LAZY_PACKAGES[package]) == exports
    assert sorted(set(module.__all__) - {"__version__"}) == sorted(exports)


@pytest.mark.parametrize("package", sorted(LAZY_PACKAGES))
def test_every_lazy_export_resolves_to_its_home_module(package):
    module = importlib.import_module(package)
    for name, home in module._EXPORTS.items():
        assert getattr(module, name) is getattr(importlib.import_module(home), name), name
    with pytest.raises(AttributeError, match="no attribute 'NotAName'"):
        module.NotAName  # noqa: B018


def test_readme_names_from_rlmigrate_testing_exist():
    from rlmigrate.testing import EquivalenceError, assert_equivalent, spaces, transfer_weights
    from rlmigrate.testing.equivalence import assert_equivalent as home

    assert assert_equivalent is home
    assert issubclass(EquivalenceError, AssertionError)
    assert callable(spaces) and callable(transfer_weights)


def test_importing_the_packages_loads_neither_torch_nor_hypothesis():
    code = (
        "import sys, rlmigrate, rlmigrate.testing, rlmigrate.cli\n"
        "heavy = sorted({'torch', 'hypothesis', 'gymnasium', 'numpy'} & set(sys.modules))\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_python_dash_m_rlmigrate_runs_the_cli():
    from rlmigrate import __version__

    result = subprocess.run(
        [sys.executable, "-m", "rlmigrate", "--version"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"rlmigrate {__version__}"
    usage = subprocess.run(
        [sys.executable, "-m", "rlmigrate", "no-such-command"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert usage.returncode == 2 and "invalid choice" in usage.stderr


# A user's file, written like the README snippet, plus lines that must fail to type-check.
USER_FILE = """
import gymnasium as gym
import numpy as np
import torch.nn as nn

from rlmigrate import Columns, RLModuleSpec, TorchRLModule, compute_actions
from rlmigrate.testing import assert_equivalent


class Policy(TorchRLModule):
    def setup(self) -> None:
        hidden = self.model_config.get("hidden", 64)
        self.net = nn.Sequential(nn.Linear(4, hidden), nn.Tanh(), nn.Linear(hidden, 2))

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.net(batch[Columns.OBS])}


class WrongOverride(TorchRLModule):
    def setup(self, width: int) -> None:  # ERROR override
        pass


module = RLModuleSpec(
    module_class=Policy,
    observation_space=gym.spaces.Box(-1.0, 1.0, (4,), np.float32),
    action_space=gym.spaces.Discrete(2),
    model_config={"hidden": 32},
).build()
out = compute_actions(module, np.zeros(4, np.float32), explore=False)
RLModuleSpec(module_klass=Policy)  # ERROR call-arg
reveal_type(TorchRLModule)
reveal_type(out)
reveal_type(assert_equivalent)
"""


def test_mypy_sees_the_readme_module_classes(tmp_path):
    pytest.importorskip("mypy")
    source = tmp_path / "user_policy.py"
    source.write_text(textwrap.dedent(USER_FILE))
    expected_errors = {
        i: line.rsplit("# ERROR ", 1)[1].strip()
        for i, line in enumerate(source.read_text().splitlines(), start=1)
        if "# ERROR " in line
    }
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--show-error-codes", str(source)],
        cwd=ROOT,  # reads [tool.mypy] and shares `make typecheck`'s cache
        capture_output=True,
        text=True,
        env=env,
    )
    lines = result.stdout.splitlines()
    errors = {}
    for line in lines:
        # By file name: for an unchanged file mypy may replay its cached report, whose path is
        # that of the first run.
        match = re.match(r".*user_policy\.py:(\d+): error: .*\[([\w-]+)\]$", line)
        if match:
            errors[int(match.group(1))] = match.group(2)
    assert errors == expected_errors, result.stdout + result.stderr
    revealed = [line.split("Revealed type is ", 1)[1] for line in lines if "Revealed type" in line]
    assert len(revealed) == 3, result.stdout
    assert revealed[0].endswith('-> rlmigrate.core.torch_rl_module.TorchRLModule"'), revealed[0]
    assert revealed[1] == '"dict[str, Any]"'
    assert revealed[2].startswith('"def (legacy: Any, migrated: Any, *, observation_space:')


# Module-level __getattr__ without TYPE_CHECKING imports, on purpose.
UNTYPED_ON_PURPOSE = {
    "shim/legacy_typing.py": "every legacy typing name is Any by design",
}


def _lazy_names(tree: ast.Module) -> set[str]:
    """Names a module's ``__getattr__`` resolves from a module-level str dict or str tuple."""
    getattr_fn = next(
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "__getattr__"
    )
    used = {n.id for n in ast.walk(getattr_fn) if isinstance(n, ast.Name)}
    names: set[str] = set()
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        value = getattr(node, "value", None)
        if not isinstance(target, ast.Name) or target.id not in used or value is None:
            continue
        if isinstance(value, ast.Dict):
            names |= {k.value for k in value.keys if isinstance(k, ast.Constant)}
        elif isinstance(value, ast.Tuple):
            names |= {e.value for e in value.elts if isinstance(e, ast.Constant)}
    return names


def test_every_lazy_export_module_shows_its_names_to_type_checkers():
    checked = []
    for path in sorted([*(ROOT / "rlmigrate").rglob("*.py"), *(ROOT / "shim").rglob("*.py")]):
        tree = ast.parse(path.read_text())
        if not any(isinstance(n, ast.FunctionDef) and n.name == "__getattr__" for n in tree.body):
            continue
        relative = path.relative_to(ROOT).as_posix()
        if relative in UNTYPED_ON_PURPOSE:
            continue
        lazy = _lazy_names(tree)
        assert lazy, f"{relative}: __getattr__ resolves names from no str dict/tuple"
        missing = lazy - set(_type_checking_imports(path))
        assert not missing, f"{relative}: lazy names without TYPE_CHECKING imports: {missing}"
        checked.append(relative)
    assert {"rlmigrate/__init__.py", "shim/policy/__init__.py"} <= set(checked)
