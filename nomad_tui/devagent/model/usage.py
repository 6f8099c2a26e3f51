"""Resource usage of simulated tasks, as `/v1/client/allocation/:id/stats` reports it.

A real task's memory climbs after it starts and then wanders around a working set; its CPU idles
with bursts.  These curves are smooth functions of (allocation, task, time since the task last
started), so a restarted task starts low again and two reads a second apart look like two samples of
the same process.  Which fields are real depends on the driver: Nomad lists them in `Measured`
(drivers/docker/util/stats_posix.go, drivers/shared/executor/procstats/procstats.go), and sends 0
for the others.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

NS = 1_000_000_000
MIB = 1024 * 1024
MHZ_PER_CORE = 2500  # the client's per-core speed: Percent is of one core, TotalTicks in MHz

DOCKER_MEMORY = ["RSS", "Cache", "Swap", "Usage", "Max Usage"]
DOCKER_CPU = ["Throttled Periods", "Throttled Time", "Percent"]
EXECUTOR_MEMORY = ["RSS", "Swap"]
EXECUTOR_CPU = ["System Mode", "User Mode", "Percent"]


def measured_fields(driver: str) -> tuple[list[str], list[str]]:
    """(memory, cpu) field names the driver measures."""
    if driver == "docker":
        return DOCKER_MEMORY, DOCKER_CPU
    return EXECUTOR_MEMORY, EXECUTOR_CPU


def _unit(*parts: object) -> list[float]:
    digest = hashlib.blake2b("/".join(map(str, parts)).encode(), digest_size=16).digest()
    return [b / 255 for b in digest]


@dataclass(frozen=True, slots=True)
class Sample:
    rss: int
    cache: int
    max_usage: int
    ticks: float  # MHz in use
    throttled_periods: int
    throttled_ns: int


def simulate(alloc_id: str, task: str, memory_mb: int, cpu_mhz: int, started_ns: int, now_ns: int) -> Sample:
    h = _unit(alloc_id, task)
    limit = memory_mb * MIB
    age_s = max(0.0, (now_ns - started_ns) / NS)
    now_s = now_ns / NS
    # Working set: a quarter to four fifths of the limit; about one task in eight lives near it.
    share = 0.88 + 0.08 * h[2] if h[1] < 0.12 else 0.25 + 0.55 * h[0]
    warm = 1.0 - math.exp(-age_s / (20 + 60 * h[3]))
    drift = 0.05 * math.sin(2 * math.pi * now_s / (180 + 240 * h[4]) + 6.3 * h[5])
    jitter = (_unit(alloc_id, task, int(now_s // 2))[0] - 0.5) * 0.02
    fraction = min(0.99, max(0.02, (share + drift) * warm + jitter))
    rss = max(4 * MIB, int(limit * fraction))
    # CPU: a steady share of the reservation, with bursts above it in one 10-second window of seven.
    base = 0.1 + 0.4 * h[6]
    wobble = 0.08 * math.sin(2 * math.pi * now_s / (30 + 60 * h[7]))
    window = _unit(alloc_id, task, "burst", int(now_s // 10))
    burst = 0.6 + 0.7 * window[1] if window[0] < 1 / 7 else 0.0
    ticks = max(0.0, cpu_mhz * (base + wobble + burst))
    throttled = int(age_s * h[8] * 2) + (int(window[2] * 40) if ticks > cpu_mhz else 0)
    return Sample(
        rss=rss,
        cache=int(rss * 0.12),
        max_usage=int(limit * min(0.995, (share + 0.05) * warm + 0.02)),
        ticks=ticks,
        throttled_periods=throttled,
        throttled_ns=throttled * 3_000_000,
    )


def resource_usage(sample: Sample, driver: str) -> dict[str, Any]:
    """One task's ResourceUsage; fields the driver does not measure are 0, as Nomad sends them."""
    memory_fields, cpu_fields = measured_fields(driver)
    percent = sample.ticks * 100 / MHZ_PER_CORE
    docker = driver == "docker"
    return {
        "CpuStats": {
            "Measured": cpu_fields,
            "Percent": percent,
            "SystemMode": 0.0 if docker else percent * 0.3,
            "ThrottledPeriods": sample.throttled_periods if docker else 0,
            "ThrottledTime": sample.throttled_ns if docker else 0,
            "TotalTicks": sample.ticks,
            "UserMode": 0.0 if docker else percent * 0.7,
        },
        "DeviceStats": [],
        "MemoryStats": {
            "Cache": sample.cache if docker else 0,
            "KernelMaxUsage": 0,
            "KernelUsage": 0,
            "MappedFile": 0,
            "MaxUsage": sample.max_usage if docker else 0,
            "Measured": memory_fields,
            "RSS": sample.rss,
            "Swap": 0,
            "Usage": sample.rss + sample.cache if docker else 0,
        },
    }


def add_usage(total: dict[str, Any] | None, usage: dict[str, Any]) -> dict[str, Any]:
    """The allocation's sum over running tasks; `Measured` is the union (client/structs ResourceUsage.Add)."""
    if total is None:
        return {
            "CpuStats": dict(usage["CpuStats"], Measured=list(usage["CpuStats"]["Measured"])),
            "DeviceStats": [],
            "MemoryStats": dict(usage["MemoryStats"], Measured=list(usage["MemoryStats"]["Measured"])),
        }
    for group in ("CpuStats", "MemoryStats"):
        mine, theirs = total[group], usage[group]
        for key, value in theirs.items():
            if key == "Measured":
                mine[key] = mine[key] + [m for m in value if m not in mine[key]]
            else:
                mine[key] += value
    return total
