"""Lazy ``ray...`` module objects keep resolving after ``ray_compat.uninstall()``.

``rlmigrate verify`` loads a legacy file with the aliases on and removes them afterwards; a file
that did ``import ray`` and reaches ``ray.rllib.algorithms.ppo.ppo.PPOConfig`` in a policy's
``__init__`` (at build time) must still find it, as under Ray 2.10.
"""

from __future__ import annotations

import sys

import pytest

from shim import ray_compat
from shim.policy.ppo import PPOConfig
from shim.policy.ppo_validate import validate_config


@pytest.fixture
def kept_ray():
    was_installed = ray_compat.is_installed()  # another test of this worker may have left it on
    ray_compat.uninstall()
    with ray_compat.installed():
        import ray  # the shim's module object, as a legacy file keeps it

    assert not ray_compat.is_installed()
    yield ray
    if was_installed:
        ray_compat.install()


def test_attribute_paths_resolve_after_uninstall(kept_ray) -> None:
    assert "ray" not in sys.modules
    assert kept_ray.rllib.algorithms.ppo.ppo.PPOConfig is PPOConfig
    assert kept_ray.rllib.algorithms.ppo.ppo_tf_policy.validate_config is validate_config
    assert "ray.rllib" not in sys.modules  # nothing went back on the import path


def test_unserved_and_unknown_paths_still_say_why_after_uninstall(kept_ray) -> None:
    with pytest.raises(ray_compat.UnservedPathError, match="tuned_examples"):
        kept_ray.rllib.tuned_examples  # noqa: B018 -- deliberately unserved
    with pytest.raises(AttributeError, match="has no attribute 'agents'"):
        kept_ray.rllib.agents  # noqa: B018 -- pre-2.10 API: Ray 2.10 has no such module


def test_the_rest_of_ppo_tf_policy_stays_tensorflow() -> None:
    with ray_compat.installed():
        from ray.rllib.algorithms.ppo import ppo_tf_policy

        with pytest.raises(ray_compat.PortToTorchError):
            ppo_tf_policy.PPOTF1Policy(None, None, {})
