"""The jobs and nodes views, declared: key, columns, filter aliases, default sort."""

from __future__ import annotations

from dataclasses import dataclass

from nomad_tui.api.cluster_models import JobStub, NodeStub, TaskGroupSummary
from nomad_tui.state.resources import ResourceColumn, ResourceKind


def _totals(job: JobStub) -> TaskGroupSummary:
    return job.job_summary.totals() if job.job_summary is not None else TaskGroupSummary()


def _count(state: str) -> ResourceColumn[JobStub]:
    def cell(job: JobStub) -> str:
        return str(getattr(_totals(job), state))

    def key(job: JobStub) -> int:
        return int(getattr(_totals(job), state))

    title = "Pending" if state == "starting" else state.capitalize()
    return ResourceColumn("pending" if state == "starting" else state, title, 7, 3, cell, sort_key=key, right=True)


def _version(job: JobStub) -> str:
    return "-" if job.version is None else str(job.version)


def _version_order(job: JobStub) -> int:
    return -1 if job.version is None else job.version


def job_key(job: JobStub) -> str:
    return f"{job.namespace or 'default'}\x00{job.id}"


JOBS: ResourceKind[JobStub] = ResourceKind(
    name="jobs",
    title="Jobs",
    key=job_key,
    columns=(
        ResourceColumn("ns", "Namespace", 9, 2, lambda j: j.namespace or "default", flex=1),
        ResourceColumn("job", "Job", 10, 0, lambda j: j.id, flex=3),
        ResourceColumn("type", "Type", 8, 4, lambda j: j.type),
        ResourceColumn("status", "Status", 8, 0, lambda j: j.status),
        ResourceColumn("priority", "Prio", 4, 6, lambda j: str(j.priority), sort_key=lambda j: j.priority, right=True),
        ResourceColumn("version", "Ver", 4, 5, _version, sort_key=_version_order, right=True),
        _count("running"),
        _count("starting"),
        _count("failed"),
        _count("complete"),
        _count("lost"),
        _count("queued"),
    ),
    default_sort="job",
    aliases={"namespace": "ns", "id": "job"},
)


@dataclass(frozen=True, slots=True)
class Allocated:
    """What a node's live (non-terminal) allocations reserved, summed over their tasks."""

    live: int
    cpu: int  # MHz
    memory: int  # MiB


@dataclass(frozen=True, slots=True)
class NodeEntry:
    """A node, the allocations the dashboard's store holds for it (no extra request), and what its
    live allocations reserved (read from the node's allocations, for rows on screen)."""

    node: NodeStub
    running: int = 0
    # (live allocations, sum of their CreateIndex) in the store: changes when the set of live
    # allocations on the node changes, which is when what they reserved can change.
    live_key: tuple[int, int] = (0, 0)
    allocated: Allocated | None = None


def _mhz(value: int) -> str:
    return f"{value / 1000:.1f} GHz" if value >= 1000 else f"{value} MHz"


def _mib(value: int) -> str:
    return f"{value / 1024:.1f} GiB" if value >= 1024 else f"{value} MiB"


def share(used: int, capacity: int) -> int | None:
    return used * 100 // capacity if capacity else None


def _allocated_cell(used: int | None, capacity: int, unit: str) -> str:
    """`34% of 3.9 GHz`: what the live allocations reserved against what the node can schedule."""
    total = _mhz(capacity) if unit == "MHz" else _mib(capacity)
    percent = share(used, capacity) if used is not None else None
    return f"{'?' if percent is None else percent}% of {total}"


def _allocated_sort(entry: NodeEntry, dimension: str) -> tuple[int, int]:
    allocated = entry.allocated
    node = entry.node
    capacity = node.cpu_capacity if dimension == "cpu" else node.memory_capacity
    used = None if allocated is None else (allocated.cpu if dimension == "cpu" else allocated.memory)
    percent = share(used, capacity) if used is not None else None
    return (-1 if percent is None else percent, capacity)


NODES: ResourceKind[NodeEntry] = ResourceKind(
    name="nodes",
    title="Nodes",
    key=lambda e: e.node.id,
    columns=(
        ResourceColumn("name", "Name", 10, 0, lambda e: e.node.name, flex=2),
        ResourceColumn("dc", "DC", 4, 4, lambda e: e.node.datacenter),
        ResourceColumn("pool", "Pool", 7, 6, lambda e: e.node.node_pool),
        ResourceColumn("class", "Class", 7, 5, lambda e: e.node.node_class or "-"),
        ResourceColumn("status", "Status", 8, 0, lambda e: e.node.status),
        ResourceColumn("eligibility", "Eligibility", 11, 2, lambda e: e.node.scheduling_eligibility),
        ResourceColumn("drain", "Drain", 5, 3, lambda e: "yes" if e.node.drain else "no"),
        ResourceColumn(
            "cpu",
            "CPU alloc",
            16,
            3,
            lambda e: _allocated_cell(e.allocated.cpu if e.allocated else None, e.node.cpu_capacity, "MHz"),
            sort_key=lambda e: _allocated_sort(e, "cpu"),
            right=True,
        ),
        ResourceColumn(
            "memory",
            "Mem alloc",
            16,
            3,
            lambda e: _allocated_cell(e.allocated.memory if e.allocated else None, e.node.memory_capacity, "MiB"),
            sort_key=lambda e: _allocated_sort(e, "memory"),
            right=True,
        ),
        ResourceColumn("allocs", "Running", 7, 1, lambda e: str(e.running), sort_key=lambda e: e.running, right=True),
    ),
    default_sort="name",
    aliases={"node": "name", "datacenter": "dc"},
)
