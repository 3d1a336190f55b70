"""Old path of :mod:`shim.adapters.constructors` (kept so existing imports work)."""

from shim.adapters.constructors import *  # noqa: F403
