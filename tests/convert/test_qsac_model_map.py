"""The legacy DQN/SAC default-model key maps cover every recorded key, and only drop value heads."""

from __future__ import annotations

import pytest

from rlmigrate.convert.qsac_model_map import legacy_dqn_key_map, legacy_sac_key_map
from tests.modules._qsac_oracle import CASES, load_case


@pytest.mark.parametrize("case", CASES)
def test_only_unused_value_branches_are_dropped(case: str) -> None:
    record, weights = load_case(case)
    mapping = (legacy_dqn_key_map if case.startswith("dqn") else legacy_sac_key_map)(weights)
    assert set(mapping) == set(weights)
    dropped = {k for k, v in mapping.items() if v is None}
    assert dropped == {k for k in weights if "_value_branch" in k}
    targets = [v for v in mapping.values() if v is not None]
    assert len(targets) == len(set(targets))


def test_sac_logits_follow_the_hidden_layers() -> None:
    keys = ["q_net._hidden_layers.0._model.0.weight", "q_net._hidden_layers.1._model.0.weight",
            "q_net._logits._model.0.weight", "twin_q_net._logits._model.0.bias"]
    assert legacy_sac_key_map(keys) == {
        keys[0]: "qf.mlp.0.weight", keys[1]: "qf.mlp.2.weight", keys[2]: "qf.mlp.4.weight",
        keys[3]: "qf_twin.mlp.0.bias"}
