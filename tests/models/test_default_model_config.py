"""DefaultModelConfig: every RLlib key, legacy spellings renamed, custom keys kept."""

from __future__ import annotations

import dataclasses
import warnings

import pytest

from rlmigrate import DefaultModelConfig
from rlmigrate.models.default_model_config import (
    LEGACY_KEY_RENAMES,
    rename_legacy_keys,
    resolve_model_config,
)

# RLLIB_REFERENCE §1.11: the 2.40 table plus the 2.60 additions.
RLLIB_KEYS_240 = {
    "fcnet_hiddens": [256, 256], "fcnet_activation": "tanh",
    "fcnet_kernel_initializer": None, "fcnet_kernel_initializer_kwargs": None,
    "fcnet_bias_initializer": None, "fcnet_bias_initializer_kwargs": None,
    "conv_filters": None, "conv_activation": "relu",
    "conv_kernel_initializer": None, "conv_kernel_initializer_kwargs": None,
    "conv_bias_initializer": None, "conv_bias_initializer_kwargs": None,
    "head_fcnet_hiddens": [], "head_fcnet_activation": "relu",
    "head_fcnet_kernel_initializer": None, "head_fcnet_kernel_initializer_kwargs": None,
    "head_fcnet_bias_initializer": None, "head_fcnet_bias_initializer_kwargs": None,
    "free_log_std": False, "log_std_clip_param": 20.0, "vf_share_layers": True,
    "use_lstm": False, "max_seq_len": 20, "lstm_cell_size": 256,
    "lstm_use_prev_action": False, "lstm_use_prev_reward": False,
    "lstm_kernel_initializer": None, "lstm_kernel_initializer_kwargs": None,
    "lstm_bias_initializer": None, "lstm_bias_initializer_kwargs": None,
}
RLLIB_KEYS_260 = {
    "fcnet_use_layernorm": False, "head_fcnet_use_layernorm": False,
    "fusionnet_hiddens": [256, 256], "fusionnet_activation": "tanh",
    "fusionnet_kernel_initializer": None, "fusionnet_kernel_initializer_kwargs": None,
    "fusionnet_bias_initializer": None, "fusionnet_bias_initializer_kwargs": None,
}


@pytest.mark.parametrize("key, default", sorted({**RLLIB_KEYS_240, **RLLIB_KEYS_260}.items()))
def test_every_rllib_key_exists_with_its_default(key, default):
    assert dataclasses.asdict(DefaultModelConfig())[key] == default


def test_list_defaults_are_not_shared_between_instances():
    a, b = DefaultModelConfig(), DefaultModelConfig()
    a.fcnet_hiddens.append(1)
    assert b.fcnet_hiddens == [256, 256]


@pytest.mark.parametrize("old, new", sorted(LEGACY_KEY_RENAMES.items()))
def test_legacy_ctor_keys_are_renamed_with_a_deprecation_warning(old, new):
    value = [7] if "hiddens" in old else ("relu" if "activation" in old else {"gain": 2.0} if "config" in old else "zeros_")
    with pytest.warns(DeprecationWarning, match=f"{old} -> {new}"):
        cfg = DefaultModelConfig(**{old: value})
    assert getattr(cfg, new) == value


def test_legacy_dict_keys_are_renamed_and_custom_keys_kept():
    with pytest.warns(DeprecationWarning, match="post_fcnet_hiddens -> head_fcnet_hiddens"):
        cfg = resolve_model_config({"post_fcnet_hiddens": [5], "my_custom": {"a": 1}})
    assert cfg["head_fcnet_hiddens"] == [5]
    assert "post_fcnet_hiddens" not in cfg
    assert cfg["my_custom"] == {"a": 1}
    assert cfg["fcnet_hiddens"] == [256, 256]


def test_user_keys_win_over_defaults():
    cfg = resolve_model_config(DefaultModelConfig(fcnet_hiddens=[3], vf_share_layers=False))
    assert cfg["fcnet_hiddens"] == [3] and cfg["vf_share_layers"] is False


def test_resolve_does_not_mutate_the_given_dict():
    given = {"post_fcnet_activation": "tanh"}
    with pytest.warns(DeprecationWarning):
        resolve_model_config(given)
    assert given == {"post_fcnet_activation": "tanh"}


def test_conflicting_legacy_and_new_key_is_refused():
    with pytest.raises(ValueError, match="'post_fcnet_hiddens'.*'head_fcnet_hiddens'"):
        rename_legacy_keys({"post_fcnet_hiddens": [1], "head_fcnet_hiddens": [2]})


def test_no_warning_without_legacy_keys():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resolve_model_config({"fcnet_hiddens": [4]})


def test_unknown_ctor_key_suggests_the_close_name_and_a_dict():
    with pytest.raises(TypeError, match="'fcnet_hidden'.*did you mean 'fcnet_hiddens'.*plain dict"):
        DefaultModelConfig(fcnet_hidden=[3])


def test_model_config_of_wrong_type_is_refused():
    with pytest.raises(TypeError, match="dict or a DefaultModelConfig, got list"):
        resolve_model_config([1, 2])
