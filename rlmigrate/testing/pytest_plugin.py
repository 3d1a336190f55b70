"""pytest plugin of rlmigrate.testing (registered as a ``pytest11`` entry point).

Fixtures, so a team's own test suite can prove its migrations without imports:

* ``rlmigrate_equivalence``: :func:`rlmigrate.testing.equivalence.assert_equivalent`.
* ``rlmigrate_transfer``: :func:`rlmigrate.testing.transfer.transfer_weights`.
* ``rlmigrate_strategies``: a namespace with the hypothesis strategies ``spaces``,
  ``action_spaces``, ``observations`` and ``batches``.

Example (in a user's test file)::

    def test_my_model_migrated(rlmigrate_equivalence):
        rlmigrate_equivalence(LegacyModel, MigratedModule,
                              observation_space=OBS, action_space=ACT, explore=True)

pytest imports this module on every run of every suite in the environment, so it imports
nothing heavy at module level: torch and hypothesis load when a fixture is first used.
"""

from __future__ import annotations

import types
from typing import Any

import pytest

__all__ = ["rlmigrate_equivalence", "rlmigrate_transfer", "rlmigrate_strategies"]


@pytest.fixture
def rlmigrate_equivalence() -> Any:
    """``assert_equivalent(legacy, migrated, *, observation_space=..., action_space=..., ...)``."""
    from rlmigrate.testing.equivalence import assert_equivalent

    return assert_equivalent


@pytest.fixture
def rlmigrate_transfer() -> Any:
    """``transfer_weights(source, target, *, mapping=None, strict=True)``."""
    from rlmigrate.testing.transfer import transfer_weights

    return transfer_weights


@pytest.fixture
def rlmigrate_strategies() -> types.SimpleNamespace:
    """The hypothesis strategies: ``spaces``, ``action_spaces``, ``observations``, ``batches``."""
    from rlmigrate.testing import strategies

    return types.SimpleNamespace(
        spaces=strategies.spaces,
        action_spaces=strategies.action_spaces,
        observations=strategies.observations,
        batches=strategies.batches,
        box_spaces=strategies.box_spaces,
    )
