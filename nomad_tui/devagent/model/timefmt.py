"""Go-compatible time text: RFC3339Nano as Nomad's codec writes it, and Go duration text."""

from __future__ import annotations

import datetime as dt

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def rfc3339nano(unix_ns: int, utc_offset_s: int = 0) -> str:
    """Format unix nanoseconds like Go's time.RFC3339Nano: trailing fractional zeros trimmed, `Z` for UTC."""
    seconds, nanos = divmod(unix_ns, 1_000_000_000)
    moment = _EPOCH + dt.timedelta(seconds=seconds + utc_offset_s)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        text += "." + f"{nanos:09d}".rstrip("0")
    if utc_offset_s == 0:
        return text + "Z"
    sign = "+" if utc_offset_s > 0 else "-"
    hours, minutes = divmod(abs(utc_offset_s) // 60, 60)
    return f"{text}{sign}{hours:02d}:{minutes:02d}"


_SUB_SECOND_UNITS = ((1_000_000, "ms"), (1_000, "µs"), (1, "ns"))


def go_duration(ns: int) -> str:
    """A duration as Go's time.Duration.String() writes it: `0s`, `12ns`, `1.5µs`, `750ms`, `1.5s`,
    `1m0s`, `2h0m0s`, `-5s` (the dev agent's own port; the app has its own, both tested against
    tests/data/nomad_display_messages.json)."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1_000_000_000:
        scale, unit = next((s, u) for s, u in _SUB_SECOND_UNITS if ns >= s)
        return f"{sign}{_decimal(ns, scale)}{unit}"
    minutes_total, second_ns = divmod(ns, 60_000_000_000)
    hours, minutes = divmod(minutes_total, 60)
    prefix = f"{hours}h{minutes}m" if hours else f"{minutes}m" if minutes else ""
    return f"{sign}{prefix}{_decimal(second_ns, 1_000_000_000)}s"


def _decimal(value: int, scale: int) -> str:
    """value / scale in decimal, without trailing zeros (exact: integers only)."""
    whole, part = divmod(value, scale)
    if not part:
        return str(whole)
    width = len(str(scale)) - 1
    return f"{whole}.{part:0{width}d}".rstrip("0")
