"""Model configs, catalogs and the torch networks they build.

* ``default_model_config.py``: :class:`DefaultModelConfig` and legacy-key renaming.
* ``configs.py`` / ``input_configs.py``: MLP, CNN, recurrent, actor-critic and (beyond
  RLlib) one-hot/flatten/multi-input encoder configs, each with ``build()``/``output_dims``.
* ``catalog.py`` / ``ppo_catalog.py``: :class:`Catalog` and :class:`PPOCatalog`.
* ``filters.py``: default CNN filters per image size; ``space_utils.py``: nested spaces.
* ``torch/``: the networks (primitives, encoders, heads) and name resolution (``utils.py``).

Public names are reached through the flat API: ``from rlmigrate import Catalog``.
"""
