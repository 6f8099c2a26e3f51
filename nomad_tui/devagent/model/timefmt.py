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


def go_duration(ns: int) -> str:
    """A duration as Go's time.Duration.String() writes whole-second and sub-second values we use."""
    if ns == 0:
        return "0s"
    if ns % 1_000_000_000 == 0:
        total = ns // 1_000_000_000
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        if hours:
            return f"{hours}h{minutes}m{seconds}s"
        if minutes:
            return f"{minutes}m{seconds}s"
        return f"{seconds}s"
    if ns % 1_000_000 == 0:
        return f"{ns // 1_000_000}ms"
    return f"{ns / 1_000_000_000:g}s"
