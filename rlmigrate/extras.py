"""Which optional extra a command needs, and the message shown when it is not installed.

``pip install rlmigrate`` is the codemod only (libcst, rich): ``rewrite``, ``scan`` and
``rules`` run without torch, so a pre-commit hook or a lint job stays small. The runtime, the
shim and the equivalence kit are extras (see ``pyproject.toml``); a command that needs one
fails with a message that names it instead of a traceback ending in ``import torch``.

Example:
    >>> missing_extra_message("verify", ModuleNotFoundError("No module named 'torch'", name="torch"))
    "rlmigrate verify needs 'torch', which is not installed: pip install 'rlmigrate[testing]' (or 'rlmigrate[all]' for the whole toolkit)"
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

__all__ = [
    "EXTRA_FOR_COMMAND",
    "EXTRA_MODULES",
    "COMMAND_FOR_MODULE",
    "REQUIRED_MODULES",
    "command_requirement_message",
    "missing_extra_message",
    "register_unavailable",
]

#: Top-level modules that only the extras install (a missing one means a missing extra).
EXTRA_MODULES: frozenset[str] = frozenset(
    {"torch", "gymnasium", "numpy", "safetensors", "hypothesis", "tree", "msgpack"}
)

#: The smallest extra each torch-backed subcommand needs; other commands name ``all``.
EXTRA_FOR_COMMAND: dict[str, str] = {
    "verify": "testing",
    "convert-checkpoint": "runtime",
}

#: The command each optional subcommand module registers (others: the module name without
#: ``cli_``, ``_`` as ``-``).
COMMAND_FOR_MODULE: dict[str, str] = {
    "rlmigrate.testing.cli_verify": "verify",
    "rlmigrate.convert.cli": "convert-checkpoint",
}

_RUNTIME = ("torch", "gymnasium", "numpy", "safetensors", "tree", "msgpack")
#: What each extra must make importable (checked before a command runs; ``tree`` is dm-tree).
REQUIRED_MODULES: dict[str, tuple[str, ...]] = {
    "runtime": _RUNTIME,
    "testing": (*_RUNTIME, "hypothesis"),
}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken or blocked install counts as missing
        return False


def command_requirement_message(command: str | None) -> str | None:
    """The install hint when ``command`` needs an extra that is not installed, else None.

    Checked before the command runs, so that ``rlmigrate verify`` on a codemod-only install
    says which extra to install instead of failing to import the user's model file.
    """
    extra = EXTRA_FOR_COMMAND.get(command or "")
    if extra is None:
        return None
    for module in REQUIRED_MODULES[extra]:
        if not _installed(module):
            return missing_extra_message(command, ModuleNotFoundError(module, name=module))
    return None


def missing_extra_message(command: str | None, error: ModuleNotFoundError) -> str | None:
    """The install hint for ``error`` raised by ``command``; None when it is not about an extra.

    Args:
        command: the subcommand that failed (``"verify"``), or None outside the CLI.
        error: the import error; its ``name`` is the module that was missing (``"torch"`` or
            ``"torch.nn"``).
    """
    missing = (error.name or "").split(".")[0]
    if missing not in EXTRA_MODULES:
        return None
    extra = EXTRA_FOR_COMMAND.get(command or "", "all")
    what = f"rlmigrate {command}" if command else "this part of rlmigrate"
    hint = f"pip install 'rlmigrate[{extra}]'"
    if extra != "all":
        hint += " (or 'rlmigrate[all]' for the whole toolkit)"
    return f"{what} needs {missing!r}, which is not installed: {hint}"


def register_unavailable(subparsers: Any, module_name: str, error: ModuleNotFoundError) -> bool:
    """Stand in for a subcommand whose module could not import an extra; False otherwise.

    A subcommand module that imports torch at its top (``rlmigrate.core.cli_convert_checkpoint``)
    must not take the codemod-only CLI down with it: its command (the module name without
    ``cli_``, ``_`` as ``-``) stays listed and, when run, names the extra to install.
    """
    command = COMMAND_FOR_MODULE.get(
        module_name, module_name.rsplit(".", 1)[-1].removeprefix("cli_").replace("_", "-")
    )
    message = missing_extra_message(command, error)
    if message is None:
        return False
    extra = EXTRA_FOR_COMMAND.get(command, "all")
    parser = subparsers.add_parser(
        command, help=f"(not installed: pip install 'rlmigrate[{extra}]')", add_help=False
    )
    parser.set_defaults(func=lambda _args: _refuse(message), unavailable=True)
    return True


def _refuse(message: str) -> int:
    print(f"rlmigrate: error: {message}", file=sys.stderr)
    return 2
