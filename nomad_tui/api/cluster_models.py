"""Typed views of jobs, evaluations, nodes and allocation stats (api/jobs.go, api/evaluations.go,
api/nodes.go, client/structs ResourceUsage).  As in `models`, every field has a default and unknown
keys are skipped, so old and new agents decode alike."""

from __future__ import annotations

from nomad_tui.api.models import AllocMetric, NomadStruct

SUMMARY_STATES = ("queued", "starting", "running", "failed", "complete", "lost", "unknown")


class TaskGroupSummary(NomadStruct):
    queued: int = 0
    complete: int = 0
    failed: int = 0
    running: int = 0
    starting: int = 0
    lost: int = 0
    unknown: int = 0


class JobChildrenSummary(NomadStruct):
    pending: int = 0
    running: int = 0
    dead: int = 0


class JobSummary(NomadStruct):
    job_id: str = ""
    namespace: str = ""
    summary: dict[str, TaskGroupSummary] | None = None
    children: JobChildrenSummary | None = None
    create_index: int = 0
    modify_index: int = 0

    def totals(self) -> TaskGroupSummary:
        """Every group's counts added up."""
        total = TaskGroupSummary()
        for group in (self.summary or {}).values():
            for name in SUMMARY_STATES:
                setattr(total, name, getattr(total, name) + getattr(group, name))
        return total


class JobStub(NomadStruct):
    """One row of GET /v1/jobs.  Nomad's JobListStub carries no Version (nomad/structs/structs.go
    `JobListStub`): `version` is decoded if an agent sends it, else the jobs view fills it in from the
    allocations the list holds (their JobVersion)."""

    id: str = ""
    parent_id: str = ""
    name: str = ""
    namespace: str = ""
    datacenters: list[str] | None = None
    node_pool: str = ""
    type: str = ""
    priority: int = 0
    periodic: bool = False
    parameterized_job: bool = False
    stop: bool = False
    status: str = ""
    status_description: str = ""
    job_summary: JobSummary | None = None
    create_index: int = 0
    modify_index: int = 0
    job_modify_index: int = 0
    submit_time: int = 0
    version: int | None = None


class Evaluation(NomadStruct):
    id: str = ""
    priority: int = 0
    type: str = ""
    triggered_by: str = ""
    namespace: str = ""
    job_id: str = ""
    node_id: str = ""
    deployment_id: str = ""
    status: str = ""
    status_description: str = ""
    next_eval: str = ""
    previous_eval: str = ""
    blocked_eval: str = ""
    failed_tg_allocs: dict[str, AllocMetric] | None = None
    class_eligibility: dict[str, bool] | None = None
    quota_limit_reached: str = ""
    queued_allocations: dict[str, int] | None = None
    create_index: int = 0
    modify_index: int = 0
    create_time: int = 0
    modify_time: int = 0


class NodeCpuResources(NomadStruct):
    cpu_shares: int = 0
    total_cpu_cores: int = 0  # capacity only (a reservation has no cores count)


class NodeMemoryResources(NomadStruct):
    memory_mb: int = 0


class NodeResources(NomadStruct):
    """A node's `NodeResources` (capacity) or `ReservedResources` (held back for the OS): the CPU and
    memory parts of both have the same keys (nomad/structs/structs.go NodeReservedCpuResources …)."""

    cpu: NodeCpuResources | None = None
    memory: NodeMemoryResources | None = None


class NodeStub(NomadStruct):
    """One row of GET /v1/nodes (with `resources=true`, its capacity too)."""

    id: str = ""
    name: str = ""
    address: str = ""
    datacenter: str = ""
    node_class: str = ""
    node_pool: str = ""
    version: str = ""
    drain: bool = False
    scheduling_eligibility: str = ""
    status: str = ""
    status_description: str = ""
    node_resources: NodeResources | None = None
    reserved_resources: NodeResources | None = None
    create_index: int = 0
    modify_index: int = 0

    @property
    def cpu_capacity(self) -> int:
        """Schedulable CPU in MHz: total shares less what the node reserves."""
        return max(0, _cpu_shares(self.node_resources) - _cpu_shares(self.reserved_resources))

    @property
    def memory_capacity(self) -> int:
        """Schedulable memory in MB."""
        return max(0, _memory_mb(self.node_resources) - _memory_mb(self.reserved_resources))


def _cpu_shares(resources: NodeResources | None) -> int:
    return resources.cpu.cpu_shares if resources is not None and resources.cpu is not None else 0


def _memory_mb(resources: NodeResources | None) -> int:
    return resources.memory.memory_mb if resources is not None and resources.memory is not None else 0


# ------------------------------------------------------------------------------------------- stats


class MemoryStats(NomadStruct):
    rss: int = 0
    cache: int = 0
    swap: int = 0
    usage: int = 0
    max_usage: int = 0
    kernel_usage: int = 0
    kernel_max_usage: int = 0
    measured: list[str] | None = None


class CpuStats(NomadStruct):
    system_mode: float = 0.0
    user_mode: float = 0.0
    total_ticks: float = 0.0
    throttled_periods: int = 0
    throttled_time: int = 0
    percent: float = 0.0
    measured: list[str] | None = None


class ResourceUsage(NomadStruct):
    memory_stats: MemoryStats | None = None
    cpu_stats: CpuStats | None = None


class TaskResourceUsage(NomadStruct):
    resource_usage: ResourceUsage | None = None
    timestamp: int = 0


class AllocResourceUsage(NomadStruct):
    """GET /v1/client/allocation/:id/stats: the sum over running tasks, and each task."""

    resource_usage: ResourceUsage | None = None
    tasks: dict[str, TaskResourceUsage] | None = None
    timestamp: int = 0
