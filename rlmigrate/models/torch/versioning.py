"""A structure counter that lets callers cache a fused forward path safely.

Default modules nest small wrappers (actor-critic encoder → MLP encoder → MLP → Sequential;
head → MLP → Sequential). At batch 1 the Python cost of those calls rivals the matmuls, so
PPO's acting pass calls the innermost ``nn.Sequential`` objects directly. That shortcut is
only right while the wrappers are unchanged: every wrapper inheriting
:class:`StructureVersioned` bumps :data:`STRUCTURE_VERSION` when a sub-module or ``forward``
is (re)assigned or deleted, or a forward hook is registered; a cached path built under an
older version is rebuilt (or refused) before use.
"""

from __future__ import annotations

from typing import Any

import torch.nn as nn

#: One global counter (a list so it is mutable in place); any structural change bumps it.
STRUCTURE_VERSION = [0]


def bump_structure_version() -> None:
    """Invalidate every cached fused path."""
    STRUCTURE_VERSION[0] += 1


class StructureVersioned(nn.Module):
    """``nn.Module`` that reports structural changes to :data:`STRUCTURE_VERSION`."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "forward" or isinstance(value, nn.Module) or name in self.__dict__.get("_modules", {}):
            bump_structure_version()
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        bump_structure_version()
        super().__delattr__(name)

    def register_module(self, name: str, module: nn.Module | None) -> None:
        bump_structure_version()
        super().register_module(name, module)

    def add_module(self, name: str, module: nn.Module | None) -> None:
        bump_structure_version()
        super().add_module(name, module)

    def register_forward_hook(self, *args: Any, **kwargs: Any) -> Any:
        bump_structure_version()
        return super().register_forward_hook(*args, **kwargs)

    def register_forward_pre_hook(self, *args: Any, **kwargs: Any) -> Any:
        bump_structure_version()
        return super().register_forward_pre_hook(*args, **kwargs)
