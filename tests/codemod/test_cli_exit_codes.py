"""One exit-code table in every --help; engine codes in `rlmigrate rules`; codes used consistently."""

from __future__ import annotations

import io
import shutil
from contextlib import redirect_stdout

import pytest

from rlmigrate import exit_codes
from rlmigrate.cli import build_parser, main
from rlmigrate.codemod.cli_rules import rule_doc_text, rules_table_text
from rlmigrate.codemod.engine_code_docs import ENGINE_CODE_DOCS
from rlmigrate.codemod.findings import ENGINE_CODES
from rlmigrate.codemod.rules import ALL_RULES

from .test_cli_output import LEGACY, cli, legacy_tree


def _help(*argv: str) -> str:
    buffer = io.StringIO()
    with redirect_stdout(buffer), pytest.raises(SystemExit) as exc:
        main([*argv, "--help"])
    assert exc.value.code == 0
    return buffer.getvalue()


def test_every_help_prints_the_one_exit_code_table():
    table = exit_codes.exit_code_epilog()
    subcommands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"rewrite", "scan", "rules"} <= set(subcommands)
    for argv in [(), *((name,) for name in subcommands)]:
        text = _help(*argv)
        assert table in text, argv  # verbatim: line breaks kept (raw formatter)
    for code, command, _ in exit_codes.EXIT_CODE_ROWS:
        assert f"  {code}  {command}" in table


def test_rewrite_help_documents_every_option_and_noqa():
    text = _help("rewrite")
    for option in ("--output-format", "--format", "--exclude", "--extend-exclude", "--respect-gitignore",
                   "--no-respect-gitignore", "--force-exclude", "--config", "--isolated", "--diff",
                   "--check", "--out", "--select", "--ignore", "--target", "--strict", "--report"):
        assert option in text, option
    assert "noqa" in text and "[tool.rlmigrate]" in text


def test_exit_codes_follow_the_table(tmp_path, monkeypatch):
    root = legacy_tree(tmp_path, ("mlp.py", "tf_model.py"))
    monkeypatch.chdir(tmp_path)
    assert cli(["scan", "src"])[0] == exit_codes.EXIT_OK
    assert cli(["scan", "--strict", "src"])[0] == exit_codes.EXIT_FOUND  # RLM060 is manual
    assert cli(["rewrite", "--check", "src"])[0] == exit_codes.EXIT_FOUND
    assert cli(["rewrite", "--diff", "src"])[0] == exit_codes.EXIT_FOUND
    assert cli(["scan", "missing"])[0] == exit_codes.EXIT_ERROR
    assert cli(["scan", "--select", "RLM999", "src"])[0] == exit_codes.EXIT_ERROR
    shutil.copy(LEGACY / "syntax_error.py", root)
    # 2 wins over 1: a file that could not be processed
    assert cli(["rewrite", "--check", "src"])[0] == exit_codes.EXIT_ERROR
    assert main(["rules", "RLM999"]) == exit_codes.EXIT_ERROR


def test_rules_lists_rules_then_engine_codes_with_names():
    table = rules_table_text(width=160)
    positions = [table.index(rule.code) for rule in ALL_RULES]
    engine = [table.index(code) for code in ENGINE_CODES]
    assert max(positions) < min(engine)
    for code in ENGINE_CODES:
        assert ENGINE_CODE_DOCS[code].name in table


@pytest.mark.parametrize("code", sorted(ENGINE_CODES))
def test_every_engine_code_has_a_doc_rules_prints(code, capsys):
    assert code in ENGINE_CODE_DOCS  # a new engine code needs its "what to do"
    assert main(["rules", code.lower()]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"{code} ({ENGINE_CODE_DOCS[code].name}): {ENGINE_CODES[code]}")
    assert "What to do:" in text and "left untouched" in text
    assert rule_doc_text(code) == text
