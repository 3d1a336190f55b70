"""RLM059: with ``--target ray``, legacy imports Ray >= 2.40 removed are guarded."""

from __future__ import annotations

from rlmigrate.codemod.rules.base import Rule


class RayRemovedImportsGuarded(Rule):
    """Guard imports of legacy modules that Ray 2.40 deleted, so the migrated file imports there.

    What it does:
        Only with ``--target ray``, after every other rule: an import of a ``ray.rllib`` or
        ``ray.tune`` module or name that Ray 2.40 no longer has (checked against an inventory
        of the 2.40 wheel) moves into ``try: ... except ImportError: name = None``, and each
        later top-level statement that needs such a name at import time (a
        ``build_torch_policy(...)`` call, a subclass, a decorator) runs under
        ``if name is not None:``. The work itself lives in ``rlmigrate/codemod/ray_removed.py``.
    Why:
        One import of ``ray.rllib.policy.torch_policy_template`` makes the whole migrated file,
        and the new RLModule in it, fail to import on Ray 2.40. The legacy code still runs on the
        older Ray it was written for.
    Before:
        from ray.rllib.policy.torch_policy_template import build_torch_policy

        MyPolicy = build_torch_policy(name="MyPolicy", loss_fn=my_loss)
    After:
        try:
            from ray.rllib.policy.torch_policy_template import build_torch_policy
        except ImportError:  # RLM059: ... is not in Ray >= 2.40 (legacy API stack)
            build_torch_policy = None

        if build_torch_policy is not None:  # RLM059: legacy API stack only (Ray < 2.40)
            MyPolicy = build_torch_policy(name="MyPolicy", loss_fn=my_loss)
    Fix safety:
        review: the legacy code is kept but no longer runs on Ray >= 2.40; its job there is the
        generated RLModule's and a Learner's.
    """

    code = "RLM059"
    name = "ray-removed-imports"
    title = "guard legacy imports Ray 2.40 removed (--target ray)"
    fix_safety = "review"
