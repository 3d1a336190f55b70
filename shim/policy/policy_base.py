"""Where the layers below ``shim.policy.policy`` find the shim ``Policy`` class without importing it.

``policy_io`` (checkpoints) must check "is this a shim Policy subclass" and build the
module-acting base ``Policy``, but ``policy.py`` imports ``policy_state`` which imports
``policy_io``; importing ``Policy`` back would close a cycle. ``policy.py`` registers the
class here when it is defined, and any class a checkpoint names is imported (so registered)
before it is checked.
"""

from __future__ import annotations

__all__ = ["register_policy_base", "policy_base"]

_BASE: list[type] = []


def register_policy_base(cls: type) -> type:
    """Class decorator used once, on ``shim.policy.policy.Policy``."""
    _BASE[:] = [cls]
    return cls


def policy_base() -> type | None:
    """The shim ``Policy`` class, or None while ``shim.policy.policy`` is not imported yet."""
    return _BASE[0] if _BASE else None
