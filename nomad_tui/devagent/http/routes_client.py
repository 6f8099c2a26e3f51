"""/v1/client/allocation/:id/{signal,restart,stats,exec}: the client-side allocation endpoints."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from nomad_tui.devagent.acl import Capability
from nomad_tui.devagent.driver.tasks import read_proc_stats
from nomad_tui.devagent.http import routes_exec
from nomad_tui.devagent.http.common import (
    HttpError,
    Routes,
    agent_of,
    authorize,
    check_region,
    json_response,
    require_method,
)
from nomad_tui.devagent.model import usage
from nomad_tui.devagent.model.cluster import ModelError
from nomad_tui.devagent.model.records import Allocation, TaskState


async def client_allocation_routes(request: web.Request) -> web.StreamResponse:
    parts = request.match_info["tail"].split("/")
    if len(parts) != 2:
        raise HttpError(404, "resource not found")
    alloc_id, action = parts
    if action == "exec":
        return await routes_exec.exec_socket(request, alloc_id)
    handlers = {"signal": signal_allocation, "restart": restart_allocation, "stats": allocation_stats}
    handler = handlers.get(action)
    if handler is None:
        raise HttpError(404, "resource not found")
    response = await handler(request, alloc_id)
    origin = request.headers.get("Origin")
    # rs/cors is set up for GET and HEAD only: it adds nothing to a PUT or POST (command/agent/http.go).
    if origin and request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers.add("Vary", "Origin")
    return response


def _alloc(request: web.Request, alloc_id: str) -> Allocation:
    alloc = agent_of(request).cluster.get(alloc_id)
    if alloc is None:
        raise HttpError(404, f'Unknown allocation "{alloc_id}"')
    return alloc


def decode_body(raw: bytes, required: bool) -> dict[str, Any]:
    """Go's encoding/json into a struct: field names match case-insensitively."""
    if not raw.strip():
        if required:
            raise HttpError(400, "Failed to decode body: Request body is empty")
        return {}
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise HttpError(400, f"Failed to decode body: {exc}") from exc
    if not isinstance(value, dict):
        raise HttpError(400, "Failed to decode body: json: cannot unmarshal into Go value of type struct")
    return {str(k).lower(): v for k, v in value.items()}


async def signal_allocation(request: web.Request, alloc_id: str) -> web.StreamResponse:
    require_method(request, "POST", "PUT")
    check_region(request)
    body = decode_body(await request.read(), required=True)
    _alloc(request, alloc_id)
    authorize(request, Capability.LIFECYCLE)
    # A missing Signal is passed on empty, as Nomad does: the exec-like drivers then send SIGINT.
    signal_name = str(body.get("signal") or "")
    task = str(body.get("task") or "")
    try:
        agent_of(request).signal(alloc_id, task or None, signal_name)
    except ModelError as exc:
        raise HttpError(exc.status, exc.message) from exc
    return json_response(request, {"Index": 0})


async def restart_allocation(request: web.Request, alloc_id: str) -> web.StreamResponse:
    # Nomad does not check the method here; the Go client uses PUT.
    check_region(request)
    body = decode_body(await request.read(), required=False)
    _alloc(request, alloc_id)
    authorize(request, Capability.LIFECYCLE)
    agent = agent_of(request)
    # `AllTasks` arrived in 1.4.0; older agents decode only `TaskName` and drop it (running tasks restart).
    all_tasks = bool(body.get("alltasks")) and agent.config.at_least(1, 4)
    try:
        agent.restart(alloc_id, str(body.get("taskname") or ""), all_tasks)
    except ModelError as exc:
        raise HttpError(exc.status, exc.message) from exc
    return json_response(request, {"Index": 0})


async def allocation_stats(request: web.Request, alloc_id: str) -> web.StreamResponse:
    require_method(request, "GET")
    check_region(request)
    alloc = _alloc(request, alloc_id)
    authorize(request, Capability.READ)
    agent = agent_of(request)
    only = request.query.get("task", "")
    now = agent.clock.now()
    group = agent.cluster.group_of(alloc)
    tasks: dict[str, Any] = {}
    total: dict[str, Any] | None = None
    for name, state in (alloc.TaskStates or {}).items():
        spec = group.task(name)
        if state.State != "running" or (only and name != only) or spec is None:
            continue
        started = _last_start(state, alloc.CreateTime)
        pid = agent.driver.pid(alloc_id, name)
        measured = read_proc_stats(pid) if pid else None
        if measured is not None:
            rss, cpu_seconds = measured
            ticks = cpu_seconds * usage.MHZ_PER_CORE / max(1.0, (now - started) / 1e9)
            sample = usage.Sample(rss=rss, cache=0, max_usage=0, ticks=ticks, throttled_periods=0, throttled_ns=0)
            driver = "raw_exec"
        else:
            sample = usage.simulate(alloc_id, name, spec.memory_mb, spec.cpu, started, now)
            driver = spec.driver
        task_usage = usage.resource_usage(sample, driver)
        total = usage.add_usage(total, task_usage)
        tasks[name] = {"Pids": None, "ResourceUsage": task_usage, "Timestamp": now}
    if total is None:
        total = usage.resource_usage(usage.Sample(0, 0, 0, 0.0, 0, 0), "docker")
        total["CpuStats"]["Measured"] = total["MemoryStats"]["Measured"] = None
    return json_response(request, {"ResourceUsage": total, "Tasks": tasks, "Timestamp": now if tasks else 0})


def _last_start(state: TaskState, default: int) -> int:
    """When the task last (re)started: a restart begins its memory curve again."""
    for event in reversed(state.Events):
        if event.Type == "Started":
            return event.Time
    return default


ROUTES: Routes = (("/v1/client/allocation/{tail:.*}", client_allocation_routes),)
