"""The supervised worker pool: every item gets exactly one result, whatever its worker does."""

from __future__ import annotations

import os
import signal
import time

import pytest

from rlmigrate.codemod.isolation import LostFile, SupervisedPool, describe_exit


def _work(item: int) -> tuple[str, int, int]:
    if item % 7 == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    if item % 11 == 5:
        time.sleep(60)
    return ("done", item, os.getpid())


def _lost(item: int, lost: LostFile) -> tuple[str, int, str]:
    return (lost.kind, item, lost.detail)


@pytest.mark.parametrize("jobs", [1, 3])
def test_each_item_gets_one_result_when_workers_die_or_hang(jobs):
    pool = SupervisedPool(_work, jobs=jobs, timeout=1.5, on_lost=_lost)
    items = list(range(30))
    results = list(pool.imap_unordered(items))
    assert sorted(r[1] for r in results) == items
    by_item = {r[1]: r for r in results}
    for item in items:
        expected = "crash" if item % 7 == 3 else "timeout" if item % 11 == 5 else "done"
        assert by_item[item][0] == expected, item
    assert by_item[3][2] == "signal SIGKILL"
    assert pool.restarts == sum(1 for i in items if i % 7 == 3 or i % 11 == 5)


def test_workers_are_reused_across_items():
    pool = SupervisedPool(_work, jobs=1, timeout=30, on_lost=_lost)
    results = list(pool.imap_unordered([0, 1, 2, 4, 6]))
    assert len({pid for _, _, pid in results}) == 1 and pool.restarts == 0


def test_no_items_starts_no_worker():
    pool = SupervisedPool(_work, jobs=2, timeout=1, on_lost=_lost)
    assert list(pool.imap_unordered([])) == [] and pool.restarts == 0


@pytest.mark.parametrize("code, text", [(-11, "signal SIGSEGV"), (-6, "signal SIGABRT"),
                                        (3, "exit status 3"), (None, "no exit status")])
def test_describe_exit(code, text):
    assert describe_exit(code) == text
