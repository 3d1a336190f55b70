"""``rlmigrate rules [CODE]``: list the rules and engine codes, or print one code's documentation."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from rlmigrate.codemod.engine_code_docs import engine_code_doc
from rlmigrate.codemod.findings import ENGINE_CODES
from rlmigrate.codemod.rules import ALL_RULES, UnknownRuleError, get_rule
from rlmigrate.exit_codes import EXIT_ERROR, EXIT_OK, exit_code_epilog


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``rules`` subcommand."""
    parser = subparsers.add_parser(
        "rules", help="list codemod rules and engine codes, or show one code's doc",
        description="List the codemod rules (RLM0xx) and the engine codes (RLM9xx: why a file "
                    "could not be processed), or print one code's documentation.",
        epilog=exit_code_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("code", nargs="?", metavar="CODE",
                        help="a rule or engine code such as RLM010 or RLM901")
    parser.set_defaults(func=main_rules)


def rules_table_text(width: int | None = None) -> str:
    """The table of rules, then engine codes (code, fix safety, name, title), as plain text.

    Args:
        width: the terminal width to fill (default: the terminal's).
    """
    import io

    from rich.console import Console
    from rich.table import Table

    from rlmigrate.codemod.report_text import terminal_width

    table = Table(title="rlmigrate codemod rules and engine codes")
    table.add_column("code", no_wrap=True)
    table.add_column("fix safety", no_wrap=True)
    table.add_column("name", no_wrap=True)
    table.add_column("title", overflow="fold")
    for rule in ALL_RULES:
        table.add_row(rule.code, rule.fix_safety, rule.name, rule.title)
    table.add_section()
    for code in ENGINE_CODES:
        doc = engine_code_doc(code)
        assert doc is not None
        table.add_row(code, "(engine)", doc.name, doc.title)
    buffer = io.StringIO()
    Console(file=buffer, width=width or max(terminal_width(), 80), color_system=None).print(table)
    return buffer.getvalue()


def rule_doc_text(code: str) -> str:
    """``CODE (name): title`` + fix safety + the docstring (a rule) or what to do (an engine code).

    Raises:
        UnknownRuleError: no rule or engine code ``code``.
    """
    engine = engine_code_doc(code)
    if engine is not None:
        return engine.text()
    rule = get_rule(code)
    return f"{rule.code} ({rule.name}): {rule.title}\nFix safety: {rule.fix_safety}\n\n{rule.doc()}\n"


def run_rules(code: str | None, stdout: TextIO, stderr: TextIO) -> int:
    """Print the table or one doc; exit 2 for an unknown code."""
    if code is None:
        stdout.write(rules_table_text())
        return EXIT_OK
    try:
        stdout.write(rule_doc_text(code))
    except UnknownRuleError as err:
        print(f"rlmigrate rules: error: {err} (engine codes: {', '.join(ENGINE_CODES)})", file=stderr)
        return EXIT_ERROR
    return EXIT_OK


def main_rules(args: argparse.Namespace) -> int:
    """Entry point for ``rules``."""
    return run_rules(args.code, sys.stdout, sys.stderr)
