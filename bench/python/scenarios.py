"""The shared benchmark scenarios, run on Python's asyncio-taskpool 1.2.0.

Prints one JSON object per line: scenario, variant, n, k (map only), the
median wall time of the runs in seconds, and ns per task. Run by
bench/compare with the venv made by scripts/python-venv; by hand:

    .venv/bin/python bench/python/scenarios.py [--quick]

Scenarios (the same as the Rust throughput benchmark's):

- apply: ``TaskPool.apply(noop, num=N)`` until every task has ended.
- map: ``TaskPool.map(noop, range(N), num_concurrent=k)`` until every task
  has ended.
- simple: ``SimpleTaskPool(worker).start(N)`` of an idle worker, until all
  wait, then ``stop_all()`` and ``gather_and_close()``. The worker waits on
  one shared ``asyncio.Event`` (as in the Rust benchmark); a second variant
  waits on a private future per worker, to show that the shared event is
  what makes ``stop_all`` quadratic (each cancellation scans the event's
  list of waiters).
- raw: ``asyncio.create_task`` of N no-ops and ``gather``, the hand-written
  equivalent of apply, for reference.

Because ``gather_and_close()`` right after ``apply()``/``map()`` fails in
1.2.0 with "pool is locked" (the background spawner has not started yet),
each run first awaits the group's meta task (a private attribute,
``_group_meta_tasks_running``), then calls ``gather_and_close()``. N is kept
where a run stays within seconds: per-task figures are what is compared.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time

from asyncio_taskpool import SimpleTaskPool, TaskPool


async def noop(*_args: object) -> None:
    pass


async def await_meta_tasks(pool: TaskPool, group: str) -> None:
    await asyncio.gather(*list(pool._group_meta_tasks_running.get(group, ())))


async def raw(n: int) -> float:
    start = time.perf_counter()
    tasks = [asyncio.create_task(noop()) for _ in range(n)]
    await asyncio.gather(*tasks)
    return time.perf_counter() - start


async def apply(n: int) -> float:
    pool = TaskPool()
    start = time.perf_counter()
    group = pool.apply(noop, num=n)
    await await_meta_tasks(pool, group)
    await pool.gather_and_close()
    assert pool._num_started == n  # num_ended reads 0 once the pool is closed
    return time.perf_counter() - start


async def map_(n: int, k: int) -> float:
    pool = TaskPool()
    start = time.perf_counter()
    group = f"map-{n}-{k}"
    pool.map(noop, range(n), num_concurrent=k, group_name=group)
    await await_meta_tasks(pool, group)
    await pool.gather_and_close()
    assert pool._num_started == n  # num_ended reads 0 once the pool is closed
    return time.perf_counter() - start


async def simple(n: int, shared: bool) -> tuple[float, float]:
    """Returns the whole cycle's time and the stop phase's time."""
    loop = asyncio.get_running_loop()
    event = asyncio.Event()
    waiting = 0
    all_waiting = loop.create_future()

    async def worker() -> None:
        nonlocal waiting
        waiting += 1
        if waiting == n:
            all_waiting.set_result(None)
        if shared:
            await event.wait()
        else:
            await loop.create_future()

    pool = SimpleTaskPool(worker)
    start = time.perf_counter()
    pool.start(n)
    await all_waiting
    stop = time.perf_counter()
    stopped = pool.stop_all()
    await pool.gather_and_close()
    end = time.perf_counter()
    assert len(stopped) == n
    return end - start, end - stop


def emit(scenario: str, variant: str, n: int, runs: list[float], k: int | None = None, **extra: object) -> None:
    median = statistics.median(runs)
    record = {
        "scenario": scenario,
        "variant": variant,
        "n": n,
        "k": k,
        "runs": len(runs),
        "seconds": median,
        "ns_per_task": median / n * 1e9,
        **extra,
    }
    print(json.dumps(record), flush=True)


def main() -> None:
    quick = "--quick" in sys.argv
    scale = 10 if quick else 1
    # Small N three times (median), large N once: a Python run of 10^5 tasks
    # takes seconds, and its per-task figure is stable.
    for n in (10_000 // scale, 100_000 // scale):
        repeats = 3 if n <= 10_000 else 1
        emit("raw", "create_task_gather", n, [asyncio.run(raw(n)) for _ in range(repeats)])
        emit("apply", "asyncio_taskpool", n, [asyncio.run(apply(n)) for _ in range(repeats)])
    n = 100_000 // scale
    for k in (1, 16, 1024):
        emit("map", "asyncio_taskpool", n, [asyncio.run(map_(n, k))], k=k)
    # stop_all with a shared event is quadratic: 10^5 workers take about 94 s
    # here, so the shared-event case stops at 2 * 10^4.
    for n, shared in ((10_000 // scale, True), (20_000 // scale, True), (100_000 // scale, False)):
        whole, stop = asyncio.run(simple(n, shared))
        emit(
            "simple",
            "asyncio_taskpool_shared_event" if shared else "asyncio_taskpool_private_future",
            n,
            [whole],
            stop_seconds=stop,
            stop_ns_per_task=stop / n * 1e9,
        )


if __name__ == "__main__":
    main()
