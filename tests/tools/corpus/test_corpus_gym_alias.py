"""``gym`` served by gymnasium for the corpus tools: submodules too, as the same objects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import gym_alias
import gymnasium
import numpy as np
import pytest


@pytest.fixture
def aliased():
    saved = {n: m for n, m in sys.modules.items() if n == "gym" or n.startswith("gym.")}
    gym_alias.install()
    yield
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, gym_alias.GymAlias)]
    for name in [n for n in sys.modules if n == "gym" or n.startswith("gym.")]:
        del sys.modules[name]
    sys.modules.update(saved)


def test_every_gym_submodule_is_the_gymnasium_module(aliased):
    import gym
    import gym.envs.registration
    import gym.spaces
    from gym.spaces import Box

    assert gym is gymnasium and gym.spaces is gymnasium.spaces and Box is gymnasium.spaces.Box
    assert gym.envs.registration is sys.modules["gymnasium.envs.registration"]
    gym.envs.registration.register(id="RlmCorpusAliasTest-v0", entry_point="gymnasium.envs:CartPoleEnv")
    assert "RlmCorpusAliasTest-v0" in gymnasium.envs.registry  # one registry
    del gymnasium.envs.registry["RlmCorpusAliasTest-v0"]


def test_a_module_gymnasium_lacks_is_still_missing(aliased):
    with pytest.raises(ModuleNotFoundError):
        import gym.no_such_module  # noqa: F401


def test_written_as_gym_package_it_serves_a_subprocess(tmp_path: Path):
    (tmp_path / "gym").mkdir()
    (tmp_path / "gym" / "__init__.py").write_text(Path(gym_alias.__file__).read_text())
    code = ("import gym, gymnasium, gym.envs.registration as r; "
            "print(gym is gymnasium, r.register is gymnasium.envs.registration.register)")
    out = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(tmp_path)},
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True"]


def _gym_era_pickle(cls: type, state: dict) -> bytes:
    """A protocol-2 pickle of ``cls`` with ``state``, naming ``gym.spaces...`` as old gym wrote
    it (stable-baselines3 zips of 2021 hold their spaces so)."""
    import copyreg
    import pickle

    class Legacy:
        def __reduce__(self):
            return copyreg._reconstructor, (cls, object, None), state

    data = pickle.dumps(Legacy(), protocol=2)
    return data.replace(b"cgymnasium.spaces.", b"cgym.spaces.")


@pytest.mark.parametrize("space", [
    gymnasium.spaces.MultiDiscrete([2, 13]),
    gymnasium.spaces.Box(-2.0, 12.0, (27,), np.float32),
    gymnasium.spaces.Discrete(26),
], ids=lambda s: type(s).__name__)
def test_a_gym_era_pickled_space_loads_as_the_gymnasium_space(aliased, space):
    import pickle

    state = {k: v for k, v in vars(space).items() if k not in ("_shape", "_np_random", "start")}
    state.update(shape=space.shape, np_random=None)  # gym's old keys, no start
    data = _gym_era_pickle(type(space), state)
    assert b"cgym.spaces." in data
    loaded = pickle.loads(data)
    assert type(loaded) is type(space) and loaded == space
    assert loaded.shape == space.shape


def test_a_gymnasium_state_passes_unchanged(aliased):
    import pickle

    space = gymnasium.spaces.MultiDiscrete([3, 4], start=[1, -1])
    assert pickle.loads(pickle.dumps(space)) == space
    wrapped = gymnasium.spaces.MultiDiscrete.__dict__["__setstate__"]
    gym_alias.install()  # idempotent: each __setstate__ is wrapped once
    assert gymnasium.spaces.MultiDiscrete.__dict__["__setstate__"] is wrapped
