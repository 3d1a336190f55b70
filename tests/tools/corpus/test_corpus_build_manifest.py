"""``build_manifest.local_support``: repo-local imports, also from the repository's own
installable packages (a ``setup.py`` folder the repository installs with ``pip install -e``)."""

from __future__ import annotations

import build_manifest


class FakeSnapshots:
    """A repository as a dict of path -> source."""

    def __init__(self, files: dict[str, str]) -> None:
        self._files = files

    def files(self, repo: str) -> set[str]:
        return set(self._files)

    def read(self, repo: str, path: str) -> bytes:
        return self._files[path].encode()


REPO = {
    "policy.py": "import helpers\nfrom market_gym.envs.market_env import MarketEnv\n",
    "helpers.py": "import numpy as np\n",
    "unused.py": "",
    "market-gym/setup.py": "from setuptools import setup\n",
    "market-gym/market_gym/__init__.py": "from gym.envs.registration import register\n",
    "market-gym/market_gym/envs/__init__.py": "from market_gym.envs.market_env import MarketEnv\n",
    "market-gym/market_gym/envs/market_env.py": "from market_gym import consts\n",
    "market-gym/market_gym/consts.py": "",
    "other-pkg/pyproject.toml": "",
    "other-pkg/other/__init__.py": "",
}


def test_package_roots_are_setup_folders_below_the_import_root():
    snap = FakeSnapshots(REPO)
    assert build_manifest.package_roots(snap, "o+n", "") == ["market-gym", "other-pkg"]


def test_imports_resolve_in_the_import_root_then_in_installable_packages():
    support, roots = build_manifest.local_support(FakeSnapshots(REPO), "o+n", "policy.py", "")
    assert support == ["helpers.py", "market-gym/market_gym/__init__.py",
                       "market-gym/market_gym/consts.py", "market-gym/market_gym/envs/__init__.py",
                       "market-gym/market_gym/envs/market_env.py"]
    assert roots == ["market-gym"]  # only the packages the file really reaches


def test_a_file_without_package_imports_gets_no_package_root():
    files = {k: v for k, v in REPO.items() if k != "policy.py"} | {"policy.py": "import helpers\n"}
    assert build_manifest.local_support(FakeSnapshots(files), "o+n", "policy.py", "") == (["helpers.py"], [])
