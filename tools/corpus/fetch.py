"""Fetch the development corpus (``tools/corpus/manifest.json``) into a cache directory.

The corpus files are code of other projects: they are never committed here. This script puts
them under ``.corpus/`` (git-ignored) as ``<owner>+<name>/<path in repo>``, checks each file
against the manifest's sha256, and writes ``INDEX.json`` (file -> classes, policies).

Sources, tried in this order for each file:

* ``--from-mirror DIR``: git snapshots laid out as ``DIR/<owner>+<name>/repo`` (bare or with
  ``.git``), read with ``git show COMMIT:PATH``;
* ``--ray-site DIR``: the Ray 2.10 files (``rllib/...``) from an installed Ray wheel
  (``DIR/ray/rllib/...``; the wheel must be Ray 2.10.0);
* the network: ``https://raw.githubusercontent.com/<owner>/<name>/<commit>/<path>``
  (``--offline`` turns this off).

    python tools/corpus/fetch.py                          # network, into .corpus/
    python tools/corpus/fetch.py --from-mirror /work/.mirror \\
        --ray-site tools/oracle/.venv/lib/python3.11/site-packages --dest /work/corpus
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.json"
DEFAULT_DEST = HERE.parents[1] / ".corpus"


class FetchError(RuntimeError):
    """A corpus file could not be had from any source (the message lists what was tried)."""


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    """Read the manifest (see ``tools/corpus/README.md`` for the fields)."""
    return json.loads(path.read_text(encoding="utf-8"))


def repo_dir(repo: str) -> str:
    """``owner/name`` -> ``owner+name`` (the cache and mirror directory name)."""
    return repo.replace("/", "+", 1)


def _from_mirror(mirror: Path, repo: str, commit: str, path: str) -> bytes | None:
    git = mirror / repo_dir(repo) / "repo"
    if (git / ".git").is_dir():
        git = git / ".git"
    if not git.is_dir():
        return None
    out = subprocess.run(
        ["git", "--git-dir", str(git), "show", f"{commit}:{path}"], capture_output=True
    )
    return out.stdout if out.returncode == 0 else None


def _from_ray_site(site: Path, path: str, version: str) -> bytes | None:
    target = site / "ray" / path
    if not target.is_file():
        return None
    version_file = site / "ray" / "_version.py"
    if version_file.is_file() and f'version = "{version}"' not in version_file.read_text():
        raise FetchError(f"{site}/ray is not Ray {version} (see {version_file})")
    return target.read_bytes()


def _from_network(repo: str, commit: str, path: str) -> bytes | None:
    url = f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (fixed https host)
            return response.read()
    except OSError:
        return None


def fetch_file(entry: dict[str, Any], path: str, args: argparse.Namespace, ray: dict) -> bytes:
    """The bytes of one corpus file, from the first source that has it, sha256-checked."""
    tried = []
    data = None
    if entry["repo"] == "ray-project/ray" and args.ray_site:
        tried.append(f"ray site {args.ray_site}")
        data = _from_ray_site(Path(args.ray_site), path, ray["version"])
    if data is None and args.from_mirror:
        tried.append(f"mirror {args.from_mirror}")
        data = _from_mirror(Path(args.from_mirror), entry["repo"], entry["commit"], path)
    if data is None and not args.offline:
        tried.append("raw.githubusercontent.com")
        data = _from_network(entry["repo"], entry["commit"], path)
    if data is None:
        raise FetchError(f"{entry['repo']}@{entry['commit'][:12]}:{path}: not found ({', '.join(tried)})")
    want = entry.get("sha256", {}).get(path)
    got = hashlib.sha256(data).hexdigest()
    if want and got != want:
        raise FetchError(f"{entry['repo']}:{path}: sha256 {got[:12]} != manifest {want[:12]}")
    return data


def index_of(manifest: dict[str, Any]) -> dict[str, Any]:
    """``INDEX.json`` content: per corpus file, its repo, commit, classes and policies."""
    files = {}
    for entry in manifest["files"]:
        files[entry["id"]] = {
            "repo": entry["repo"],
            "commit": entry["commit"],
            "licence": entry["licence"],
            "support": entry.get("support", []),
            "classes": [c["name"] for c in entry["classes"]],
            "policies": [
                {k: p[k] for k in ("name", "kind", "framework", "line")} for p in entry["policies"]
            ],
        }
    return {"source": "tools/corpus/manifest.json (rlmigrate)", "files": files}


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; exit 1 when any file could not be fetched."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    parser.add_argument("--from-mirror", metavar="DIR")
    parser.add_argument("--ray-site", metavar="DIR", help="site-packages holding Ray 2.10")
    parser.add_argument("--offline", action="store_true", help="never use the network")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    args = parser.parse_args(argv)
    manifest = load_manifest(args.manifest)
    failures = []
    count = 0
    for entry in manifest["files"]:
        for path in [entry["path"], *entry.get("support", [])]:
            target = args.dest / repo_dir(entry["repo"]) / path
            try:
                data = fetch_file(entry, path, args, manifest["ray"])
            except FetchError as exc:
                failures.append(str(exc))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            count += 1
    (args.dest / "INDEX.json").write_text(json.dumps(index_of(manifest), indent=1) + "\n")
    print(f"fetched {count} files into {args.dest}; {len(failures)} failed")
    for failure in failures:
        print("  " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
