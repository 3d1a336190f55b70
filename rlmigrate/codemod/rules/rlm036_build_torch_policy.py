"""RLM036: ``build_torch_policy(...)`` becomes ``build_policy_class(..., framework="torch")``."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod import ray_renames as rn
from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.findings import CONVERTED, MANUAL
from rlmigrate.codemod.nodes import dotted_name
from rlmigrate.codemod.rules.base import Rule

_OLD = "build_torch_policy"
_NEW = "build_policy_class"


class BuildTorchPolicyToPolicyClass(Rule):
    """Spell Ray 1.x's ``build_torch_policy(...)`` as Ray 2.10's ``build_policy_class`` (modernize).

    What it does:
        Rewrites ``from ray.rllib.policy.torch_policy_template import build_torch_policy``
        (or ``from ray.rllib.policy import build_torch_policy``) to import
        ``build_policy_class`` from ``ray.rllib.policy.policy_template`` (``ray.rllib.policy``),
        and each call to ``build_policy_class(<name>, framework="torch", <same keywords>)``.
        Only when every use of the name in the file is such a call, with the policy name as its
        only positional argument, no ``**kwargs`` and no ``framework=``, and every keyword is a
        parameter of Ray 2.10's ``build_policy_class``; otherwise each blocking use is reported
        and nothing changes.
    Why:
        Ray 1.x's ``build_torch_policy`` forwarded its arguments to
        ``build_policy_class(framework="torch")`` (and was deprecated in favour of it); Ray 2.10
        removed the old name, so a file that imports it fails to import there, and the legacy
        policy it builds cannot be run or compared.
    Before:
        from ray.rllib.policy.torch_policy_template import build_torch_policy

        MyTorchPolicy = build_torch_policy(name="MyTorchPolicy", loss_fn=my_loss)
    After:
        from ray.rllib.policy.policy_template import build_policy_class

        MyTorchPolicy = build_policy_class(name="MyTorchPolicy", framework="torch", loss_fn=my_loss)
    Fix safety:
        review: Ray 2.10's ``build_policy_class`` is the function the deprecated name called on
        the last Ray 1.x releases; behaviour that changed inside it since then is Ray 2.10's.
    """

    code = "RLM036"
    name = "build-torch-policy"
    title = "build_torch_policy(...) → build_policy_class(..., framework=\"torch\") (modernize)"
    fix_safety = "review"

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        text = getattr(ctx.facts, "source_text", None)
        self._active = text is None or _OLD in text
        self._blocked: bool | None = None  # decided at the first import: every use convertible?
        self._locals: set[str] = set()

    def _decide(self, original: cst.ImportFrom) -> bool:
        """Whether every use of the imported name in the file can be converted (reports each
        use that cannot)."""
        scope = self.ctx.scope_of(original)
        ok = True
        if isinstance(original.names, cst.ImportStar) or scope is None:
            return False
        for alias in original.names:
            if dotted_name(alias.name) != _OLD:
                continue
            local = _OLD if alias.asname is None else dotted_name(alias.asname.name)  # type: ignore[arg-type]
            self._locals.add(local or _OLD)
            for assignment in scope.assignments[local]:
                for access in assignment.references:
                    problem = self._call_problem(access.node)
                    if problem:
                        self.report(access.node, MANUAL, f"{_OLD} {problem}: Ray 2.10 has only "
                                    f"{_NEW}(name, framework=\"torch\", ...); convert this use by hand")
                        ok = False
        return ok

    def _call_problem(self, node: cst.CSTNode) -> str | None:
        call = self._calls.get(id(node))
        if call is None:
            return "is used other than called"
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if any(a.star for a in call.args):
            return "is called with *args/**kwargs (its keywords cannot be checked)"
        if len(positional) > 1:
            return "is called with positional arguments after the name"
        keywords = {a.keyword.value for a in call.args if a.keyword is not None}
        if "framework" in keywords:
            return "is called with framework="
        unknown = sorted(keywords - rn.BUILD_POLICY_CLASS_KEYWORDS - {"name"})
        if unknown:
            return f"is called with {', '.join(unknown)}, which Ray 2.10's {_NEW} does not take"
        if not positional and "name" not in keywords:
            return "is called without a name"
        return None

    def visit_Module(self, node: cst.Module) -> None:
        self._calls: dict[int, cst.Call] = {}
        if not self._active:
            return
        collector = _Calls()
        node.visit(collector)
        self._calls = collector.calls

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        if not self._active or original.relative or original.module is None:
            return updated
        module = dotted_name(original.module) or ""
        if module not in rn.BUILD_POLICY_CLASS_FROM or isinstance(updated.names, cst.ImportStar):
            return updated
        if not any(dotted_name(a.name) == _OLD for a in updated.names):
            return updated
        if self._blocked is None:
            self._blocked = not self._decide(original)
        if self._blocked:
            return updated
        names = [a.with_changes(name=cst.Name(_NEW)) if dotted_name(a.name) == _OLD else a
                 for a in updated.names]
        new_module = rn.BUILD_POLICY_CLASS_FROM[module]
        self.report(original, CONVERTED, f"from {module} import {_OLD} → from {new_module} import {_NEW} "
                    "(renamed before Ray 2.10)")
        return updated.with_changes(module=cst.parse_expression(new_module), names=names)

    def leave_Call(self, original: cst.Call, updated: cst.BaseExpression) -> cst.BaseExpression:
        if not self._active or self._blocked is not False or not isinstance(updated, cst.Call):
            return updated
        if not (self.ctx.qualified_names(original.func) & rn.BUILD_TORCH_POLICY):
            return updated
        func = updated.func
        if isinstance(func, cst.Name) and func.value == _OLD:
            func = func.with_changes(value=_NEW)
        args = list(updated.args)
        at = 1 if args and args[0].keyword is None else 0
        framework = cst.Arg(keyword=cst.Name("framework"), value=cst.SimpleString('"torch"'),
                            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
        if at < len(args) and args[at].keyword is not None and args[at].keyword.value == "name":
            at += 1  # after name=...
        template = args[at - 1] if at > 0 else (args[0] if args else None)
        if template is not None and template.comma is not cst.MaybeSentinel.DEFAULT:
            framework = framework.with_changes(comma=template.comma)  # the layout of its neighbour
        if at > 0 and at == len(args):  # after the last argument: it passes its comma on
            before = updated.whitespace_before_args
            layout = before if isinstance(before, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace(" ")
            args[at - 1] = args[at - 1].with_changes(comma=cst.Comma(whitespace_after=layout))
        elif at > 0 and args[at - 1].comma is cst.MaybeSentinel.DEFAULT:
            args[at - 1] = args[at - 1].with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.insert(at, framework)
        self.report(original, CONVERTED, f"{_OLD}(...) → {_NEW}(..., framework=\"torch\")")
        return updated.with_changes(func=func, args=args)


class _Calls(cst.CSTVisitor):
    """Every call's ``func`` node (by id) -> the call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: dict[int, cst.Call] = {}

    def visit_Call(self, node: cst.Call) -> None:
        self.calls[id(node.func)] = node
