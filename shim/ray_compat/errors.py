"""The error ``shim.ray_compat`` raises for ``ray...`` paths it does not serve.

A leaf module: the finder (``shim.ray_compat``) and the lazy modules
(:mod:`shim.ray_compat.modules`, which resolve sub-modules as attributes even after
``uninstall()``) both raise it without importing each other.
"""

from __future__ import annotations

from shim.ray_compat import inventory, served

__all__ = ["UnservedPathError", "unserved_error"]


class UnservedPathError(ImportError):
    """A ``ray...`` path the shim deliberately does not serve, or one Ray 2.10 does not have."""


def unserved_error(fullname: str) -> UnservedPathError:
    """The error for a ``ray...`` path the shim does not serve, saying why and what instead."""
    reason = served.unserved_reason(fullname)
    if reason is not None:
        prefix, why, instead = reason
        message = (
            f"shim.ray_compat does not serve {fullname!r} ({prefix}.*: {why}). Instead: {instead}"
        )
    elif not fullname.startswith(("ray.rllib.", "ray.tune.")) and fullname not in (
        "ray.rllib",
        "ray.tune",
    ):
        message = (
            f"shim.ray_compat does not serve {fullname!r}: it is Ray core / training machinery, "
            "outside the surface the shim serves (ray.rllib.*, ray.tune.*, and ray.util's "
            "log_once and API annotations). Run this code on Ray itself, or keep such imports "
            "out of model files"
        )
    else:
        parent = fullname.rsplit(".", 1)[0]
        nearby = inventory.children(parent) if inventory.record(parent) else []
        message = (
            f"shim.ray_compat: Ray 2.10 has no module {fullname!r}, so the shim does not serve it"
            + (f" (modules in {parent}: {', '.join(nearby)})" if nearby else "")
            + ". Import the shim/rlmigrate equivalent directly, or run this code with the Ray "
            "version it was written for"
        )
    return UnservedPathError(message, name=fullname)
