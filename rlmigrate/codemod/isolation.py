"""Supervised worker processes: one hostile file costs one finding, never the run.

libcst's parser is native code. On input nested deeply enough it overflows the stack and the
process dies with SIGSEGV, which no ``except`` can catch; a pathological file can also run for
minutes or be killed by the kernel for memory. So the engine never parses in the process that
owns the run (``-j 1`` included): files go to long-lived worker processes, and this module
watches them.

* A worker is started once and reused for many files (no process per file: the normal path
  pays one pipe round trip per small batch, not a fork per file).
* Results come back one message per file, so when a worker dies the file it was on is known:
  that file gets ``on_lost(item, reason)`` (an error finding), the rest of its batch goes back
  to the queue, and a fresh worker takes over. A dead worker never hangs the run.
* Each file has a wall-clock budget (``timeout``); past it the worker is killed and replaced.
* Workers run the work on a thread with a large stack and a raised recursion limit, so deeply
  nested but valid code (hundreds of levels) parses instead of crashing; what is deeper still
  surfaces as ``RecursionError`` in the worker, which the work function reports itself.
* Each worker's address space is capped (``memory_limit`` on top of what it starts with):
  libcst's parser can claim tens of GB on hostile nesting, which would take the whole machine
  down; capped, Python code gets ``MemoryError`` and the native parser aborts — one file lost.

Workers are forked on Linux (they inherit the parent's warmed caches), spawned elsewhere.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# The worker thread's stack. Only the pages a deep parse touches are ever committed; the
# native parser needs about 50 KiB per nesting level, Python frames far less.
WORKER_STACK_BYTES = 512 * 1024 * 1024
WORKER_RECURSION_LIMIT = 30_000
_MAX_BATCH = 16
_STOP = None


@dataclass(frozen=True)
class LostFile:
    """Why a file's worker produced no result: ``kind`` is ``"crash"`` or ``"timeout"``."""

    kind: str
    detail: str


def describe_exit(exitcode: int | None) -> str:
    """``"signal SIGSEGV"``, ``"exit status 3"``... for a worker's ``Process.exitcode``."""
    if exitcode is None:
        return "no exit status"
    if exitcode < 0:
        try:
            return f"signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit status {exitcode}"


def _serve(conn: Connection, work: Callable[[Any], Any]) -> None:
    """The worker's loop: receive a batch, send back one ``(index, result)`` per item."""
    while True:
        try:
            batch = conn.recv()
        except EOFError:
            return
        if batch is _STOP:
            return
        for index, item in batch:
            conn.send((index, work(item)))


def _cap_memory(extra_bytes: int) -> None:
    """Cap this process's address space at its current size + the thread stack + ``extra_bytes``
    (Linux; elsewhere the cap is skipped)."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            current = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = current + WORKER_STACK_BYTES + extra_bytes
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _worker_main(conn: Connection, work: Callable[[Any], Any], memory_limit: int | None) -> None:
    """Process entry point: serve on a big-stack thread (see the module docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if memory_limit is not None:
        _cap_memory(memory_limit)
    sys.setrecursionlimit(WORKER_RECURSION_LIMIT)
    threading.stack_size(WORKER_STACK_BYTES)
    thread = threading.Thread(target=_serve, args=(conn, work), name="rlmigrate-worker")
    thread.start()
    thread.join()


@dataclass
class _Worker(Generic[Item]):
    process: Any
    conn: Connection
    pending: deque[tuple[int, Item]] = field(default_factory=deque)
    deadline: float = float("inf")


class SupervisedPool(Generic[Item, Result]):
    """Run ``work(item)`` for every item in worker processes that may die or hang.

    Args:
        work: a module-level function (picklable where workers are spawned); it should not
            raise — whatever it returns is the item's result.
        jobs: number of worker processes (at least 1).
        timeout: wall-clock seconds one item may take before its worker is killed.
        on_lost: builds the result of an item whose worker died or ran out of time.
        memory_limit: bytes each worker may allocate beyond its size at start (None: no cap).

    Example:
        >>> pool = SupervisedPool(abs, jobs=1, timeout=10, on_lost=lambda item, why: None)
        >>> sorted(pool.imap_unordered([-1, -2]))
        [1, 2]
    """

    def __init__(
        self,
        work: Callable[[Item], Result],
        *,
        jobs: int,
        timeout: float,
        on_lost: Callable[[Item, LostFile], Result],
        memory_limit: int | None = None,
    ) -> None:
        self.work = work
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.on_lost = on_lost
        self.memory_limit = memory_limit
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        self._ctx = multiprocessing.get_context(method)
        self.restarts = 0

    def _start(self) -> _Worker[Item]:
        parent_end, child_end = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(target=_worker_main, args=(child_end, self.work, self.memory_limit),
                                    daemon=True)
        process.start()
        child_end.close()
        return _Worker(process=process, conn=parent_end)

    @staticmethod
    def _stop(worker: _Worker[Item], *, kill: bool) -> None:
        if kill:
            worker.process.kill()
        else:
            try:
                worker.conn.send(_STOP)
            except OSError:
                worker.process.kill()
        worker.process.join(timeout=None if kill else 5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.conn.close()

    def imap_unordered(self, items: Iterable[Item]) -> Iterator[Result]:
        """Yield one result per item, in completion order."""
        queue: deque[tuple[int, Item]] = deque(enumerate(items))
        if not queue:
            return
        workers = [self._start() for _ in range(min(self.jobs, len(queue)))]
        try:
            while queue or any(w.pending for w in workers):
                for worker in workers:
                    self._top_up(worker, queue, len(workers))
                busy = [w for w in workers if w.pending]
                now = time.monotonic()
                first_deadline = min(w.deadline for w in busy)
                wait_for = None if first_deadline == float("inf") else max(0.0, first_deadline - now)
                wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=wait_for)
                for i, worker in enumerate(workers):
                    if worker.pending:
                        done, replacement = self._collect(worker, queue)
                        yield from done
                        if replacement is not None:
                            workers[i] = replacement
        finally:
            for worker in workers:
                self._stop(worker, kill=bool(worker.pending))

    def _top_up(self, worker: _Worker[Item], queue: deque[tuple[int, Item]], n_workers: int) -> None:
        """Keep about two batches in flight per worker so it never waits for the parent."""
        batch_size = max(1, min(_MAX_BATCH, len(queue) // (n_workers * 4)))
        if len(worker.pending) >= batch_size or not queue:
            return
        batch = [queue.popleft() for _ in range(min(batch_size, len(queue)))]
        if not worker.pending:
            worker.deadline = time.monotonic() + self.timeout
        worker.pending.extend(batch)
        worker.conn.send(batch)

    def _collect(
        self, worker: _Worker[Item], queue: deque[tuple[int, Item]]
    ) -> tuple[list[Result], _Worker[Item] | None]:
        """Results the worker has sent; a replacement worker when it died or overran."""
        done: list[Result] = []
        # Asked before draining: a worker found dead here has already sent all it ever will.
        alive = worker.process.is_alive()
        dead = False
        try:
            while worker.pending and worker.conn.poll():
                index, result = worker.conn.recv()
                expected, _ = worker.pending.popleft()
                if index != expected:  # the protocol is strictly in order; anything else is a bug
                    raise RuntimeError(f"worker answered item {index}, expected {expected}")
                done.append(result)
                worker.deadline = time.monotonic() + self.timeout
        except (EOFError, OSError):
            dead = True
        if not worker.pending:
            return done, None
        lost: LostFile | None = None
        if dead or not alive:
            worker.process.join()
            lost = LostFile("crash", describe_exit(worker.process.exitcode))
        elif time.monotonic() >= worker.deadline:
            lost = LostFile("timeout", f"still running after {self.timeout:g} s")
        if lost is None:
            return done, None
        _, item = worker.pending.popleft()
        done.append(self.on_lost(item, lost))
        queue.extendleft(reversed(worker.pending))
        worker.pending.clear()
        self._stop(worker, kill=True)
        self.restarts += 1
        return done, self._start()
