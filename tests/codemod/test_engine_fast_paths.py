"""The engine's fast paths change no answer: prefilter-skipped files answered without a
worker, the original module printed once, the collector paused only during a rewrite."""

from __future__ import annotations

import gc
from pathlib import Path

import libcst as cst
import pytest

from rlmigrate.codemod.engine import RunOptions, process_file, skip_without_parsing
from rlmigrate.codemod.positions import PrintedModule, start_positions
from rlmigrate.codemod.rules import ALL_RULES
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

LEGACY = Path(__file__).resolve().parents[2] / "fixtures" / "legacy" / "mlp.py"


def test_a_skipped_file_gets_the_workers_answer_and_others_go_to_a_worker(tmp_path):
    plain = tmp_path / "plain.py"
    plain.write_text("class Record:\n    pass\n")
    legacy = tmp_path / "legacy.py"
    legacy.write_text(LEGACY.read_text())
    config = tmp_path / "exp.yaml"
    config.write_text("model:\n  custom_model: my_model\n")
    options = RunOptions(mode="check")
    assert skip_without_parsing(plain, tmp_path, options) == process_file(plain, tmp_path, options)
    assert skip_without_parsing(legacy, tmp_path, options) is None
    assert skip_without_parsing(config, tmp_path, options) is None
    assert skip_without_parsing(tmp_path / "missing.py", tmp_path, options) is None


def test_a_skipped_file_is_still_copied_to_the_out_tree(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "plain.py").write_text("x = 1\n")
    result = skip_without_parsing(src / "plain.py", src, RunOptions(mode="write", out_dir=out))
    assert result is not None and result.prefiltered
    assert (out / "plain.py").read_text() == "x = 1\n"


def test_printed_module_is_the_module_code_and_gives_libcst_positions():
    module = cst.parse_module(LEGACY.read_text())
    printed = PrintedModule(module)
    assert printed.text == module.code
    nodes = [stmt for stmt in module.body]
    assert printed.positions(nodes) == start_positions(module, nodes)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_left_as_the_caller_had_it(enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        rewrite_source(LEGACY.read_text(), path="mlp.py", target=Target("rlmigrate"),
                       selected=frozenset(r.code for r in ALL_RULES), rule_classes=ALL_RULES)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
