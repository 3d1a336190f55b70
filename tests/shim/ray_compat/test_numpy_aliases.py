"""numpy-1 names removed in numpy 2 resolve under ray_compat with a DeprecationWarning, and not
with the opt-out; numpy's own names are untouched."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from shim.ray_compat import numpy_aliases

ROOT = Path(__file__).resolve().parents[3]
NUMPY_2 = int(np.__version__.split(".")[0]) >= 2
pytestmark = pytest.mark.skipif(not NUMPY_2, reason="numpy 1 still has these names")


@pytest.fixture
def aliases():
    numpy_aliases.install()
    yield
    numpy_aliases.uninstall()


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4), elements=st.floats(-3, 3)))
def test_removed_reductions_equal_their_replacements(array: np.ndarray) -> None:
    numpy_aliases.install()
    try:
        with pytest.warns(DeprecationWarning, match="np.prod"):
            product = np.product(array)
        with pytest.warns(DeprecationWarning, match="np.cumprod"):
            cumproduct = np.cumproduct(array)
        with pytest.warns(DeprecationWarning, match="np.all"):
            alltrue = np.alltrue(array > 0)
        with pytest.warns(DeprecationWarning, match="np.any"):
            sometrue = np.sometrue(array > 0)
    finally:
        numpy_aliases.uninstall()
    assert product == np.prod(array) and np.array_equal(cumproduct, np.cumprod(array))
    assert alltrue == np.all(array > 0) and sometrue == np.any(array > 0)


def test_constants_and_types(aliases: None) -> None:
    with pytest.warns(DeprecationWarning, match="Use np.nan instead"):
        assert np.isnan(np.NaN)
    with pytest.warns(DeprecationWarning):
        assert np.Inf == np.inf and np.float_ is np.float64 and np.NINF == -np.inf


def test_every_alias_resolves(aliases: None) -> None:
    with pytest.warns(DeprecationWarning):
        for name in numpy_aliases.ALIASES:
            getattr(np, name)


def test_uninstalled_numpy_raises_its_own_error_and_real_names_stay() -> None:
    numpy_aliases.install()
    numpy_aliases.uninstall()
    assert not numpy_aliases.is_installed()
    with pytest.raises(AttributeError, match="product"):
        np.product  # noqa: B018
    assert np.prod is np.prod and np.bool_ is np.bool_


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        cwd=str(ROOT),
    )


def test_install_restores_them_and_the_opt_out_does_not() -> None:
    result = _run(
        """
        import numpy as np
        from shim import ray_compat
        with ray_compat.installed():
            print("on", np.product([2, 3]))
        try:
            np.product
        except AttributeError:
            print("off after uninstall")
        with ray_compat.installed(numpy_aliases=False):
            try:
                np.product
            except AttributeError:
                print("opt-out")
        """
    )
    assert result.stdout.split("\n")[:3] == ["on 6", "off after uninstall", "opt-out"], (
        result.stderr
    )
