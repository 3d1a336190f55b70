"""``build_manifest.local_support``: repo-local imports, also from the repository's own
installable packages (a ``setup.py`` folder the repository installs with ``pip install -e``)."""

from __future__ import annotations

import build_manifest


class FakeSnapshots:
    """A repository as a dict of path -> source (or bytes, for a data file)."""

    def __init__(self, files: dict[str, str | bytes]) -> None:
        self._files = files

    def files(self, repo: str) -> set[str]:
        return set(self._files)

    def read(self, repo: str, path: str) -> bytes:
        content = self._files[path]
        return content if isinstance(content, bytes) else content.encode()

    def commit(self, repo: str) -> str:
        return "c" * 40


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


def test_a_binary_extra_support_file_is_pinned_by_its_bytes_and_not_parsed():
    """``extra_support`` may name a data file the code opens (a saved model's zip): it joins
    the support files with the sha256 of its bytes; only Python files are read for imports."""
    import hashlib

    blob = b"PK\x03\x04\x00\x00\xff" + bytes(range(256))
    files = {"models/policy.py": "import helpers\nclass P: pass\n", "helpers.py": "", "models/agent.zip": blob}
    overlay = {"o+n/models/policy.py": {"extra_support": ["models/agent.zip"]}}
    manifest = build_manifest.build(FakeSnapshots(files), [("o+n", "models/policy.py")], overlay)
    [entry] = manifest["files"]
    assert entry["support"] == ["helpers.py", "models/agent.zip"]
    assert entry["sha256"]["models/agent.zip"] == hashlib.sha256(blob).hexdigest()
