"""TaskEvent constructors that fill the deprecated flat fields, `Details` and `DisplayMessage` like Nomad."""

from __future__ import annotations

from nomad_tui.devagent.model.records import TaskEvent
from nomad_tui.devagent.model.timefmt import go_duration

RECEIVED = "Received"
TASK_SETUP = "Task Setup"
STARTED = "Started"
DRIVER = "Driver"
KILLING = "Killing"
KILLED = "Killed"
TERMINATED = "Terminated"
RESTARTING = "Restarting"
NOT_RESTARTING = "Not Restarting"
RESTART_SIGNALED = "Restart Signaled"
SIGNALING = "Signaling"
SIBLING_FAILED = "Sibling Task Failed"
RECONNECTED = "Reconnected"

RESTART_WITHIN_POLICY = "Restart within policy"
KILL_TIMEOUT_NS = 5_000_000_000

# Small immutable Details maps are shared between events: nothing ever mutates a stored event.
_EMPTY: dict[str, str] = {}


def display_message(ev: TaskEvent) -> str:
    """Nomad's `PopulateEventDisplayMessage`, for the types the dev agent emits."""
    t = ev.Type
    if t == RECEIVED:
        return "Task received by client"
    if t == STARTED:
        return "Task started by client"
    if t == KILLING:
        if ev.KillReason:
            return ev.KillReason
        if ev.KillTimeout:
            return f"Sent interrupt. Waiting {go_duration(ev.KillTimeout)} before force killing"
        return "Sent interrupt"
    if t == KILLED:
        return ev.KillError or "Task successfully killed"
    if t == TERMINATED:
        parts = [f"Exit Code: {ev.ExitCode}"]
        if ev.Signal:
            parts.append(f"Signal: {ev.Signal}")
        if ev.Message:
            parts.append(f'Exit Message: "{ev.Message}"')
        return ", ".join(parts)
    if t == RESTARTING:
        text = f"Task restarting in {go_duration(ev.StartDelay)}"
        if ev.RestartReason and ev.RestartReason != RESTART_WITHIN_POLICY:
            return f"{ev.RestartReason} - {text}"
        return text
    if t == NOT_RESTARTING:
        return ev.RestartReason or "Task exceeded restart policy"
    if t == SIGNALING:
        if not ev.TaskSignal:
            return ev.TaskSignalReason or "Task being sent a signal"
        text = f"Task being sent signal {ev.TaskSignal}"
        return f"{text}: {ev.TaskSignalReason}" if ev.TaskSignalReason else text
    if t == RESTART_SIGNALED:
        return ev.RestartReason or "Task signaled to restart"
    if t == SIBLING_FAILED:
        return f'Task\'s sibling "{ev.FailedSibling}" failed' if ev.FailedSibling else "Task's sibling failed"
    if t == RECONNECTED:
        return "Client reconnected"
    if t == DRIVER:
        return ev.DriverMessage
    return ev.Message


def _finish(ev: TaskEvent) -> TaskEvent:
    if not ev.DisplayMessage:
        ev.DisplayMessage = display_message(ev)
    return ev


def received(now: int) -> TaskEvent:
    return _finish(TaskEvent(_EMPTY, Time=now, Type=RECEIVED))


_SETUP_DETAILS = {"message": "Building Task Directory"}


def task_setup(now: int, message: str = "Building Task Directory") -> TaskEvent:
    details = _SETUP_DETAILS if message == "Building Task Directory" else {"message": message}
    return _finish(TaskEvent(details, Message=message, Time=now, Type=TASK_SETUP))


def started(now: int) -> TaskEvent:
    return _finish(TaskEvent(_EMPTY, Time=now, Type=STARTED))


def driver_message(now: int, message: str) -> TaskEvent:
    return _finish(TaskEvent({"driver_message": message}, DriverMessage=message, Time=now, Type=DRIVER))


_KILLING_DETAILS = {"kill_timeout": go_duration(KILL_TIMEOUT_NS)}


def killing(now: int, reason: str = "") -> TaskEvent:
    details = _KILLING_DETAILS if not reason else {**_KILLING_DETAILS, "kill_reason": reason}
    return _finish(TaskEvent(details, KillReason=reason, KillTimeout=KILL_TIMEOUT_NS, Time=now, Type=KILLING))


def killed(now: int) -> TaskEvent:
    return _finish(TaskEvent(_EMPTY, Time=now, Type=KILLED))


def terminated(now: int, exit_code: int, signal: int = 0, message: str = "") -> TaskEvent:
    details = {"exit_code": str(exit_code), "signal": str(signal), "oom_killed": "false"}
    if message:
        details["exit_message"] = message
    return _finish(TaskEvent(details, ExitCode=exit_code, Message=message, Signal=signal, Time=now, Type=TERMINATED))


def restarting(now: int, delay_ns: int, reason: str) -> TaskEvent:
    details = {"start_delay": str(delay_ns), "restart_reason": reason}
    return _finish(TaskEvent(details, RestartReason=reason, StartDelay=delay_ns, Time=now, Type=RESTARTING))


def not_restarting(now: int, reason: str) -> TaskEvent:
    details = {"restart_reason": reason, "fails_task": "true"}
    return _finish(TaskEvent(details, FailsTask=True, RestartReason=reason, Time=now, Type=NOT_RESTARTING))


def restart_signaled(now: int, reason: str) -> TaskEvent:
    return _finish(TaskEvent({"restart_reason": reason}, RestartReason=reason, Time=now, Type=RESTART_SIGNALED))


def reconnected(now: int) -> TaskEvent:
    return _finish(TaskEvent(_EMPTY, Time=now, Type=RECONNECTED))


def sibling_failed(now: int, sibling: str) -> TaskEvent:
    return _finish(TaskEvent({"failed_sibling": sibling}, FailedSibling=sibling, Time=now, Type=SIBLING_FAILED))


def signaling(now: int, signal_name: str) -> TaskEvent:
    """A user signal: only Details.signal is filled, so DisplayMessage is 'Task being sent a signal'."""
    return _finish(TaskEvent({"signal": signal_name}, Time=now, Type=SIGNALING))


def custom(now: int, type_: str, message: str) -> TaskEvent:
    """An arbitrary event (the control endpoint's `allocs` and `update`), its text stored verbatim in
    the field Nomad's own setters use for that type, so DisplayMessage comes out as the server fills
    it (docs/nomad-wire.md §3): a `Driver` text is the DriverMessage (Message stays empty, as with Nomad's
    SetDriverMessage), restart texts are the RestartReason, a `Killing` text the KillReason, a
    `Terminated` text the exit message, and any other type's text is its Message."""
    if type_ == DRIVER:
        return driver_message(now, message)
    if type_ == TERMINATED:
        return terminated(now, 0, 0, message)
    if message and type_ in (RESTART_SIGNALED, RESTARTING, NOT_RESTARTING):
        details = {"restart_reason": message}
        return _finish(TaskEvent(details, RestartReason=message, Time=now, Type=type_))
    if message and type_ == KILLING:
        return killing(now, message)
    if message and type_ == SIBLING_FAILED:
        return sibling_failed(now, message)
    details = {"message": message} if message else _EMPTY
    return _finish(TaskEvent(details, Message=message, Time=now, Type=type_))
