"""The walkthrough's findings table is what ``rlmigrate scan`` reports for those files.

The page's commands run in ``test_docs_code_blocks``; this pins the prose table that
summarises their output, so a codemod change that moves a finding shows up here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "walkthrough.md"
_ROW = re.compile(r"^\| `(?P<file>[a-z_]+\.py)` \| (?P<findings>RLM[^|]*) \| (?P<status>[a-z]+) \|")


def table() -> dict[str, tuple[set[tuple[str, str]], str]]:
    """``file -> ({(code, status)}, file status)`` from the page's findings table."""
    rows = {}
    for line in PAGE.read_text().splitlines():
        if match := _ROW.match(line):
            pairs = {tuple(item.split()) for item in match["findings"].split(",")}
            rows[match["file"]] = (pairs, match["status"])
    return rows


def test_findings_table_matches_scan():
    rows = table()
    assert set(rows) == {"mlp.py", "lstm.py", "custom_dist.py", "view_requirements.py"}
    paths = [str(ROOT / "fixtures" / "legacy" / name) for name in sorted(rows)]
    done = subprocess.run([sys.executable, "-m", "rlmigrate.cli", "scan", *paths, "--format", "json", "--no-progress"],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    for name, (pairs, status) in rows.items():
        found = {(f["code"], f["status"]) for f in report["findings"] if Path(f["path"]).name == name}
        file_status = next(f["status"] for f in report["files"] if Path(f["path"]).name == name)
        assert (found, file_status) == (pairs, status), f"walkthrough.md table row for {name}"
