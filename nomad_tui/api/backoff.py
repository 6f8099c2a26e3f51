"""The retry backoff every loop of nomad-tui uses: exponential from half a second, capped at 30 s,
with full jitter where many clients may retry at once (a restarted agent must not be hit by every
watcher in the same instant)."""

from __future__ import annotations

from collections.abc import Callable

BACKOFF_BASE = 0.5  # seconds before the first retry, doubling with each failure in a row
BACKOFF_CAP = 30.0


def backoff_ceiling(attempt: int, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """min(cap, base × 2^(attempt-1)): the wait after the `attempt`-th failure in a row (1 = the first)."""
    return min(cap, base * 2 ** max(0, attempt - 1))


def jittered(attempt: int, rng: Callable[[], float], base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Full jitter: uniform in [0, backoff_ceiling(attempt)]."""
    return rng() * backoff_ceiling(attempt, base, cap)
