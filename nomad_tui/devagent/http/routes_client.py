"""/v1/client/allocation/:id/{signal,restart,stats,exec}: the client-side allocation endpoints."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
from aiohttp import web

from nomad_tui.devagent.acl import Capability
from nomad_tui.devagent.driver.tasks import read_proc_stats
from nomad_tui.devagent.http import routes_exec
from nomad_tui.devagent.http.common import (
    HttpError,
    agent_of,
    authorize,
    check_region,
    json_response,
    require_method,
)
from nomad_tui.devagent.model.cluster import ModelError
from nomad_tui.devagent.model.records import Allocation

# CORS on /v1/client/allocation/ (rs/cors, permissive): any origin, GET and HEAD, credentials.
CORS_METHODS = "GET, HEAD"


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
    if origin:
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
    signal_name = str(body.get("signal") or "SIGKILL")
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
    try:
        agent_of(request).restart(alloc_id, str(body.get("taskname") or ""), bool(body.get("alltasks")))
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
    tasks: dict[str, Any] = {}
    total_rss = 0
    total_cpu = 0.0
    for name, state in (alloc.TaskStates or {}).items():
        if state.State != "running" or (only and name != only):
            continue
        pid = agent.driver.pid(alloc_id, name)
        measured = read_proc_stats(pid) if pid else None
        if measured is not None:
            rss, cpu_seconds = measured
            percent = min(100.0, cpu_seconds * 100.0 / max(1.0, (now - alloc.CreateTime) / 1e9))
        else:
            rss, percent = _simulated_usage(alloc_id, name, now)
        total_rss += rss
        total_cpu += percent
        tasks[name] = {"Pids": None, "ResourceUsage": _usage(rss, percent), "Timestamp": now}
    running = bool(tasks)
    return json_response(
        request,
        {"ResourceUsage": _usage(total_rss, total_cpu), "Tasks": tasks, "Timestamp": now if running else 0},
    )


def _simulated_usage(alloc_id: str, task: str, now: int) -> tuple[int, float]:
    digest = hashlib.blake2b(f"{alloc_id}/{task}/{now // 5_000_000_000}".encode(), digest_size=8).digest()
    rss = (16 + digest[0] % 200) * 1024 * 1024 + digest[1] * 4096
    percent = (digest[2] % 100) / 3.0 + digest[3] / 1000.0
    return rss, percent


def _usage(rss: int, percent: float) -> dict[str, Any]:
    ticks = percent * 25.0
    return {
        "CpuStats": {
            "Measured": ["Throttled Periods", "Throttled Time", "Percent"],
            "Percent": float(percent),
            "SystemMode": float(percent * 0.3),
            "ThrottledPeriods": 0,
            "ThrottledTime": 0,
            "TotalTicks": float(ticks),
            "UserMode": float(percent * 0.7),
        },
        "DeviceStats": [],
        "MemoryStats": {
            "Cache": rss // 8,
            "KernelMaxUsage": 0,
            "KernelUsage": 0,
            "MappedFile": 0,
            "MaxUsage": rss + rss // 4,
            "Measured": ["RSS", "Cache", "Swap", "Usage", "Max Usage"],
            "RSS": rss,
            "Swap": 0,
            "Usage": rss + rss // 8,
        },
    }
