"""AllocatedResources and placement Metrics for an allocation, shared per group where immutable."""

from __future__ import annotations

from typing import Any

from nomad_tui.devagent.model.records import (
    AllocatedCpu,
    AllocatedMemory,
    AllocatedResources,
    AllocatedShared,
    AllocatedTaskResources,
    PortMapping,
)
from nomad_tui.devagent.model.specs import GroupSpec

_BY_GROUP: dict[GroupSpec, AllocatedResources] = {}


def allocated_resources(group: GroupSpec) -> AllocatedResources:
    """One object per group: allocations never mutate their resources, so sharing saves memory at 100k."""
    cached = _BY_GROUP.get(group)
    if cached is not None:
        return cached
    ports = [
        PortMapping(HostIP="127.0.0.1", IgnoreCollision=False, Label=label, To=0, Value=20000 + i)
        for i, label in enumerate(group.ports)
    ]
    resources = AllocatedResources(
        Shared=AllocatedShared(DiskMB=300, Networks=None, Ports=ports or None),
        TaskLifecycles={t.name: None for t in group.tasks},
        Tasks={
            t.name: AllocatedTaskResources(
                Cpu=AllocatedCpu(CpuShares=t.cpu),
                Devices=None,
                Memory=AllocatedMemory(MemoryMB=t.memory_mb),
                Networks=None,
            )
            for t in group.tasks
        },
    )
    _BY_GROUP[group] = resources
    return resources


_METRICS: dict[tuple[int, str], dict[str, Any]] = {}


def placement_metrics(nodes: int, node_id: str) -> dict[str, Any]:
    """The scheduler's AllocMetric for a placement: deterministic numbers that look plausible.

    Shared per (cluster size, node): a dict per allocation would cost ~100 MB at 100k allocations."""
    key = (nodes, node_id)
    cached = _METRICS.get(key)
    if cached is None:
        cached = _METRICS[key] = _metrics(nodes, node_id, int(node_id[:6], 16) if node_id else 0)
    return cached


def _metrics(nodes: int, node_id: str, salt: int) -> dict[str, Any]:
    evaluated = max(1, min(nodes, 50))
    filtered = salt % max(1, evaluated // 4 + 1)
    exhausted = (salt // 3) % max(1, evaluated // 5 + 1)
    score = round(0.5 + (salt % 37) / 100, 6) + 0.0
    return {
        "AllocationTime": 150_000 + (salt % 97) * 1000,
        "ClassExhausted": None,
        "ClassFiltered": None,
        "CoalescedFailures": 0,
        "ConstraintFiltered": None,
        "DimensionExhausted": {"memory": exhausted} if exhausted else None,
        "NodesAvailable": {"dc1": nodes},
        "NodesEvaluated": evaluated,
        "NodesExhausted": exhausted,
        "NodesFiltered": filtered,
        "NodesInPool": nodes,
        "QuotaExhausted": None,
        "ResourcesExhausted": None,
        "ScoreMetaData": [
            {"NodeID": node_id, "NormScore": score, "Scores": {"binpack": score, "job-anti-affinity": 0.0}}
        ],
        "Scores": None,
    }
