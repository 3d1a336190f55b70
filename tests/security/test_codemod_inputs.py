"""Careless-user inputs (issue 11, item 5): leftovers of a killed run, unreadable directories,
non-UTF-8 file names, NUL bytes."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest

from rlmigrate.codemod import cli_rewrite
from rlmigrate.codemod.engine import RunOptions, run
from rlmigrate.codemod.findings import DECODE_ERROR, READ_ERROR

ROOT = Path(__file__).resolve().parents[2]
MLP = (ROOT / "fixtures" / "legacy" / "mlp.py").read_text()


def _cli(args: list[str]) -> tuple[int, str, str]:
    from rlmigrate.cli import build_parser

    parsed = build_parser().parse_args(args)
    out, err = io.StringIO(), io.StringIO()
    code, _ = cli_rewrite.execute(parsed, out, err)
    return code, out.getvalue(), err.getvalue()


def test_stale_temp_files_of_a_killed_run_are_swept_and_reported(tmp_path):
    (tmp_path / "m.py").write_text(MLP)
    sub = tmp_path / "pkg"
    sub.mkdir()
    (sub / "n.py").write_text("x = 1\n")
    stale = [tmp_path / ".m.py.k3j_9a0b.rlmigrate-tmp", sub / ".n.py.zz00yy11.rlmigrate-tmp"]
    for temp in stale:
        temp.write_bytes(b"half a file")
    decoys = [tmp_path / ".m.py.rlmigrate-tmp",  # no random part: not a name we make
              tmp_path / "m.py.k3j_9a0b.rlmigrate-tmp",  # no leading dot
              tmp_path / ".notes.txt.k3j_9a0b.rlmigrate-tmp",  # not a Python file's temp
              tmp_path / ".m.py.k3j_9a0b.tmp"]
    for decoy in decoys:
        decoy.write_text("keep")
    code, out, _ = _cli(["rewrite", "--format", "json", "--no-progress", str(tmp_path)])
    report = json.loads(out)
    assert code == 0
    assert sorted(report["swept_temp_files"]) == sorted(map(str, stale))
    assert not any(temp.exists() for temp in stale)
    assert all(decoy.read_text() == "keep" for decoy in decoys)
    assert "TorchRLModule" in (tmp_path / "m.py").read_text()


def test_a_stale_temp_file_next_to_a_file_argument_is_swept_and_named_in_the_text_report(tmp_path):
    file = tmp_path / "m.py"
    file.write_text(MLP)
    temp = tmp_path / ".m.py.abcdefgh.rlmigrate-tmp"
    temp.write_text("partial")
    code, out, _ = _cli(["rewrite", "--no-progress", str(file)])
    assert code == 0 and not temp.exists()
    assert "interrupted run" in out and temp.name in out


def test_check_mode_leaves_temp_files_alone(tmp_path):
    (tmp_path / "m.py").write_text(MLP)
    temp = tmp_path / ".m.py.abcdefgh.rlmigrate-tmp"
    temp.write_text("partial")
    result = run([tmp_path], RunOptions(mode="check"), jobs=1)
    assert temp.exists() and result.swept_temp_files == []


def test_an_unreadable_directory_is_reported_with_a_nonzero_exit(tmp_path):
    (tmp_path / "a.py").write_text(MLP)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden.py").write_text(MLP)
    os.chmod(locked, 0)
    try:
        code, out, _ = _cli(["scan", "--format", "json", "--no-progress", str(tmp_path)])
    finally:
        os.chmod(locked, stat.S_IRWXU)
    report = json.loads(out)
    errors = [f for f in report["findings"] if f["status"] == "error"]
    assert code == 2 and report["summary"]["failed"] == 1
    assert [(Path(f["path"]).name, f["code"]) for f in errors] == [("locked", READ_ERROR)]
    assert "not readable" in errors[0]["message"]
    assert any(Path(f["path"]).name == "a.py" for f in report["files"])


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_report_file_with_a_non_utf8_file_name(tmp_path, fmt):
    name = os.fsdecode(b"m\xff.py")  # Python holds the byte as a surrogate escape
    (tmp_path / name).write_text(MLP)
    report = tmp_path / "report.out"
    code, _, err = _cli(["rewrite", "--format", fmt, "--report", str(report), "--no-progress",
                         str(tmp_path)])
    assert code == 0, err
    data = report.read_bytes()
    if fmt == "text":
        assert b"m\xff.py" in data  # written back as the bytes the name has
    else:
        assert json.loads(data.decode())  # JSON escapes it: \udcff
    assert "TorchRLModule" in (tmp_path / name).read_text()


@pytest.mark.parametrize("where", ["start", "middle"])
def test_a_nul_byte_is_named_as_an_input_error(tmp_path, where):
    text = MLP.replace("import numpy as np\n", "import numpy as np\x00\n") if where == "middle" \
        else "\x00" + MLP
    file = tmp_path / "m.py"
    file.write_bytes(text.encode())
    result = run([file], RunOptions(), jobs=1)
    finding = result.files[0].findings[0]
    assert finding.code == DECODE_ERROR and "NUL byte" in finding.message
    assert "does not compile" not in finding.message
    expected_line = text[: text.index("\x00")].count("\n") + 1
    assert finding.line == expected_line
    assert file.read_bytes() == text.encode()
