"""``ray.rllib.utils.typing`` names for type hints in legacy files; every alias is ``Any``-like.

Ray's other names there resolve through ``shim.ray_compat``'s inventory: the ``typing`` names
Ray re-exports (``Dict``, ``List``, ``Tuple``...) are the real ``typing`` objects, so
``Dict[str, TensorType]`` works, and Ray's remaining aliases are ``typing.Any``.
"""

from __future__ import annotations

from typing import Any

TensorType = Any
TensorStructType = Any
TensorShape = Any
ModelConfigDict = dict
AlgorithmConfigDict = dict
PartialAlgorithmConfigDict = dict
TrainerConfigDict = dict
ModelInputDict = dict
ModelWeights = dict
PolicyState = dict
PolicyID = str
AgentID = Any
EnvID = Any
EpisodeID = Any
ModuleID = str
SampleBatchType = Any
ResultDict = dict
LocalOptimizer = Any
GradInfoDict = dict
ModelGradients = Any
ViewRequirementsDict = dict
FromConfigSpec = Any
EnvConfigDict = dict
EnvType = Any
EnvCreator = Any
SpaceStruct = Any
ObsType = Any
ActionType = Any

