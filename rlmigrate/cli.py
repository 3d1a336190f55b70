"""The ``rlmigrate`` command line: ``rewrite``, ``scan``, ``rules``, and plug-in subcommands.

Every subcommand shares one exit-code scheme (``rlmigrate.exit_codes``; ``--help`` prints the
table). Each subcommand lives in its own module with a ``register(subparsers)`` function that adds its
parser and sets ``func`` (called with the parsed namespace, returns the exit code). Subcommands
owned by other parts of the package (``verify``, ``convert-checkpoint``) are imported lazily and
skipped when their module is not installed. Importing this module does not import torch.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap
from collections.abc import Sequence

from rlmigrate.exit_codes import exit_code_epilog

# (module, required) — each module defines register(subparsers).
SUBCOMMAND_MODULES: tuple[tuple[str, bool], ...] = (
    ("rlmigrate.codemod.cli_rewrite", True),
    ("rlmigrate.codemod.cli_rules", True),
    ("rlmigrate.testing.cli_verify", False),
    ("rlmigrate.convert.cli", False),
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every available subcommand."""
    from rlmigrate import __version__

    parser = argparse.ArgumentParser(
        prog="rlmigrate",
        description="Move RLlib legacy ModelV2/Policy code to the RLModule API and prove it.",
        epilog=exit_code_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"rlmigrate {__version__}")
    subparsers = parser.add_subparsers(dest="subcommand", metavar="COMMAND")
    subparsers.required = True
    for module_name, required in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if required or err.name != module_name:
                raise
            continue
        module.register(subparsers)
    table = exit_code_epilog()
    for subparser in subparsers.choices.values():  # every subcommand prints the one table
        if subparser.epilog is None:
            subparser.epilog = table
        elif table not in subparser.epilog:  # keep the command's own note, wrapped as before
            own = subparser.epilog if "\n" in subparser.epilog else textwrap.fill(subparser.epilog, 88)
            subparser.epilog = f"{own}\n\n{table}"
        subparser.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (argparse exits 2 on usage errors)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # e.g. `rlmigrate rewrite --diff . | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
