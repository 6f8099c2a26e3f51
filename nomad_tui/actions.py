"""Lifecycle actions (stop, signal, restart) on one allocation or a marked set — no Textual here.

`plan` decides, before any request, what will happen to each allocation and refuses what cannot apply
(a signal or restart on a terminal allocation); `execute` carries the plan out with bounded
concurrency and turns every error into words a user can act on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import NomadError, NotFound, PermissionDenied
from nomad_tui.sanitize import sanitize_line
from nomad_tui.state.rows import AllocRow

# The signal picker's shortlist; any other name can be typed (Nomad validates it per driver).
COMMON_SIGNALS = ("SIGHUP", "SIGINT", "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGQUIT", "SIGKILL")
MAX_CONCURRENCY = 4


class ActionKind(StrEnum):
    STOP = "stop"
    SIGNAL = "signal"
    RESTART = "restart"


@dataclass(frozen=True, slots=True)
class TaskChoice:
    """Which tasks an action addresses: one named task, or every task (`task is None`)."""

    task: str | None = None
    all_tasks: bool = False  # restart only: AllTasks, which also restarts dead tasks

    def describe(self, kind: ActionKind) -> str:
        """For people: the task name is cluster data, so it is sanitised here."""
        if self.task:
            return f"task {sanitize_line(self.task)}"
        if kind is ActionKind.RESTART:
            return "all tasks" if self.all_tasks else "running tasks"
        return "all tasks"


@dataclass(frozen=True, slots=True)
class Target:
    alloc_id: str
    short_id: str
    namespace: str
    job: str
    group: str
    refusal: str = ""  # why this allocation is skipped without a request; "" means go


@dataclass(frozen=True, slots=True)
class Plan:
    kind: ActionKind
    targets: tuple[Target, ...]
    tasks: TaskChoice = TaskChoice()
    signal: str = ""

    @property
    def runnable(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if not t.refusal)

    @property
    def refused(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.refusal)

    def verb(self) -> str:
        if self.kind is ActionKind.SIGNAL:
            return f"Send {self.signal} to"
        return {ActionKind.STOP: "Stop", ActionKind.RESTART: "Restart"}[self.kind]

    def headline(self) -> str:
        """A sentence for people; every part of it is our own text or sanitised."""
        count = len(self.runnable)
        what = "allocation" if count == 1 else f"{count} allocations"
        tasks = "" if self.kind is ActionKind.STOP else f" ({self.tasks.describe(self.kind)})"
        return f"{self.verb()} {what}{tasks}?"


@dataclass(frozen=True, slots=True)
class Outcome:
    target: Target
    ok: bool
    message: str  # what happened, in words for the user


def refusal_for(kind: ActionKind, row: AllocRow, tasks: TaskChoice) -> str:
    if kind is ActionKind.STOP:
        if row.desired in ("stop", "evict") or row.stopping:
            return "already stopping or stopped"
        return ""
    if row.is_terminal:
        state = row.status if row.status in ("complete", "failed", "lost") else f"desired {row.desired}"
        return f"allocation is {state}: nothing runs to {kind.value}"
    if tasks.task and row.task_names and sanitize_line(tasks.task) not in row.running_tasks:
        return f"task {tasks.task} is not running here"
    nothing_runs = row.status == "pending" or (bool(row.task_names) and not row.running_tasks)
    if nothing_runs and not tasks.all_tasks:
        return "no task is running yet"
    return ""


def plan(kind: ActionKind, rows: Iterable[AllocRow], *, tasks: TaskChoice | None = None, signal: str = "") -> Plan:
    tasks = tasks or TaskChoice()
    if kind is ActionKind.SIGNAL and not signal:
        raise ValueError("a signal action needs a signal name")
    targets = tuple(Target(r.id, r.short_id, r.namespace, r.job, r.group, refusal_for(kind, r, tasks)) for r in rows)
    return Plan(kind, targets, tasks, signal.upper() if signal else "")


def explain(error: NomadError, target: Target) -> str:
    if isinstance(error, PermissionDenied):
        return f"permission denied: the token lacks alloc-lifecycle in namespace {target.namespace}"
    if isinstance(error, NotFound):
        return "allocation no longer exists"
    return f"{error.kind}: {error.message}"


async def _run_one(client: NomadClient, plan_: Plan, target: Target) -> Outcome:
    try:
        if plan_.kind is ActionKind.STOP:
            response = await client.stop_allocation(target.alloc_id)
            return Outcome(target, True, sanitize_line(f"stop requested (evaluation {response.eval_id[:8]})"))
        if plan_.kind is ActionKind.SIGNAL:
            await client.signal_allocation(target.alloc_id, plan_.signal, task=plan_.tasks.task)
            return Outcome(target, True, sanitize_line(f"{plan_.signal} sent to {plan_.tasks.describe(plan_.kind)}"))
        await client.restart_allocation(target.alloc_id, task=plan_.tasks.task, all_tasks=plan_.tasks.all_tasks)
        return Outcome(target, True, sanitize_line(f"restarting {plan_.tasks.describe(plan_.kind)}"))
    except NomadError as error:
        return Outcome(target, False, explain(error, target))


async def execute(
    client: NomadClient,
    plan_: Plan,
    *,
    concurrency: int = MAX_CONCURRENCY,
    on_sent: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Carry out the plan; refused targets get their refusal as outcome, without a request.
    `on_sent` hears each request's outcome as soon as it is known (the audit log)."""
    gate = asyncio.Semaphore(concurrency)

    async def bounded(target: Target) -> Outcome:
        if target.refusal:
            return Outcome(target, False, f"not sent: {target.refusal}")
        async with gate:
            outcome = await _run_one(client, plan_, target)
        if on_sent is not None:
            on_sent(outcome)
        return outcome

    return list(await asyncio.gather(*(bounded(t) for t in plan_.targets)))
