"""The exit codes every ``rlmigrate`` subcommand shares, and the table ``--help`` prints.

One scheme for all commands, as in Ruff: 0 means nothing to report, 1 means the command did its
job and found something the caller asked to be told about (work left, a difference), 2 means the
command could not do its job (bad usage, bad configuration, an unreadable or unprocessable file).
2 wins over 1. This module imports nothing, so every CLI module can use it.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_ERROR = 2

# (code, command, meaning): the rows of the one exit-code table.
EXIT_CODE_ROWS: tuple[tuple[int, str, str], ...] = (
    (0, "all", "success: nothing left to report (rewrite: files written or nothing to change)"),
    (1, "rewrite --check / --diff", "some file would change"),
    (1, "rewrite / scan --strict", "manual items remain"),
    (1, "verify", "the legacy and migrated models differ"),
    (1, "convert-checkpoint --verify", "a converted module acts differently from the legacy policy"),
    (2, "verify", "inconclusive: the legacy side raised on so many generated inputs (the "
                  "migrated side with it) that fewer than --examples acted on both sides"),
    (2, "all", "usage error (unknown rule code, bad flag), invalid [tool.rlmigrate] "
               "configuration, missing path, or a file that could not be read, parsed or "
               "written (findings RLM901-RLM9xx, see `rlmigrate rules`)"),
)


def exit_code_epilog() -> str:
    """The exit-code table as plain text for an ``argparse`` epilog (use a raw formatter)."""
    import textwrap

    width = max(len(command) for _, command, _ in EXIT_CODE_ROWS)
    indent = " " * (2 + 1 + 2 + width + 2)
    lines = ["exit codes (all subcommands):"]
    for code, command, meaning in EXIT_CODE_ROWS:
        first = f"  {code}  {command.ljust(width)}  "
        lines.append(textwrap.fill(meaning, width=88, initial_indent=first, subsequent_indent=indent))
    return "\n".join(lines)
