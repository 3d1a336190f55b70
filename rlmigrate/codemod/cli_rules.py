"""``rlmigrate rules [CODE]``: list the rules, or print one rule's documentation."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from rlmigrate.codemod.rules import ALL_RULES, UnknownRuleError, get_rule


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``rules`` subcommand."""
    parser = subparsers.add_parser("rules", help="list codemod rules or show one rule's doc")
    parser.add_argument("code", nargs="?", metavar="CODE", help="a rule code such as RLM010")
    parser.set_defaults(func=main_rules)


def rules_table_text(width: int = 100) -> str:
    """The rule table as plain text (code, fix safety, name, title)."""
    import io

    from rich.console import Console
    from rich.table import Table

    table = Table(title="rlmigrate codemod rules")
    for column in ("code", "fix safety", "name", "title"):
        table.add_column(column)
    for rule in ALL_RULES:
        table.add_row(rule.code, rule.fix_safety, rule.name, rule.title)
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None).print(table)
    return buffer.getvalue()


def rule_doc_text(code: str) -> str:
    """``CODE (name): title`` + fix safety + the docstring."""
    rule = get_rule(code)
    return f"{rule.code} ({rule.name}): {rule.title}\nFix safety: {rule.fix_safety}\n\n{rule.doc()}\n"


def run_rules(code: str | None, stdout: TextIO, stderr: TextIO) -> int:
    """Print the table or one doc; exit 2 for an unknown code."""
    if code is None:
        stdout.write(rules_table_text())
        return 0
    try:
        stdout.write(rule_doc_text(code))
    except UnknownRuleError as err:
        print(f"rlmigrate rules: error: {err}", file=stderr)
        return 2
    return 0


def main_rules(args: argparse.Namespace) -> int:
    """Entry point for ``rules``."""
    return run_rules(args.code, sys.stdout, sys.stderr)
