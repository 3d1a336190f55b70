"""tools/corpus/scan.py: which classes count as torch ModelV2 models and which definitions as
policies (the corpus index and the "dropped silently" figure depend on it)."""

from __future__ import annotations

import keyword
import textwrap

import hypothesis.strategies as st
import scan
from hypothesis import given


def _names(source: str) -> tuple[list[str], list[tuple[str, str, str]]]:
    models, policies = scan.scan_source(textwrap.dedent(source))
    return [m.name for m in models], [(p.name, p.kind, p.framework) for p in policies]


def test_torch_model_bases_resolve_through_imports_and_local_classes():
    models, _ = _names(
        """
        from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
        from ray.rllib.models.torch.recurrent_net import RecurrentNetwork as TorchRNN
        from ray.rllib.models.tf.recurrent_net import RecurrentNetwork
        from ray.rllib.algorithms.dqn.dqn_torch_model import DQNTorchModel
        import torch.nn as nn

        class Base(TorchModelV2, nn.Module): pass
        class Child(Base): pass
        class Rnn(TorchRNN, nn.Module): pass
        class TfRnn(RecurrentNetwork): pass
        class Q(DQNTorchModel): pass
        class Plain(nn.Module): pass
        """
    )
    assert models == ["Base", "Child", "Rnn", "Q"]


def test_base_defined_later_in_the_file_and_star_imports_count():
    models, policies = _names(
        """
        from ray.rllib.algorithms.ppo.ppo_torch_policy import *
        from ray.rllib.models.torch.fcnet import FullyConnectedNetwork as TorchFC

        class Late(Early): pass
        class Early(TorchFC): pass
        class MyPolicy(PPOTorchPolicy): pass
        """
    )
    assert models == ["Late", "Early"]
    assert policies == [("MyPolicy", "subclass", "torch")]


def test_policy_definitions_kinds_and_frameworks():
    _, policies = _names(
        """
        from ray.rllib.policy.policy import Policy
        from ray.rllib.policy.policy_template import build_policy_class
        from ray.rllib.policy.tf_policy_template import build_tf_policy
        from ray.rllib.algorithms.dqn.dqn_torch_policy import DQNTorchPolicy

        class Random(Policy): pass
        A = build_policy_class(name="APolicy", framework="torch", loss_fn=None)
        B = build_tf_policy("BPolicy", loss_fn=None)
        C = DQNTorchPolicy.with_updates(name="CPolicy")
        D = DQNTrainer.with_updates(name="NotAPolicy")

        def make(policy_tf_cls, policy_torch_cls, template):
            E = policy_tf_cls.with_updates(name="EPolicy")
            F = policy_torch_cls.with_updates(name="FPolicy")
            G = template.with_updates(name="GTFPolicy")
            H = template.with_updates(name="HTorchPolicy")
        """
    )
    assert policies == [
        ("Random", "subclass", "any"),
        ("APolicy", "builder", "torch"),
        ("BPolicy", "builder", "tf"),
        ("CPolicy", "with_updates", "torch"),
        ("EPolicy", "with_updates", "tf"),  # a runtime template: its name's "tf" word
        ("FPolicy", "with_updates", "torch"),
        ("GTFPolicy", "with_updates", "tf"),  # or the new policy's name
        ("HTorchPolicy", "with_updates", "torch"),
    ]


def test_end_lines_cover_the_definition():
    models, _ = scan.scan_source("from ray.rllib.models.torch.torch_modelv2 import TorchModelV2\n"
                                 "class M(TorchModelV2):\n    x = 1\n    y = 2\n")
    assert (models[0].line, models[0].end_line) == (2, 4)


def test_scan_files_sees_bases_in_sibling_files(tmp_path):
    (tmp_path / "base.py").write_text(
        "from ray.rllib.models.torch.torch_modelv2 import TorchModelV2\n"
        "class ProjectBase(TorchModelV2): pass\n"
    )
    (tmp_path / "model.py").write_text("from base import ProjectBase\nclass Mine(ProjectBase): pass\n")
    (tmp_path / "broken.py").write_text("class (:\n")
    index = scan.scan_files(sorted(tmp_path.glob("*.py")))
    assert [c["name"] for c in index[str(tmp_path / "model.py")]["classes"]] == ["Mine"]
    assert str(tmp_path / "broken.py") not in index


_IDENT = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True).filter(
    lambda s: not keyword.iskeyword(s)
)


@given(alias=_IDENT, cls=_IDENT)
def test_any_import_alias_of_torchmodelv2_is_detected(alias, cls):
    source = (
        f"from ray.rllib.models.torch.torch_modelv2 import TorchModelV2 as {alias}\n"
        f"class {cls}({alias}):\n    pass\n"
    )
    models, _ = scan.scan_source(source)
    assert [m.name for m in models] == [cls]
