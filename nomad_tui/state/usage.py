"""Resource usage of allocations on screen: latest values against what was allocated, a short history
per task for sparklines, and the list cells (`312 MiB / 512 MiB`, `61 %`).

Nomad reports per driver which fields it measures (`Measured`); a field not in that list is shown as
not measured, never as 0.  Memory in use is RSS when measured, else Usage.  CPU is TotalTicks (MHz in
use, always computed by the client) against the CPU MHz the task reserved.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from nomad_tui.api.cluster_models import AllocResourceUsage, ResourceUsage
from nomad_tui.api.models import Allocation

MIB = 1024 * 1024
HISTORY = 120  # samples kept per task: about 5 minutes at one sample every 2.5 s
NEAR_LIMIT = 0.9
WARN_LIMIT = 0.75
SPARK = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class Limits:
    cpu_mhz: dict[str, int]
    memory_mb: dict[str, int]

    @property
    def total_cpu(self) -> int:
        return sum(self.cpu_mhz.values())

    @property
    def total_memory(self) -> int:
        return sum(self.memory_mb.values())


def limits_of(alloc: Allocation) -> Limits:
    """What each task reserved: AllocatedResources (0.9+), else the legacy TaskResources."""
    cpu: dict[str, int] = {}
    memory: dict[str, int] = {}
    if alloc.allocated_resources is not None and alloc.allocated_resources.tasks:
        for name, task in alloc.allocated_resources.tasks.items():
            cpu[name] = task.cpu.cpu_shares if task.cpu else 0
            memory[name] = task.memory.memory_mb if task.memory else 0
    elif alloc.task_resources:
        for name, legacy in alloc.task_resources.items():
            cpu[name] = legacy.cpu
            memory[name] = legacy.memory_mb
    return Limits(cpu, memory)


@dataclass(frozen=True, slots=True)
class Reading:
    memory: int | None  # bytes in use; None: not measured by the driver
    cpu_mhz: float
    cpu_percent: float | None  # of one core
    throttled_periods: int | None  # None: not measured


def reading(usage: ResourceUsage | None) -> Reading:
    memory = usage.memory_stats if usage is not None else None
    cpu = usage.cpu_stats if usage is not None else None
    measured_mem = set(memory.measured or []) if memory is not None else set()
    measured_cpu = set(cpu.measured or []) if cpu is not None else set()
    used: int | None = None
    if memory is not None and "RSS" in measured_mem:
        used = memory.rss
    elif memory is not None and "Usage" in measured_mem:
        used = memory.usage
    return Reading(
        memory=used,
        cpu_mhz=cpu.total_ticks if cpu is not None else 0.0,
        cpu_percent=cpu.percent if cpu is not None and "Percent" in measured_cpu else None,
        throttled_periods=cpu.throttled_periods if cpu is not None and "Throttled Periods" in measured_cpu else None,
    )


@dataclass(slots=True)
class AllocUsage:
    limits: Limits
    total: Reading
    tasks: dict[str, Reading]
    error: str = ""
    version: int = 0


class UsageBook:
    """Latest usage per allocation on screen and the recent history of each of its tasks."""

    def __init__(self) -> None:
        self.latest: dict[str, AllocUsage] = {}
        self.limits: dict[str, Limits] = {}
        self.history: dict[tuple[str, str], deque[Reading]] = {}
        self._version = 0

    def record(self, alloc_id: str, limits: Limits, stats: AllocResourceUsage) -> AllocUsage:
        self.limits[alloc_id] = limits
        self._version += 1
        tasks = {name: reading(t.resource_usage) for name, t in (stats.tasks or {}).items()}
        for name, value in tasks.items():
            self.history.setdefault((alloc_id, name), deque(maxlen=HISTORY)).append(value)
        usage = AllocUsage(limits, reading(stats.resource_usage), tasks, version=self._version)
        self.latest[alloc_id] = usage
        return usage

    def failed(self, alloc_id: str, message: str) -> AllocUsage:
        self._version += 1
        previous = self.latest.get(alloc_id)
        limits = self.limits.get(alloc_id, Limits({}, {}))
        empty = Reading(None, 0.0, None, None)
        usage = AllocUsage(limits, previous.total if previous else empty, {}, message, self._version)
        self.latest[alloc_id] = usage
        return usage

    def keep_only(self, alloc_ids: set[str]) -> None:
        """Forget allocations no longer on screen (their history too): memory follows the screen."""
        for alloc_id in [a for a in self.latest if a not in alloc_ids]:
            del self.latest[alloc_id]
        for key in [k for k in self.history if k[0] not in alloc_ids]:
            del self.history[key]
        if len(self.limits) > 4 * max(64, len(alloc_ids)):
            self.limits = {a: v for a, v in self.limits.items() if a in alloc_ids}


def level(fraction: float | None) -> str:
    if fraction is None:
        return ""
    return "high" if fraction >= NEAR_LIMIT else "warn" if fraction >= WARN_LIMIT else ""


def _mib(value: float) -> str:
    return f"{value / 1024:.1f} GiB" if value >= 1024 else f"{value:.0f} MiB"


def memory_cell(usage: AllocUsage) -> tuple[str, str]:
    """(`312 MiB / 512 MiB`, level)."""
    if usage.error:
        return "?", "error"
    limit = usage.limits.total_memory
    if usage.total.memory is None:
        return "not measured", "dim"
    used_mib = usage.total.memory / MIB
    if not limit:
        return _mib(used_mib), ""
    return f"{_mib(used_mib)} / {_mib(limit)}", level(used_mib / limit)


def cpu_cell(usage: AllocUsage) -> tuple[str, str]:
    """(`61 %` of the reserved CPU, level)."""
    if usage.error:
        return "?", "error"
    limit = usage.limits.total_cpu
    if not limit:
        return f"{usage.total.cpu_mhz:.0f} MHz", ""
    fraction = usage.total.cpu_mhz / limit
    return f"{fraction * 100:.0f} %", level(fraction)


def sparkline(values: list[float], width: int = 40) -> str:
    values = values[-width:]
    if not values:
        return ""
    top = max(values) or 1.0
    return "".join(SPARK[min(len(SPARK) - 1, int(v / top * (len(SPARK) - 1)))] for v in values)
