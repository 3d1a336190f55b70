"""RLM035: imports of names Ray renamed before 2.10 move to their Ray 2.10 names."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod import ray_renames as rn
from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.findings import CONVERTED, MANUAL
from rlmigrate.codemod.nodes import dotted_name
from rlmigrate.codemod.rules.base import Rule


class RayRenamedImports(Rule):
    """Move imports of renamed Ray 1.x paths and names to the Ray 2.10 ones (modernize).

    What it does:
        Rewrites an import of a path or name that Ray renamed before 2.10 to its new spelling,
        only where Ray 2.10 has the new path *and* every name the statement imports (checked
        against an inventory of the Ray 2.10 wheel; a name 2.10 keeps only as a deprecated stub
        that raises does not count): ``ray.rllib.agents.X`` →
        ``ray.rllib.algorithms.X``, ``ray.rllib.utils.torch_ops`` / ``tf_ops`` →
        ``torch_utils`` / ``tf_utils``, ``TrainerConfigDict`` → ``AlgorithmConfigDict`` (the
        import and every use, matched by qualified name). An import of a name Ray 2.10 lacks
        that the file never uses (nor lists in a string, e.g. ``__all__``) is removed. A used
        name with no such successor (``build_trainer``, ``_adjust_nstep``, a DDPG policy
        module, Ray 0.x's ``ray.rllib.models.model``) is reported with what replaces it, and
        its statement is left as it is. A name read through a Ray module bound to a local name
        (``import ray.rllib.agents.ppo as ppo``; ``from ray.rllib.policy import torch_policy``)
        that Ray 2.10's module lacks is reported where it is read (``ppo.PPOTrainer``,
        ``torch_policy.LearningRateSchedule``). A file whose only Ray imports sit inside
        functions is analysed too when it spells one of the old names.
    Why:
        One such import makes the whole file fail to import on Ray 2.10, the last release with
        the legacy stack: nothing in it can run there, and ``rlmigrate verify`` has no legacy
        side to compare with. Ray kept each old path as a deprecated alias of the new one when
        it renamed it; the rename restores what the alias did.
    Before:
        from ray.rllib.agents.ppo.ppo_torch_policy import PPOTorchPolicy
        from ray.rllib.utils.torch_ops import convert_to_torch_tensor
        from ray.rllib.utils.typing import TrainerConfigDict

        def setup(policy, config: TrainerConfigDict):
            return convert_to_torch_tensor(config["lr"])
    After:
        from ray.rllib.algorithms.ppo.ppo_torch_policy import PPOTorchPolicy
        from ray.rllib.utils.torch_utils import convert_to_torch_tensor
        from ray.rllib.utils.typing import AlgorithmConfigDict

        def setup(policy, config: AlgorithmConfigDict):
            return convert_to_torch_tensor(config["lr"])
    Fix safety:
        review: the new path holds the object Ray 2.10 has under it, which is what the old
        alias gave on the release that renamed it; a class whose API changed since Ray 1.x
        (``PPOTorchPolicy.with_updates`` is gone) still fails where it is used, and is reported
        by the rules that convert it.
    """

    code = "RLM035"
    name = "ray-renamed-imports"
    title = "Ray 1.x paths and names renamed before 2.10 → their Ray 2.10 names (modernize)"
    fix_safety = "review"

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        text = getattr(ctx.facts, "source_text", None) or ""
        self._text = text
        self._active = "ray" in text and "rllib" in text
        self._in_import = 0
        #: local names whose uses change: old local -> new local
        self._renamed_locals: dict[str, str] = {}
        #: a Ray module bound to a local name (``import old as local``, ``from pkg import sub``):
        #: local -> (the path the file spells, its Ray 2.10 path)
        self._renamed_modules: dict[str, tuple[str, str]] = {}

    # -- imports -------------------------------------------------------------------------
    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._in_import += 1

    def visit_Import(self, node: cst.Import) -> None:
        self._in_import += 1

    def leave_Import(self, original: cst.Import, updated: cst.Import) -> cst.Import:
        self._in_import -= 1
        if not self._active or isinstance(updated.names, cst.ImportStar):
            return updated
        aliases = []
        changed = False
        for alias in updated.names:
            path = dotted_name(alias.name) or ""
            new = rn.renamed_module(path)
            if new is None or rn.module_in_2_10(path):
                aliases.append(alias)
                continue
            if alias.asname is None or not rn.module_in_2_10(new):
                reason = (f"Ray 2.10 has no {new}" if not rn.module_in_2_10(new) else
                          f"its uses spell the old path; import {new} as a name and use that")
                self.report(original, MANUAL, f"import {path}: {reason}")
                aliases.append(alias)
                continue
            self.report(original, CONVERTED, f"import {path} → import {new} (renamed before Ray 2.10)")
            self._renamed_modules[_local(alias)] = (path, new)
            aliases.append(alias.with_changes(name=cst.parse_expression(new)))
            changed = True
        return updated.with_changes(names=aliases) if changed else updated

    def leave_ImportFrom(
        self, original: cst.ImportFrom, updated: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        self._in_import -= 1
        if not self._active or original.relative or original.module is None:
            return updated
        module = dotted_name(original.module) or ""
        if not rn.is_ray_rllib(module):
            return updated
        new_module = module
        if not rn.module_in_2_10(module):
            renamed = rn.renamed_module(module)
            if renamed is None or not rn.module_in_2_10(renamed):
                return self._missing_module(original, updated, module, renamed)
            new_module = renamed
        if isinstance(updated.names, cst.ImportStar):
            return self._converted(original, updated, module, new_module, ())
        keep: list[cst.ImportAlias] = []
        renames: list[str] = []
        missing: list[str] = []
        dropped: list[str] = []
        for alias in updated.names:
            name = dotted_name(alias.name) or ""
            if self._built_by_rlm036(module, name):
                keep.append(alias)  # RLM036's
                continue
            if rn.name_in_2_10(new_module, name):
                keep.append(alias)
                continue
            new_name = rn.NAME_RENAMES.get(f"{module}.{name}")
            if new_name is not None and rn.name_in_2_10(new_module, new_name):
                keep.append(alias.with_changes(name=cst.Name(new_name)))
                renames.append(f"{name} → {new_name}")
                if alias.asname is None:
                    self._renamed_locals[name] = new_name
                continue
            local = _local(alias)
            if self._unused(original, local):
                dropped.append(name)
            else:
                missing.append(name)
        for alias in updated.names:  # sub-modules imported as names: their reads are checked
            name = dotted_name(alias.name) or ""
            if rn.is_ray_rllib(f"{new_module}.{name}") and rn.module_in_2_10(f"{new_module}.{name}"):
                self._renamed_modules[_local(alias)] = (f"{module}.{name}", f"{new_module}.{name}")
        if missing:
            for name in missing:
                hint = rn.no_successor(module, name) or rn.no_successor(new_module, name)
                self.report(original, MANUAL, f"{module}.{name} is not in Ray 2.10 "
                            f"({_absent(new_module, name)}){': ' + hint if hint else ''}; "
                            "this import fails there")
            self._renamed_locals = {k: v for k, v in self._renamed_locals.items()
                                    if not any(k == _local(a) for a in updated.names)}
            return updated
        for name in dropped:
            self.report(original, CONVERTED, f"removed the unused import of {module}.{name} "
                        "(not in Ray 2.10: the import failed there)")
        if not keep:
            return cst.RemovalSentinel.REMOVE
        if new_module == module and not renames and not dropped:
            return updated
        if dropped:  # the last name keeps the comma (or none) the statement's last name had
            keep[-1] = keep[-1].with_changes(comma=updated.names[-1].comma)
        return self._converted(original, updated.with_changes(names=keep), module, new_module, renames)

    def _converted(self, original: cst.ImportFrom, updated: cst.ImportFrom, module: str,
                   new_module: str, renames: list[str] | tuple[str, ...]) -> cst.ImportFrom:
        if new_module != module:
            self.report(original, CONVERTED, f"{module} → {new_module} (renamed before Ray 2.10)")
            updated = updated.with_changes(module=cst.parse_expression(new_module))
        for rename in renames:
            self.report(original, CONVERTED, f"{module}: {rename} (renamed before Ray 2.10)")
        return updated

    def _missing_module(self, original: cst.ImportFrom, updated: cst.ImportFrom, module: str,
                        renamed: str | None) -> cst.ImportFrom | cst.RemovalSentinel:
        if self._built_by_rlm036(module, None):
            return updated
        names = [] if isinstance(updated.names, cst.ImportStar) else [_local(a) for a in updated.names]
        if names and all(self._unused(original, n) for n in names):
            self.report(original, CONVERTED, f"removed the unused import from {module} "
                        "(not in Ray 2.10: the import failed there)")
            return cst.RemovalSentinel.REMOVE
        hint = rn.no_successor(module)
        if hint is None and renamed is not None:
            hint = f"Ray 2.10 has no {renamed} either"
        self.report(original, MANUAL, f"{module} is not in Ray 2.10{': ' + hint if hint else ''}; "
                    "this import fails there")
        return updated

    def _built_by_rlm036(self, module: str, name: str | None) -> bool:
        if not self.ctx.is_selected("RLM036"):
            return False
        if name is None:
            return module == "ray.rllib.policy.torch_policy_template"
        return f"{module}.{name}" in rn.BUILD_TORCH_POLICY

    def _unused(self, original: cst.CSTNode, local: str) -> bool:
        """No reference to ``local`` in its scope, and not listed in an ``__all__``."""
        if "__all__" in self._text and (f'"{local}"' in self._text or f"'{local}'" in self._text):
            return False
        scope = self.ctx.scope_of(original)
        if scope is None:
            return False
        return not any(assignment.references for assignment in scope.assignments[local])

    # -- uses of renamed names -------------------------------------------------------------
    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        new = self._renamed_locals.get(original.value)
        if new is None or self._in_import:
            return updated
        if any(q in rn.NAME_RENAMES for q in self.ctx.qualified_names(original)):
            return updated.with_changes(value=new)
        return updated

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """A name read from a renamed module alias (``ppo.PPOTrainer``) that Ray 2.10's module
        does not have is reported where it is read."""
        if not self._renamed_modules or not isinstance(node.value, cst.Name):
            return
        found = self._renamed_modules.get(node.value.value)
        if found is None:
            return
        old, new = found
        if f"{old}.{node.attr.value}" in rn.NAME_RENAMES:
            return  # renamed where it is left
        if f"{old}.{node.attr.value}" not in self.ctx.qualified_names(node):
            return
        if not rn.name_in_2_10(new, node.attr.value):
            hint = rn.no_successor(old, node.attr.value) or rn.no_successor(new, node.attr.value)
            self.report(node, MANUAL, f"{old}.{node.attr.value} is not in Ray 2.10 "
                        f"({_absent(new, node.attr.value)}){': ' + hint if hint else ''}; "
                        "this use fails there")

    def leave_Attribute(self, original: cst.Attribute, updated: cst.BaseExpression) -> cst.BaseExpression:
        if not self._active or self._in_import or original.attr.value not in _OLD_NAMES:
            return updated
        for qualified in self.ctx.qualified_names(original):
            new = rn.NAME_RENAMES.get(qualified)
            if new is not None and isinstance(updated, cst.Attribute):
                self.report(original, CONVERTED, f"{qualified} → {new} (renamed before Ray 2.10)")
                return updated.with_changes(attr=cst.Name(new))
        return updated


_OLD_NAMES = frozenset(q.rsplit(".", 1)[1] for q in rn.NAME_RENAMES)


def _absent(module: str, name: str) -> str:
    """How ``module.name`` is missing from Ray 2.10, for a finding."""
    if rn.raises_in_2_10(module, name):
        return f"{module}.{name} only raises there"
    return f"{module} has no {name}"


def _local(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return (dotted_name(alias.name) or "").split(".")[0]
