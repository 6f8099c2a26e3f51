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
    """Local wall time; the date is added when it is not today.  Times come from the cluster: one
    at the edge of the calendar (year 9999 east of UTC, year 1 west of it) cannot be moved to the
    local zone, and is shown as the cluster wrote it instead of raising."""
    if moment is None:
        return "-"
    try:
        local = moment.astimezone()
        today = (now or datetime.now(UTC)).astimezone().date()
    except (OverflowError, ValueError, OSError):
        return moment.isoformat(sep=" ", timespec="seconds")
    if local.date() == today:
        return local.strftime("%H:%M:%S")
    # Not strftime's %Y: it drops the zero padding of years before 1000 on glibc.
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local:%H:%M:%S}"


def seconds_between(later: datetime, earlier: datetime) -> float | None:
    """`later - earlier` in seconds, or None when the difference cannot be computed."""
    try:
        return (later - earlier).total_seconds()
    except (OverflowError, ValueError):
        return None
