"""RLM065: seq_lens arithmetic is reported."""

from __future__ import annotations

from rlmigrate.codemod.rules._reporting import _ModelBlockerReporter


class SeqLensNeedsPort(_ModelBlockerReporter):
    """Report uses of ``seq_lens`` in ``forward`` / ``forward_rnn``.

    What it does:
        Reports every read of the ``seq_lens`` argument in a model's forward method; the class
        is left unchanged.
    Why:
        New-stack modules receive ``(B, T, ...)`` batches already zero-padded by connectors
        (``Columns.SEQ_LENS`` only in learner batches), so code that reshapes or packs with
        ``seq_lens`` has no mechanical translation.
    Before:
        def forward(self, input_dict, state, seq_lens):
            x = add_time_dimension(input_dict["obs_flat"], seq_lens=seq_lens, framework="torch")
    After:
        def forward(self, input_dict, state, seq_lens):  # unchanged; reported
            x = add_time_dimension(input_dict["obs_flat"], seq_lens=seq_lens, framework="torch")
    Fix safety:
        manual. With RLM011 selected, a class whose only blocker is such arithmetic is
        rewritten instead: its legacy ``forward()`` (or RecurrentNetwork's, written out) gets
        ``seq_lens`` from the batch (``Columns.SEQ_LENS``, else ``T`` per sequence).
    """

    code = "RLM065"
    name = "seq-lens"
    title = "seq_lens arithmetic needs (B, T, ...) batches"
    fix_safety = "manual"
