"""``tools/check_install.py`` (``make check-install``) as an opt-in test.

It builds the sdist and wheel, installs the codemod alone in a fresh venv and runs the
pre-commit hook through ``pre-commit try-repo``: minutes, and a package index. So it runs
only with ``RLMIGRATE_CHECK_INSTALL=1`` (never in the default suite or CI).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("RLMIGRATE_CHECK_INSTALL") != "1",
    reason="fresh-venv install check: run `make check-install` or set RLMIGRATE_CHECK_INSTALL=1",
)
def test_codemod_only_install_and_pre_commit_hook():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "check_install.py")],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "check-install passed" in result.stdout or "SKIP:" in result.stdout
