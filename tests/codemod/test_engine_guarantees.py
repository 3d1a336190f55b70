"""The engine's guarantees: untouched files stay byte-identical, bad files are reported and the
run goes on, newline/encoding/mode survive, writes are atomic, symlinks are not followed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from rlmigrate.codemod import engine as engine_mod
from rlmigrate.codemod import source_io
from rlmigrate.codemod.engine import RunOptions, process_file, run
from rlmigrate.codemod.findings import DECODE_ERROR, READ_ERROR, SYNTAX_ERROR, WRITE_ERROR

ROOT = Path(__file__).resolve().parents[2]
MLP = (ROOT / "fixtures" / "legacy" / "mlp.py").read_text()
MLP_AFTER = (ROOT / "fixtures" / "expected" / "mlp.py").read_text()


def write(path: Path, text: str | bytes, mode: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    if mode is not None:
        os.chmod(path, mode)
    return path


def test_file_without_legacy_api_is_not_parsed_or_written(tmp_path, monkeypatch):
    plain = write(tmp_path / "plain.py", "x = 1\n")
    os.utime(plain, (1_000_000, 1_000_000))
    calls = []
    monkeypatch.setattr(engine_mod, "rewrite_source", lambda *a, **k: calls.append(a))
    result = process_file(plain, tmp_path, RunOptions())
    assert result.prefiltered and result.status == "skipped" and not calls
    assert plain.read_bytes() == b"x = 1\n" and plain.stat().st_mtime == 1_000_000


def test_rewrite_in_place_and_second_run_changes_nothing(tmp_path):
    file = write(tmp_path / "m.py", MLP)
    first = run([tmp_path], RunOptions(), jobs=1)
    assert first.files[0].written and file.read_text() == MLP_AFTER
    mtime = file.stat().st_mtime_ns
    second = run([tmp_path], RunOptions(), jobs=1)
    assert not second.files[0].changed and file.stat().st_mtime_ns == mtime


def test_crlf_newlines_are_kept(tmp_path):
    file = write(tmp_path / "m.py", MLP.replace("\n", "\r\n"))
    run([file], RunOptions(), jobs=1)
    data = file.read_bytes()
    assert data == MLP_AFTER.replace("\n", "\r\n").encode()


def test_encoding_cookie_and_bytes_are_kept(tmp_path):
    text = "# -*- coding: latin-1 -*-\n# Auteur: Jérôme\n" + MLP
    file = write(tmp_path / "m.py", text.encode("latin-1"))
    run([file], RunOptions(), jobs=1)
    data = file.read_bytes()
    assert data.startswith("# -*- coding: latin-1 -*-\n# Auteur: Jérôme\n".encode("latin-1"))
    assert data.decode("latin-1").endswith(MLP_AFTER.split('"""', 2)[-1].rstrip("\n") + "\n")
    assert "TorchRLModule" in data.decode("latin-1")


def test_file_mode_is_kept(tmp_path):
    file = write(tmp_path / "m.py", MLP, mode=0o750)
    run([file], RunOptions(), jobs=1)
    assert stat.S_IMODE(file.stat().st_mode) == 0o750
    assert "TorchRLModule" in file.read_text()


def test_comments_outside_rewritten_nodes_are_kept(tmp_path):
    extra = "# header comment\n" + MLP + "\n\n# trailing comment\nCONSTANT = 3  # keep me\n"
    file = write(tmp_path / "m.py", extra)
    run([file], RunOptions(), jobs=1)
    out = file.read_text()
    assert out.startswith("# header comment\n")
    assert out.endswith("# trailing comment\nCONSTANT = 3  # keep me\n")
    assert "# Hidden sizes come from the usual legacy model config key." in out


@pytest.mark.parametrize("content, code", [
    ("from ray.rllib.models.torch.torch_modelv2 import TorchModelV2\nclass (:\n", SYNTAX_ERROR),
    (b"# -*- coding: utf-8 -*-\nimport ray.rllib\nx = '\xff\xfe'\n", DECODE_ERROR),
])
def test_bad_file_is_reported_untouched_and_run_goes_on(tmp_path, content, code):
    bad = write(tmp_path / "a_bad.py", content)
    good = write(tmp_path / "b_good.py", MLP)
    before = bad.read_bytes()
    result = run([tmp_path], RunOptions(), jobs=1)
    by_name = {Path(r.path).name: r for r in result.files}
    assert by_name["a_bad.py"].status == "error"
    assert by_name["a_bad.py"].findings[0].code == code
    assert by_name["a_bad.py"].findings[0].line >= 1
    assert bad.read_bytes() == before
    assert good.read_text() == MLP_AFTER


def test_unreadable_file_is_reported(tmp_path):
    file = write(tmp_path / "m.py", MLP, mode=0o000)
    result = process_file(file, tmp_path, RunOptions())
    assert result.status == "error" and result.findings[0].code == READ_ERROR
    os.chmod(file, 0o644)
    assert file.read_text() == MLP


def test_read_only_file_is_reported_and_not_replaced(tmp_path):
    file = write(tmp_path / "m.py", MLP, mode=0o444)
    result = process_file(file, tmp_path, RunOptions())
    assert result.status == "error" and any(f.code == WRITE_ERROR for f in result.findings)
    assert file.read_text() == MLP and stat.S_IMODE(file.stat().st_mode) == 0o444


def test_write_is_atomic_when_interrupted(tmp_path, monkeypatch):
    file = write(tmp_path / "m.py", MLP)

    def boom(src, dst):
        raise KeyboardInterrupt  # the run is killed between writing the temp file and replacing

    monkeypatch.setattr(source_io.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        process_file(file, tmp_path, RunOptions())
    assert file.read_text() == MLP
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.py"]


def test_symlinks_out_of_the_tree_are_not_followed(tmp_path):
    outside = write(tmp_path / "outside" / "victim.py", MLP)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.py").symlink_to(outside)
    (tree / "linkdir").symlink_to(outside.parent, target_is_directory=True)
    write(tree / "own.py", MLP)
    result = run([tree], RunOptions(), jobs=1)
    assert [Path(r.path).name for r in result.files] == ["own.py"]
    assert {p.name for p in result.skipped_links} == {"link.py", "linkdir"}
    assert outside.read_text() == MLP


def test_tool_directories_are_skipped(tmp_path):
    for folder in (".venv", ".git", "build"):
        write(tmp_path / folder / "m.py", MLP)
    write(tmp_path / "pkg" / "m.py", MLP)
    result = run([tmp_path], RunOptions(mode="check"), jobs=1)
    assert [Path(r.path).parent.name for r in result.files] == ["pkg"]


def test_parallel_run_matches_serial(tmp_path):
    for i in range(6):
        write(tmp_path / f"m{i}.py", MLP if i % 2 else "y = 2\n")
    serial = run([tmp_path], RunOptions(mode="check"), jobs=1)
    parallel = run([tmp_path], RunOptions(mode="check"), jobs=2)
    assert [(r.path, r.status, r.findings) for r in serial.files] == \
        [(r.path, r.status, r.findings) for r in parallel.files]
