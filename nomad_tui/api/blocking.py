"""Blocking queries: keep one resource current with Nomad's long polls (docs/nomad-wire.md §1).

The rules, all from docs/nomad-wire.md §1.2:
- the first request carries no index and answers at once (even on an empty cluster, whose index is 0);
  every later request sends `index=max(1, last)`, so index 0 — which would make the server answer at
  once, forever, a busy loop — is never sent;
- `wait` defaults to 5 minutes (the server's cap); the read timeout is wait × 17/16 + 5 s;
- an unchanged index means nothing changed: nothing is yielded, nothing re-renders;
- an index that goes backwards (agent restart, snapshot restore, another server with `stale`) resets:
  the response is a full reload and is yielded with `reset=True`;
- errors back off exponentially with full jitter (0.5 s doubling, capped at 30 s), reset on success;
  the retry after an error asks without an index, so recovery shows at once;
- cancelling the consumer cancels the request in flight; `resync()` abandons a pending wait at once;
- every failure, not only Nomad's errors (a bad gzip body, JSON nested too deep, a namespace that
  cannot be encoded, a bug), is a `Failure` with the same backoff: the loop never dies or spins;
- an answer without a usable index (header missing, 0, negative, garbage, beyond uint64) is always
  yielded (whether it changed is unknown; the consumer compares), and when such an answer, or an
  unchanged index, comes back long before the wait was over (a server or proxy that does not block),
  the next request waits at least `no_block_interval`.  Otherwise: a busy loop over frozen data;
- an agent that restarts with a lower index right after answering holds our next request (its
  index is above the new agent's) for the whole wait, over stale data.  With a `probe` (a cheap
  non-blocking read of the same index), a request still held after `probe_after` seconds asks the
  current index once; a lower one than ours forces a fresh full answer at once.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from nomad_tui.api.backoff import BACKOFF_BASE, BACKOFF_CAP, jittered
from nomad_tui.api.client import QueryMeta, Response
from nomad_tui.api.errors import NomadError, Unexpected
from nomad_tui.sanitize import describe_exception

T = TypeVar("T")

DEFAULT_WAIT = 300.0
NO_BLOCK_INTERVAL = 2.0

# fetch(index, wait): index None means "no index, answer now".
Fetch = Callable[[int | None, float], Awaitable[Response[T]]]
# probe(): the resource's current index, from a cheap request that does not block.
Probe = Callable[[], Awaitable[int]]
PROBE_AFTER = 2.0


@dataclass(frozen=True, slots=True)
class Update(Generic[T]):
    value: T
    meta: QueryMeta
    nbytes: int
    reset: bool  # the index went backwards: treat `value` as a full reload


@dataclass(frozen=True, slots=True)
class Failure:
    error: NomadError
    attempt: int  # consecutive failures, 1 for the first
    retry_in: float  # seconds until the next attempt


class BlockingQuery(Generic[T]):
    def __init__(
        self,
        fetch: Fetch[T],
        *,
        wait: float = DEFAULT_WAIT,
        backoff_base: float = BACKOFF_BASE,
        backoff_cap: float = BACKOFF_CAP,
        min_interval: float = 0.0,
        no_block_interval: float = NO_BLOCK_INTERVAL,
        probe: Probe | None = None,
        probe_after: float = PROBE_AFTER,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self.wait = wait
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        # Least time between the starts of two requests: a busy cluster changes the index constantly,
        # and a large list should not be re-downloaded back to back.
        self.min_interval = min_interval
        # Least time between requests while the server does not block (see the module docstring).
        self.no_block_interval = no_block_interval
        self._not_before: float | None = None
        self._probe = probe
        self.probe_after = probe_after
        self.probes = 0
        self._rng = rng
        self._clock = clock
        self.last_index = 0
        self.failures = 0
        self.requests = 0
        self._resync = asyncio.Event()
        self._needs_full = True

    def resync(self) -> None:
        """Drop the pending wait and fetch the whole resource again now."""
        self._resync.set()

    def backoff_delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base × 2^(attempt-1))]."""
        return jittered(attempt, self._rng, self.backoff_base, self.backoff_cap)

    async def _probe_held(self, index: int) -> None:
        """Runs beside a blocking request: once it has been held for `probe_after`, ask the current
        index; if the agent went back below the index we wait on, resync (a fresh full answer)."""
        assert self._probe is not None
        await asyncio.sleep(self.probe_after)
        self.probes += 1
        try:
            current = await self._probe()
        except Exception:  # the blocking request itself will meet any real trouble
            return
        if 0 < current < index:
            self.resync()

    async def _fetch_held(self, index: int | None) -> Response[T]:
        if index is None or self._probe is None:
            return await self._fetch(index, self.wait)
        prober = asyncio.ensure_future(self._probe_held(index))
        try:
            return await self._fetch(index, self.wait)
        finally:
            prober.cancel()
            await asyncio.gather(prober, return_exceptions=True)

    async def _race_resync(self, awaitable: Awaitable[object]) -> tuple[bool, object]:
        """Await `awaitable` unless resync() fires first; returns (completed, result)."""
        task = asyncio.ensure_future(awaitable)
        waiter = asyncio.ensure_future(self._resync.wait())
        try:
            await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not waiter.done():
                waiter.cancel()
            if not task.done():
                task.cancel()
                # asyncio.wait, not `await task` under suppress(CancelledError): a cancellation of
                # *our* task arriving right now must propagate, not be swallowed as the inner one's.
                await asyncio.wait({task})
                if not task.cancelled():
                    task.exception()  # retrieved: an error after we gave up on the request is moot
        if task.done() and not task.cancelled():
            return True, task.result()  # re-raises the fetch's exception, if any
        return False, None

    async def updates(self) -> AsyncGenerator[Update[T] | Failure]:
        first = True
        last_start: float | None = None
        while True:
            if self._resync.is_set():
                self._resync.clear()
                self._needs_full = True
                self._not_before = None
                first = True
            earliest = self._not_before
            if last_start is not None and self.min_interval > 0:
                paced = last_start + self.min_interval
                earliest = paced if earliest is None else max(earliest, paced)
            if earliest is not None:
                pause = earliest - self._clock()
                if pause > 0:
                    await self._race_resync(asyncio.sleep(pause))
                    continue
                self._not_before = None
            index = None if self._needs_full else max(1, self.last_index)
            last_start = self._clock()
            self.requests += 1
            try:
                completed, result = await self._race_resync(self._fetch_held(index))
            except Exception as exc:  # not BaseException: cancellation must go through
                error = exc if isinstance(exc, NomadError) else Unexpected(describe_exception(exc))
                self.failures += 1
                # The retry asks without an index so that it answers at once: the consumer learns
                # that the agent is back without waiting for the next change.
                self._needs_full = True
                delay = self.backoff_delay(self.failures)
                yield Failure(error, self.failures, delay)
                await self._race_resync(asyncio.sleep(delay))
                continue
            if not completed:
                continue
            assert isinstance(result, Response)
            response: Response[T] = result
            duration = self._clock() - last_start
            self.failures = 0
            new_index = response.meta.index
            previous = self.last_index
            was_full = self._needs_full
            # A blocking request answered long before its wait with no new index: the server did
            # not block (no usable index, or a proxy that ignores it).  Bound the request rate.
            answered_at_once = index is not None and duration < self.wait / 2
            if new_index <= 0:
                # No usable index (an empty cluster's is 0, which is fine): we cannot tell whether
                # anything changed, so the answer is yielded and the consumer compares.
                if answered_at_once:
                    self._not_before = self._clock() + self.no_block_interval
                self.last_index = 0
                self._needs_full = False
                yield Update(response.value, response.meta, response.nbytes, False)
                first = False
                continue
            self.last_index = new_index
            self._needs_full = False
            if not was_full and new_index == previous:
                if answered_at_once:
                    self._not_before = self._clock() + self.no_block_interval
                continue  # the wait timed out: nothing changed
            reset = not first and new_index < previous
            yield Update(response.value, response.meta, response.nbytes, reset)
            first = False
