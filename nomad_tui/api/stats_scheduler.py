"""Per-visible-row resource usage: a small scheduler that samples only the allocations on screen.

The screen says which allocations it shows (`want`); the scheduler reads each one's stats about every
`interval` seconds with at most `concurrency` requests in flight, and forgets (cancelling its request)
any allocation that is no longer wanted.  So the cost follows the rows on screen, never the cluster:
scrolling away stops the requests for rows no longer visible.  No Textual here; results go to a
callback.

Samples are taken in rounds on a grid of `interval`: every row on screen is read in the same burst,
so the screen repaints once per round rather than once for each row's own phase.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nomad_tui.api.errors import NomadError

STATS_INTERVAL = 3.0  # seconds between two samples of one allocation ("every ~2-3 s")
STATS_CONCURRENCY = 4  # requests in flight at most
CLOSE_TIMEOUT = 2.0  # seconds `close` waits for cancelled requests to finish
FETCH_TIMEOUT = 10.0  # one sample (allocation + stats) never takes longer than this
ERROR_INTERVAL = 10.0  # after an error (node down, 403, 404) that allocation is asked less often


@dataclass(frozen=True, slots=True)
class StatsError:
    message: str


class StatsScheduler:
    def __init__(
        self,
        fetch: Callable[[str], Awaitable[object]],
        deliver: Callable[[str, object], None],
        *,
        interval: float = STATS_INTERVAL,
        concurrency: int = STATS_CONCURRENCY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fetch = fetch
        self.deliver = deliver
        self.interval = interval
        self.concurrency = concurrency
        self.clock = clock
        self.wanted: set[str] = set()
        self._due: dict[str, float] = {}
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self.requests = 0  # total sent, for the benchmark

    def want(self, alloc_ids: set[str]) -> None:
        """The allocations on screen now; the others are dropped and their requests cancelled."""
        if alloc_ids == self.wanted:
            return
        for gone in self.wanted - alloc_ids:
            self._due.pop(gone, None)
            task = self._inflight.pop(gone, None)
            if task is not None:
                task.cancel()
        now = self.clock()
        for new in alloc_ids - self.wanted:
            self._due[new] = now
        self.wanted = set(alloc_ids)
        self._wake.set()

    async def run(self) -> None:
        try:
            while True:
                now = self.clock()
                free = self.concurrency - len(self._inflight)
                due = sorted((t, a) for a, t in self._due.items() if t <= now and a not in self._inflight)
                for _, alloc_id in due[: max(0, free)]:
                    self._inflight[alloc_id] = asyncio.create_task(self._sample(alloc_id))
                waiting = [t for a, t in self._due.items() if a not in self._inflight]
                timeout = max(0.05, min(waiting) - now) if waiting else None
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout)
                except TimeoutError:
                    pass
        finally:
            await self.close()

    async def close(self) -> None:
        """Stop sampling and wait (briefly) until no request is in flight: a request still running when
        its client closes can keep the event loop from finishing."""
        self.wanted = set()
        self._due.clear()
        tasks = list(self._inflight.values())
        self._inflight.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=CLOSE_TIMEOUT)

    async def _sample(self, alloc_id: str) -> None:
        self.requests += 1
        try:
            result: object = await asyncio.wait_for(self.fetch(alloc_id), FETCH_TIMEOUT)
            pause = self.interval
        except NomadError as exc:
            result = StatsError(exc.message)
            pause = ERROR_INTERVAL
        except TimeoutError:
            result = StatsError(f"no answer within {FETCH_TIMEOUT:.0f} s")
            pause = ERROR_INTERVAL
        finally:
            if self._inflight.get(alloc_id) is asyncio.current_task():
                del self._inflight[alloc_id]
            self._wake.set()
        if alloc_id in self.wanted:
            self._due[alloc_id] = self._next_round(pause)
            self.deliver(alloc_id, result)

    @property
    def busy(self) -> bool:
        """A request is in flight (a round is being read)."""
        return bool(self._inflight)

    def _next_round(self, pause: float) -> float:
        """The first grid line at least `pause` minus half an interval away: a row read in round N is
        read again in round N+1; one that joined between rounds joins the next round, or the one after
        when the next is less than half an interval away."""
        return math.ceil((self.clock() + pause - self.interval / 2) / self.interval) * self.interval
