"""Do two checkouts of rlmigrate rewrite the same files identically? (a check for engine work
that must not change any output: traversal, metadata, worker or report changes).

Runs ``rlmigrate rewrite --out`` of each checkout (``--repo-root``, e.g. a ``git archive`` of
main and a worktree) over the same paths, then compares every output file byte for byte and
the JSON reports (findings, statuses; timings ignored). Nothing is written to the inputs.

Run: ``python tools/compare_rewrites.py --base /tmp/main_copy --new . fixtures/legacy /work/corpus``
Exit status 0 when identical, 1 when anything differs (the first differences are printed).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def _rewrite(repo_root: Path, paths: list[str], out: Path, report: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(repo_root))
    cmd = [sys.executable, "-m", "rlmigrate.cli", "rewrite", *paths, "--out", str(out),
           "--format", "json", "--report", str(report), "--no-progress", "-j", "1"]
    # from a neutral directory: ``-m`` puts the working directory first on sys.path, and the
    # report shows paths relative to it
    subprocess.run(cmd, env=env, cwd=out.parent, capture_output=True, text=True, timeout=3600,
                   check=False)
    data = json.loads(report.read_text())
    for key in ("seconds", "duration", "elapsed"):
        data.get("summary", {}).pop(key, None)
        data.pop(key, None)
    return data


def _different_files(left: Path, right: Path) -> list[str]:
    out: list[str] = []
    compared = filecmp.dircmp(left, right)
    out += [f"only in base: {left / n}" for n in compared.left_only]
    out += [f"only in new: {right / n}" for n in compared.right_only]
    _, mismatch, errors = filecmp.cmpfiles(left, right, compared.common_files, shallow=False)
    out += [f"differs: {left / n}" for n in mismatch + errors]
    for sub in compared.common_dirs:
        out += _different_files(left / sub, right / sub)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="repo root of the reference checkout")
    parser.add_argument("--new", type=Path, required=True, help="repo root of the checkout under test")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        paths = [str(Path(p).resolve()) for p in args.paths]
        reports = [_rewrite(root.resolve(), paths, work / name, work / f"{name}.json")
                   for root, name in ((args.base, "base"), (args.new, "new"))]
        files = _different_files(work / "base", work / "new")
        same_report = reports[0] == reports[1]
        for line in files[:20]:
            print(line)
        if not same_report:
            for key in sorted(set(reports[0]) | set(reports[1])):
                if reports[0].get(key) != reports[1].get(key):
                    print(f"report differs in {key!r}")
        findings = len(reports[1].get("findings", []))
        print(f"{'identical' if not files and same_report else 'DIFFERENT'}: "
              f"{len(reports[1].get('files', []))} files, {findings} findings")
        return 0 if not files and same_report else 1


if __name__ == "__main__":
    raise SystemExit(main())
