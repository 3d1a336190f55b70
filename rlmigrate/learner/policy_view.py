"""``LegacyPolicyView``: what a migrated loss hands a helper that took the legacy policy.

Legacy losses often pass their policy on whole (``train_side_net(policy=self, ...)``) to a
module-level helper that reads a few of its attributes (``policy.config``, ``policy.model``).
On the new stack there is no policy object; the codemod (RLM033) reads which attributes the
helper (and every helper it passes the policy on to, in any file of the run) uses, and when
each has a Learner equivalent it passes a view offering exactly those: ``config`` (the
Learner's config for the module), ``model`` (the module), ``observation_space`` /
``action_space`` (the module's). Reading anything else raises an ``AttributeError`` that names
the attribute and what the view offers, never a silent default.

Example:
    >>> view = LegacyPolicyView(config={"gamma": 0.9})
    >>> view.config["gamma"]
    0.9
"""

from __future__ import annotations

from typing import Any

__all__ = ["LegacyPolicyView", "VIEW_ATTRIBUTES"]

#: the policy attributes a view can offer (each has a Learner equivalent)
VIEW_ATTRIBUTES = ("config", "model", "observation_space", "action_space")


class LegacyPolicyView:
    """A read-only stand-in for a legacy policy, offering only the attributes given.

    Args:
        **attributes: a subset of :data:`VIEW_ATTRIBUTES` with their new-stack values.

    Raises:
        TypeError: for an attribute outside :data:`VIEW_ATTRIBUTES`.
    """

    __slots__ = ("_offered",)

    def __init__(self, **attributes: Any) -> None:
        unknown = sorted(set(attributes) - set(VIEW_ATTRIBUTES))
        if unknown:
            raise TypeError(f"LegacyPolicyView offers only {', '.join(VIEW_ATTRIBUTES)}; got {', '.join(unknown)}")
        object.__setattr__(self, "_offered", dict(attributes))

    def __getattr__(self, name: str) -> Any:
        offered = object.__getattribute__(self, "_offered")
        if name in offered:
            return offered[name]
        raise AttributeError(
            f"the legacy helper read policy.{name}, which this Learner's view of the policy does not offer "
            f"(it offers {', '.join(sorted(offered)) or 'nothing'}); port the helper to read the module, "
            "config or batch instead"
        )

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"LegacyPolicyView is read-only: the legacy helper set policy.{name}")

    def __repr__(self) -> str:
        return f"LegacyPolicyView({', '.join(sorted(object.__getattribute__(self, '_offered')))})"
