"""The initial cluster: namespaces, nodes, jobs and N allocations with a plausible history.

Allocations are built directly (not one write each) so 100k are ready in a few seconds; the result is
the same as if they had been placed one by one: increasing CreateIndex, replacement chains linked both
ways, task events consistent with each ClientStatus. Everything comes from `seed` and the clock origin.
"""

from __future__ import annotations

import random

from nomad_tui.devagent.model import alloc_state
from nomad_tui.devagent.model import task_events as te
from nomad_tui.devagent.model.cluster import STOP_RESCHEDULED, Cluster, new_allocation
from nomad_tui.devagent.model.ids import derived_uuid
from nomad_tui.devagent.model.records import (
    Allocation,
    DeploymentStatus,
    RescheduleEvent,
    RescheduleTracker,
    TaskState,
)
from nomad_tui.devagent.model.scheduling import unplaceable_job
from nomad_tui.devagent.model.specs import GroupSpec, JobSpec, NodeSpec, TaskSpec, job_wire
from nomad_tui.devagent.model.timefmt import rfc3339nano

NS = 1_000_000_000
HISTORY_NS = 6 * 3600 * NS

# Real processes for the demo. "python3" is replaced by the agent's own interpreter by the driver.
HTTP_SERVER = ("python3", "-u", "-m", "nomad_tui.devagent.tasks.http_server")
LOGGER = (
    "sh",
    "-c",
    "trap 'echo \"logger: got SIGUSR1\"' USR1; trap 'echo \"logger: got SIGHUP\"' HUP; "
    "trap 'echo \"logger: got SIGTERM, exiting\"; exit 0' TERM; "
    'i=0; while :; do i=$((i+1)); echo "tick $i: all systems nominal"; '
    'if [ $((i % 5)) -eq 0 ]; then echo "warning $i: queue depth high" >&2; fi; sleep 1; done',
)


def _job(ns: str, job_id: str, type_: str, group: str, *tasks: TaskSpec, ports: tuple[str, ...] = ()) -> JobSpec:
    return JobSpec(id=job_id, namespace=ns, type=type_, groups=(GroupSpec(group, tuple(tasks), ports),))


def demo_jobs() -> tuple[list[JobSpec], list[tuple[JobSpec, int]]]:
    """(real jobs, [(simulated job, weight)]). Real jobs run actual processes in the process driver."""
    real = [
        _job("default", "web", "service", "frontend", TaskSpec("http", "raw_exec", HTTP_SERVER), ports=("http",)),
        _job("default", "worker", "service", "worker", TaskSpec("logger", "raw_exec", LOGGER)),
    ]
    simulated = [
        (_job("default", "api", "service", "api", TaskSpec("app", cpu=500, memory_mb=256), TaskSpec("envoy")), 6),
        (_job("default", "cache", "service", "cache", TaskSpec("redis", memory_mb=512), ports=("db",)), 3),
        (_job("prod", "payments", "service", "payments", TaskSpec("server", cpu=1000, memory_mb=1024)), 8),
        (_job("prod", "checkout", "service", "checkout", TaskSpec("app"), TaskSpec("sidecar", cpu=50)), 6),
        (_job("prod", "nightly-report", "batch", "report", TaskSpec("report", cpu=2000)), 3),
        (_job("staging", "web", "service", "frontend", TaskSpec("http")), 4),
        (_job("staging", "search", "service", "search", TaskSpec("elastic", memory_mb=2048)), 3),
        (_job("data", "etl", "batch", "extract", TaskSpec("extract", cpu=1500)), 4),
        (_job("data", "ingest", "system", "ingest", TaskSpec("vector")), 3),
    ]
    return real, simulated


def populate(cluster: Cluster, allocs: int, seed: int, origin_ns: int, real_processes: bool = True) -> list[str]:
    """Fill `cluster`; returns the IDs of allocations whose tasks are real processes (left pending)."""
    rng = random.Random(f"population:{seed}")
    real_jobs, simulated = demo_jobs()
    if not real_processes:
        real_jobs = []
    n_nodes = max(3, min(2000, allocs // 50))
    width = len(str(n_nodes))
    for i in range(n_nodes):
        cluster.add_node(_node(cluster.ids.uuid(), i, width))
    for ns in ("default", "prod", "staging", "data"):
        if ns not in cluster.namespaces:
            cluster.namespaces.append(ns)
    index = 1
    for job in [*real_jobs, *(j for j, _ in simulated)]:
        job.create_index = index
        job.submit_time = origin_ns - HISTORY_NS - NS * 60
        if job.type == "service":
            job.deployment_id = cluster.ids.uuid()
        job.wire = job_wire(job, cluster.region, cluster.datacenter, index)
        cluster.add_job(job)
        cluster.evals.register(job, derived_uuid(f"eval:{job.namespace}/{job.id}"), index, job.submit_time)
        index += 1

    real_slots: list[tuple[JobSpec, int]] = []
    if real_jobs:
        real_slots = [(real_jobs[0], 0), (real_jobs[0], 1), (real_jobs[1], 0)][:allocs]
    counts = _split(allocs - len(real_slots), [w for _, w in simulated])

    builder = _Builder(cluster, rng, origin_ns, allocs)
    builder.index = index
    for (job, _), count in zip(simulated, counts, strict=True):
        builder.fill_job(job, count)
    real_ids = [builder.place_real(job, slot) for job, slot in real_slots]
    cluster.index = _add_unplaceable(cluster, builder.index, origin_ns)
    cluster.alloc_index = max((a.ModifyIndex for a in cluster.allocs.values()), default=0)
    cluster.order = sorted((a.CreateIndex, a.ID) for a in cluster.allocs.values())
    cluster.sorted_ids = sorted(cluster.allocs)
    for alloc_id in (alloc_id for _, alloc_id in cluster.order):
        cluster._track_status(cluster.allocs[alloc_id])
    return real_ids


def _node(node_id: str, i: int, width: int) -> NodeSpec:
    """Most clients are general-purpose; every fourth is a bigger storage box; the third is marked
    ineligible (an operator took it out of scheduling).  Sized so that the ~50 allocations a client
    holds reserve less than it has (Nomad never places beyond a node's capacity): 16 cores at 2.5 GHz
    against ~20-25 GHz reserved."""
    storage = i % 4 == 3
    return NodeSpec(
        eligibility="ineligible" if i == 2 else "eligible",
        id=node_id,
        name=f"client-{i + 1:0{width}d}",
        node_class="storage" if storage else "general",
        cpu_cores=32 if storage else 16,
        memory_mb=32768 if storage else 16384,
        disk_mb=2_000_000 if storage else 200_000,
    )


def _add_unplaceable(cluster: Cluster, index: int, origin_ns: int) -> int:
    """Register the job no node can take, last; returns the raft index after its two evaluations."""
    job = unplaceable_job()
    job.create_index = index
    job.submit_time = origin_ns - 600 * NS
    job.wire = job_wire(job, cluster.region, cluster.datacenter, index)
    cluster.add_job(job)
    key = f"{job.namespace}/{job.id}"
    names = iter(("eval", "blocked"))
    cluster.evals.place_or_block(
        job,
        cluster.nodes,
        cluster.datacenter,
        lambda: derived_uuid(f"{next(names)}:{key}"),
        index,
        job.submit_time,
    )
    return index + 2


def _split(total: int, weights: list[int]) -> list[int]:
    weight_sum = sum(weights)
    counts = [total * w // weight_sum for w in weights]
    for i in range(total - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


class _Builder:
    def __init__(self, cluster: Cluster, rng: random.Random, origin_ns: int, total: int) -> None:
        self.cluster = cluster
        self.rng = rng
        self.origin = origin_ns
        self.total = max(1, total)
        self.made = 0
        self.index = 1

    def _times(self) -> int:
        # Creation times rise with the index over the last HISTORY_NS before the origin.
        fraction = self.made / self.total
        self.made += 1
        return self.origin - HISTORY_NS + int(fraction * (HISTORY_NS - 120 * NS)) + self.rng.randrange(NS)

    def fill_job(self, job: JobSpec, count: int) -> None:
        group = job.groups[0]
        slot = 0
        made = 0
        while made < count:
            fate = self._fate(job)
            if fate == "failed" and made + 1 < count:
                old = self._alloc(job, group, slot, "failed")
                new = self._alloc(job, group, slot, "running", previous=old)
                old.DesiredStatus, old.DesiredDescription = "stop", STOP_RESCHEDULED
                event = RescheduleEvent(
                    Delay=30 * NS, PrevAllocID=old.ID, PrevNodeID=old.NodeID, RescheduleTime=new.CreateTime
                )
                new.RescheduleTracker = RescheduleTracker(Events=[event], LastReschedule="ok")
                made += 2
            else:
                self._alloc(job, group, slot, "running" if fate == "failed" else fate)
                made += 1
            slot += 1

    def _fate(self, job: JobSpec) -> str:
        roll = self.rng.random()
        if job.type == "batch":
            return "complete" if roll < 0.5 else "running" if roll < 0.85 else "pending" if roll < 0.95 else "failed"
        return "running" if roll < 0.88 else "pending" if roll < 0.93 else "failed" if roll < 0.98 else "lost"

    def place_real(self, job: JobSpec, slot: int) -> str:
        return self._alloc(job, job.groups[0], slot, "received").ID

    def _alloc(
        self, job: JobSpec, group: GroupSpec, slot: int, fate: str, previous: Allocation | None = None
    ) -> Allocation:
        cluster = self.cluster
        create_index = self.index
        self.index += 1
        created = self._times()
        node = cluster.nodes[self.rng.randrange(len(cluster.nodes))]
        states = None if fate == "pending" and self.rng.random() < 0.5 else self._task_states(group, fate, created)
        status = fate if fate in ("pending", "running", "complete", "failed", "lost") else "pending"
        if fate == "pending" and states is not None:
            status = "pending"
        modify_index = create_index
        if states is not None:
            modify_index = self.index
            self.index += 1
        modified = created + (3 * NS if states else 0)
        deployment = None
        if job.deployment_id and status == "running":
            deployment = DeploymentStatus(Healthy=True, ModifyIndex=modify_index, Timestamp=rfc3339nano(modified))
        eval_id = cluster.ids.uuid()
        alloc = new_allocation(
            alloc_id=cluster.ids.uuid(),
            eval_id=eval_id,
            job=job,
            group=group,
            node=node,
            slot=slot,
            nodes_in_cluster=len(cluster.nodes),
            status=status,
            create_index=create_index,
            modify_index=modify_index,
            created=created,
            modified=modified,
            previous=previous,
            deployment_status=deployment,
            task_states=states,
        )
        if fate == "lost":
            alloc.DesiredStatus = "stop"
            alloc.DesiredDescription = alloc.ClientDescription = "alloc is lost since its node is down"
        if previous is not None:
            previous.NextAllocation = alloc.ID
            previous.ModifyIndex = create_index
        cluster.allocs[alloc.ID] = alloc
        return alloc

    def _task_states(self, group: GroupSpec, fate: str, created: int) -> dict[str, TaskState]:
        states: dict[str, TaskState] = {}
        for i, task in enumerate(group.tasks):
            t = created + NS // 10
            state = TaskState(Events=[te.received(created), te.task_setup(t)], State="pending")
            if fate == "pending":
                state.Events.append(te.driver_message(t + NS, f"Downloading image {task.name}:latest"))
            elif fate != "received":
                alloc_state.mark_running(state, t + 2 * NS)
                end = created + 3 * NS
                if fate == "complete":
                    alloc_state.append_event(state, te.terminated(end, 0))
                    alloc_state.mark_dead(state, end, failed=False)
                elif fate == "failed":
                    if i == 0:
                        alloc_state.append_event(state, te.terminated(end, 1))
                        alloc_state.append_event(
                            state, te.not_restarting(end, "Exceeded allowed attempts 2 in interval 30m0s")
                        )
                        alloc_state.mark_dead(state, end, failed=True)
                    else:
                        alloc_state.append_event(state, te.sibling_failed(end, group.tasks[0].name))
                        alloc_state.append_event(state, te.killed(end))
                        alloc_state.mark_dead(state, end, failed=False)
                elif fate == "lost":
                    alloc_state.mark_dead(state, end, failed=False)
            states[task.name] = state
        return states
