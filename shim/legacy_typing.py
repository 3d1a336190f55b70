"""``ray.rllib.utils.typing`` names for type hints in legacy files; every name is ``Any``-like.

Unknown names resolve to ``typing.Any`` too, so annotations in legacy code never fail to import.
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


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    return Any
