"""[tool.rlmigrate] in pyproject.toml: discovery, every key, precedence of flags, errors (exit 2)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rlmigrate.codemod.config import KNOWN_KEYS, ConfigError, find_config, load_settings

from .test_cli_output import cli, legacy_tree


def write_config(folder: Path, body: str) -> Path:
    path = folder / "pyproject.toml"
    path.write_text("[project]\nname = 'x'\n\n[tool.rlmigrate]\n" + textwrap.dedent(body))
    return path


def scan(*argv: str):
    return cli(["scan", *argv], isolated=False)


def test_config_is_found_above_the_inputs_and_applies_its_keys(tmp_path, monkeypatch):
    root = legacy_tree(tmp_path, ("mlp.py", "lstm.py", "tf_model.py"))
    write_config(tmp_path, """\
        target = "ray"
        select = ["RLM0"]
        ignore = ["RLM060"]
        extend-exclude = ["sub"]
        """)
    monkeypatch.chdir(tmp_path.parent)  # config is found from the inputs, not the cwd
    code, out, err, result = scan("--output-format", "json", str(root))
    assert code == 0, err
    assert [Path(f.path).name for f in result.files] == ["mlp.py", "tf_model.py"]
    assert '"target": "ray"' in out
    codes = {f.code for f in result.findings}
    assert {"RLM001", "RLM002"} <= codes and "RLM060" not in codes  # RLM060 ignored
    assert all(code.startswith("RLM0") for code in codes)  # select


def test_config_is_found_from_the_working_directory(tmp_path, monkeypatch):
    legacy_tree(tmp_path, ("tf_model.py",))
    write_config(tmp_path, 'ignore = ["RLM06"]\n')
    monkeypatch.chdir(tmp_path)
    assert find_config(["src"]) == tmp_path / "pyproject.toml"
    assert not [f for f in scan("src")[3].findings if f.code.startswith("RLM06")]


def test_a_pyproject_without_the_table_is_skipped(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.rlmigrate]\nignore = ['RLM06']\n")
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    assert find_config([inner], cwd=inner) == tmp_path / "pyproject.toml"


def test_flags_win_over_the_config(tmp_path, monkeypatch):
    legacy_tree(tmp_path, ("mlp.py", "tf_model.py"))
    write_config(tmp_path, """\
        target = "ray"
        select = ["RLM060"]
        exclude = ["mlp.py"]
        """)
    monkeypatch.chdir(tmp_path)
    _, out, _, result = scan("--output-format", "json", "src")
    assert [f.path for f in result.files] == ["src/sub/tf_model.py"]
    assert '"target": "ray"' in out
    _, out, _, result = scan("--output-format", "json", "--target", "rlmigrate", "--select", "RLM001",
                             "--exclude", "nothing", "src")
    assert '"target": "rlmigrate"' in out
    assert [f.path for f in result.files] == ["src/mlp.py", "src/sub/tf_model.py"]
    assert {f.code for f in result.findings} == {"RLM001"}
    _, _, _, result = scan("--isolated", "src")
    assert {f.code for f in result.findings} >= {"RLM001", "RLM060"}


def test_per_file_ignores_switch_rules_off_for_matching_files(tmp_path, monkeypatch):
    root = legacy_tree(tmp_path, ("mlp.py", "tf_model.py"))
    (root / "legacy").mkdir()
    (root / "legacy" / "old.py").write_text((root / "mlp.py").read_text())
    write_config(tmp_path, """\
        [tool.rlmigrate.per-file-ignores]
        "src/legacy/**" = ["RLM0"]
        "tf_*.py" = ["RLM060"]
        """)
    monkeypatch.chdir(tmp_path)
    before = (root / "legacy" / "old.py").read_bytes()
    code, _, _, result = cli(["rewrite", "src"], isolated=False)
    assert code == 0
    by_file = {f.path: f for f in result.files}
    assert by_file["src/mlp.py"].changed and not by_file["src/legacy/old.py"].changed
    assert (root / "legacy" / "old.py").read_bytes() == before
    assert "RLM060" not in {f.code for f in by_file["src/sub/tf_model.py"].findings}


@pytest.mark.parametrize("body, key, expected", [
    ('selct = ["RLM001"]\n', "'selct'", "known keys"),
    ('select = "RLM001"\n', "select", "expected a list of strings"),
    ('select = ["RLM999"]\n', "select", "matches no rule code"),
    ('ignore = [1]\n', "ignore", "expected a list of strings"),
    ('target = "tf"\n', "target", "expected one of rlmigrate, ray"),
    ('respect-gitignore = "yes"\n', "respect-gitignore", "expected true or false"),
    ('per-file-ignores = ["x"]\n', "per-file-ignores", "expected a table"),
    ('[tool.rlmigrate.per-file-ignores]\n"a/*" = ["XYZ1"]\n', "per-file-ignores 'a/*'", "matches no rule code"),
    ('select = [\n', "", "invalid TOML"),
])
def test_a_bad_key_or_value_exits_2_naming_file_and_key(tmp_path, monkeypatch, body, key, expected):
    legacy_tree(tmp_path, ("mlp.py",))
    config = write_config(tmp_path, body)
    monkeypatch.chdir(tmp_path)
    for command in ("scan", "rewrite"):
        code, out, err, result = cli([command, "src"], isolated=False)
        assert code == 2 and result is None and out == ""
        assert str(config) in err and key in err and expected in err, err
    with pytest.raises(ConfigError, match=expected):
        load_settings(config)


def test_config_flag_names_the_file_and_a_missing_one_exits_2(tmp_path, monkeypatch):
    legacy_tree(tmp_path, ("tf_model.py",))
    other = tmp_path / "conf"
    other.mkdir()
    write_config(other, 'ignore = ["RLM060"]\n')
    monkeypatch.chdir(tmp_path)
    assert "RLM060" in {f.code for f in scan("src")[3].findings}  # no config found by discovery
    assert "RLM060" not in {f.code for f in scan("--config", str(other / "pyproject.toml"), "src")[3].findings}
    code, _, err, _ = scan("--config", str(tmp_path / "nope.toml"), "src")
    assert code == 2 and "nope.toml" in err


def test_known_keys_are_the_documented_ones():
    import rlmigrate.codemod.config as config

    for key in KNOWN_KEYS:
        assert f"{key} =" in config.__doc__ or f"{key}]" in config.__doc__, key
