"""RLM001: TorchModelV2 subclasses become TorchRLModule subclasses."""

from __future__ import annotations

from rlmigrate.codemod.rules._model_convert import FEEDFORWARD, _ModelConverter


class TorchModelV2ToRLModule(_ModelConverter):
    """Rewrite a ``TorchModelV2`` (+ ``nn.Module``) subclass as a ``TorchRLModule`` subclass.

    What it does:
        Replaces the ``TorchModelV2, nn.Module`` bases with ``TorchRLModule``; turns
        ``__init__(obs_space, action_space, num_outputs, model_config, name, **custom)`` into
        ``setup()``, binding each parameter the body uses at the top of ``setup``
        (``obs_space = self.observation_space``, ``num_outputs`` = the width the default action
        distribution needs, ``model_config = self.model_config``, each custom keyword argument
        ``k = self.model_config.get("k", default)``) and dropping the legacy base-class
        ``__init__`` calls; turns ``forward(input_dict, state, seq_lens)`` into
        ``_forward(batch, **kwargs)`` returning ``{Columns.ACTION_DIST_INPUTS: outputs}``, with
        ``input_dict["obs"]`` → ``batch[Columns.OBS]`` and ``input_dict["obs_flat"]`` →
        ``batch[Columns.OBS].flatten(start_dim=1)``; ``self.obs_space`` →
        ``self.observation_space`` (a model that reads ``obs_flat`` and never the original
        space gets the catalog's view instead: ``obs_space`` is
        ``legacy_observation_space(self.observation_space)`` and ``obs_flat`` is
        ``legacy_train_obs(batch[Columns.OBS], self.observation_space).flatten(start_dim=1)``,
        the preprocessor's flat vector for Dict/Tuple/Discrete observations too); removes ``@override(<legacy class>)`` decorators.
        Idioms with an exact counterpart are rewritten too: ``input_dict["is_training"]``
        (or ``.get("is_training", d)`` / ``.is_training``) becomes the ``is_training=False``
        argument of ``_forward`` with a generated ``_forward_train`` passing True; an
        ``isinstance(input_dict, SampleBatch)`` branch keeps its plain-dict side; a helper
        method given ``input_dict`` that reads only its observation gets ``batch``;
        ``hasattr(obs_space, "original_space")`` → ``True`` and
        ``restore_original_dimensions(x, ...)`` → ``x`` (the module sees the original
        space); a class with only ``__init__`` (an abstract base) becomes a ``setup()``-only
        module whose subclasses in the file convert with their own ``forward``. An inner
        legacy model that ``forward`` hands its whole input (``self.fc(input_dict, state,
        seq_lens)``) is kept (review), built on ``legacy_observation_space(obs_space)`` and
        called with ``legacy_forward_args(batch, ...)[0]``: the flattened space and the
        ``obs``/``obs_flat`` the catalog and ``ModelV2.__call__`` gave it (Dict, Discrete and
        ``Repeated`` observations included).
    Why:
        The RLModule API builds layers in ``setup()`` and returns a dict of named outputs.
        Attribute names are kept on purpose: the legacy ``state_dict`` then loads into the
        migrated module unchanged, which is how ``rlmigrate verify`` proves the migration.
    Before:
        class Model(TorchModelV2, nn.Module):
            def __init__(self, obs_space, action_space, num_outputs, model_config, name, hidden=64):
                TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
                nn.Module.__init__(self)
                self.pi = nn.Linear(obs_space.shape[0], num_outputs)

            def forward(self, input_dict, state, seq_lens):
                return self.pi(input_dict["obs"]), state
    After:
        class Model(TorchRLModule):
            def setup(self):
                obs_space = self.observation_space
                num_outputs = get_default_dist_cls(self.action_space).required_input_dim(self.action_space)
                self.pi = nn.Linear(obs_space.shape[0], num_outputs)

            def _forward(self, batch, **kwargs):
                return {Columns.ACTION_DIST_INPUTS: self.pi(batch[Columns.OBS])}
    Fix safety:
        safe. Classes that use constructs without a mechanical counterpart (``seq_lens``,
        ``view_requirements``, state in a non-recurrent model, ``input_dict`` keys other than
        obs, legacy base attributes) are left unchanged and reported as manual: the finding
        on the class line names each blocking construct with its line, code and new-stack
        replacement. Comments, docstrings and assert messages the rewrite made stale are
        kept and reported (review), and so is a submodule ``forward()`` builds on its first
        call (``if self.x is None: self.x = ...``, also through helper methods): a fresh
        module lacks its weights and the first call may differ from later ones. With
        ``--target ray`` ``num_outputs`` becomes
        ``self.get_inference_action_dist_cls().required_input_dim(self.action_space)``.
    """

    code = "RLM001"
    name = "torch-model-v2"
    title = "TorchModelV2 subclass → TorchRLModule"
    fix_safety = "safe"
    kind = FEEDFORWARD
