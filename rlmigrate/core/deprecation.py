"""One place that emits the DeprecationWarnings for RLlib 2.10-style spellings."""

from __future__ import annotations

import warnings


def deprecated(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that ``old`` (a 2.10 spelling) still works but ``new`` is the current API."""
    warnings.warn(
        f"{old} is deprecated (RLlib 2.10 style); use {new} instead.",
        DeprecationWarning,
        stacklevel=stacklevel,
    )
