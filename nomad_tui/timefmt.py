"""Human-readable ages and durations, shared by the list, the detail panes and the status bar."""

from __future__ import annotations

from datetime import UTC, datetime


def age(seconds: float) -> str:
    """Compact age for narrow columns: 42s, 5m, 3h, 2d (k9s style)."""
    if seconds < 0:
        seconds = 0
    if seconds < 60:
        return f"{int(seconds)}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


def age_ns(now_ns: int, then_ns: int) -> str:
    return "-" if then_ns <= 0 else age((now_ns - then_ns) / 1e9)


def duration_ns(ns: int) -> str:
    """Nanosecond durations (reschedule delays, kill timeouts): 0s, 1.5s, 2m30s, 1h0m."""
    seconds = ns / 1e9
    if seconds < 60:
        return f"{seconds:g}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes}m"


def clock_time(moment: datetime | None, *, now: datetime | None = None) -> str:
    """Local wall time; the date is added when it is not today."""
    if moment is None:
        return "-"
    local = moment.astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    return local.strftime("%H:%M:%S") if local.date() == today else local.strftime("%Y-%m-%d %H:%M:%S")
