"""shim.ray_compat: unmodified legacy imports resolve to the shim; real Ray is never shadowed."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shim import ray_compat

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, *extra_path: str) -> subprocess.CompletedProcess:
    """Run in a fresh interpreter so aliases installed here never leak into other tests."""
    env_path = ":".join([str(ROOT), *extra_path])
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
        timeout=300,
    )


def test_legacy_imports_resolve_to_shim_objects(ray_aliases: None) -> None:
    from ray.rllib.models import MODEL_DEFAULTS, ModelCatalog
    from ray.rllib.models.torch.misc import SlimFC
    from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
    from ray.rllib.policy.sample_batch import SampleBatch
    from ray.rllib.utils.annotations import override
    from ray.rllib.utils.framework import try_import_torch
    from ray.rllib.utils.typing import Dict, List, ModelConfigDict, TensorType  # noqa: F401

    import shim.models as models
    from shim.policy.sample_batch import SampleBatch as ShimSampleBatch

    assert ModelCatalog is models.ModelCatalog and TorchModelV2 is models.TorchModelV2
    assert MODEL_DEFAULTS is models.MODEL_DEFAULTS and SampleBatch is ShimSampleBatch
    torch, nn = try_import_torch()
    assert nn.Module is torch.nn.Module and SlimFC.__module__ == "shim.models.misc"
    assert override(TorchModelV2)(TorchModelV2.forward) is TorchModelV2.forward
    import typing

    assert (Dict, List) == (typing.Dict, typing.List)  # noqa: UP006 -- Ray re-exports these
    assert Dict[str, TensorType] == typing.Dict[str, typing.Any]  # noqa: UP006
    with pytest.raises(ImportError, match="SomethingNewerRayAdded"):
        from ray.rllib.utils.typing import SomethingNewerRayAdded  # noqa: F401

    def nope(self: object) -> None:
        return None

    with pytest.raises(NameError, match="has no method 'nope'"):
        override(TorchModelV2)(nope)


def test_unknown_ray_modules_fail_with_a_clear_message(ray_aliases: None) -> None:
    with pytest.raises(ImportError, match="Ray 2.10 has no module 'ray.rllib.agents'"):
        importlib.import_module("ray.rllib.agents.ppo")
    import ray.rllib.models as models

    with pytest.raises(AttributeError, match="no attribute 'NotAThing'"):
        models.NotAThing  # noqa: B018


def test_install_refuses_to_shadow_a_real_ray(tmp_path: Path) -> None:
    fake = tmp_path / "ray"
    fake.mkdir()
    (fake / "__init__.py").write_text("REAL = True\n")
    result = _run(
        """
        from shim import ray_compat
        try:
            ray_compat.install()
        except ray_compat.RealRayInstalledError as err:
            print("refused:", err)
        else:
            print("installed")
        """,
        str(tmp_path),
    )
    assert "refused: Ray is installed" in result.stdout, result.stdout + result.stderr


def test_uninstall_removes_aliases_and_context_manager_scopes_them() -> None:
    result = _run(
        """
        import sys
        from shim import ray_compat
        with ray_compat.installed():
            import ray.rllib.models.catalog
            assert ray_compat.is_installed()
        assert not ray_compat.is_installed()
        assert not [m for m in sys.modules if m == "ray" or m.startswith("ray.")]
        try:
            import ray
        except ImportError:
            print("clean")
        """
    )
    assert "clean" in result.stdout, result.stderr[-2000:]


def test_provided_modules_cover_the_common_legacy_imports() -> None:
    provided = set(ray_compat.provided_modules())
    assert {
        "ray.rllib.models.torch.torch_modelv2",
        "ray.rllib.models.torch.recurrent_net",
        "ray.rllib.policy.policy",
        "ray.rllib.policy.torch_policy_v2",
        "ray.rllib.utils.annotations",
        "ray.rllib.utils.framework",
        "ray.rllib.utils.typing",
        "ray.rllib.policy.sample_batch",
        "ray.rllib.models.torch.misc",
    } <= provided
    assert importlib.util.find_spec("ray") is None or ray_compat.is_installed()
