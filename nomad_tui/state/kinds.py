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
class NodeEntry:
    """A node and the allocations the dashboard's store holds for it (no extra request)."""

    node: NodeStub
    running: int = 0


def _mhz(value: int) -> str:
    return f"{value / 1000:.1f} GHz" if value >= 1000 else f"{value} MHz"


def _mib(value: int) -> str:
    return f"{value / 1024:.1f} GiB" if value >= 1024 else f"{value} MiB"


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
            "cpu", "CPU", 8, 3, lambda e: _mhz(e.node.cpu_capacity), sort_key=lambda e: e.node.cpu_capacity, right=True
        ),
        ResourceColumn(
            "memory",
            "Memory",
            8,
            3,
            lambda e: _mib(e.node.memory_capacity),
            sort_key=lambda e: e.node.memory_capacity,
            right=True,
        ),
        ResourceColumn("allocs", "Running", 7, 1, lambda e: str(e.running), sort_key=lambda e: e.running, right=True),
    ),
    default_sort="name",
    aliases={"node": "name", "datacenter": "dc"},
)
