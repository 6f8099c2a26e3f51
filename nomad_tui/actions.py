"""Lifecycle actions (stop, signal, restart) on one allocation or a marked set — no Textual here.

`plan` decides, before any request, what will happen to each allocation and refuses what cannot apply
(a signal or restart on a terminal allocation); `execute` carries the plan out with bounded
concurrency and turns every error into words a user can act on.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import (
    BadResponse,
    NomadError,
    NotFound,
    PermissionDenied,
    ServerError,
    Throttled,
    Unauthorized,
)
from nomad_tui.api.models import STOPPED_DESIRED_STATUSES, TERMINAL_CLIENT_STATUSES
from nomad_tui.sanitize import describe_exception, sanitize_line
from nomad_tui.state.rows import AllocRow

# The signal picker's shortlist; any other name Nomad knows can be typed.
COMMON_SIGNALS = ("SIGHUP", "SIGINT", "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGQUIT", "SIGKILL")
# The names Nomad's drivers know (consul-template's signal table, docs/nomad-wire.md): exec, raw_exec
# and java turn any other name into SIGINT without a word, so nothing else is sent.
KNOWN_SIGNALS = frozenset(
    {
        "SIGABRT", "SIGALRM", "SIGBUS", "SIGCONT", "SIGFPE", "SIGHUP", "SIGILL", "SIGINT", "SIGIO", "SIGIOT",
        "SIGKILL", "SIGNULL", "SIGPIPE", "SIGPROF", "SIGQUIT", "SIGSEGV", "SIGSTOP", "SIGSYS", "SIGTERM",
        "SIGTRAP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGXCPU", "SIGXFSZ",
    }
)  # fmt: skip
# Nomad's answer to "signal all tasks" when some tasks are not running (the running ones did get it):
# `N error(s) occurred:` then `* Failed to signal task: <t>, err: Task not running` per task (the
# message arrives with its line breaks made spaces).
_MULTIERROR_HEAD = re.compile(r"\d+ errors? occurred:\s*")
_NOT_RUNNING = re.compile(r"\*\s*Failed to signal task: (.+?), err: Task not running\s*")


def known_signal(name: str) -> str | None:
    """A typed signal name as Nomad spells it (`usr1` → SIGUSR1), or None if Nomad does not know it."""
    name = name.strip().upper()
    name = name if name.startswith("SIG") else f"SIG{name}"
    return name if name in KNOWN_SIGNALS else None


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
    task_names: tuple[str, ...] = ()  # from the list's TaskStates; () when not known
    running_tasks: tuple[str, ...] = ()


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
    unknown: bool = False  # the request may or may not have been carried out (never `ok`)


def refusal_for(kind: ActionKind, row: AllocRow, tasks: TaskChoice) -> str:
    if kind is ActionKind.STOP:
        if row.desired in STOPPED_DESIRED_STATUSES or row.stopping:
            return "already stopping or stopped"
        return ""
    if row.is_terminal:
        state = row.status if row.status in TERMINAL_CLIENT_STATUSES else f"desired {row.desired}"
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
    targets = tuple(
        Target(
            r.id, r.short_id, r.namespace, r.job, r.group, refusal_for(kind, r, tasks), r.task_names, r.running_tasks
        )
        for r in rows
    )
    return Plan(kind, targets, tasks, signal.upper() if signal else "")


def explain(error: NomadError, target: Target) -> str:
    if isinstance(error, Unauthorized):
        return "no token: this address needs one (a Task API socket answers 401 without it)"
    if isinstance(error, PermissionDenied):
        # Nomad answers 403 for a token that lacks the capability, and also for one it does not know
        # (expired, deleted, mistyped): say both.
        return (
            f"permission denied: the token lacks alloc-lifecycle in namespace {target.namespace}, "
            "or it is unknown or expired"
        )
    if isinstance(error, Throttled):
        return "too many connections: the agent's per-client connection limit was reached; try again"
    if isinstance(error, NotFound):
        return "allocation no longer exists"
    return f"{error.kind}: {error.message}"


def not_running_tasks(error: NomadError) -> list[str] | None:
    """The tasks named by a multierror made only of `Task not running` items (signal all tasks), or
    None for any other error."""
    if not isinstance(error, ServerError):
        return None
    head = _MULTIERROR_HEAD.match(error.message)
    if head is None:
        return None
    names: list[str] = []
    position = head.end()
    while position < len(error.message):
        item = _NOT_RUNNING.match(error.message, position)
        if item is None:
            return None
        names.append(item.group(1))
        position = item.end()
    return names or None


async def _signal(client: NomadClient, plan_: Plan, target: Target) -> Outcome:
    """Nomad signals every running task and answers 500 naming the tasks that were not running, so
    with task states known each running task is signalled by name; otherwise that 500 is read as
    the partial success it is."""
    signal = plan_.signal
    if plan_.tasks.task:
        await client.signal_allocation(target.alloc_id, signal, task=plan_.tasks.task, namespace=target.namespace)
        return Outcome(target, True, sanitize_line(f"{signal} sent to task {plan_.tasks.task}"))
    skipped = [name for name in target.task_names if name not in target.running_tasks]
    if target.running_tasks and skipped:
        for name in target.running_tasks:
            await client.signal_allocation(target.alloc_id, signal, task=name, namespace=target.namespace)
        return Outcome(target, True, _sent_to_running(signal, target.running_tasks, skipped))
    try:
        await client.signal_allocation(target.alloc_id, signal, namespace=target.namespace)
    except NomadError as error:
        names = not_running_tasks(error)
        if names is None:
            raise
        running = [name for name in target.task_names if name not in names]
        return Outcome(target, True, _sent_to_running(signal, tuple(running), names))
    return Outcome(target, True, sanitize_line(f"{signal} sent to all tasks"))


def _sent_to_running(signal: str, running: tuple[str, ...], skipped: list[str]) -> str:
    to = f"tasks {', '.join(running)}" if running else "the running tasks"
    return sanitize_line(f"{signal} sent to {to}; not running, skipped: {', '.join(skipped)}")


def _restart_words(client: NomadClient, tasks: TaskChoice) -> str:
    if not tasks.all_tasks:
        return f"restarting {tasks.describe(ActionKind.RESTART)}"
    agent = client.known_agent
    older = agent.at_least(1, 4) is False if agent is not None else False
    if older:
        # `AllTasks` arrived in Nomad 1.4; older agents drop it and restart only the running tasks.
        return f"restarting the running tasks (Nomad {agent.version_text if agent else '?'} ignores all-tasks)"
    if agent is None or agent.version is None:
        return "restart of all tasks requested (Nomad before 1.4 restarts only the running ones)"
    return "restarting all tasks"


async def _run_one(client: NomadClient, plan_: Plan, target: Target) -> Outcome:
    namespace = target.namespace  # each allocation's own, as the CLI's -namespace
    try:
        if plan_.kind is ActionKind.STOP:
            response = await client.stop_allocation(target.alloc_id, namespace=namespace)
            return Outcome(target, True, sanitize_line(f"stop requested (evaluation {response.eval_id[:8]})"))
        if plan_.kind is ActionKind.SIGNAL:
            return await _signal(client, plan_, target)
        await client.restart_allocation(
            target.alloc_id, task=plan_.tasks.task, all_tasks=plan_.tasks.all_tasks, namespace=namespace
        )
        return Outcome(target, True, sanitize_line(_restart_words(client, plan_.tasks)))
    except BadResponse as error:  # only ever from a 2xx: the agent accepted the request
        return Outcome(
            target, True, f"{plan_.kind.value} accepted (the agent's answer was unreadable: {error.message})"
        )
    except NomadError as error:
        if error.maybe_sent:
            return Outcome(target, False, f"unknown, check the allocation ({explain(error, target)})", unknown=True)
        return Outcome(target, False, explain(error, target))
    except Exception as exc:  # a bug must not cut the bulk action short of its report
        return Outcome(target, False, f"unknown, check the allocation ({describe_exception(exc)})", unknown=True)


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
