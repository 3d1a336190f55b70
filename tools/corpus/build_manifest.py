"""Rebuild ``manifest.json`` from git snapshots of the corpus repositories (maintainers only).

    python tools/corpus/build_manifest.py --mirror /work/.mirror \\
        --ray-site tools/oracle/.venv/lib/python3.11/site-packages

Inputs (committed): ``sources.txt`` (``<owner>+<name> <path>`` per corpus file, Ray's files
as ``ray-project+ray rllib/...``) and ``cases_overlay.json`` (per file: ``import_root``,
``extra_support``, and per class the ``case`` — spaces, model config, where they come from).
For each file it records the snapshot's commit, the licence, the repo-local modules the file
imports (transitively, as ``support``; also from the repository's own installable packages,
whose folders go in ``package_roots``), the sha256 of every fetched file, and the classes and
policies ``scan.py`` finds (with the overlay's case merged in).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from scan import scan_source  # noqa: E402

RAY = "ray-project+ray"
RAY_COMMIT = "09abba26b5bf2707639bb637c208d062a47b46f6"  # ray 2.10.0 (ray/_version.py)
#: Licences read from each repository's LICENSE file at the pinned commit.
LICENCES = {
    "AIcrowd+neurips2020-procgen-starter-kit": "Apache-2.0", "Fabien-Couthouis+RL-pokemon": "MIT",
    "Francesco-Sovrano+XARL": "MIT", "LeonZamel+coins-and-traitors": "GPL-3.0",
    "dylan906+clockpunch": "MIT", "faguodev+SkyjoAI": "MIT", "hermmanhender+eprllib": "MIT",
    "jek5224+RealTimeActivation": "CC-BY-NC (see LICENSE)", "juliusfrost+minerl-rllib": "GPL-3.0",
    "rohin-dasari+gym-pcgrl": "MIT", RAY: "Apache-2.0",
}


class Snapshots:
    """Reads files of ``<mirror>/<owner>+<name>/repo`` (bare or work-tree git) and Ray's wheel."""

    def __init__(self, mirror: Path, ray_site: Path) -> None:
        self.mirror, self.ray_site = mirror, ray_site

    def _git(self, repo: str) -> str:
        git = self.mirror / repo / "repo"
        return str(git / ".git" if (git / ".git").is_dir() else git)

    def read(self, repo: str, path: str) -> bytes:
        if repo == RAY:
            return (self.ray_site / "ray" / path).read_bytes()
        out = subprocess.run(["git", "--git-dir", self._git(repo), "show", f"HEAD:{path}"],
                             capture_output=True, check=True)
        return out.stdout

    def commit(self, repo: str) -> str:
        if repo == RAY:
            return RAY_COMMIT
        return subprocess.run(["git", "--git-dir", self._git(repo), "rev-parse", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()

    def files(self, repo: str) -> set[str]:
        out = subprocess.run(["git", "--git-dir", self._git(repo), "ls-tree", "-r", "--name-only",
                              "HEAD"], capture_output=True, text=True, check=True).stdout
        return set(out.splitlines())


def _imported_modules(tree: ast.AST, package: str) -> list[str]:
    mods: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split("/") if package else []
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            mods += [base] + [f"{base}.{a.name}" for a in node.names]
    return [m.strip(".") for m in mods if m.strip(".")]


def package_roots(snap: Snapshots, repo: str, root: str) -> list[str]:
    """Folders of the repository's own installable packages: a ``setup.py`` or
    ``pyproject.toml`` below the import root (``pip install -e financial-markets-gym`` puts
    that folder on the path of the repository's scripts)."""
    markers = ("setup.py", "pyproject.toml")
    return sorted({os.path.dirname(f) for f in snap.files(repo)
                   if os.path.basename(f) in markers and os.path.dirname(f) not in ("", root)})


def local_support(snap: Snapshots, repo: str, path: str, root: str) -> tuple[list[str], list[str]]:
    """Repo-local modules ``path`` imports, transitively (their packages' ``__init__`` too),
    looked up under the import root and then under the repository's own installable packages
    (:func:`package_roots`); (support files, the package roots they came from)."""
    files, seen, todo, used = snap.files(repo), set(), [path], set()
    prefixes = [f"{root}/" if root else "", *(f"{p}/" for p in package_roots(snap, repo, root))]
    while todo:
        current = todo.pop()
        try:
            tree = ast.parse(snap.read(repo, current))
        except SyntaxError:
            continue
        own = next((p for p in prefixes[1:] if current.startswith(p)), prefixes[0])
        package = os.path.dirname(current[len(own):] if current.startswith(own) else current)
        for module in _imported_modules(tree, package):
            parts = module.split(".")
            for prefix in prefixes:
                candidates = [f"{prefix}{'/'.join(parts)}.py", f"{prefix}{'/'.join(parts)}/__init__.py"]
                candidates += [f"{prefix}{'/'.join(parts[:i])}/__init__.py" for i in range(1, len(parts))]
                found = [c for c in candidates if c in files and c != path]
                for cand in found:
                    if cand not in seen:
                        seen.add(cand)
                        todo.append(cand)
                if found:
                    if prefix != prefixes[0]:
                        used.add(prefix.rstrip("/"))
                    break
    return sorted(seen), sorted(used)


def build(snap: Snapshots, sources: list[tuple[str, str]], overlay: dict[str, Any]) -> dict:
    """The manifest for ``sources``."""
    repos: dict[str, Any] = {}
    entries = []
    for repo, path in sources:
        ov = overlay.get(f"{repo}/{path}", {})
        root = ov.get("import_root", "")
        support, packages = ([], []) if repo == RAY else local_support(snap, repo, path, root)
        support = sorted(set(support) | set(ov.get("extra_support", [])))
        owner_name = repo.replace("+", "/", 1)
        commit = snap.commit(repo)
        repos.setdefault(owner_name, {"commit": commit, "url": f"https://github.com/{owner_name}",
                                      "licence": LICENCES.get(repo, "NOASSERTION (no licence file)")})
        models, policies = scan_source(snap.read(repo, path).decode("utf-8", "replace"))
        entry: dict[str, Any] = {"id": f"{repo}/{path}", "repo": owner_name, "commit": commit,
                                 "path": path, "licence": repos[owner_name]["licence"]}
        if repo == RAY:
            entry["module"] = "ray." + path[:-3].replace("/", ".")
        else:
            rel = path[len(root) + 1:] if root else path
            entry["import_root"], entry["module"] = root, rel[:-3].replace("/", ".")
            if packages:
                entry["package_roots"] = packages
        if support:
            entry["support"] = support
        entry["sha256"] = {p: hashlib.sha256(snap.read(repo, p)).hexdigest() for p in [path, *support]}
        entry["classes"] = [
            {"name": m.name, "line": m.line, "end_line": m.end_line, "bases": m.bases,
             **ov.get("classes", {}).get(m.name, {})} for m in models]
        entry["policies"] = [
            {"name": p.name, "line": p.line, "end_line": p.end_line, "kind": p.kind,
             "framework": p.framework, **ov.get("policies", {}).get(p.name, {})} for p in policies]
        entries.append(entry)
    return {"format": 1,
            "about": "Development corpus of real legacy RLlib torch code (issue 15 item 4); "
                     "tools/corpus/fetch.py fetches the files into .corpus/, never committed.",
            "ray": {"version": "2.10.0", "commit": RAY_COMMIT},
            "repos": dict(sorted(repos.items())), "files": entries}


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, required=True)
    parser.add_argument("--ray-site", type=Path, required=True)
    args = parser.parse_args(argv)
    sources = [tuple(line.split(None, 1)) for line in (HERE / "sources.txt").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    overlay = json.loads((HERE / "cases_overlay.json").read_text())
    manifest = build(Snapshots(args.mirror, args.ray_site), sources, overlay)  # type: ignore[arg-type]
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"{len(manifest['files'])} files, {sum(len(e['classes']) for e in manifest['files'])} "
          f"classes, {sum(len(e['policies']) for e in manifest['files'])} policies")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
