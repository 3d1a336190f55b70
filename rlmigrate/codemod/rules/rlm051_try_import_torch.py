"""RLM051: ``torch, nn = try_import_torch()`` becomes plain torch imports."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod import nodes as N
from rlmigrate.codemod.findings import CONVERTED
from rlmigrate.codemod.rules.base import Rule


class TryImportTorchToImports(Rule):
    """Replace RLlib's optional-import helper with the imports it stands for.

    What it does:
        A module-level ``torch, nn = try_import_torch()`` (the helper imported from
        ``ray.rllib.utils.framework`` or the shim) becomes ``import torch`` and
        ``from torch import nn``, under the same local names (``th, tnn = ...`` gives
        ``import torch as th`` / ``from torch import nn as tnn``). Every other rule reads
        ``nn.Module`` bound this way as ``torch.nn.Module`` whether or not this rule runs, so
        the model rewrite drops the ``nn.Module`` base and the ``nn.Module.__init__(self)``
        call either way.
    Why:
        The helper is legacy RLlib API: a converted file that keeps it still needs Ray (or the
        shim) to import. A migrated module requires torch anyway.
    Before:
        from ray.rllib.utils.framework import try_import_torch
        torch, nn = try_import_torch()
    After:
        import torch
        from torch import nn
    Fix safety:
        safe: the helper returned exactly these modules whenever torch was installed (it
        returned ``(None, None)`` otherwise, which no torch model survives).
    """

    code = "RLM051"
    name = "try-import-torch"
    title = "try_import_torch() → import torch"
    fix_safety = "safe"

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        facts = self.ctx.facts
        if facts is None or len(original.body) != 1 or original.body[0] not in facts.framework_imports:
            return updated
        assign = original.body[0]
        assert isinstance(assign, cst.Assign)
        target = assign.targets[0].target
        assert isinstance(target, (cst.Tuple, cst.List))
        lines: list[cst.BaseStatement] = []
        for element in target.elements:
            assert isinstance(element.value, cst.Name)
            local = element.value.value
            if local == "_":
                continue  # `_, nn = try_import_torch()`: torch itself unused
            qualified = facts.framework_aliases[local]
            module, _, obj = qualified.rpartition(".")
            if not module:
                text = "import torch" if local == "torch" else f"import torch as {local}"
            else:
                text = f"from {module} import {obj}" + ("" if local == obj else f" as {local}")
            lines.append(N.statement(text + "\n"))
        if not lines:
            return updated
        lines[0] = lines[0].with_changes(leading_lines=updated.leading_lines)
        lines[-1] = lines[-1].with_changes(trailing_whitespace=updated.trailing_whitespace)
        self.report(original, CONVERTED, "try_import_torch() → " + "; ".join(
            cst.Module([]).code_for_node(line).strip() for line in lines))
        return cst.FlattenSentinel(lines)
