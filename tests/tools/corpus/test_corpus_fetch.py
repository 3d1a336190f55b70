"""tools/corpus/fetch.py against a local git snapshot (no network)."""

from __future__ import annotations

import hashlib
import json
import subprocess

import fetch
import pytest


def _snapshot(root, files):
    repo = root / "owner+name" / "repo"
    repo.mkdir(parents=True)
    for path, content in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            (repo / path).write_bytes(content)
        else:
            (repo / path).write_text(content)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "c"], check=True)
    return subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()


def _manifest(tmp_path, commit, sha, support=("pkg/__init__.py",)):
    manifest = {
        "ray": {"version": "2.10.0", "commit": "0" * 40},
        "repos": {"owner/name": {"commit": commit, "licence": "MIT"}},
        "files": [{
            "id": "owner+name/pkg/m.py", "repo": "owner/name", "commit": commit, "path": "pkg/m.py",
            "support": list(support), "licence": "MIT", "sha256": sha,
            "classes": [{"name": "M", "line": 1}], "policies": [],
        }],
    }
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path


def test_fetch_from_mirror_writes_files_and_index(tmp_path):
    files = {"pkg/m.py": "class M: pass\n", "pkg/__init__.py": ""}
    commit = _snapshot(tmp_path / "mirror", files)
    sha = {p: hashlib.sha256(t.encode()).hexdigest() for p, t in files.items()}
    dest = tmp_path / "cache"
    code = fetch.main(["--dest", str(dest), "--from-mirror", str(tmp_path / "mirror"), "--offline",
                       "--manifest", str(_manifest(tmp_path, commit, sha))])
    assert code == 0
    assert (dest / "owner+name" / "pkg" / "m.py").read_text() == files["pkg/m.py"]
    index = json.loads((dest / "INDEX.json").read_text())
    assert index["files"]["owner+name/pkg/m.py"]["classes"] == ["M"]


def test_fetch_refuses_a_file_whose_hash_differs(tmp_path, capsys):
    files = {"pkg/m.py": "class M: pass\n", "pkg/__init__.py": ""}
    commit = _snapshot(tmp_path / "mirror", files)
    sha = {"pkg/m.py": "0" * 64, "pkg/__init__.py": hashlib.sha256(b"").hexdigest()}
    code = fetch.main(["--dest", str(tmp_path / "cache"), "--from-mirror", str(tmp_path / "mirror"),
                       "--offline", "--manifest", str(_manifest(tmp_path, commit, sha))])
    assert code == 1
    assert "sha256" in capsys.readouterr().err
    assert not (tmp_path / "cache" / "owner+name" / "pkg" / "m.py").exists()


def test_offline_without_a_source_names_what_was_tried(tmp_path):
    entry = {"repo": "owner/name", "commit": "a" * 40, "path": "x.py"}
    args = type("A", (), {"ray_site": None, "from_mirror": str(tmp_path), "offline": True})()
    with pytest.raises(fetch.FetchError, match="not found .*mirror"):
        fetch.fetch_file(entry, "x.py", args, {"version": "2.10.0"})


def test_a_binary_support_file_is_fetched_byte_for_byte_and_hash_checked(tmp_path, capsys):
    """A data file the code opens (a saved model's zip) travels as a support file: its bytes
    (NULs, invalid UTF-8) arrive unchanged, pinned by sha256 like a source file."""
    blob = b"PK\x03\x04\x00\xff\xfe" + bytes(range(256)) * 4
    files = {"pkg/m.py": "class M: pass\n", "pkg/__init__.py": "", "pkg/model.zip": blob}
    commit = _snapshot(tmp_path / "mirror", files)
    sha = {p: hashlib.sha256(c if isinstance(c, bytes) else c.encode()).hexdigest() for p, c in files.items()}
    support = ("pkg/__init__.py", "pkg/model.zip")
    dest = tmp_path / "cache"
    assert fetch.main(["--dest", str(dest), "--from-mirror", str(tmp_path / "mirror"), "--offline",
                       "--manifest", str(_manifest(tmp_path, commit, sha, support))]) == 0
    assert (dest / "owner+name" / "pkg" / "model.zip").read_bytes() == blob
    sha["pkg/model.zip"] = hashlib.sha256(blob[:-1]).hexdigest()  # a manifest for other bytes
    other = tmp_path / "other"
    other.mkdir()
    assert fetch.main(["--dest", str(tmp_path / "cache2"), "--from-mirror", str(tmp_path / "mirror"),
                       "--offline", "--manifest", str(_manifest(other, commit, sha, support))]) == 1
    assert "pkg/model.zip: sha256" in capsys.readouterr().err
