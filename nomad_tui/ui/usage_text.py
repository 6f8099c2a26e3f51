"""The Resources tab's live part: per task, current memory and CPU against what it reserved, and
sparklines of the last few minutes.  Fields the driver does not measure say so."""

from __future__ import annotations

from rich.text import Text

from nomad_tui.sanitize import sanitize_line
from nomad_tui.state.usage import MIB, UsageBook, level, sparkline

LEVEL_STYLES = {"high": "bold red", "warn": "yellow"}


def _share(fraction: float | None) -> str:
    return f"{fraction * 100:3.0f} %  " if fraction is not None else ""


def usage_text(book: UsageBook, alloc_id: str) -> Text:
    text = Text()
    usage = book.latest.get(alloc_id)
    if usage is None:
        return text
    text.append("Live usage (last ~5 minutes)\n", style="bold")
    if usage.error:
        text.append(f"  cannot read stats: {sanitize_line(usage.error)}\n", style="dim")
        return text
    for task in sorted(usage.tasks):
        history = list(book.history.get((alloc_id, task), ()))
        current = usage.tasks[task]
        mem_limit = usage.limits.memory_mb.get(task, 0)
        cpu_limit = usage.limits.cpu_mhz.get(task, 0)
        text.append(f"  {sanitize_line(task)}\n", style="bold")
        if current.memory is None:
            text.append("    memory   not measured by this driver\n", style="dim")
        else:
            used = current.memory / MIB
            fraction = used / mem_limit if mem_limit else None
            text.append(f"    memory   {used:7.0f} MiB / {mem_limit} MiB  ")
            text.append(_share(fraction), LEVEL_STYLES.get(level(fraction), ""))
            text.append(sparkline([float(r.memory or 0) for r in history]) + "\n", style="cyan")
        fraction = current.cpu_mhz / cpu_limit if cpu_limit else None
        text.append(f"    cpu      {current.cpu_mhz:7.0f} MHz / {cpu_limit} MHz  ")
        text.append(_share(fraction), LEVEL_STYLES.get(level(fraction), ""))
        text.append(sparkline([r.cpu_mhz for r in history]) + "\n", style="green")
        if current.cpu_percent is None:
            text.append("    percent  not measured by this driver\n", style="dim")
        else:
            text.append(f"    percent  {current.cpu_percent:.1f} % of one core\n")
        if current.throttled_periods is None:
            text.append("    throttle not measured by this driver\n", style="dim")
        else:
            text.append(f"    throttle {current.throttled_periods} periods\n")
    return text
