"""tools/corpus/modernize.py: copies of blocked repositories with only RLM035/RLM036 applied."""

from __future__ import annotations

import json

import modernize

LEGACY = ("from ray.rllib.utils.typing import TrainerConfigDict\n"
          "from ray.rllib.agents.trainer_template import build_trainer\n\n\n"
          "def f(config: TrainerConfigDict):\n    return build_trainer\n")
UNTOUCHED = "from ray.rllib.policy.policy import Policy\n\n\nclass P(Policy):\n    pass\n"


def test_only_the_modernize_fixes_are_applied_and_untouched_files_stay_byte_identical(tmp_path):
    source = tmp_path / "cache" / "o+n"
    (source / "pkg").mkdir(parents=True)
    (source / "pkg" / "legacy.py").write_text(LEGACY)
    (source / "pkg" / "plain.py").write_text(UNTOUCHED)  # a legacy subclass: no RLM031 here
    (source / "data.txt").write_bytes(b"\x00bytes")
    dest = tmp_path / "cache" / "modernized" / "o+n"
    report = modernize.modernize_repository(source, dest)
    assert (dest / "pkg" / "legacy.py").read_text() == LEGACY.replace("TrainerConfigDict", "AlgorithmConfigDict")
    assert (dest / "pkg" / "plain.py").read_bytes() == UNTOUCHED.encode()
    assert (dest / "data.txt").read_bytes() == b"\x00bytes"
    assert (source / "pkg" / "legacy.py").read_text() == LEGACY  # the cache itself is not touched
    assert report["pkg/legacy.py"]["codes"] == ["RLM035"]
    assert report["pkg/legacy.py"]["manual"][0].startswith("2: RLM035 ray.rllib.agents.trainer_template")
    assert "pkg/plain.py" not in report
    # a second run on the modernized copy changes nothing
    again = modernize.modernize_repository(dest, tmp_path / "again")
    assert (tmp_path / "again" / "pkg" / "legacy.py").read_text() == (dest / "pkg" / "legacy.py").read_text()
    assert all(not row["codes"] for row in again.values())


def test_main_modernizes_every_repository_of_the_cache_into_its_own_folder(tmp_path):
    cache = tmp_path / "cache"
    for repo, text in [("a+legacy", LEGACY), ("b+current", UNTOUCHED)]:
        (cache / repo).mkdir(parents=True)
        (cache / repo / "p.py").write_text(text)
    for folder in ("oracle", "deps"):
        (cache / folder).mkdir()
        (cache / folder / "x.py").write_text(LEGACY)
    assert modernize.main(["--cache", str(cache)]) == 0
    index = json.loads((cache / "modernized" / "MODERNIZED.json").read_text())
    assert index["codes"] == ["RLM035", "RLM036"]
    assert index["repositories"]["a+legacy"]["p.py"]["codes"] == ["RLM035"]
    assert index["repositories"]["b+current"] == {}
    assert (cache / "modernized" / "b+current" / "p.py").read_text() == UNTOUCHED
    assert sorted(p.name for p in (cache / "modernized").iterdir()) == ["MODERNIZED.json", "a+legacy", "b+current"]
    assert modernize.main(["--cache", str(cache)]) == 0  # again: the same copies
    assert json.loads((cache / "modernized" / "MODERNIZED.json").read_text()) == index
