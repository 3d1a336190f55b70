"""tools/ray_raising_names.py: Ray 2.10 names that exist only as stubs raising when used."""

from __future__ import annotations

import ast
import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_SPEC = importlib.util.spec_from_file_location("ray_raising_names", ROOT / "tools" / "ray_raising_names.py")
ray_raising_names = importlib.util.module_from_spec(_SPEC)  # type: ignore[arg-type]
_SPEC.loader.exec_module(ray_raising_names)  # type: ignore[union-attr]
SITE = Path(os.environ.get("RAY_2_10_SITE") or ROOT / "tools/oracle/.venv/lib/python3.11/site-packages")


def test_error_true_stubs_and_raising_modules_are_found_and_nothing_else():
    tree = ast.parse(
        "@Deprecated(new='x', error=True)\ndef gone(): pass\n"
        "@Deprecated(new='x', error=False)\ndef warns(): pass\n"
        "@deprecation.Deprecated(error=True)\nclass Old: pass\n"
        "def plain(): pass\n")
    assert ray_raising_names.raising_names(tree) == ["Old", "gone"]
    assert ray_raising_names.raising_names(ast.parse("deprecation_warning(old='a', error=True)\n")) == ["*"]
    assert ray_raising_names.raising_names(ast.parse("deprecation_warning(old='a', error=False)\n")) == []


def test_the_output_is_written_then_checked(tmp_path):
    site = tmp_path / "site"
    (site / "ray" / "rllib" / "utils").mkdir(parents=True)
    (site / "ray" / "rllib" / "utils" / "old.py").write_text("@Deprecated(error=True)\ndef f(): pass\n")
    (site / "ray" / "rllib" / "examples").mkdir()
    (site / "ray" / "rllib" / "examples" / "e.py").write_text("deprecation_warning(error=True)\n")
    out = tmp_path / "out.json"
    assert ray_raising_names.main(["--site-packages", str(site), "--out", str(out)]) == 0
    assert out.read_text() == '{\n"ray.rllib.utils.old": [\n"f"\n]\n}\n'
    assert ray_raising_names.main(["--site-packages", str(site), "--out", str(out), "--check"]) == 0
    out.write_text("{}\n")
    assert ray_raising_names.main(["--site-packages", str(site), "--out", str(out), "--check"]) == 1
    assert ray_raising_names.main(["--site-packages", str(tmp_path / "nowhere")]) == 2


@pytest.mark.skipif(not (SITE / "ray" / "rllib").is_dir(), reason="the Ray 2.10 oracle venv is not built here")
def test_the_committed_file_is_ray_2_10s():
    assert ray_raising_names.main(["--site-packages", str(SITE), "--check"]) == 0
