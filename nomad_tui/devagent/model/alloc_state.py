"""Rules for one allocation's task states: events kept, task transitions and the derived ClientStatus."""

from __future__ import annotations

from nomad_tui.devagent.model import task_events as te
from nomad_tui.devagent.model.records import Allocation, TaskEvent, TaskState
from nomad_tui.devagent.model.timefmt import rfc3339nano

MAX_EVENTS = 10
TERMINAL_STATUSES = frozenset({"complete", "failed", "lost"})

CLIENT_DESCRIPTIONS = {
    "pending": "No tasks have started",
    "running": "Tasks are running",
    "complete": "All tasks have completed",
    "failed": "Failed tasks",
}


def append_event(state: TaskState, event: TaskEvent) -> None:
    """Keep the newest MAX_EVENTS, oldest first; a new list so earlier snapshots stay intact."""
    events = [*state.Events, event]
    state.Events = events[-MAX_EVENTS:]


def task_received(now: int) -> TaskState:
    return TaskState(Events=[te.received(now), te.task_setup(now)], State="pending")


def mark_running(state: TaskState, now: int) -> None:
    append_event(state, te.started(now))
    state.State = "running"
    state.StartedAt = rfc3339nano(now)


def mark_dead(state: TaskState, now: int, failed: bool) -> None:
    state.State = "dead"
    state.Failed = failed
    # FinishedAt is set once, when the task first goes dead.
    if state.FinishedAt is None:
        state.FinishedAt = rfc3339nano(now)


def derive_client_status(alloc: Allocation) -> None:
    """Nomad's getClientStatus priority: failed > running > pending > complete. Server-set `lost` sticks."""
    if alloc.ClientStatus in ("lost", "unknown"):
        return
    states = alloc.TaskStates or {}
    if not states:
        status = "pending"
    elif any(s.Failed for s in states.values()):
        status = "failed"
    elif any(s.State == "running" for s in states.values()):
        status = "running"
    elif any(s.State == "pending" for s in states.values()):
        status = "pending"
    else:
        status = "complete"
    alloc.ClientStatus = status
    alloc.ClientDescription = CLIENT_DESCRIPTIONS[status]


def is_terminal(alloc: Allocation) -> bool:
    return alloc.ClientStatus in TERMINAL_STATUSES
