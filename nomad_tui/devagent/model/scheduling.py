"""Evaluations, job summaries and a job the scheduler cannot place.

Nomad's scheduler records why a task group found no node in an `AllocMetric` (nomad/structs/alloc.go
`FilterNode`, `ExhaustedNode`) attached to the evaluation as `FailedTGAllocs`, and leaves a `blocked`
evaluation behind that waits for the cluster to change (scheduler/generic_sched.go).  The demo has one
such job so that the UI's "why is it not placed" story has something true to tell.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from nomad_tui.devagent.model.records import Allocation
from nomad_tui.devagent.model.specs import GroupSpec, JobSpec, NodeSpec, TaskSpec

UNPLACEABLE_NAMESPACE = "data"
UNPLACEABLE_JOB = "gpu-train"
SUMMARY_FIELDS = ("Complete", "Failed", "Lost", "Queued", "Running", "Starting", "Unknown")
# ClientStatus -> the TaskGroupSummary field that counts it (nomad/state/state_store.go updateSummaryWithAlloc)
_SUMMARY_OF_STATUS = {
    "complete": "Complete",
    "failed": "Failed",
    "lost": "Lost",
    "running": "Running",
    "pending": "Starting",
    "unknown": "Unknown",
}
# nomad/structs/structs.go: what "computed class ineligible" filters are recorded as
CLASS_INELIGIBLE = "computed class ineligible"


def unplaceable_job() -> JobSpec:
    """Two groups no node can take: one by a constraint no node meets, one by memory no node has."""
    return JobSpec(
        id=UNPLACEABLE_JOB,
        namespace=UNPLACEABLE_NAMESPACE,
        type="batch",
        priority=70,
        groups=(
            GroupSpec(
                "train",
                (TaskSpec("trainer", cpu=4000, memory_mb=4096),),
                count=2,
                constraints=(("${node.class}", "=", "gpu"),),
            ),
            GroupSpec("shard", (TaskSpec("loader", cpu=500, memory_mb=65536),), count=1),
        ),
    )


def _constraint_text(constraint: tuple[str, str, str]) -> str:
    return " ".join(constraint)  # structs.Constraint.String(): "%s %s %s"


def _meets(node: NodeSpec, constraint: tuple[str, str, str]) -> bool:
    target, operand, value = constraint
    actual = {"${node.class}": node.node_class, "${node.datacenter}": node.datacenter}.get(target)
    if operand == "=":
        return actual == value
    if operand == "!=":
        return actual != value
    return False


def failed_metrics(group: GroupSpec, nodes: list[NodeSpec], datacenter: str) -> dict[str, Any] | None:
    """The AllocMetric of a placement attempt for `group` over `nodes`, or None if it would fit.

    Feasibility first: each computed class (here: the node class) is checked once against the
    constraints; later nodes of a class already found ineligible are filtered as "computed class
    ineligible" (scheduler/feasible/feasible.go FeasibilityWrapper).  Then the feasible nodes are
    ranked, and a node without room for the group's memory or CPU counts as exhausted on that dimension.
    """
    filtered: Counter[str] = Counter()
    class_filtered: Counter[str] = Counter()
    exhausted_dims: Counter[str] = Counter()
    class_exhausted: Counter[str] = Counter()
    known_bad: set[str] = set()
    feasible = 0
    memory = sum(t.memory_mb for t in group.tasks)
    cpu = sum(t.cpu for t in group.tasks)
    # Only ready, eligible nodes are candidates (scheduler/util.go readyNodesInDCsAndPool).
    candidates = [n for n in nodes if n.status == "ready" and n.eligibility == "eligible"]
    for node in candidates:
        if node.node_class in known_bad:
            reason: str | None = CLASS_INELIGIBLE
        else:
            reason = next((_constraint_text(c) for c in group.constraints if not _meets(node, c)), None)
            if reason is not None:
                known_bad.add(node.node_class)
        if reason is not None:
            filtered[reason] += 1
            if node.node_class:
                class_filtered[node.node_class] += 1
            continue
        dimension = "memory" if memory > node.memory_mb else "cpu" if cpu > node.cpu_shares else None
        if dimension is None:
            feasible += 1
            continue
        exhausted_dims[dimension] += 1
        if node.node_class:
            class_exhausted[node.node_class] += 1
    if feasible:
        return None
    exhausted = sum(exhausted_dims.values())
    return {
        "AllocationTime": 412_000,
        "ClassExhausted": dict(sorted(class_exhausted.items())) or None,
        "ClassFiltered": dict(sorted(class_filtered.items())) or None,
        "CoalescedFailures": group.count - 1,
        "ConstraintFiltered": dict(sorted(filtered.items())) or None,
        "DimensionExhausted": dict(sorted(exhausted_dims.items())) or None,
        "NodePool": "default",
        "NodesAvailable": {datacenter: len(candidates)},
        "NodesEvaluated": len(candidates),
        "NodesExhausted": exhausted,
        "NodesFiltered": sum(filtered.values()),
        "NodesInPool": len(nodes),
        "QuotaExhausted": None,
        "ResourcesExhausted": {t.name: {"CPU": t.cpu, "MemoryMB": t.memory_mb} for t in group.tasks}
        if exhausted
        else None,
        "ScoreMetaData": None,
        "Scores": None,
    }


def _omit_empty(record: dict[str, Any]) -> dict[str, Any]:
    """Evaluation carries the codec's omitempty marker: zero values are left out of the JSON."""
    return {k: v for k, v in sorted(record.items()) if v not in (None, "", 0, False, {}, [])}


class EvalBook:
    """The evaluations of the cluster: one per job registration, plus the failed/blocked pair of an
    unplaceable job.  Evaluations of allocations placed later are answered on demand (`for_alloc`)."""

    def __init__(self) -> None:
        self.evals: dict[str, dict[str, Any]] = {}
        self.by_job: dict[tuple[str, str], list[str]] = {}
        self.queued: dict[tuple[str, str], dict[str, int]] = {}
        self.index = 0

    def _add(self, record: dict[str, Any]) -> dict[str, Any]:
        record = _omit_empty(record)
        self.evals[record["ID"]] = record
        self.by_job.setdefault((record["Namespace"], record["JobID"]), []).append(record["ID"])
        self.index = max(self.index, record["ModifyIndex"])
        return record

    def register(self, job: JobSpec, eval_id: str, index: int, now: int) -> dict[str, Any]:
        return self._add(
            {
                "CreateIndex": index,
                "CreateTime": now,
                "ID": eval_id,
                "JobID": job.id,
                "JobModifyIndex": index,
                "ModifyIndex": index,
                "ModifyTime": now,
                "Namespace": job.namespace,
                "Priority": job.priority,
                "QueuedAllocations": {g.name: 0 for g in job.groups},
                "SnapshotIndex": index,
                "Status": "complete",
                "TriggeredBy": "job-register",
                "Type": job.type,
            }
        )

    def place_or_block(
        self,
        job: JobSpec,
        nodes: list[NodeSpec],
        datacenter: str,
        ids: Callable[[], str],
        index: int,
        now: int,
    ) -> None:
        """The registration eval of `job`; for groups nothing can take, its FailedTGAllocs and the
        blocked eval that waits for capacity (what `nomad job run` leaves for an impossible job)."""
        failures = {g.name: m for g in job.groups if (m := failed_metrics(g, nodes, datacenter)) is not None}
        queued = {g.name: g.count if g.name in failures else 0 for g in job.groups}
        first_id, blocked_id = ids(), ids()
        record = self.register(job, first_id, index, now)
        if not failures:
            return
        classes = sorted({n.node_class for n in nodes})
        record.update(
            {
                "BlockedEval": blocked_id,
                "FailedTGAllocs": failures,
                "QueuedAllocations": queued,
                "StatusDescription": "",
            }
        )
        self.evals[first_id] = dict(sorted(record.items()))
        self._add(
            {
                "ClassEligibility": {c: False for c in classes if c},
                "CreateIndex": index + 1,
                "CreateTime": now,
                "EscapedComputedClass": False,
                "ID": blocked_id,
                "JobID": job.id,
                "JobModifyIndex": index,
                "ModifyIndex": index + 1,
                "ModifyTime": now,
                "Namespace": job.namespace,
                "PreviousEval": first_id,
                "Priority": job.priority,
                "SnapshotIndex": index,
                "Status": "blocked",
                "StatusDescription": "created due to placement conflicts",
                "TriggeredBy": "queued-allocs",
                "Type": job.type,
            }
        )
        self.queued[(job.namespace, job.id)] = queued

    def of_job(self, namespace: str, job_id: str) -> list[dict[str, Any]]:
        """Newest first, as Nomad's job evaluations endpoint answers."""
        ids = self.by_job.get((namespace, job_id), [])
        return sorted((self.evals[i] for i in ids), key=lambda e: e["CreateIndex"], reverse=True)

    def for_alloc(self, alloc: Allocation, job: JobSpec) -> dict[str, Any]:
        """The evaluation that placed `alloc` (only its ID is stored on the allocation)."""
        trigger = "alloc-failure" if alloc.PreviousAllocation else "job-register"
        return _omit_empty(
            {
                "CreateIndex": alloc.CreateIndex,
                "CreateTime": alloc.CreateTime,
                "ID": alloc.EvalID,
                "JobID": alloc.JobID,
                "JobModifyIndex": job.create_index,
                "ModifyIndex": alloc.CreateIndex,
                "ModifyTime": alloc.CreateTime,
                "Namespace": alloc.Namespace,
                "Priority": job.priority,
                "QueuedAllocations": {g.name: 0 for g in job.groups},
                "SnapshotIndex": alloc.CreateIndex,
                "Status": "complete",
                "TriggeredBy": trigger,
                "Type": job.type,
            }
        )


class SummaryBook:
    """Job summaries counted from the allocations, recounted once per allocation write at most.

    Each job's summary keeps the index of the write that last changed its counts, so a blocking
    query on the jobs list wakes when a count moves, not on every allocation write."""

    def __init__(self) -> None:
        self._at = -1
        self.counts: dict[tuple[str, str], dict[str, Counter[str]]] = {}
        self.modify_index: dict[tuple[str, str], int] = {}

    def refresh(self, alloc_index: int, allocs: Iterable[Allocation]) -> None:
        if alloc_index == self._at:
            return
        fresh: dict[tuple[str, str], dict[str, Counter[str]]] = {}
        for alloc in allocs:
            groups = fresh.setdefault((alloc.Namespace, alloc.JobID), {})
            groups.setdefault(alloc.TaskGroup, Counter())[_SUMMARY_OF_STATUS.get(alloc.ClientStatus, "Unknown")] += 1
        for key in fresh.keys() | self.counts.keys():
            if fresh.get(key) != self.counts.get(key):
                self.modify_index[key] = alloc_index
        self.counts = fresh
        self._at = alloc_index

    def summary(self, job: JobSpec, queued: dict[str, int]) -> dict[str, Any]:
        groups = self.counts.get((job.namespace, job.id), {})
        table = {}
        for group in job.groups:
            counts = groups.get(group.name, Counter())
            table[group.name] = {
                name: queued.get(group.name, 0) if name == "Queued" else counts[name] for name in SUMMARY_FIELDS
            }
        index = self.modify_index.get((job.namespace, job.id), job.create_index)
        return {
            "Children": {"Dead": 0, "Pending": 0, "Running": 0},
            "CreateIndex": job.create_index,
            "JobID": job.id,
            "ModifyIndex": max(index, job.create_index),
            "Namespace": job.namespace,
            "Summary": table,
        }
