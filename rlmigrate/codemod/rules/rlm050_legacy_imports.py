"""RLM050: legacy imports that the rewrite made unused are removed."""

from __future__ import annotations

from rlmigrate.codemod.rules.base import Rule


class RemoveUnusedLegacyImports(Rule):
    """Remove ``ray.rllib``/``shim`` imports that no longer have a use after the rewrite.

    What it does:
        After the other rules ran, every import from a legacy package (``ray.rllib.*`` or
        ``shim.*``) whose name was used in the original file and is unused in the rewritten one
        is removed (an edit of that import statement, as libcst nodes); the new-stack names the
        rewrite uses are added from the ``--target`` (``from rlmigrate
        import ...``, or Ray 2.40's ``ray.rllib.core...`` paths).
    Why:
        A migrated module must import without Ray's legacy stack; imports that are still used
        (a loss function left for a human, say) stay, and imports the user never used are not
        touched.
    Before:
        from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
        from ray.rllib.utils.annotations import override
    After:
        from rlmigrate import Columns, TorchRLModule
    Fix safety:
        safe: only names with no remaining reference are removed.
    """

    code = "RLM050"
    name = "legacy-imports"
    title = "remove legacy imports made unused; add target imports"
    fix_safety = "safe"
