"""tools/ray_inventory.py reads a Ray tree statically: what each module binds, how, and nothing
it does not (TYPE_CHECKING imports, private names); output is stable."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("ray_inventory", ROOT / "tools" / "ray_inventory.py")
ray_inventory = importlib.util.module_from_spec(spec)
sys.modules["ray_inventory"] = ray_inventory
spec.loader.exec_module(ray_inventory)


def _site(tmp_path: Path) -> Path:
    files = {
        "ray/rllib/__init__.py": "from ray.rllib.models.thing import Thing\n__all__ = ['Thing']\n",
        "ray/rllib/models/thing.py": (
            "from typing import TYPE_CHECKING, Dict\n"
            "import numpy as np\n"
            "import ray.rllib.utils as rutils\n"
            "from .sibling import helper as renamed\n"
            "if TYPE_CHECKING:\n    from ray.rllib.policy import Policy\n"
            "try:\n    import torch\nexcept ImportError:\n    torch = None\n"
            "COLUMN = 'obs'\nRATE: float = 0.5\nNAN = float('nan')\na, b = 1, 2\n_private = 3\n"
            "class Thing:\n    pass\n"
            "def build():\n    import os\n"
        ),
        "ray/rllib/models/sibling.py": "def helper():\n    pass\n",
        "ray/rllib/examples/skip/deep.py": "X = 1\n",
        "ray/tune/registry.py": "RLLIB_MODEL = 'rllib_model'\n",
        "ray-2.10.0.dist-info/METADATA": "",
    }
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_every_binding_kind_is_recorded(tmp_path: Path) -> None:
    inventory = ray_inventory.build_inventory(_site(tmp_path))
    modules = inventory["modules"]
    assert inventory["ray_version"] == "2.10.0"
    thing = modules["ray.rllib.models.thing"]["names"]
    assert thing["Thing"] == "class" and thing["build"] == "def"
    assert thing["COLUMN"] == ["const", "obs"] and thing["RATE"] == ["const", 0.5]
    assert thing["NAN"] == "var" and thing["a"] == thing["b"] == "var"
    assert thing["Dict"] == ["ext", "typing", "Dict"] and thing["np"] == ["ext", "numpy", None]
    assert thing["rutils"] == ["module", "ray.rllib.utils"]
    assert thing["renamed"] == ["from", "ray.rllib.models.sibling", "helper"]
    assert thing["torch"] == ["ext", "torch", None]  # the try-block import, not the fallback
    assert "Policy" not in thing and "_private" not in thing and "os" not in thing
    assert modules["ray.rllib"]["all"] == ["Thing"] and modules["ray.rllib"]["package"] is True
    assert modules["ray.rllib.examples.skip"] == {"package": True, "names": {}}  # parent dirs
    assert modules["ray.tune.registry"]["names"]["RLLIB_MODEL"] == ["const", "rllib_model"]


def test_output_is_stable_one_module_a_line_and_checkable(tmp_path: Path) -> None:
    site = _site(tmp_path)
    text = ray_inventory.dumps(ray_inventory.build_inventory(site))
    assert text == ray_inventory.dumps(ray_inventory.build_inventory(site))
    assert json.loads(text)["modules"]["ray.rllib.models.sibling"]["names"] == {"helper": "def"}
    out = tmp_path / "inv.json"
    assert ray_inventory.main(["--site-packages", str(site), "--out", str(out)]) == 0
    assert ray_inventory.main(["--site-packages", str(site), "--out", str(out), "--check"]) == 0
    out.write_text(text.replace("helper", "other"))
    assert ray_inventory.main(["--site-packages", str(site), "--out", str(out), "--check"]) == 1
    assert ray_inventory.main(["--site-packages", str(tmp_path / "nowhere")]) == 2
