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
- cancelling the consumer cancels the request in flight; `resync()` abandons a pending wait at once.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from nomad_tui.api.client import QueryMeta, Response
from nomad_tui.api.errors import NomadError

T = TypeVar("T")

DEFAULT_WAIT = 300.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0

# fetch(index, wait): index None means "no index, answer now".
Fetch = Callable[[int | None, float], Awaitable[Response[T]]]


@dataclass(frozen=True, slots=True)
class Update(Generic[T]):
    value: T
    meta: QueryMeta
    nbytes: int
    reset: bool  # the index went backwards: treat `value` as a full reload
    first: bool  # the first successful answer since the query (or a resync) started
    duration: float  # seconds from sending the request to having decoded the answer


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
        self._rng = rng
        self._clock = clock
        self.last_index = 0
        self.known_leader: bool | None = None
        self.last_contact_ms: int | None = None
        self.last_success: float | None = None  # clock() time of the last good answer
        self.last_error: NomadError | None = None
        self.failures = 0
        self.requests = 0
        self._resync = asyncio.Event()
        self._needs_full = True

    def resync(self) -> None:
        """Drop the pending wait and fetch the whole resource again now."""
        self._resync.set()

    def backoff_delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base × 2^(attempt-1))]."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** max(0, attempt - 1)))
        return self._rng() * ceiling

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
                first = True
            if last_start is not None and self.min_interval > 0:
                pause = last_start + self.min_interval - self._clock()
                if pause > 0:
                    await self._race_resync(asyncio.sleep(pause))
                    continue
            index = None if self._needs_full else max(1, self.last_index)
            last_start = self._clock()
            self.requests += 1
            try:
                completed, result = await self._race_resync(self._fetch(index, self.wait))
            except NomadError as error:
                self.failures += 1
                self.last_error = error
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
            self.last_error = None
            self.last_success = self._clock()
            self.known_leader = response.meta.known_leader
            self.last_contact_ms = response.meta.last_contact_ms
            new_index = response.meta.index
            previous = self.last_index
            self.last_index = new_index
            was_full = self._needs_full
            self._needs_full = False
            if not was_full and new_index == previous:
                continue  # the wait timed out: nothing changed
            reset = not first and new_index < previous
            yield Update(response.value, response.meta, response.nbytes, reset, first, duration)
            first = False
