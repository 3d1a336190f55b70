"""Submodules a legacy model builds in its first ``forward`` call, not in ``__init__``.

The idiom (RLlib's ``DNCMemory`` example does it to build on the input's device)::

    def __init__(self, ...):
        self.memory = None

    def forward(self, input_dict, state, seq_lens):
        if self.memory is None:              # first call: build, and start from scratch
            self.build_memory(x.device)      # assigns self.memory (directly or in a helper)
            hidden = None
        else:
            hidden = state

The converted module keeps the body, so it behaves the same *from the second call on*. What the
rewrite cannot carry over unchecked: a fresh module has no weights for the submodule (a legacy
``state_dict`` or a checkpoint that holds them does not load before a first forward pass), the
first pass often runs differently (here: it ignores the incoming state), and
``compute_values(batch)`` re-runs ``_forward(batch)`` on the already built submodule where the
legacy ``value_function()`` returned what the building call cached. The converting rules report
each such build as ``review`` at its ``if`` (``rlmigrate verify`` warms both sides up and
compares from the second call on, see ``rlmigrate.testing.warmup``).

Recognised guards: ``self.X is None``, ``not self.X``, ``not hasattr(self, "X")`` (alone or in
an ``and``/``or``), whose body assigns ``self.X`` itself or through ``self.helper(...)`` calls
(followed through the class's own methods).
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from rlmigrate.codemod.nodes import is_self_attr, string_value, walk

__all__ = ["LazyBuild", "lazy_builds", "lazy_build_message"]


@dataclass(frozen=True)
class LazyBuild:
    """One ``if`` in the forward method that builds ``self.<attr>`` on the first call.

    Attributes:
        guard: the ``if`` statement (where the finding goes).
        attr: the attribute built.
        via: the helper method that assigns it (``"build_dnc"``), or None when the ``if``
            body assigns it itself.
    """

    guard: cst.If
    attr: str
    via: str | None


def _self_name(method: cst.FunctionDef) -> str | None:
    positional = list(method.params.posonly_params) + list(method.params.params)
    return positional[0].name.value if positional else None


def _guarded_attrs(test: cst.BaseExpression, self_name: str) -> set[str]:
    """Attributes whose absence ``test`` checks (see the module docstring)."""
    found: set[str] = set()
    if isinstance(test, cst.BooleanOperation):
        return _guarded_attrs(test.left, self_name) | _guarded_attrs(test.right, self_name)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        if (isinstance(target.operator, (cst.Is, cst.Equal)) and isinstance(target.comparator, cst.Name)
                and target.comparator.value == "None" and is_self_attr(test.left, self_name)):
            found.add(test.left.attr.value)  # type: ignore[attr-defined]
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = test.expression
        if is_self_attr(inner, self_name):
            found.add(inner.attr.value)  # type: ignore[attr-defined]
        elif (isinstance(inner, cst.Call) and isinstance(inner.func, cst.Name)
              and inner.func.value == "hasattr" and len(inner.args) == 2
              and isinstance(inner.args[0].value, cst.Name) and inner.args[0].value.value == self_name):
            name = string_value(inner.args[1].value)
            if name:
                found.add(name)
    return found


def _assigned_attrs(node: cst.CSTNode, self_name: str) -> set[str]:
    """``self.X`` attributes a statement block assigns directly."""
    out: set[str] = set()
    for inner in walk(node, into_functions=False):
        targets: list[cst.CSTNode] = []
        if isinstance(inner, cst.Assign):
            targets = [t.target for t in inner.targets]
        elif isinstance(inner, (cst.AnnAssign, cst.AugAssign)):
            targets = [inner.target]
        for target in targets:
            elements = target.elements if isinstance(target, (cst.Tuple, cst.List)) else []
            for bound in [target, *(e.value for e in elements)]:
                if is_self_attr(bound, self_name):
                    out.add(bound.attr.value)  # type: ignore[attr-defined]
    return out


def _helper_calls(node: cst.CSTNode, self_name: str) -> list[str]:
    """Names of ``self.<name>(...)`` calls in a block, in order."""
    return [
        inner.func.attr.value  # type: ignore[attr-defined]
        for inner in walk(node, into_functions=False)
        if isinstance(inner, cst.Call) and is_self_attr(inner.func, self_name)
    ]


def _assigns_through(
    name: str, attr: str, methods: dict[str, cst.FunctionDef], seen: set[str]
) -> bool:
    """Whether method ``name`` (or a method it calls on self) assigns ``self.<attr>``."""
    if name in seen or name not in methods:
        return False
    seen.add(name)
    method = methods[name]
    self_name = _self_name(method)
    if self_name is None:
        return False
    if attr in _assigned_attrs(method.body, self_name):
        return True
    return any(_assigns_through(n, attr, methods, seen) for n in _helper_calls(method.body, self_name))


def lazy_builds(methods: dict[str, cst.FunctionDef], forward_name: str) -> list[LazyBuild]:
    """Every lazy build in ``methods[forward_name]`` (empty when there is no such method)."""
    forward = methods.get(forward_name)
    self_name = _self_name(forward) if forward is not None else None
    if forward is None or self_name is None:
        return []
    found: list[LazyBuild] = []
    for node in walk(forward.body, into_functions=False):
        if not isinstance(node, cst.If):
            continue
        for attr in sorted(_guarded_attrs(node.test, self_name)):
            if attr in _assigned_attrs(node.body, self_name):
                found.append(LazyBuild(node, attr, None))
                continue
            via = next((h for h in _helper_calls(node.body, self_name)
                        if _assigns_through(h, attr, methods, {forward_name})), None)
            if via is not None:
                found.append(LazyBuild(node, attr, via))
    return found


def lazy_build_message(build: LazyBuild, forward_name: str, value_reruns_forward: bool) -> str:
    """The review finding for ``build`` (what breaks, what verify compares, what to do)."""
    how = f" through self.{build.via}()" if build.via else ""
    values = (
        "; compute_values(batch) re-runs _forward(batch) on the built submodule, where the "
        "legacy value_function() returned what the building call cached"
        if value_reruns_forward else ""
    )
    where = f"self.{build.via}(...)" if build.via else f"the build of self.{build.attr}"
    test = " ".join(cst.Module([]).code_for_node(build.guard.test).split())
    return (
        f"self.{build.attr} is built on the first {forward_name}() call (`if {test}:`{how}), not in "
        f"setup(): a fresh module has no {build.attr}.* weights, so a legacy state_dict or "
        "checkpoint holding them does not load before a first forward pass, and that first "
        f"pass may run differently from later ones{values}. rlmigrate verify compares the two "
        "from the second call on (one identical warm-up step first); once the first call is "
        f"checked, move {where} into setup()"
    )
