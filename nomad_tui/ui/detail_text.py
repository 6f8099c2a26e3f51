"""Turn one full Allocation into the texts of the detail panes.

Pure functions (Allocation in, rich `Text` out) so they are tested without an app.  Every string
from the cluster passes `sanitize`/`sanitize_line` and is added to `Text` as plain text: a task
event message such as "[@click=app.quit]x" is displayed, never interpreted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.text import Text

from nomad_tui.api.models import (
    Allocation,
    LegacyResources,
    NetworkResource,
    Port,
    TaskEvent,
    ns_to_datetime,
    parse_time,
)
from nomad_tui.sanitize import sanitize_line
from nomad_tui.timefmt import age, clock_time, duration_ns, seconds_between

LABEL_STYLE = "bold"
DIM = "dim"
# ANSI colour names: Textual maps them through the theme, so they stay readable on dark and light.
STATUS_STYLES = {
    "running": "green",
    "pending": "yellow",
    "failed": "bold red",
    "complete": "blue",
    "lost": "magenta",
    "unknown": "bright_black",
    "dead": "blue",
}


def _kv(text: Text, label: str, value: str | Text, *, width: int = 12) -> None:
    text.append(f"{label:<{width}}", style=LABEL_STYLE)
    if isinstance(value, Text):
        text.append_text(value)
    else:
        text.append(sanitize_line(value))
    text.append("\n")


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "-"
    seconds = seconds_between(now, moment)
    return clock_time(moment, now=now) + ("" if seconds is None else f" ({age(seconds)} ago)")


def summary_text(alloc: Allocation, now: datetime) -> Text:
    text = Text(no_wrap=False, overflow="fold")
    _kv(text, "ID", alloc.id)
    _kv(text, "Name", alloc.name)
    _kv(text, "Namespace", alloc.namespace or "default")
    job = sanitize_line(alloc.job_id)
    if alloc.job is not None:
        job += f" (version {alloc.job.version}" + (f", {sanitize_line(alloc.job.type)}" if alloc.job.type else "") + ")"
    _kv(text, "Job", job)
    _kv(text, "Group", alloc.task_group)
    node = sanitize_line(alloc.node_name)
    node = f"{node} ({sanitize_line(alloc.node_id[:8])})" if node else sanitize_line(alloc.node_id)
    _kv(text, "Node", node or "-")
    _kv(text, "Eval", alloc.eval_id or "-")
    desired = Text(sanitize_line(alloc.desired_status) or "-")
    if alloc.desired_description:
        desired.append(f" — {sanitize_line(alloc.desired_description)}", style=DIM)
    transition = alloc.desired_transition
    if transition is not None and transition.migrate and alloc.desired_status == "run":
        desired.append(" (stop requested)", style="italic")
    _kv(text, "Desired", desired)
    client = Text(sanitize_line(alloc.client_status) or "-", style=STATUS_STYLES.get(alloc.client_status, ""))
    if alloc.client_description:
        client.append(f" — {sanitize_line(alloc.client_description)}", style=DIM)
    _kv(text, "Client", client)
    _kv(text, "Deployment", deployment_health(alloc))
    _kv(text, "Created", _when(ns_to_datetime(alloc.create_time), now))
    _kv(text, "Modified", _when(ns_to_datetime(alloc.modify_time), now))
    _kv(
        text,
        "Indexes",
        f"create {alloc.create_index} · modify {alloc.modify_index} · alloc modify {alloc.alloc_modify_index}",
    )
    if alloc.client_status == "pending" and alloc.desired_status == "run":
        # the way to the job's placement story (jobs view, cursor on this job)
        _kv(text, "Placement", Text("J: its job, and why allocations wait to be placed (if any do)", style=DIM))
    text.rstrip()
    return text


def deployment_health(alloc: Allocation) -> str:
    status = alloc.deployment_status
    if status is None:
        return "-" if not alloc.deployment_id else f"{sanitize_line(alloc.deployment_id[:8])}: health unknown"
    health = {True: "healthy", False: "unhealthy", None: "health pending"}[status.healthy]
    return health + (" (canary)" if status.canary else "")


def task_rows(alloc: Allocation, now: datetime) -> list[tuple[Text, ...]]:
    """One row per task: name, state, failed, restarts, started, finished, last event."""
    rows: list[tuple[Text, ...]] = []
    for name, state in sorted((alloc.task_states or {}).items()):
        event = state.events[-1] if state.events else None
        last_text = f"{sanitize_line(event.type)}: {sanitize_line(event.text())}" if event else "-"
        rows.append(
            (
                Text(sanitize_line(name)),
                Text(sanitize_line(state.state) or "-", style=STATUS_STYLES.get(state.state, "")),
                Text("yes" if state.failed else "no", style="bold red" if state.failed else ""),
                Text(str(state.restarts)),
                Text(_when(parse_time(state.started_at), now)),
                Text(_when(parse_time(state.finished_at), now)),
                Text(last_text.rstrip(": ")),
            )
        )
    return rows


def recent_events(alloc: Allocation, limit: int = 50) -> list[tuple[str, TaskEvent]]:
    """(task, event) for every task, newest first."""
    merged = [(name, event) for name, state in (alloc.task_states or {}).items() for event in (state.events or [])]
    merged.sort(key=lambda pair: pair[1].time, reverse=True)
    return merged[:limit]


def event_rows(alloc: Allocation, now: datetime) -> list[tuple[Text, ...]]:
    rows: list[tuple[Text, ...]] = []
    for task, event in recent_events(alloc):
        moment = ns_to_datetime(event.time)
        rows.append(
            (
                Text(clock_time(moment, now=now)),
                Text(sanitize_line(task)),
                Text(sanitize_line(event.type)),
                Text(sanitize_line(event.text())),
            )
        )
    return rows


def _ports(ports: Iterable[Port] | None, kind: str) -> list[str]:
    out = []
    for port in ports or []:
        mapped = f"->{port.to}" if port.to else ""
        host = f"{sanitize_line(port.host_ip)}:" if port.host_ip else ""
        out.append(f"{sanitize_line(port.label) or '?'}={host}{port.value}{mapped} ({kind})")
    return out


def _network_lines(networks: Iterable[NetworkResource] | None) -> list[str]:
    lines = []
    for net in networks or []:
        where = sanitize_line(net.ip or net.device or net.mode or "")
        ports = _ports(net.reserved_ports, "static") + _ports(net.dynamic_ports, "dynamic")
        head = f"{where} " if where else ""
        lines.append(
            head + (", ".join(ports) if ports else "no ports") + (f" · {net.mbits} MBits" if net.mbits else "")
        )
    return lines


def resources_text(alloc: Allocation) -> Text:
    text = Text(overflow="fold")
    allocated = alloc.allocated_resources
    if allocated is not None and (allocated.tasks or allocated.shared):
        for name, task in sorted((allocated.tasks or {}).items()):
            cpu = task.cpu.cpu_shares if task.cpu else 0
            cores = task.cpu.reserved_cores if task.cpu and task.cpu.reserved_cores else None
            memory = task.memory.memory_mb if task.memory else 0
            memory_max = task.memory.memory_max_mb if task.memory else 0
            line = f"CPU {cpu} MHz" + (f" (cores {', '.join(map(str, cores))})" if cores else "")
            line += f" · Memory {memory} MiB" + (f" (max {memory_max} MiB)" if memory_max else "")
            _kv(text, sanitize_line(name), line, width=14)
            for net_line in _network_lines(task.networks):
                _kv(text, "", net_line, width=14)
        shared = allocated.shared
        if shared is not None:
            _kv(text, "Disk", f"{shared.disk_mb} MiB", width=14)
            ports = _ports(shared.ports, "port")
            if ports:
                _kv(text, "Ports", ", ".join(ports), width=14)
            for net_line in _network_lines(shared.networks):
                _kv(text, "Network", net_line, width=14)
    elif alloc.resources is not None or alloc.task_resources:
        text.append("Legacy resources (Nomad 0.x)\n", style="italic")
        if alloc.resources is not None:
            _legacy(text, "Allocation", alloc.resources)
        for name, resources in sorted((alloc.task_resources or {}).items()):
            _legacy(text, sanitize_line(name), resources)
        if alloc.shared_resources is not None:
            _kv(text, "Shared disk", f"{alloc.shared_resources.disk_mb} MiB", width=14)
    else:
        text.append("No resource information in this allocation.", style=DIM)
    text.rstrip()
    return text


def _legacy(text: Text, label: str, res: LegacyResources) -> None:
    line = f"CPU {res.cpu} MHz · Memory {res.memory_mb} MiB · Disk {res.disk_mb} MiB · IOPS {res.iops}"
    _kv(text, label, line, width=14)
    for net_line in _network_lines(res.networks):
        _kv(text, "", net_line, width=14)


def reschedule_text(alloc: Allocation, now: datetime) -> Text:
    text = Text(overflow="fold")
    _kv(text, "Previous", alloc.previous_allocation or "-", width=16)
    _kv(text, "Next", alloc.next_allocation or "-", width=16)
    if alloc.followup_eval_id:
        _kv(text, "Follow-up eval", alloc.followup_eval_id, width=16)
    tracker = alloc.reschedule_tracker
    if tracker is not None and tracker.events:
        if tracker.last_reschedule:
            _kv(text, "Last reschedule", tracker.last_reschedule, width=16)
        text.append("Attempts\n", style=LABEL_STYLE)
        for event in sorted(tracker.events, key=lambda e: e.reschedule_time, reverse=True):
            moment = ns_to_datetime(event.reschedule_time)
            text.append(
                f"  {clock_time(moment, now=now)}  from {sanitize_line(event.prev_alloc_id[:8]) or '?'}"
                f" on {sanitize_line(event.prev_node_id[:8]) or '?'}  delay {duration_ns(event.delay)}\n"
            )
    else:
        text.append("No reschedule attempts.\n", style=DIM)
    text.append("[ previous allocation · ] next allocation", style=DIM)
    return text


def placement_text(alloc: Allocation) -> Text:
    text = Text(overflow="fold")
    metrics = alloc.metrics
    if metrics is None:
        text.append("No placement metrics in this allocation.", style=DIM)
        return text
    _kv(text, "Evaluated", str(metrics.nodes_evaluated), width=20)
    _kv(text, "Filtered", str(metrics.nodes_filtered), width=20)
    _kv(text, "Exhausted", str(metrics.nodes_exhausted), width=20)
    if metrics.nodes_in_pool:
        _kv(text, "In pool", str(metrics.nodes_in_pool), width=20)
    if metrics.allocation_time:
        _kv(text, "Placement took", duration_ns(metrics.allocation_time), width=20)
    for label, counts in (
        ("Available per DC", metrics.nodes_available),
        ("Class filtered", metrics.class_filtered),
        ("Constraint filtered", metrics.constraint_filtered),
        ("Class exhausted", metrics.class_exhausted),
        ("Dimension exhausted", metrics.dimension_exhausted),
    ):
        if counts:
            _kv(text, label, ", ".join(f"{sanitize_line(k)}={v}" for k, v in sorted(counts.items())), width=20)
    if metrics.score_meta_data:
        text.append("Scores\n", style=LABEL_STYLE)
        for meta in sorted(metrics.score_meta_data, key=lambda m: m.norm_score, reverse=True)[:10]:
            parts = ", ".join(f"{sanitize_line(k)} {v:.3f}" for k, v in sorted((meta.scores or {}).items()))
            text.append(f"  {sanitize_line(meta.node_id[:8])}  final {meta.norm_score:.3f}  {parts}\n")
    elif metrics.scores:
        text.append("Scores\n", style=LABEL_STYLE)
        for key, value in sorted(metrics.scores.items(), key=lambda kv: kv[1], reverse=True)[:10]:
            text.append(f"  {sanitize_line(key)}  {value:.3f}\n")
    text.rstrip()
    return text
