"""The per-visible-row stats scheduler: bounded concurrency, re-sampling, and dropping what left."""

from __future__ import annotations

import asyncio

from nomad_tui.api.errors import NotFound
from nomad_tui.api.stats_scheduler import StatsError, StatsScheduler


async def test_samples_only_wanted_allocations_with_bounded_concurrency() -> None:
    started: list[str] = []
    inflight = 0
    peak = 0
    release = asyncio.Event()
    delivered: list[tuple[str, object]] = []

    async def fetch(alloc_id: str) -> object:
        nonlocal inflight, peak
        started.append(alloc_id)
        inflight += 1
        peak = max(peak, inflight)
        try:
            await release.wait()
        finally:
            inflight -= 1
        return alloc_id.upper()

    scheduler = StatsScheduler(fetch, lambda a, r: delivered.append((a, r)), interval=0.05, concurrency=2)
    task = asyncio.create_task(scheduler.run())
    scheduler.want({"a", "b", "c"})
    while len(started) < 2:
        await asyncio.sleep(0.01)
    assert peak == 2 and len(started) == 2  # the third waits for a free slot
    scheduler.want({"c"})  # a and b scrolled away: their requests are cancelled
    while "c" not in started:
        await asyncio.sleep(0.01)
    release.set()
    while not delivered:
        await asyncio.sleep(0.01)
    assert {a for a, _ in delivered} == {"c"}  # nothing is delivered for rows that left
    count = len(started)
    while len(started) < count + 2:
        await asyncio.sleep(0.01)  # c is sampled again and again
    assert set(started[count:]) == {"c"}
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_an_error_degrades_only_that_allocation() -> None:
    delivered: dict[str, object] = {}

    async def fetch(alloc_id: str) -> object:
        if alloc_id == "bad":
            raise NotFound('Unknown allocation "bad"', path="/v1/client/allocation/bad/stats")
        return "ok"

    scheduler = StatsScheduler(fetch, delivered.__setitem__, interval=0.05)
    task = asyncio.create_task(scheduler.run())
    scheduler.want({"bad", "good"})
    while len(delivered) < 2:
        await asyncio.sleep(0.01)
    assert delivered["good"] == "ok" and isinstance(delivered["bad"], StatsError)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
