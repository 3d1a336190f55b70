"""libcst's ``ScopeProvider`` metadata of a module, without ``MetadataWrapper``'s driver.

``MetadataWrapper(module).resolve_many([ScopeProvider])`` runs libcst's two scope visitors
(``ExpressionContextVisitor``, then ``ScopeVisitor`` and its ``infer_accesses``), but around
them it also walks the whole module twice more with a batched visitor that has nothing to
do on any node but the ``Module`` (both providers only define ``visit_Module``), looks up
the providers' hook methods with ``inspect.getmembers`` on every call, and copies each
provider's node map. On the legacy fixtures that driver is about 60% of the resolution's
time. :func:`scope_metadata` runs the two visitors exactly as the providers'
``visit_Module`` hooks do and returns the same mapping (``{ScopeProvider: {node: scope}}``),
so rules read the same ``Scope`` objects either way.

The visitors are libcst internals (``libcst.metadata.scope_provider.ScopeVisitor``,
``expression_context_provider.ExpressionContextVisitor``, stable since libcst 0.3); should a
libcst release move them, :func:`scope_metadata` falls back to the wrapper.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.metadata import ExpressionContextProvider, MetadataWrapper, ScopeProvider

try:
    from libcst.metadata.expression_context_provider import (
        ExpressionContext,
        ExpressionContextVisitor,
    )
    from libcst.metadata.scope_provider import ScopeVisitor
except ImportError:  # pragma: no cover - a libcst that moved its visitors: use the wrapper
    ScopeVisitor = None  # type: ignore[assignment,misc]

#: What ``MetadataWrapper.resolve_many([ScopeProvider])`` returns: provider -> node -> value.
ScopeMetadata = Mapping[type, Mapping[cst.CSTNode, object]]


def scope_metadata(module: cst.Module) -> ScopeMetadata:
    """``{ScopeProvider: {node: Scope | None}}`` for ``module`` (its nodes, not a copy).

    The answer equals ``MetadataWrapper(module, unsafe_skip_copy=True)
    .resolve_many([ScopeProvider])``: the same visitors, in the same order, fill it.
    """
    if ScopeVisitor is None:  # pragma: no cover - see the module docstring
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve_many([ScopeProvider])
    contexts = ExpressionContextProvider()
    module.visit(ExpressionContextVisitor(contexts, ExpressionContext.LOAD))
    scopes = ScopeProvider()
    # what MetadataWrapper hands the scope provider: its dependency's finished node map
    scopes.metadata = {ExpressionContextProvider: contexts._computed}
    visitor = ScopeVisitor(scopes)
    module.visit(visitor)
    visitor.infer_accesses()
    return {ScopeProvider: scopes._computed}
