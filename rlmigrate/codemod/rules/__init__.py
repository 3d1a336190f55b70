"""The rule registry: every rule class, in application order, and code selection.

Selection works like Ruff's: ``select``/``ignore`` take full codes (``RLM012``) or prefixes
(``RLM0``, ``RLM06``); ``ALL`` selects everything.
"""

from __future__ import annotations

from collections.abc import Iterable

from rlmigrate.codemod.rules.base import Rule
from rlmigrate.codemod.rules.rlm001_torch_model_v2 import TorchModelV2ToRLModule
from rlmigrate.codemod.rules.rlm002_value_function import ValueFunctionToComputeValues
from rlmigrate.codemod.rules.rlm010_recurrent_network import RecurrentNetworkToStatefulModule
from rlmigrate.codemod.rules.rlm011_legacy_forward import LegacyForwardToStatefulModule
from rlmigrate.codemod.rules.rlm020_register_custom_model import RegisterCustomModel
from rlmigrate.codemod.rules.rlm021_custom_model_config import CustomModelConfigToSpec
from rlmigrate.codemod.rules.rlm022_multi_agent_policies import MultiAgentPoliciesToMultiSpec
from rlmigrate.codemod.rules.rlm030_policy_builder import PolicyBuilderToModule
from rlmigrate.codemod.rules.rlm031_torch_policy_v2 import TorchPolicyV2ToModule
from rlmigrate.codemod.rules.rlm032_policy_learner_hooks import PolicyLearnerHooks
from rlmigrate.codemod.rules.rlm033_policy_learner import PolicyLossToLearner
from rlmigrate.codemod.rules.rlm034_algorithm_policy import AlgorithmPolicyToModule
from rlmigrate.codemod.rules.rlm035_ray_renamed_imports import RayRenamedImports
from rlmigrate.codemod.rules.rlm036_build_torch_policy import BuildTorchPolicyToPolicyClass
from rlmigrate.codemod.rules.rlm038_heuristic_policy import HeuristicPolicyToModule
from rlmigrate.codemod.rules.rlm040_custom_distribution import CustomDistributionToTorchDistribution
from rlmigrate.codemod.rules.rlm041_builtin_distribution import BuiltinDistributionToNewStack
from rlmigrate.codemod.rules.rlm050_legacy_imports import RemoveUnusedLegacyImports
from rlmigrate.codemod.rules.rlm051_try_import_torch import TryImportTorchToImports
from rlmigrate.codemod.rules.rlm052_numpy1_names import Numpy1Names
from rlmigrate.codemod.rules.rlm053_python_removed_names import PythonRemovedNames
from rlmigrate.codemod.rules.rlm059_ray_removed_imports import RayRemovedImportsGuarded
from rlmigrate.codemod.rules.rlm060_tf_model import TFModelNeedsPort
from rlmigrate.codemod.rules.rlm061_view_requirements import ViewRequirementsNeedConnectors
from rlmigrate.codemod.rules.rlm062_custom_loss import CustomLossNeedsLearner
from rlmigrate.codemod.rules.rlm063_model_metrics import ModelMetricsNeedLearner
from rlmigrate.codemod.rules.rlm064_legacy_attribute import LegacyAttributeNeedsPort
from rlmigrate.codemod.rules.rlm065_seq_lens import SeqLensNeedsPort
from rlmigrate.codemod.rules.rlm066_builtin_model_subclass import BuiltinModelSubclassNeedsPort
from rlmigrate.codemod.rules.rlm076_dqn_torch_model import DQNTorchModelToModule
from rlmigrate.codemod.rules.rlm077_sac_torch_model import SACTorchModelToModule
from rlmigrate.codemod.rules.rlm078_qsac_policy import QSACPolicyToModule
from rlmigrate.codemod.rules.rlm090_legacy_api_leftover import LegacyApiLeftover

ALL_RULES: tuple[type[Rule], ...] = (
    RayRenamedImports,  # modernize first: renames under every other rule's edits
    BuildTorchPolicyToPolicyClass,
    TorchModelV2ToRLModule,
    ValueFunctionToComputeValues,
    RecurrentNetworkToStatefulModule,
    DQNTorchModelToModule,
    SACTorchModelToModule,
    LegacyForwardToStatefulModule,
    RegisterCustomModel,
    CustomModelConfigToSpec,
    MultiAgentPoliciesToMultiSpec,
    QSACPolicyToModule,  # before the generic policy rules: a DQN/SAC policy's module is its own
    PolicyBuilderToModule,
    TorchPolicyV2ToModule,
    AlgorithmPolicyToModule,
    PolicyLearnerHooks,
    PolicyLossToLearner,
    HeuristicPolicyToModule,
    CustomDistributionToTorchDistribution,
    BuiltinDistributionToNewStack,
    TryImportTorchToImports,
    Numpy1Names,
    PythonRemovedNames,
    RemoveUnusedLegacyImports,
    RayRemovedImportsGuarded,
    TFModelNeedsPort,
    ViewRequirementsNeedConnectors,
    CustomLossNeedsLearner,
    ModelMetricsNeedLearner,
    LegacyAttributeNeedsPort,
    SeqLensNeedsPort,
    BuiltinModelSubclassNeedsPort,
    LegacyApiLeftover,
)


class UnknownRuleError(ValueError):
    """A code or prefix given to --select/--ignore/rules matches no rule."""


def rules_by_code() -> dict[str, type[Rule]]:
    """``{code: rule class}`` for every registered rule."""
    return {rule.code: rule for rule in ALL_RULES}


def get_rule(code: str) -> type[Rule]:
    """The rule with ``code`` (case-insensitive).

    Raises:
        UnknownRuleError: no such rule; the message lists the known codes.
    """
    found = rules_by_code().get(code.upper())
    if found is None:
        raise UnknownRuleError(f"unknown rule {code!r}; known: {', '.join(sorted(rules_by_code()))}")
    return found


def _expand(patterns: Iterable[str]) -> set[str]:
    codes = set()
    for raw in patterns:
        pattern = raw.strip().upper()
        if not pattern:
            continue
        if pattern == "ALL":
            codes |= set(rules_by_code())
            continue
        matched = {code for code in rules_by_code() if code.startswith(pattern)}
        if not matched:
            raise UnknownRuleError(
                f"{raw!r} matches no rule code; known: {', '.join(sorted(rules_by_code()))}"
            )
        codes |= matched
    return codes


def select_codes(select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> frozenset[str]:
    """The codes a run applies: ``select`` (default all) minus ``ignore``."""
    chosen = _expand(select) if select else set(rules_by_code())
    return frozenset(chosen - _expand(ignore or ()))
