"""``rlmigrate.extras``: which extra a command needs, and the message that names it."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from rlmigrate.extras import (
    EXTRA_FOR_COMMAND,
    EXTRA_MODULES,
    command_requirement_message,
    missing_extra_message,
)

module_names = st.text(string.ascii_lowercase + "_", min_size=1, max_size=12)
submodules = st.lists(module_names, max_size=3).map(".".join)


@given(
    module=module_names.filter(lambda m: m not in EXTRA_MODULES),
    command=st.sampled_from([None, "rewrite", "verify", "convert-checkpoint"]),
)
def test_a_module_no_extra_provides_is_not_reported_as_a_missing_extra(module, command):
    assert missing_extra_message(command, ModuleNotFoundError(module, name=module)) is None


@given(
    top=st.sampled_from(sorted(EXTRA_MODULES)),
    rest=submodules,
    command=st.sampled_from(sorted(EXTRA_FOR_COMMAND) + ["rewrite", "scan"]),
)
def test_a_missing_extra_module_names_the_command_module_and_extra(top, rest, command):
    name = f"{top}.{rest}" if rest else top
    message = missing_extra_message(command, ModuleNotFoundError(name, name=name))
    extra = EXTRA_FOR_COMMAND.get(command, "all")
    assert message is not None
    assert message.startswith(f"rlmigrate {command} needs {top!r}, which is not installed")
    assert f"pip install 'rlmigrate[{extra}]'" in message
    assert "'rlmigrate[all]'" in message  # the one-line full install, always offered


def test_no_command_and_no_module_name_are_handled():
    assert missing_extra_message(None, ModuleNotFoundError("x")) is None
    message = missing_extra_message(None, ModuleNotFoundError("torch", name="torch"))
    assert message == (
        "this part of rlmigrate needs 'torch', which is not installed: pip install 'rlmigrate[all]'"
    )


def test_commands_check_their_extra_before_running(monkeypatch):
    # In this (full) environment every extra is installed: nothing to say.
    assert command_requirement_message("verify") is None
    assert command_requirement_message("rewrite") is None
    # Without hypothesis, `verify` (extra "testing") is refused; `convert-checkpoint`
    # (extra "runtime") does not need it.
    import rlmigrate.extras as extras

    monkeypatch.setattr(extras, "_installed", lambda module: module != "hypothesis")
    assert "needs 'hypothesis'" in command_requirement_message("verify")
    assert command_requirement_message("convert-checkpoint") is None


def test_command_names_match_what_the_optional_modules_register():
    import argparse

    from rlmigrate.cli import SUBCOMMAND_MODULES, build_parser
    from rlmigrate.extras import COMMAND_FOR_MODULE

    optional = {module for module, required in SUBCOMMAND_MODULES if not required}
    assert set(COMMAND_FOR_MODULE) == optional
    subparsers = next(
        a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    )
    assert set(COMMAND_FOR_MODULE.values()) <= set(subparsers.choices)
    assert set(EXTRA_FOR_COMMAND) == set(COMMAND_FOR_MODULE.values())
