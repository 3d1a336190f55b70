"""Count what the codemod does with the learner hooks (loss, stats, optimizer, grad process,
postprocess) of every policy in the development corpus: converted into a generated Learner
(RLM033, review) or left manual (RLM033 with its reason, or RLM032), per hook kind.

Usage: python tools/corpus_learners/count_hooks.py [/work/corpus]   (needs the corpus; not CI)
"""

from __future__ import annotations

import collections
import json
import re
import sys
from pathlib import Path

from rlmigrate.codemod.rules import ALL_RULES, rules_by_code
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

HOOKS = ("loss_fn", "stats_fn", "optimizer_fn", "extra_grad_process_fn", "postprocess_fn",
         "loss", "optimizer", "extra_grad_process", "postprocess_trajectory", "extra_action_out_fn",
         "extra_action_out")


def _hook_of(message: str) -> str:
    for hook in sorted(HOOKS, key=len, reverse=True):
        if f" {hook} " in f" {message} " or f".{hook}()" in message or f": {hook} " in message:
            return hook
    return "?"


def main(root: Path) -> int:
    index = json.loads((root / "INDEX.json").read_text())["files"]
    counts: dict[tuple[str, str], int] = collections.Counter()
    reasons: dict[str, int] = collections.Counter()
    learners = files = 0
    losses: list[tuple[str, str, str, str]] = []  # (file, policy, status, message) per loss hook
    for rel in sorted(index):
        path = root / rel
        if not path.is_file():
            continue
        try:
            out = rewrite_source(path.read_text(errors="replace"), path=str(path), target=Target("rlmigrate"),
                                 selected=frozenset(rules_by_code()), rule_classes=ALL_RULES)
        except Exception as err:  # noqa: BLE001 - a corpus file the engine refuses is counted, not fatal
            print(f"{rel}: {type(err).__name__}: {err}", file=sys.stderr)
            continue
        files += 1
        learners += len(re.findall(r"^class \w+Learner\(.*Learner\):", out.text or "", re.MULTILINE))
        for f in out.findings:
            if f.code not in ("RLM032", "RLM033"):
                continue
            hook = _hook_of(f.message)
            counts[(hook, "converted (review)" if f.status == "review" else "manual")] += 1
            if f.code == "RLM033" and hook in ("loss_fn", "loss"):
                policy, _, rest = f.message.partition(": ")
                losses.append((f"{rel}:{f.line}", policy, f.status, rest))
            if f.status == "manual" and f.code == "RLM033":
                reasons[f.message.partition(": ")[2][:110]] += 1
    print(f"corpus files rewritten: {files}; generated Learner classes: {learners}")
    print(f"{'hook':<24} {'converted (review)':>18} {'manual':>8}")
    for hook in sorted({h for h, _ in counts}):
        print(f"{hook:<24} {counts[(hook, 'converted (review)')]:>18} {counts[(hook, 'manual')]:>8}")
    if losses:
        print(f"\ncustom losses: {len(losses)}, Learner generated for "
              f"{sum(status == 'review' for _, _, status, _ in losses)} (verify --loss decides which are proven)")
        for where, policy, status, message in sorted(losses):
            print(f"  {policy:<34} {'Learner' if status == 'review' else 'manual':<8} {where}\n      {message[:220]}")
    if reasons:
        print("\nRLM033 manual reasons:")
        for reason, n in reasons.most_common():
            print(f"  {n:>3}  {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/corpus")))
