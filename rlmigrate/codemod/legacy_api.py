"""The legacy RLlib API the codemod recognises, by qualified name, and the byte prefilter.

User code reaches the legacy API through ``ray.rllib.*`` (or through our ``shim.*`` package,
which mirrors it), under any import style: ``from ray.rllib.models.torch.torch_modelv2 import
TorchModelV2``, ``import ray.rllib.models.torch.torch_modelv2 as tmv2``, re-exports such as
``from ray.rllib.models import ModelCatalog``. Rules therefore match on the qualified name that
libcst's ``QualifiedNameProvider`` resolves, reduced to its last component once the prefix says
it belongs to a legacy package — never on the spelling in the source.
"""

from __future__ import annotations

LEGACY_PACKAGES = ("ray.rllib.", "shim.")

# Bytes that every file using the legacy API must contain somewhere (an import of ray.rllib or
# shim, or a legacy config key). Files without any of them are neither parsed nor written.
PREFILTER_TOKENS = (b"rllib", b"shim", b"custom_model")

MODEL_BASES = frozenset({"TorchModelV2"})
RECURRENT_BASES = frozenset({"RecurrentNetwork"})
TF_MODEL_BASES = frozenset({"TFModelV2", "KerasModelV2"})
GENERIC_MODEL_BASES = frozenset({"ModelV2"})
DQN_MODEL_BASES = frozenset({"DQNTorchModel"})
SAC_MODEL_BASES = frozenset({"SACTorchModel"})
BUILTIN_MODELS = frozenset(
    {
        "FullyConnectedNetwork",
        "VisionNetwork",
        "ComplexInputNetwork",
        "LSTMWrapper",
        "AttentionWrapper",
        "AttentionNetwork",
        "GTrXLNet",
    }
)
POLICY_BUILDERS = frozenset({"build_policy_class", "build_torch_policy"})
TORCH_POLICY_BASES = frozenset({"TorchPolicyV2", "TorchPolicy"})
DIST_WRAPPER_BASES = frozenset({"TorchDistributionWrapper"})
DIST_ABSTRACT_BASES = frozenset({"ActionDistribution"})

# Legacy torch distribution -> new-stack class with the same [inputs] layout (mechanical).
BUILTIN_DIST_MAP = {
    "TorchCategorical": "TorchCategorical",
    "TorchDiagGaussian": "TorchDiagGaussian",
    "TorchSquashedGaussian": "TorchSquashedGaussian",
    "TorchDeterministic": "TorchDeterministic",
}
# Legacy distributions without a mechanical counterpart (constructor arguments differ, or the
# family does not exist on the new stack).
BUILTIN_DIST_MANUAL = {
    "TorchMultiCategorical": "use TorchMultiCategorical.get_partial_dist_cls(input_lens=...)",
    "TorchMultiActionDistribution": "use TorchMultiDistribution.get_partial_dist_cls(...)",
    "TorchBeta": "the new stack has no Beta distribution; write a TorchDistribution subclass",
    "TorchDirichlet": "the new stack has no Dirichlet distribution; write a TorchDistribution subclass",
}

# Attributes and methods that only the legacy ModelV2 base provides.
LEGACY_MODEL_MEMBERS = frozenset(
    {
        "time_major",
        "is_time_major",
        "last_output",
        "context",
        "variables",
        "trainable_variables",
        "tower_stats",
        "framework",
        "name",
        "import_from_h5",
        "get_input_dict",
    }
)


def legacy_symbol(qualified_name: str) -> str | None:
    """The symbol name if ``qualified_name`` lives in a legacy package, else None.

    Example: ``"ray.rllib.models.torch.torch_modelv2.TorchModelV2"`` → ``"TorchModelV2"``.
    """
    if qualified_name.startswith(LEGACY_PACKAGES):
        return qualified_name.rsplit(".", 1)[-1]
    return None


def is_tf_path(qualified_name: str) -> bool:
    """A legacy name from a TensorFlow module (``ray.rllib.models.tf....``)."""
    parts = qualified_name.split(".")
    return "tf" in parts[:-1] or parts[-1].startswith("TF")


def may_contain_legacy_api(data: bytes) -> bool:
    """The cheap byte prefilter: False means the file certainly holds no legacy API."""
    return any(token in data for token in PREFILTER_TOKENS)
