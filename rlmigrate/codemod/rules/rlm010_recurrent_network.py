"""RLM010: RecurrentNetwork subclasses become stateful TorchRLModules."""

from __future__ import annotations

from rlmigrate.codemod.rules._model_convert import RECURRENT, _ModelConverter


class RecurrentNetworkToStatefulModule(_ModelConverter):
    """Rewrite a torch ``RecurrentNetwork`` subclass as a stateful ``TorchRLModule``.

    What it does:
        Converts the class like RLM001 (bases, ``setup``, parameters) and in addition:
        ``get_initial_state()`` returning a list becomes a dict keyed ``"0"``, ``"1"``, ...
        (list position → key); ``forward_rnn(inputs, state, seq_lens)`` becomes
        ``_forward(batch, **kwargs)`` that binds ``inputs =
        batch[Columns.OBS].flatten(start_dim=2).float()`` (the ``(B, T, F)`` tensor the legacy
        base built from ``obs_flat``) and ``state = [batch[Columns.STATE_IN]["0"], ...]``, and
        returns ``{Columns.ACTION_DIST_INPUTS: outputs, Columns.STATE_OUT: {"0": h, ...}}``.
    Why:
        New-stack stateful modules take ``(B, T, ...)`` batches plus one state per sequence
        under ``STATE_IN`` and must put the next state under ``STATE_OUT`` with the same
        structure as ``get_initial_state()``, which must be a dict.
    Before:
        class LSTMModel(RecurrentNetwork, nn.Module):
            def get_initial_state(self):
                return [torch.zeros(self.cell), torch.zeros(self.cell)]

            def forward_rnn(self, inputs, state, seq_lens):
                out, (h, c) = self.lstm(inputs, (state[0].unsqueeze(0), state[1].unsqueeze(0)))
                return self.pi(out), [h.squeeze(0), c.squeeze(0)]
    After:
        class LSTMModel(TorchRLModule):
            def get_initial_state(self):
                return {"0": torch.zeros(self.cell), "1": torch.zeros(self.cell)}

            def _forward(self, batch, **kwargs):
                inputs = batch[Columns.OBS].flatten(start_dim=2).float()
                state = [batch[Columns.STATE_IN][str(i)] for i in range(len(batch[Columns.STATE_IN]))]
                out, (h, c) = self.lstm(inputs, (state[0].unsqueeze(0), state[1].unsqueeze(0)))
                return {Columns.ACTION_DIST_INPUTS: self.pi(out), Columns.STATE_OUT: {"0": h.squeeze(0), "1": c.squeeze(0)}}
    Fix safety:
        review: outputs are ``(B, T, ...)`` where the legacy model returned ``(B*T, ...)``;
        a class that overrides ``forward``, reshapes with ``seq_lens`` or reads
        ``time_major`` is RLM011's (its legacy body kept, inputs bound from the batch).
    """

    code = "RLM010"
    name = "recurrent-network"
    title = "RecurrentNetwork subclass → stateful TorchRLModule"
    fix_safety = "review"
    kind = RECURRENT
