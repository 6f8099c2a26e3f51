"""Rate limiting for the answers we send back to the remote program (DSR, DA).

A query such as `ESC[6n` makes the terminal *write to the remote's stdin*.  That is how terminals
work, but a program (or a file being `cat`ed) that repeats the query thousands of times would turn
us into a traffic generator, so the answers go through a token bucket and a size cap.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class ReplyQueue:
    """Answers waiting for the remote's stdin, admitted by a token bucket."""

    def __init__(
        self,
        *,
        burst: int = 32,
        per_second: float = 16.0,
        max_pending_bytes: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._burst = burst
        self._per_second = per_second
        self._max_pending = max_pending_bytes
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()
        self._pending = bytearray()
        self.dropped = 0  # answers refused by the limiter, for diagnostics and tests

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._last)
        self._last = now
        self._tokens = min(float(self._burst), self._tokens + elapsed * self._per_second)

    def push(self, data: bytes) -> bool:
        """Queue one answer; False when the limiter refused it."""
        self._refill()
        if self._tokens < 1.0 or len(self._pending) + len(data) > self._max_pending:
            self.dropped += 1
            return False
        self._tokens -= 1.0
        self._pending += data
        return True

    def take(self) -> bytes:
        data = bytes(self._pending)
        self._pending.clear()
        return data

    def __len__(self) -> int:
        return len(self._pending)
