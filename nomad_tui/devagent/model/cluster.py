"""The cluster state: one raft-like index, allocations kept in Nomad's list orders, and every write.

Every mutation happens inside `Cluster.write()`, which takes the next index, stamps ModifyIndex (and
AllocModifyIndex for server-side writes) on what it touched, and hands a `Commit` to the listeners
(the HTTP layer wakes blocking queries and feeds the event stream from it). The model never sleeps
and never reads a clock itself: `clock` is injected, so a fixed clock gives byte-identical data.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

from nomad_tui.devagent.model import alloc_state
from nomad_tui.devagent.model import task_events as te
from nomad_tui.devagent.model.ids import IdSource
from nomad_tui.devagent.model.idset import AgeOrderedIds, PickableIds
from nomad_tui.devagent.model.records import (
    Allocation,
    AllocState,
    DeploymentStatus,
    DesiredTransition,
    RescheduleEvent,
    RescheduleTracker,
    TaskEvent,
    TaskState,
)
from nomad_tui.devagent.model.resources import allocated_resources, placement_metrics
from nomad_tui.devagent.model.scheduling import EvalBook, SummaryBook
from nomad_tui.devagent.model.specs import GroupSpec, JobSpec, NodeSpec
from nomad_tui.devagent.model.timefmt import rfc3339nano

EventType = Literal["PlanResult", "AllocationUpdated", "AllocationUpdateDesiredStatus"]
_KIND_RANK = {"AllocationUpdated": 0, "AllocationUpdateDesiredStatus": 1, "PlanResult": 2}

STOP_MIGRATING = "alloc is being migrated"
STOP_RESCHEDULED = "alloc was rescheduled because it failed"
STOP_LOST = "alloc is lost since its node is down"
RESCHEDULE_DELAY_NS = 30_000_000_000


class ModelError(Exception):
    """A refusal with the HTTP status and plain-text message Nomad would answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def not_running_error(tasks: list[str]) -> ModelError:
    """The multierror Nomad answers (500) when signalling all tasks meets tasks that are not running."""
    lines = "".join(f"\t* Failed to signal task: {n}, err: Task not running\n" for n in tasks)
    noun = "error" if len(tasks) == 1 else "errors"
    return ModelError(500, f"{len(tasks)} {noun} occurred:\n{lines}\n")


@dataclass
class Commit:
    index: int
    changes: list[tuple[EventType, Allocation]]
    deleted: list[str]
    restored: bool = False


@dataclass
class Txn:
    index: int
    now: int
    changes: dict[str, tuple[EventType, Allocation]] = field(default_factory=dict)
    inserted: list[Allocation] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def touch(self, alloc: Allocation, kind: EventType, server: bool = False) -> None:
        alloc.ModifyIndex = self.index
        alloc.ModifyTime = self.now
        if server:
            alloc.AllocModifyIndex = self.index
        prev = self.changes.get(alloc.ID)
        if prev is None or _KIND_RANK[kind] > _KIND_RANK[prev[0]]:
            self.changes[alloc.ID] = (kind, alloc)


def new_allocation(
    *,
    alloc_id: str,
    eval_id: str,
    job: JobSpec,
    group: GroupSpec,
    node: NodeSpec,
    slot: int,
    nodes_in_cluster: int,
    status: str,
    create_index: int,
    modify_index: int,
    created: int,
    modified: int,
    previous: Allocation | None = None,
    node_name: str | None = None,
    deployment_status: DeploymentStatus | None = None,
    task_states: dict[str, TaskState] | None = None,
) -> Allocation:
    """An allocation as the scheduler places it: the one place that knows every field's start value."""
    return Allocation(
        AllocModifyIndex=create_index,
        AllocStates=None,
        AllocatedResources=allocated_resources(group),
        ClientDescription=alloc_state.CLIENT_DESCRIPTIONS.get(status, ""),
        ClientStatus=status,
        CreateIndex=create_index,
        CreateTime=created,
        DeploymentID=job.deployment_id,
        DeploymentStatus=deployment_status,
        DesiredDescription="",
        DesiredStatus="run",
        DesiredTransition=DesiredTransition(),
        EvalID=eval_id,
        FollowupEvalID="",
        ID=alloc_id,
        Job=job.wire,
        JobID=job.id,
        Metrics=placement_metrics(nodes_in_cluster, node.id),
        ModifyIndex=modify_index,
        ModifyTime=modified,
        Name=f"{job.id}.{group.name}[{slot}]",
        Namespace=job.namespace,
        NetworkStatus=None,
        NextAllocation="",
        NodeID=node.id,
        NodeName=node.name if node_name is None else node_name,
        PreemptedAllocations=None,
        PreemptedByAllocation="",
        PreviousAllocation=previous.ID if previous is not None else "",
        RescheduleTracker=None,
        Resources=None,
        SharedResources=None,
        SigningKeyID="",
        TaskGroup=group.name,
        TaskResources=None,
        TaskStates=task_states,
    )


class Cluster:
    def __init__(self, clock: Callable[[], int], ids: IdSource, region: str = "global", datacenter: str = "dc1"):
        self.clock = clock
        self.ids = ids
        self.region = region
        self.datacenter = datacenter
        self.index = 0  # the raft index: every write takes the next one
        self.alloc_index = 0  # the allocs table's index: the last write that touched an allocation (0 if none)
        self.allocs: dict[str, Allocation] = {}
        self.order: list[tuple[int, str]] = []  # (CreateIndex, ID): the unprefixed list order
        self.sorted_ids: list[str] = []  # the prefixed list order
        self.jobs: dict[tuple[str, str], JobSpec] = {}
        self.nodes: list[NodeSpec] = []
        self.nodes_by_id: dict[str, NodeSpec] = {}
        self.namespaces: list[str] = ["default"]
        self.listeners: list[Callable[[Commit], None]] = []
        # Work lists for churn and GC: simulated pending allocations, and terminal ones oldest first.
        self.pending_ids = PickableIds()
        self.terminal_ids = AgeOrderedIds()
        self.unknown_ids = PickableIds()  # allocations on a disconnected client
        self.evals = EvalBook()
        self.summaries = SummaryBook()

    # ----- writes -----------------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Txn]:
        txn = Txn(self.index + 1, self.clock())
        yield txn
        if not txn.changes and not txn.deleted:
            return
        self.index = self.alloc_index = txn.index
        for alloc in txn.inserted:
            self._index_insert(alloc)
        for alloc_id in txn.deleted:
            self._index_remove(alloc_id)
        for _, alloc in txn.changes.values():
            self._track_status(alloc)
        commit = Commit(txn.index, list(txn.changes.values()), list(txn.deleted))
        for listener in self.listeners:
            listener(commit)

    def _index_insert(self, alloc: Allocation) -> None:
        self.allocs[alloc.ID] = alloc
        bisect.insort(self.order, (alloc.CreateIndex, alloc.ID))
        bisect.insort(self.sorted_ids, alloc.ID)

    def _index_remove(self, alloc_id: str) -> None:
        alloc = self.allocs.pop(alloc_id, None)
        if alloc is None:
            return
        key = (alloc.CreateIndex, alloc_id)
        pos = bisect.bisect_left(self.order, key)
        if pos < len(self.order) and self.order[pos] == key:
            del self.order[pos]
        pos = bisect.bisect_left(self.sorted_ids, alloc_id)
        if pos < len(self.sorted_ids) and self.sorted_ids[pos] == alloc_id:
            del self.sorted_ids[pos]
        self.pending_ids.discard(alloc_id)
        self.terminal_ids.discard(alloc_id)
        self.unknown_ids.discard(alloc_id)

    def _track_status(self, alloc: Allocation) -> None:
        if alloc.ID not in self.allocs:
            return
        pending = alloc.ClientStatus == "pending" and alloc.DesiredStatus == "run"
        if pending and not self.job_of(alloc).is_real:
            self.pending_ids.add(alloc.ID)
        else:
            self.pending_ids.discard(alloc.ID)
        if alloc_state.is_terminal(alloc):
            self.terminal_ids.add(alloc.ID)
        if alloc.ClientStatus == "unknown":
            self.unknown_ids.add(alloc.ID)
        else:
            self.unknown_ids.discard(alloc.ID)

    def restore(self, index: int) -> None:
        """A snapshot restore to `index` (the control endpoint's agent restart): allocations stay,
        every index above `index` is clamped to it so nothing claims to be newer than the store."""
        self.index = max(0, index)
        self.alloc_index = min(self.alloc_index, self.index)
        for alloc in self.allocs.values():
            alloc.CreateIndex = min(alloc.CreateIndex, self.index)
            alloc.ModifyIndex = min(alloc.ModifyIndex, self.index)
            alloc.AllocModifyIndex = min(alloc.AllocModifyIndex, self.index)
        self.order = sorted((a.CreateIndex, a.ID) for a in self.allocs.values())
        commit = Commit(self.index, [], [], restored=True)
        for listener in self.listeners:
            listener(commit)

    # ----- lookups ----------------------------------------------------------------------------------

    def get(self, alloc_id: str) -> Allocation | None:
        return self.allocs.get(alloc_id)

    def require(self, alloc_id: str, message: str | None = None) -> Allocation:
        alloc = self.allocs.get(alloc_id)
        if alloc is None:
            raise ModelError(404, message or f'Unknown allocation "{alloc_id}"')
        return alloc

    def job_of(self, alloc: Allocation) -> JobSpec:
        return self.jobs[(alloc.Namespace, alloc.JobID)]

    def group_of(self, alloc: Allocation) -> GroupSpec:
        group = self.job_of(alloc).group(alloc.TaskGroup)
        assert group is not None
        return group

    def add_job(self, job: JobSpec) -> None:
        self.jobs[(job.namespace, job.id)] = job
        if job.namespace not in self.namespaces:
            self.namespaces.append(job.namespace)

    def add_node(self, node: NodeSpec) -> None:
        self.nodes.append(node)
        self.nodes_by_id[node.id] = node

    # ----- placement ---------------------------------------------------------------------------------

    def new_alloc(
        self,
        txn: Txn,
        job: JobSpec,
        group: GroupSpec,
        node: NodeSpec,
        slot: int,
        previous: Allocation | None = None,
        node_name: str | None = None,
    ) -> Allocation:
        """A freshly placed allocation (PlanResult), pending with no task states yet."""
        eval_id = self.ids.uuid()
        alloc = new_allocation(
            alloc_id=self.ids.uuid(),
            eval_id=eval_id,
            job=job,
            group=group,
            node=node,
            slot=slot,
            nodes_in_cluster=len(self.nodes),
            status="pending",
            create_index=txn.index,
            modify_index=txn.index,
            created=txn.now,
            modified=txn.now,
            previous=previous,
            node_name=node_name,
        )
        txn.inserted.append(alloc)
        txn.touch(alloc, "PlanResult", server=True)
        if previous is not None:
            previous.NextAllocation = alloc.ID
            txn.touch(previous, "PlanResult", server=True)
        return alloc

    def slot_of(self, alloc: Allocation) -> int:
        return int(alloc.Name.rsplit("[", 1)[1].rstrip("]"))

    def pick_node(self, salt: int) -> NodeSpec:
        return self.nodes[salt % len(self.nodes)]

    # ----- client-side task transitions (AllocationUpdated) ----------------------------------------

    def receive(self, alloc_id: str) -> None:
        """The client got the allocation: every task pending with Received and Task Setup."""
        alloc = self.require(alloc_id)
        with self.write() as txn:
            alloc.TaskStates = {t.name: alloc_state.task_received(txn.now) for t in self.group_of(alloc).tasks}
            alloc_state.derive_client_status(alloc)
            txn.touch(alloc, "AllocationUpdated")

    def start_tasks(self, alloc_id: str, tasks: list[str] | None = None) -> None:
        alloc = self.require(alloc_id)
        if alloc.DesiredStatus != "run" or alloc_state.is_terminal(alloc):
            return
        with self.write() as txn:
            states = self._states(alloc, txn.now)
            for name, state in states.items():
                if (tasks is None or name in tasks) and state.State == "pending":
                    alloc_state.mark_running(state, txn.now)
            alloc_state.derive_client_status(alloc)
            if alloc.ClientStatus == "running" and alloc.DeploymentID and alloc.DeploymentStatus is None:
                alloc.DeploymentStatus = DeploymentStatus(
                    Healthy=True, ModifyIndex=txn.index, Timestamp=rfc3339nano(txn.now)
                )
            txn.touch(alloc, "AllocationUpdated")

    def _states(self, alloc: Allocation, now: int) -> dict[str, TaskState]:
        if alloc.TaskStates is None:
            alloc.TaskStates = {t.name: alloc_state.task_received(now) for t in self.group_of(alloc).tasks}
        return alloc.TaskStates

    def task_failed(self, alloc_id: str, task: str, exit_code: int, signal: int = 0, reason: str = "") -> None:
        """A task died and its restart policy gives up: the alloc fails, siblings are killed."""
        alloc = self.require(alloc_id)
        with self.write() as txn:
            states = self._states(alloc, txn.now)
            state = states[task]
            alloc_state.append_event(state, te.terminated(txn.now, exit_code, signal))
            alloc_state.append_event(
                state, te.not_restarting(txn.now, reason or "Exceeded allowed attempts 2 in interval 30m0s")
            )
            alloc_state.mark_dead(state, txn.now, failed=True)
            for name, other in states.items():
                if name != task and other.State != "dead":
                    alloc_state.append_event(other, te.sibling_failed(txn.now, task))
                    alloc_state.append_event(other, te.killed(txn.now))
                    alloc_state.mark_dead(other, txn.now, failed=False)
            alloc_state.derive_client_status(alloc)
            txn.touch(alloc, "AllocationUpdated")

    def restart_within_policy(self, alloc_id: str, task: str, exit_code: int = 1) -> None:
        """A crash the restart policy absorbs: Terminated → Restarting → Started, Restarts+1."""
        alloc = self.require(alloc_id)
        with self.write() as txn:
            state = self._states(alloc, txn.now)[task]
            alloc_state.append_event(state, te.terminated(txn.now, exit_code))
            alloc_state.append_event(state, te.restarting(txn.now, 15_000_000_000, te.RESTART_WITHIN_POLICY))
            state.Restarts += 1
            state.LastRestart = rfc3339nano(txn.now)
            alloc_state.mark_running(state, txn.now)
            alloc_state.derive_client_status(alloc)
            txn.touch(alloc, "AllocationUpdated")

    def complete(self, alloc_id: str) -> None:
        """Every task exits 0 (batch work done)."""
        alloc = self.require(alloc_id)
        with self.write() as txn:
            for state in self._states(alloc, txn.now).values():
                if state.State != "dead":
                    alloc_state.append_event(state, te.terminated(txn.now, 0))
                    alloc_state.mark_dead(state, txn.now, failed=False)
            alloc_state.derive_client_status(alloc)
            txn.touch(alloc, "AllocationUpdated")

    def kill(self, alloc_id: str, exit_codes: dict[str, tuple[int, int]] | None = None) -> None:
        """The client kills a stopped allocation: Killing → Terminated → Killed, then complete."""
        alloc = self.require(alloc_id)
        with self.write() as txn:
            for name, state in self._states(alloc, txn.now).items():
                if state.State == "dead":
                    continue
                alloc_state.append_event(state, te.killing(txn.now))
                if state.State == "running":
                    code, sig = (exit_codes or {}).get(name, (0, 0))
                    alloc_state.append_event(state, te.terminated(txn.now, code, sig))
                alloc_state.append_event(state, te.killed(txn.now))
                alloc_state.mark_dead(state, txn.now, failed=False)
            alloc_state.derive_client_status(alloc)
            txn.touch(alloc, "AllocationUpdated")

    def signal(self, alloc_id: str, task: str | None, signal_name: str) -> tuple[list[str], list[str]]:
        """Record a user signal; returns (tasks signalled, tasks that were not running). Errors follow
        Nomad's client endpoint. Without a task every running task is signalled and the others are only
        reported (client/allocrunner/alloc_runner.go `Signal`): the caller answers with `not_running_error`."""
        alloc = self.require(alloc_id)
        states = alloc.TaskStates or {}
        if task:
            if task not in {t.name for t in self.group_of(alloc).tasks}:
                raise ModelError(500, "Task not found")
            if task not in states or states[task].State != "running":
                raise ModelError(500, "Task not running")
            targets, failing = [task], []
        else:
            names = [t.name for t in self.group_of(alloc).tasks]
            targets = [n for n in names if n in states and states[n].State == "running"]
            failing = [n for n in names if n not in targets]
        if targets:
            with self.write() as txn:
                for name in targets:
                    alloc_state.append_event(states[name], te.signaling(txn.now, signal_name))
                txn.touch(alloc, "AllocationUpdated")
        return targets, failing

    def restart_tasks_to_restart(self, alloc_id: str, task: str, all_tasks: bool) -> tuple[list[str], str]:
        """Validate a user restart; returns (tasks, reason). Errors follow Nomad's client endpoint."""
        if task and all_tasks:
            raise ModelError(500, "task name cannot be set when restarting all tasks")
        alloc = self.require(alloc_id)
        if alloc.DesiredStatus != "run" or alloc_state.is_terminal(alloc):
            raise ModelError(500, "restart of an alloc that should not run")
        states = alloc.TaskStates or {}
        if task:
            if task not in {t.name for t in self.group_of(alloc).tasks}:
                raise ModelError(500, f"Could not find task runner for task: {task}")
            if task not in states or states[task].State != "running":
                raise ModelError(500, "Task not running")
            return [task], "User requested task to restart"
        if all_tasks:
            return list(states), "User requested all tasks to restart"
        return [n for n, s in states.items() if s.State == "running"], "User requested running tasks to restart"

    def restart_signaled(self, alloc_id: str, tasks: list[str], reason: str) -> None:
        alloc = self.require(alloc_id)
        with self.write() as txn:
            for name in tasks:
                alloc_state.append_event(self._states(alloc, txn.now)[name], te.restart_signaled(txn.now, reason))
            txn.touch(alloc, "AllocationUpdated")

    def restarted(self, alloc_id: str, tasks: list[str], exits: dict[str, tuple[int, int]] | None = None) -> None:
        """The killed tasks come back: Terminated → Restarting (in 0s) → Started, Restarts+1."""
        alloc = self.allocs.get(alloc_id)
        if alloc is None or alloc.DesiredStatus != "run":
            return
        with self.write() as txn:
            states = self._states(alloc, txn.now)
            for name in tasks:
                state = states[name]
                if state.State == "running":
                    code, sig = (exits or {}).get(name, (0, 15))
                    alloc_state.append_event(state, te.terminated(txn.now, code, sig))
                alloc_state.append_event(state, te.restarting(txn.now, 0, ""))
                state.Restarts += 1
                state.LastRestart = rfc3339nano(txn.now)
                state.Failed = False
                alloc_state.mark_running(state, txn.now)
            alloc_state.derive_client_status(alloc)
            txn.touch(alloc, "AllocationUpdated")

    # ----- server-side writes -----------------------------------------------------------------------

    def request_stop(self, alloc_id: str, no_shutdown_delay: bool, reschedule: bool) -> tuple[str, int]:
        """Stop step 1: DesiredTransition.Migrate in one write that also creates the eval."""
        alloc = self.require(alloc_id, "allocation not found")
        with self.write() as txn:
            alloc.DesiredTransition = DesiredTransition(
                Migrate=True, NoShutdownDelay=no_shutdown_delay, Reschedule=reschedule
            )
            txn.touch(alloc, "AllocationUpdateDesiredStatus", server=True)
        return self.ids.uuid(), self.index

    def migrate(self, alloc_id: str) -> Allocation | None:
        """Stop step 2 (the scheduler): desired stop and a replacement that links back to it."""
        alloc = self.allocs.get(alloc_id)
        if alloc is None or alloc.DesiredStatus != "run":
            return None
        job = self.job_of(alloc)
        with self.write() as txn:
            alloc.DesiredStatus = "stop"
            alloc.DesiredDescription = STOP_MIGRATING
            txn.touch(alloc, "PlanResult", server=True)
            replacement = None
            if job.type != "batch" or not alloc_state.is_terminal(alloc):
                node = self.pick_node(hash_text(alloc.ID))
                replacement = self.new_alloc(txn, job, self.group_of(alloc), node, self.slot_of(alloc), previous=alloc)
        return replacement

    def reschedule(self, alloc_id: str) -> Allocation | None:
        """A failed service allocation is replaced; the new one carries the RescheduleTracker."""
        alloc = self.allocs.get(alloc_id)
        if alloc is None or alloc.ClientStatus != "failed" or alloc.NextAllocation:
            return None
        job = self.job_of(alloc)
        if job.type not in ("service", "system"):
            return None
        with self.write() as txn:
            alloc.DesiredStatus = "stop"
            alloc.DesiredDescription = STOP_RESCHEDULED
            txn.touch(alloc, "PlanResult", server=True)
            node = self.pick_node(hash_text(alloc.ID) + 1)
            new = self.new_alloc(txn, job, self.group_of(alloc), node, self.slot_of(alloc), previous=alloc)
            previous_events = alloc.RescheduleTracker.Events if alloc.RescheduleTracker else []
            event = RescheduleEvent(
                Delay=RESCHEDULE_DELAY_NS, PrevAllocID=alloc.ID, PrevNodeID=alloc.NodeID, RescheduleTime=txn.now
            )
            new.RescheduleTracker = RescheduleTracker(Events=[*previous_events, event], LastReschedule="ok")
        return new

    def lose(self, alloc_id: str) -> Allocation | None:
        """The node went down: the server marks the allocation lost and places a replacement."""
        alloc = self.allocs.get(alloc_id)
        if alloc is None or alloc_state.is_terminal(alloc):
            return None
        job = self.job_of(alloc)
        with self.write() as txn:
            alloc.DesiredStatus = "stop"
            alloc.DesiredDescription = STOP_LOST
            alloc.ClientStatus = "lost"
            alloc.ClientDescription = STOP_LOST
            for state in (alloc.TaskStates or {}).values():
                alloc_state.mark_dead(state, txn.now, failed=False)
            txn.touch(alloc, "PlanResult", server=True)
            node = self.pick_node(hash_text(alloc.ID) + 2)
            return self.new_alloc(txn, job, self.group_of(alloc), node, self.slot_of(alloc), previous=alloc)

    def disconnect(self, alloc_id: str) -> None:
        """The client stopped heartbeating: the server marks its allocation unknown (tracked in AllocStates)."""
        alloc = self.require(alloc_id)
        with self.write() as txn:
            alloc.ClientStatus = "unknown"
            alloc.ClientDescription = ""
            alloc.AllocStates = [
                *(alloc.AllocStates or []),
                AllocState("ClientStatus", rfc3339nano(txn.now), "unknown"),
            ]
            txn.touch(alloc, "PlanResult", server=True)

    def reconnect(self, alloc_id: str) -> None:
        """The client is back: its tasks kept running, and each says so."""
        alloc = self.require(alloc_id)
        with self.write() as txn:
            alloc.ClientStatus = "running"
            for state in self._states(alloc, txn.now).values():
                alloc_state.append_event(state, te.reconnected(txn.now))
            alloc_state.derive_client_status(alloc)
            txn.touch(alloc, "AllocationUpdated")

    def gc(self, alloc_id: str) -> bool:
        """Garbage-collect an allocation: it vanishes (no event), and the table index moves."""
        if alloc_id not in self.allocs:
            return False
        with self.write() as txn:
            txn.deleted.append(alloc_id)
        return True

    def set_status(self, alloc_id: str, client_status: str, event: TaskEvent | None = None) -> Allocation:
        """Force a ClientStatus (the control endpoint): task states follow so the pair stays coherent."""
        alloc = self.require(alloc_id)
        with self.write() as txn:
            states = self._states(alloc, txn.now)
            for state in states.values():
                if event is not None:
                    alloc_state.append_event(state, event)
                if client_status == "running" and state.State != "running":
                    alloc_state.mark_running(state, txn.now)
                elif client_status in alloc_state.TERMINAL_STATUSES:
                    if state.StartedAt is None:
                        alloc_state.mark_running(state, txn.now)  # it ran before it ended
                    alloc_state.mark_dead(state, txn.now, failed=client_status == "failed")
                elif client_status == "pending":
                    state.State = "pending"
            alloc.ClientStatus = client_status
            alloc.ClientDescription = alloc_state.CLIENT_DESCRIPTIONS.get(client_status, client_status)
            txn.touch(alloc, "AllocationUpdated")
        return alloc

    def finish_task(self, alloc_id: str, task: str) -> None:
        """One task ran and finished successfully (a prestart task, say) while the allocation runs on."""
        alloc = self.require(alloc_id)
        if task not in {t.name for t in self.group_of(alloc).tasks}:
            raise ModelError(400, f'unknown task name "{task}"')
        with self.write() as txn:
            state = self._states(alloc, txn.now)[task]
            if state.StartedAt is None:
                alloc_state.mark_running(state, txn.now)
            alloc_state.mark_dead(state, txn.now, failed=False)
            txn.touch(alloc, "AllocationUpdated")


def hash_text(text: str) -> int:
    """A stable hash (Python's str hash is salted per process, which would break --seed determinism)."""
    return int(text.replace("-", "")[:8], 16) if text else 0
