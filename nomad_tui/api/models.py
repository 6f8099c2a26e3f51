"""Typed views of Nomad's allocation JSON, for both the 0.x and the 1.x/2.x shapes (docs/nomad-wire.md §11).

Every field has a default: the full allocation leaves empty keys out (docs/nomad-wire.md §0.1) and old agents
lack newer keys.  Unknown keys are skipped by the decoder.  Fields keep Nomad's meaning and, through
`nomad_name`, Nomad's wire spelling; Python attribute names are snake_case.

Times stay as the RFC3339 strings Nomad sends (`parse_time` turns them into datetimes, treating
`null` and the pre-0.10 zero time `"0001-01-01T00:00:00Z"` as "no time").  Durations and unix-ns
timestamps are ints; the decoder accepts them as ints, floats (`1e+10`, `1E+06`) or numeric strings.
All structs are `gc=False`: they form trees, never cycles, and a 100k-allocation list then costs the
cyclic garbage collector nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

_ACRONYMS = {
    "id": "ID",
    "mb": "MB",
    "ip": "IP",
    "iops": "IOPS",
    "cidr": "CIDR",
    "mbits": "MBits",
    "dns": "DNS",
    "ipv6": "IPv6",
    "rss": "RSS",
    "tg": "TG",
}


def nomad_name(field: str) -> str:
    """snake_case attribute -> Nomad's PascalCase key (`eval_id` -> `EvalID`, `memory_mb` -> `MemoryMB`)."""
    return "".join(_ACRONYMS.get(part, part.capitalize()) for part in field.split("_"))


class NomadStruct(msgspec.Struct, rename=nomad_name, kw_only=True, gc=False, omit_defaults=True):
    pass


# --------------------------------------------------------------------------------------- constants

CLIENT_STATUSES = ("pending", "running", "complete", "failed", "lost", "unknown")
TERMINAL_CLIENT_STATUSES = frozenset({"complete", "failed", "lost"})
STOPPED_DESIRED_STATUSES = frozenset({"stop", "evict"})


def is_terminal(client_status: str, desired_status: str) -> bool:
    """Finished, or told to stop: nothing runs (or will run) in the allocation."""
    return client_status in TERMINAL_CLIENT_STATUSES or desired_status in STOPPED_DESIRED_STATUSES


DESIRED_STATUSES = ("run", "stop", "evict")
TASK_STATES = ("pending", "running", "dead")

# Every TaskEvent Type string Nomad defines or emits (docs/nomad-wire.md §3).
TASK_EVENT_TYPES = (
    "Setup Failure",
    "Driver Failure",
    "Received",
    "Failed Validation",
    "Started",
    "Pausing",
    "Terminated",
    "Killing",
    "Killed",
    "Restarting",
    "Not Restarting",
    "Restart Signaled",
    "Signaling",
    "Downloading Artifacts",
    "Failed Artifact Download",
    "Building Task Directory",
    "Task Setup",
    "Disk Resources Exceeded",
    "Sibling Task Failed",
    "Driver",
    "Leader Task Dead",
    "Main Tasks Dead",
    "Task hook failed",
    "Task hook message",
    "Failed Restoring Task",
    "Plugin became unhealthy",
    "Plugin became healthy",
    "Reconnected",
    "Waiting for shutdown delay",
    "Skipping shutdown delay",
    "Running",
    "Alloc Unhealthy",
    "Template",
)

ZERO_TIME_PREFIX = "0001-01-01T00:00:00"


def parse_time(value: str | None) -> datetime | None:
    """RFC3339(Nano) -> aware datetime; None for null, empty, the Go zero time or garbage."""
    if not value or value.startswith(ZERO_TIME_PREFIX):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python keeps microseconds: cut Go's nanosecond fraction to 6 digits before parsing.
    dot = text.find(".")
    if dot != -1:
        end = dot + 1
        while end < len(text) and text[end].isdigit():
            end += 1
        text = text[: dot + 1] + text[dot + 1 : end][:6].ljust(6, "0") + text[end:]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def ns_to_datetime(ns: int) -> datetime | None:
    """Unix nanoseconds (CreateTime, TaskEvent.Time, ...) -> aware datetime; None for 0."""
    if ns <= 0:
        return None
    try:
        return datetime.fromtimestamp(ns / 1e9, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


# --------------------------------------------------------------------------------------- small parts


class DesiredTransition(NomadStruct):
    migrate: bool | None = None
    reschedule: bool | None = None
    force_reschedule: bool | None = None
    no_shutdown_delay: bool | None = None
    migrate_disable_placement: bool | None = None


class DeploymentStatus(NomadStruct):
    healthy: bool | None = None
    timestamp: str | None = None
    canary: bool = False
    modify_index: int = 0


class RescheduleEvent(NomadStruct):
    reschedule_time: int = 0  # unix ns
    prev_alloc_id: str = ""
    prev_node_id: str = ""
    delay: int = 0  # ns


class RescheduleTracker(NomadStruct):
    events: list[RescheduleEvent] | None = None
    last_reschedule: str = ""


# --------------------------------------------------------------------------------------- task states


class TaskEvent(NomadStruct):
    type: str = ""
    time: int = 0  # unix ns
    message: str = ""
    display_message: str = ""
    details: dict[str, str] | None = None
    # Deprecated flat fields: the only source of detail on 0.x agents (<=0.6 had no Details).
    fails_task: bool = False
    restart_reason: str = ""
    setup_error: str = ""
    driver_error: str = ""
    exit_code: int = 0
    signal: int = 0
    kill_timeout: int = 0  # ns
    kill_error: str = ""
    kill_reason: str = ""
    start_delay: int = 0  # ns
    download_error: str = ""
    validation_error: str = ""
    disk_limit: int = 0
    failed_sibling: str = ""
    vault_error: str = ""
    task_signal_reason: str = ""
    task_signal: str = ""
    driver_message: str = ""
    generic_source: str = ""

    def text(self) -> str:
        """What a person wants to read about this event: DisplayMessage, or its 0.x equivalent."""
        if self.display_message:
            return self.display_message
        text = legacy_display_message(self)
        if not text:  # odd events: fall back to whatever message the event carries
            text = self.message or (self.details or {}).get("message", "")
        return text


def legacy_display_message(event: TaskEvent) -> str:
    """Rebuild DisplayMessage for agents that predate it (0.7 and older), as Nomad's server fills it
    (nomad/structs/structs.go `PopulateEventDisplayMessage`): its default texts, Go's duration format."""
    kind = event.type
    if kind == "Received":
        return "Task received by client"
    if kind == "Started":
        return "Task started by client"
    if kind == "Downloading Artifacts":
        return "Client is downloading artifacts"
    if kind == "Killing":
        if event.kill_reason:
            return event.kill_reason
        if event.kill_timeout:
            return f"Sent interrupt. Waiting {go_duration(event.kill_timeout)} before force killing"
        return "Sent interrupt"
    if kind == "Killed":
        return event.kill_error or "Task successfully killed"
    if kind == "Terminated":
        text = f"Exit Code: {event.exit_code}"
        if event.signal:
            text += f", Signal: {event.signal}"
        if event.message:
            text += f', Exit Message: "{event.message}"'
        return text
    if kind == "Restarting":
        delay = f"Task restarting in {go_duration(event.start_delay)}"
        reason = event.restart_reason
        return delay if not reason or reason == "Restart within policy" else f"{reason} - {delay}"
    if kind == "Not Restarting":
        return event.restart_reason or "Task exceeded restart policy"
    if kind == "Signaling":
        signal, reason = event.task_signal, event.task_signal_reason
        if not signal:
            return reason or "Task being sent a signal"
        return f"Task being sent signal {signal}: {reason}" if reason else f"Task being sent signal {signal}"
    if kind == "Restart Signaled":
        return event.restart_reason or "Task signaled to restart"
    if kind == "Sibling Task Failed":
        return f'Task\'s sibling "{event.failed_sibling}" failed' if event.failed_sibling else "Task's sibling failed"
    if kind == "Leader Task Dead":
        return "Leader Task in Group dead"
    if kind == "Main Tasks Dead":
        return "Main tasks in the group died"
    if kind == "Reconnected":
        return "Client reconnected"
    if kind == "Driver":
        return event.driver_message or event.message
    if kind == "Driver Failure":
        return event.driver_error or "Failed to start task"
    if kind == "Setup Failure":
        return event.setup_error or "Task setup failed"
    if kind == "Failed Validation":
        return event.validation_error or "Validation of task failed"
    if kind == "Failed Artifact Download":
        return event.download_error or "Failed to download artifacts"
    return event.message


def go_duration(ns: int) -> str:
    """Nanoseconds as Go's time.Duration prints them (`%v`): 0s, 750ms, 1.5s, 1m30s, 2h0m0s."""
    if ns == 0:
        return "0s"
    sign, ns = ("-", -ns) if ns < 0 else ("", ns)
    if ns < 1_000_000_000:
        unit, scale = ("ns", 1) if ns < 1_000 else ("µs", 1_000) if ns < 1_000_000 else ("ms", 1_000_000)
        return f"{sign}{_with_fraction(ns, scale)}{unit}"
    hours, rest = divmod(ns, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    text = f"{hours}h" if hours else ""
    if hours or minutes:
        text += f"{minutes}m"
    return f"{sign}{text}{_with_fraction(rest, 1_000_000_000)}s"


def _with_fraction(value: int, scale: int) -> str:
    whole, fraction = divmod(value, scale)
    if not fraction:
        return str(whole)
    digits = str(fraction).rjust(len(str(scale)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"


class TaskState(NomadStruct):
    state: str = ""
    failed: bool = False
    restarts: int = 0
    last_restart: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    events: list[TaskEvent] | None = None


class TaskStateSummary(NomadStruct):
    """The part of a TaskState the list needs: the events (most of the bytes) are skipped unread."""

    state: str = ""
    failed: bool = False
    restarts: int = 0


# --------------------------------------------------------------------------------------- resources


class Port(NomadStruct):
    label: str = ""
    value: int = 0
    to: int = 0
    host_ip: str = ""


class NetworkResource(NomadStruct):
    mode: str = ""
    device: str = ""
    cidr: str = ""
    ip: str = ""
    mbits: int = 0
    reserved_ports: list[Port] | None = None
    dynamic_ports: list[Port] | None = None


class LegacyResources(NomadStruct):
    """Pre-0.9 `Resources`/`TaskResources`/`SharedResources` (nil on allocs placed by 0.9+)."""

    cpu: int = msgspec.field(default=0, name="CPU")
    cores: int = 0
    memory_mb: int = 0
    memory_max_mb: int = 0
    disk_mb: int = 0
    iops: int = 0
    networks: list[NetworkResource] | None = None


class AllocatedCpu(NomadStruct):
    cpu_shares: int = 0
    reserved_cores: list[int] | None = None


class AllocatedMemory(NomadStruct):
    memory_mb: int = 0
    memory_max_mb: int = 0


class AllocatedTaskResources(NomadStruct):
    cpu: AllocatedCpu | None = None
    memory: AllocatedMemory | None = None
    networks: list[NetworkResource] | None = None


class AllocatedSharedResources(NomadStruct):
    disk_mb: int = 0
    networks: list[NetworkResource] | None = None
    ports: list[Port] | None = None


class AllocatedResources(NomadStruct):
    tasks: dict[str, AllocatedTaskResources] | None = None
    shared: AllocatedSharedResources | None = None


class ScoreMetaData(NomadStruct):
    node_id: str = ""
    scores: dict[str, float] | None = None
    norm_score: float = 0.0


class AllocMetric(NomadStruct):
    """Placement metrics: what the scheduler looked at when it placed this allocation."""

    nodes_evaluated: int = 0
    nodes_filtered: int = 0
    nodes_in_pool: int = 0
    nodes_available: dict[str, int] | None = None
    class_filtered: dict[str, int] | None = None
    constraint_filtered: dict[str, int] | None = None
    nodes_exhausted: int = 0
    class_exhausted: dict[str, int] | None = None
    dimension_exhausted: dict[str, int] | None = None
    quota_exhausted: list[str] | None = None
    scores: dict[str, float] | None = None  # 0.x: "<node>.<scorer>" -> score
    score_meta_data: list[ScoreMetaData] | None = None
    allocation_time: int = 0  # ns
    coalesced_failures: int = 0


class JobSummaryInAlloc(NomadStruct):
    """The few fields of the (possibly huge) embedded Job we show; the rest is skipped unread."""

    id: str = ""
    name: str = ""
    type: str = ""
    version: int = 0
    priority: int = 0
    datacenters: list[str] | None = None


class NetworkStatus(NomadStruct):
    interface_name: str = ""
    address: str = ""
    address_ipv6: str = ""


# --------------------------------------------------------------------------------------- allocations


class AllocStub(NomadStruct):
    """One row of GET /v1/allocations: only what the list shows (docs/nomad-wire.md §2)."""

    id: str = ""
    eval_id: str = ""
    name: str = ""
    namespace: str = ""
    node_id: str = ""
    node_name: str = ""
    job_id: str = ""
    job_type: str = ""
    job_version: int = 0
    task_group: str = ""
    desired_status: str = ""
    desired_description: str = ""
    client_status: str = ""
    client_description: str = ""
    desired_transition: DesiredTransition | None = None
    task_states: dict[str, TaskStateSummary] | None = None
    next_allocation: str = ""
    followup_eval_id: str = ""
    create_index: int = 0
    modify_index: int = 0
    create_time: int = 0  # unix ns
    modify_time: int = 0  # unix ns


class AllocKey(NomadStruct):
    """An allocation list item read for its identity and version alone (a reconciliation compares
    these first: decoding only them is about four times faster than whole stubs)."""

    id: str = ""
    modify_index: int = 0


class Allocation(NomadStruct):
    """GET /v1/allocation/:id, whose empty keys Nomad leaves out (docs/nomad-wire.md §3)."""

    id: str = ""
    namespace: str = ""
    eval_id: str = ""
    name: str = ""
    node_id: str = ""
    node_name: str = ""
    job_id: str = ""
    job: JobSummaryInAlloc | None = None
    task_group: str = ""
    resources: LegacyResources | None = None
    shared_resources: LegacyResources | None = None
    task_resources: dict[str, LegacyResources] | None = None
    allocated_resources: AllocatedResources | None = None
    metrics: AllocMetric | None = None
    desired_status: str = ""
    desired_description: str = ""
    desired_transition: DesiredTransition | None = None
    client_status: str = ""
    client_description: str = ""
    task_states: dict[str, TaskState] | None = None
    previous_allocation: str = ""
    next_allocation: str = ""
    deployment_id: str = ""
    deployment_status: DeploymentStatus | None = None
    reschedule_tracker: RescheduleTracker | None = None
    network_status: NetworkStatus | None = None
    followup_eval_id: str = ""
    preempted_allocations: list[str] | None = None
    preempted_by_allocation: str = ""
    create_index: int = 0
    modify_index: int = 0
    alloc_modify_index: int = 0
    create_time: int = 0
    modify_time: int = 0

    @property
    def is_terminal(self) -> bool:
        return is_terminal(self.client_status, self.desired_status)

    @property
    def job_version(self) -> int | None:
        return self.job.version if self.job is not None else None


class StopResponse(NomadStruct):
    eval_id: str = ""
    index: int = 0


class Namespace(NomadStruct):
    name: str = ""
    description: str = ""


class AgentMember(NomadStruct):
    name: str = ""


class AgentConfig(NomadStruct):
    region: str = ""
    datacenter: str = ""
    version: str = ""
