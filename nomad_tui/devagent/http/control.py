"""/v1/devagent/* — the test and fault control endpoint. It exists only in the dev agent.

With --acl on it needs the management token. Requests to it are never logged and faults never apply
to it. Every body is JSON; see docs/devagent.md for the full contract.

    GET    /v1/devagent/requests           the request log: [{seq, method, path, query, token, status, ws}]
    DELETE /v1/devagent/requests           clear it
    GET    /v1/devagent/faults             the active fault switches
    POST   /v1/devagent/faults             {"fail_next":N,"status":500,"message":".."} | {"drop_next":N}
                                           | {"delay_ms":D,"delay_next":N} | {"malformed_next":N}
                                           | {"clear":true}; optional "path_prefix" scopes a fault
    POST   /v1/devagent/restart            {"index":K}: drop every connection, index goes back to K
    POST   /v1/devagent/drop               {"path_prefix":".."}: cut matching requests in flight
    POST   /v1/devagent/allocs             create allocations → {"ids":[...]}
    POST   /v1/devagent/alloc/<id>/update  {"client_status":..,"event":{"type":..,"message":..}}
    POST   /v1/devagent/alloc/<id>/gc      garbage-collect now
    POST   /v1/devagent/alloc/<id>/log     {"task":..,"type":"stdout"|"stderr","data":".."|"data_b64":".."}:
                                           append to that task's log file → {"size": bytes in the file}
    POST   /v1/devagent/churn              {"steps":N}: apply N deterministic churn steps now
    POST   /v1/devagent/acl/revoke         {"token":".."}: that token stops working (403)
    POST   /v1/devagent/acl/grant          {"token":".."}: undo a revoke (the token works again)
    GET    /v1/devagent/state              {"index", "allocations", "by_status", ...}
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections import Counter
from typing import Any

import msgspec
from aiohttp import web

from nomad_tui.devagent.faults import FaultError
from nomad_tui.devagent.http.common import HttpError, Routes, agent_of, raw_json
from nomad_tui.devagent.http.routes_allocs import LIST_CACHE
from nomad_tui.devagent.model.cluster import ModelError

SERVER_KEY: web.AppKey[list[web.Server]] = web.AppKey("server", list)
STATUSES = {"pending", "running", "complete", "failed", "lost", "unknown"}


def _json(value: Any, status: int = 200) -> web.Response:
    return raw_json(msgspec.json.encode(value), status)


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise HttpError(400, f"invalid JSON body: {exc}") from exc
    if not isinstance(value, dict):
        raise HttpError(400, "the body must be a JSON object")
    return value


def _method(request: web.Request, *methods: str) -> None:
    if request.method not in methods:
        raise HttpError(405, "Invalid method")


async def requests_log(request: web.Request) -> web.StreamResponse:
    _method(request, "GET", "DELETE")
    agent = agent_of(request)
    if request.method == "DELETE":
        agent.requests.clear()
        return _json({"cleared": True})
    return _json(list(agent.requests.entries))


async def faults(request: web.Request) -> web.StreamResponse:
    _method(request, "GET", "POST", "DELETE")
    agent = agent_of(request)
    if request.method == "POST":
        try:
            agent.faults.configure(await _body(request))
        except FaultError as exc:
            raise HttpError(400, str(exc)) from exc
    elif request.method == "DELETE":
        agent.faults.active.clear()
    return _json([f.describe() for f in agent.faults.active])


async def restart(request: web.Request) -> web.StreamResponse:
    _method(request, "POST")
    agent = agent_of(request)
    body = await _body(request)
    current = agent.cluster.index
    index = int(body.get("index", max(1, current // 4)))
    request.app[LIST_CACHE].clear()
    agent.restore(index)
    agent.events.close_all()
    servers = request.app.get(SERVER_KEY, [])
    dropped = 0
    for server in servers:
        for handler in list(server.connections):
            transport = handler.transport
            if transport is not None and transport is not request.transport:
                transport.abort()
                dropped += 1
    return _json({"index": agent.cluster.index, "previous_index": current, "dropped_connections": dropped})


async def drop(request: web.Request) -> web.StreamResponse:
    """Cut the connections of API requests in flight whose path starts with `path_prefix`
    (e.g. an exec socket or a log stream mid-session), without the rest of a restart."""
    _method(request, "POST")
    body = await _body(request)
    prefix = str(body.get("path_prefix", "/v1/"))
    agent = agent_of(request)
    victims = [t for t, path in agent.inflight.items() if path.startswith(prefix) and t is not request.transport]
    for transport in victims:
        if isinstance(transport, asyncio.Transport):
            transport.abort()
    return _json({"dropped_connections": len(victims)})


async def create_allocs(request: web.Request) -> web.StreamResponse:
    _method(request, "POST")
    body = await _body(request)
    agent = agent_of(request)
    status = str(body.get("client_status", "running"))
    if status not in STATUSES:
        raise HttpError(400, f"client_status must be one of {sorted(STATUSES)}")
    tasks = [str(t) for t in body.get("tasks") or ["main"]]
    ids = agent.create_allocs(
        namespace=str(body.get("namespace", "default")),
        job_id=str(body.get("job", "devagent-job")),
        group_name=str(body.get("group", "group")),
        tasks=tasks,
        count=int(body.get("count", 1)),
        client_status=status,
        node_name=None if body.get("node_name") is None else str(body["node_name"]),
        event_message=None if body.get("event_message") is None else str(body["event_message"]),
    )
    return _json({"ids": ids})


async def alloc_action(request: web.Request) -> web.StreamResponse:
    _method(request, "POST")
    agent = agent_of(request)
    alloc_id = request.match_info["alloc_id"]
    action = request.match_info["action"]
    try:
        if action == "gc":
            if not agent.cluster.gc(alloc_id):
                raise HttpError(404, "alloc not found")
            return _json({"index": agent.cluster.index})
        if action == "update":
            body = await _body(request)
            status = body.get("client_status")
            if status is not None and status not in STATUSES:
                raise HttpError(400, f"client_status must be one of {sorted(STATUSES)}")
            event = body.get("event") or {}
            agent.update_alloc(alloc_id, status, str(event.get("type", "")), str(event.get("message", "")))
            if body.get("finished_task"):
                agent.cluster.finish_task(alloc_id, str(body["finished_task"]))
            return _json({"index": agent.cluster.index})
        if action == "log":
            agent.cluster.require(alloc_id, "alloc not found")
            body = await _body(request)
            task, kind, data = _log_injection(body)
            return _json({"size": agent.append_log(alloc_id, task, kind, data)})
        if action == "file":
            body = await _body(request)
            path = body.get("path")
            if not isinstance(path, str) or not path:
                raise HttpError(400, "must provide path")
            return _json({"size": agent.write_file(alloc_id, path, _payload(body), bool(body.get("append")))})
    except ModelError as exc:
        raise HttpError(exc.status, exc.message) from exc
    raise HttpError(404, "unknown control action")


def _log_injection(body: dict[str, Any]) -> tuple[str, str, bytes]:
    task = body.get("task")
    if not isinstance(task, str) or not task:
        raise HttpError(400, "must provide task name")
    kind = body.get("type")
    if kind not in ("stdout", "stderr"):
        raise HttpError(400, "type must be stdout or stderr")
    return task, kind, _payload(body)


def _payload(body: dict[str, Any]) -> bytes:
    """Exactly one of `data` (text, sent as UTF-8) and `data_b64` (raw bytes)."""
    if ("data" in body) == ("data_b64" in body):
        raise HttpError(400, "give exactly one of data (text) or data_b64 (raw bytes)")
    if "data" in body:
        text = body["data"]
        if not isinstance(text, str):
            raise HttpError(400, "data must be a string")
        # JSON can carry lone surrogates; raw bytes that are not UTF-8 go through data_b64 instead.
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise HttpError(400, f"data is not encodable as UTF-8 ({exc}); use data_b64") from exc
    raw = body["data_b64"]
    if not isinstance(raw, str):
        raise HttpError(400, "data_b64 must be a string")
    try:
        return base64.b64decode(raw, validate=True)
    except binascii.Error as exc:
        raise HttpError(400, f"data_b64 is not valid base64: {exc}") from exc


async def churn(request: web.Request) -> web.StreamResponse:
    _method(request, "POST")
    body = await _body(request)
    steps = int(body.get("steps", 1))
    done = agent_of(request).churn_steps(max(0, steps))
    return _json({"index": agent_of(request).cluster.index, "steps": done})


async def revoke(request: web.Request) -> web.StreamResponse:
    _method(request, "POST")
    body = await _body(request)
    secret = str(body.get("token", ""))
    agent = agent_of(request)
    revoked = agent.acl.revoke(secret)
    if revoked and agent.acl.enabled:
        agent.events.close_token(secret)  # as Nomad's broker does when a token is deleted
    return _json({"revoked": revoked})


async def grant(request: web.Request) -> web.StreamResponse:
    _method(request, "POST")
    body = await _body(request)
    granted = agent_of(request).acl.grant(str(body.get("token", "")))
    return _json({"granted": granted})


async def state(request: web.Request) -> web.StreamResponse:
    _method(request, "GET")
    agent = agent_of(request)
    cluster = agent.cluster
    return _json(
        {
            "index": cluster.index,
            "allocations": len(cluster.allocs),
            "by_status": dict(Counter(a.ClientStatus for a in cluster.allocs.values())),
            "namespaces": sorted(cluster.namespaces),
            "jobs": len(cluster.jobs),
            "nodes": len(cluster.nodes),
            "churn_steps": agent.churn.steps,
            "processes": len(agent.driver.running),
            "clock_ns": agent.clock.now(),
            "fixed_clock": agent.clock.fixed,
        }
    )


ROUTES: Routes = (
    ("/v1/devagent/requests", requests_log),
    ("/v1/devagent/faults", faults),
    ("/v1/devagent/restart", restart),
    ("/v1/devagent/drop", drop),
    ("/v1/devagent/allocs", create_allocs),
    ("/v1/devagent/alloc/{alloc_id}/{action}", alloc_action),
    ("/v1/devagent/churn", churn),
    ("/v1/devagent/acl/revoke", revoke),
    ("/v1/devagent/acl/grant", grant),
    ("/v1/devagent/state", state),
)
