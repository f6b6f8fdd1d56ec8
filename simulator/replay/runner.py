"""Run a replay: scan every input (in a process pool or inline) and merge in input order.

Merging in input order makes ``--jobs N`` give exactly the serial result: each input's tally
is built independently, and every merge step is order-defined (report.py).  Matched events are
handed to ``on_matches`` input by input, in that same order, and then dropped, so memory stays
bounded by the largest single input, not by the history.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from dataclasses import dataclass
from itertools import islice
from typing import Any

from simulator.errors import SimulatorError
from simulator.replay.decode import Problem
from simulator.replay.plan import CompiledPlan, ReplayPlan
from simulator.replay.progress import Progress
from simulator.replay.report import UnitTally
from simulator.replay.scan import InputScan
from simulator.replay.sources import ReplayInput
from simulator.replay.stream import WHOLE_LIMIT

MatchSink = Callable[[list[bytes]], None]


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """A finished replay: the merged tally, the plan it ran, and its wall time."""

    tally: UnitTally
    plan: ReplayPlan
    seconds: float
    jobs: int

    @property
    def clean(self) -> bool:
        return self.tally.bad_inputs == 0


def default_jobs(total_bytes: int | None = None) -> int:
    """The CPU count; with ``total_bytes``, no more workers than inputs worth one: a forked
    worker costs ~10 ms to start, a spawned one an interpreter start and imports (~0.2 s)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if total_bytes is None:
        return cpus or 1
    forked = pool_context().get_start_method() == "fork"
    share = BYTES_PER_FORKED_WORKER if forked else BYTES_PER_WORKER
    return max(1, min(cpus or 1, total_bytes // share))


# Of gzip input per worker: about 150,000 CloudTrail records (1.5 s of work), and 15,000.
BYTES_PER_WORKER = 16 * 1024 * 1024
BYTES_PER_FORKED_WORKER = 1600 * 1024


def run_replay(
    inputs: Sequence[ReplayInput],
    plan: ReplayPlan,
    *,
    jobs: int = 1,
    on_matches: MatchSink | None = None,
    progress: Progress | None = None,
) -> ReplayResult:
    """Scan ``inputs`` with ``plan``; ``jobs`` > 1 uses that many worker processes.

    The calling process keeps the allocator settings of `_pad_heap` afterwards (glibc only).
    """
    started = time.perf_counter()
    _init_worker(plan)  # compiles here first: a bad pattern fails before any worker starts
    total = UnitTally()
    jobs = max(1, min(jobs, len(inputs) or 1))
    emitted: set[str] = set()  # eventIDs already handed on: CloudTrail repeats some records
    for tally in _tallies(inputs, plan, jobs):
        if on_matches is not None and tally.matched_events:
            fresh = [
                raw for event_id, raw in tally.matched_events if _first_time(event_id, emitted)
            ]
            if fresh:
                on_matches(fresh)
        tally.matched_events = []
        total.merge(tally, plan.near_misses)
        if progress is not None:
            progress.advance(tally)
    return ReplayResult(total, plan, time.perf_counter() - started, jobs)


class ReplayWorkerError(SimulatorError):
    """Raised when a replay worker process dies (killed, out of memory) before reporting."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"a replay worker process died: {detail}; retry with --jobs 1")

    def _reduce_args(self) -> tuple[Any, ...]:
        return (self.detail,)


def _first_time(event_id: str, seen: set[str]) -> bool:
    if not event_id:
        return True
    if event_id in seen:
        return False
    seen.add(event_id)
    return True


def _tallies(inputs: Sequence[ReplayInput], plan: ReplayPlan, jobs: int) -> Iterator[UnitTally]:
    """Each input's tally (or a batch's), in input order; the parent is `_init_worker`-ed."""
    if jobs == 1:
        yield from map(_scan_task, enumerate(inputs))
        return
    # The parent is one of the ``jobs``: it scans batches itself whenever the oldest result is
    # not ready yet, so the pool's start-up costs no idle time.  At most IN_FLIGHT batches per
    # worker are queued, so results (and their matched events) never pile up while a slow
    # consumer (--push) catches up; a dead worker raises BrokenProcessPool instead of hanging.
    context = pool_context()
    tasks = iter(_batches(inputs))
    with ProcessPoolExecutor(
        jobs - 1, mp_context=context, initializer=_init_worker, initargs=(plan,)
    ) as pool:
        slots: deque[Future[list[UnitTally]] | list[UnitTally]] = deque(
            pool.submit(_scan_batch, t) for t in islice(tasks, (jobs - 1) * IN_FLIGHT)
        )
        try:
            yield from _in_order(slots, tasks, pool)
        except BrokenProcessPool as err:
            raise ReplayWorkerError(str(err)) from None
        finally:
            for slot in slots:
                if isinstance(slot, Future):
                    slot.cancel()


def pool_context() -> multiprocessing.context.BaseContext:
    """fork on Linux when this process runs no other thread, else spawn.

    A forked worker starts in milliseconds with the plan already imported; a spawned one costs
    an interpreter start and imports (~0.2 s), which a replay of a few hundred MB never repays.
    But fork copies other threads' locks mid-state (the local cloud's server threads, for
    instance), so a process with threads gets spawned workers.
    """
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _in_order(
    slots: deque[Future[list[UnitTally]] | list[UnitTally]],
    tasks: Iterator[list[tuple[int, ReplayInput]]],
    pool: ProcessPoolExecutor,
) -> Iterator[UnitTally]:
    """Tallies in input order; the parent scans the next batch while the oldest is not ready."""
    more = True
    while slots:
        head = slots[0]
        if isinstance(head, list) or head.done() or not more or len(slots) > PARENT_AHEAD:
            slots.popleft()
            yield from head if isinstance(head, list) else head.result()
            for task in islice(tasks, 1 if isinstance(head, Future) else 0):
                slots.append(pool.submit(_scan_batch, task))
            continue
        own = list(islice(tasks, 1))
        if own:
            slots.append(_scan_batch(own[0]))
        else:
            more = False


def _batches(inputs: Sequence[ReplayInput]) -> Iterator[list[tuple[int, ReplayInput]]]:
    """Consecutive inputs grouped up to BATCH_BYTES (a task costs ~0.1-0.3 ms of IPC, a
    5-minute CloudTrail file often less than that to scan)."""
    batch: list[tuple[int, ReplayInput]] = []
    size = 0
    for task in enumerate(inputs):
        batch.append(task)
        size += task[1].size
        if size >= BATCH_BYTES or len(batch) >= BATCH_INPUTS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


IN_FLIGHT = 4  # batches queued per worker
PARENT_AHEAD = 64  # results held at most while the parent works ahead of a slow worker
BATCH_BYTES = 1024 * 1024
BATCH_INPUTS = 64
_WORKER: dict[str, Any] = {}


def _init_worker(plan: ReplayPlan) -> None:
    _pad_heap()
    _WORKER.clear()
    _WORKER["compiled"] = CompiledPlan(plan)
    _WORKER["cache"] = {}


# glibc malloc.h: mallopt parameters, and the values replay sets (defaults 128 KiB, dynamic).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
HEAP_SETTINGS = ((M_MMAP_THRESHOLD, 4 * 1024 * 1024), (M_TRIM_THRESHOLD, 8 * 1024 * 1024))


def _pad_heap() -> None:
    """Keep the buffers that inputs inflate into on glibc's heap, and its pages mapped.

    Every input inflates to a fresh buffer of a few hundred KB that is freed a moment later.
    By default glibc maps such a buffer on its own (or trims the heap after it), so each file's
    text is page-faulted in anew: measured, 17,000 faults and a sixth of a replay's time per
    100,000 events.  Buffers under 4 MiB come from the heap here, and up to 8 MiB of free heap
    stays mapped (peak RSS does not change).  Without glibc (musl, macOS) this does nothing.
    """
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
        for parameter, value in HEAP_SETTINGS:
            mallopt(parameter, value)
    except (OSError, AttributeError, TypeError):  # no glibc: nothing to tune
        pass


def _scan_batch(batch: list[tuple[int, ReplayInput]]) -> list[UnitTally]:
    """The batch's inputs as one tally: pickling a tally per input cost a parallel replay a
    fifth more CPU than a serial one."""
    tallies = map(_scan_task, batch)
    combined = next(tallies)
    limit = _WORKER["compiled"].plan.near_misses
    for later in tallies:
        combined.extend(later, limit)
    return [combined]


def _scan_task(task: tuple[int, ReplayInput]) -> UnitTally:
    index, item = task
    scan = InputScan(_WORKER["compiled"], item.name, index)
    try:
        if item.size > WHOLE_LIMIT:
            with closing(item.open(_WORKER["cache"])) as stream:
                return scan.scan_stream(stream, item.size)
        data = item.read(_WORKER["cache"])
    except Exception as err:
        if not _is_read_error(err):
            raise
        scan.tally.add_problem(Problem(item.name, "read-error", _describe(err)))
        return scan.tally
    return scan.scan(data)


def _is_read_error(err: Exception) -> bool:
    if isinstance(err, OSError):
        return True
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is a dependency
        return False
    return isinstance(err, (BotoCoreError, ClientError))


def _describe(err: Exception) -> str:
    response = getattr(err, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        return f"{error.get('Code', type(err).__name__)}: {error.get('Message', '')}".rstrip(": ")
    return f"{type(err).__name__}: {err}"
