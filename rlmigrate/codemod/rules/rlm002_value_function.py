"""RLM002: value_function() becomes ValueFunctionAPI.compute_values()."""

from __future__ import annotations

from rlmigrate.codemod.rules.base import Rule


class ValueFunctionToComputeValues(Rule):
    """Turn a model's ``value_function()`` into ``compute_values(batch, embeddings=None)``.

    What it does:
        Inside a class that RLM001 or RLM010 converts, adds ``ValueFunctionAPI`` to the bases
        and renames ``value_function(self)`` to ``compute_values(self, batch,
        embeddings=None)``. The legacy idiom caches features in ``forward`` (``self._features
        = ...``) and reads them in ``value_function``; the converted ``_forward`` also returns
        the cached value under ``Columns.EMBEDDINGS`` and ``compute_values`` reads it from
        ``embeddings``, recomputing it from ``batch`` (``self._forward(batch)``) when no
        embeddings are given. Several cached attributes travel as a dict keyed by name.
    Why:
        ``value_function()`` silently depends on the last forward call; the new stack asks for
        values of an explicit batch (``compute_values``), and the learner may hand in the
        embeddings of a ``forward_train`` pass to avoid computing them twice.
    Before:
        def forward(self, input_dict, state, seq_lens):
            self._features = self.trunk(input_dict["obs"])
            return self.pi(self._features), state

        def value_function(self):
            return self.vf(self._features).squeeze(1)
    After:
        def _forward(self, batch, **kwargs):
            self._features = self.trunk(batch[Columns.OBS])
            return {Columns.ACTION_DIST_INPUTS: self.pi(self._features), Columns.EMBEDDINGS: self._features}

        def compute_values(self, batch, embeddings=None):
            if embeddings is None:
                embeddings = self._forward(batch)[Columns.EMBEDDINGS]
            return self.vf(embeddings).squeeze(1)
    Fix safety:
        safe for feed-forward models (same values for the same batch); review for recurrent
        models, whose legacy value is ``(B*T,)`` where the new stack expects ``(B, T)``, and
        when ``value_function`` reads nothing from ``forward``.
    """

    code = "RLM002"
    name = "value-function"
    title = "value_function() → ValueFunctionAPI.compute_values()"
    fix_safety = "safe"
