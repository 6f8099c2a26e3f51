"""The aiohttp application: routes, and the middleware every API request passes through
(request log, fault switches, Nomad's error shapes, gzip/deflate with `Vary: Accept-Encoding`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from nomad_tui.devagent.acl import PERMISSION_DENIED, Capability
from nomad_tui.devagent.faults import DELAY, DROP, FAIL, MALFORMED
from nomad_tui.devagent.http import (
    control,
    routes_allocs,
    routes_client,
    routes_events,
    routes_fs,
    routes_jobs,
    routes_logs,
    routes_misc,
)
from nomad_tui.devagent.http.common import AGENT_KEY, LOG_ENTRY, HttpError, Routes, agent_of, error_response, token
from nomad_tui.devagent.http.compression import BIG_BODY, choose_encoding, compress_chunks
from nomad_tui.devagent.http.list_query import LIST_BODY, ListCache
from nomad_tui.devagent.model.cluster import ModelError
from nomad_tui.devagent.runtime import Agent

log = logging.getLogger("nomad_tui.devagent.http")
CONTROL_PREFIX = "/v1/devagent/"


async def _compress_response(request: web.Request, response: web.Response) -> None:
    response.headers["Vary"] = "Accept-Encoding"
    encoding = choose_encoding(request.headers.get("Accept-Encoding", ""))
    if encoding is None:
        return  # identity: the body goes out as it is, no compression work at all
    list_body = response.get(LIST_BODY)
    if list_body is not None:
        cached = list_body.gzip.get(encoding)
        if cached is None:
            cached = await _compress_big(encoding, list_body.chunks(), list_body.length)
            list_body.gzip[encoding] = cached
            request.app[routes_allocs.LIST_CACHE].account(len(cached))
    else:
        body = response.body if isinstance(response.body, bytes) else b""
        cached = await _compress_big(encoding, (body,), len(body))
    response.body = cached
    response.headers["Content-Encoding"] = encoding


async def _compress_big(encoding: str, chunks: Iterable[bytes], length: int) -> bytes:
    if length > BIG_BODY:
        # zlib releases the GIL: a 70 MB list compresses in a thread while the loop serves others.
        return await asyncio.get_running_loop().run_in_executor(None, compress_chunks, encoding, chunks, length)
    return compress_chunks(encoding, chunks, length)


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    agent = agent_of(request)
    path = request.path
    if agent.config.unix_socket:
        refusal = _task_api_refusal(agent, token(request))
        if refusal is not None:
            return refusal
    if path.startswith(CONTROL_PREFIX):
        if agent.acl.enabled and not agent.acl.allows(token(request), Capability.MANAGEMENT):
            return error_response(403, PERMISSION_DENIED)
        try:
            return await handler(request)
        except HttpError as exc:
            return error_response(exc.status, exc.message)

    is_ws = request.headers.get("Upgrade", "").lower() == "websocket"
    entry = agent.requests.begin(request.method, path, request.query_string, bool(token(request)), is_ws)
    request[LOG_ENTRY] = entry

    # In-flight requests by connection, so the control endpoint can cut the ones matching a path.
    transport = request.transport
    if transport is not None:
        agent.inflight[transport] = path
    try:
        return await _api_request(request, handler, agent, path, entry, is_ws)
    finally:
        if transport is not None and agent.inflight.get(transport) == path:
            del agent.inflight[transport]


def _task_api_refusal(agent: Agent, secret: str) -> web.Response | None:
    """Nomad's Task API auth middleware (command/agent/http.go `authMiddleware`): before any handler, and
    so before an exec upgrade, a request without a header token is 401 and an unknown token 403."""
    if not secret:
        return error_response(401, "Unauthorized")
    if not agent.acl.known(secret):
        return error_response(403, "Forbidden")
    return None


async def _api_request(
    request: web.Request,
    handler: Handler,
    agent: Agent,
    path: str,
    entry: dict[str, Any],
    is_ws: bool,
) -> web.StreamResponse:
    delay = agent.faults.take(DELAY, path)
    if delay is not None:
        await asyncio.sleep(delay.delay_ms / 1000)
    if agent.faults.take(DROP, path) is not None:
        entry["status"] = -1
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError  # nothing is answered: the client sees the connection drop
    fail = agent.faults.take(FAIL, path)
    if fail is not None:
        response: web.StreamResponse = error_response(fail.status, fail.message)
    else:
        try:
            response = await handler(request)
        except HttpError as exc:
            response = error_response(exc.status, exc.message)
        except ModelError as exc:
            response = error_response(exc.status, exc.message)
        except web.HTTPNotFound:
            response = web.Response(status=404)  # an unregistered path: 404 with an empty body
        except web.HTTPMethodNotAllowed:
            response = error_response(405, "Invalid method")
    if isinstance(response, web.Response) and not response.prepared:
        if agent.faults.take(MALFORMED, path) is not None:
            list_body = response.get(LIST_BODY)
            body = list_body.joined() if list_body is not None else response.body
            body = body if isinstance(body, bytes) else b""
            response = web.Response(status=200, body=_malformed(body), content_type="application/json")
        await _compress_response(request, response)
    if not is_ws:
        entry["status"] = response.status
    return response


def _malformed(body: bytes) -> bytes:
    """Half of the real body (so it starts like JSON), never valid JSON."""
    if len(body) > 8:
        return body[: len(body) // 2]
    return b'[{"ID":"trunc'


async def _on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    entry = request.get(LOG_ENTRY)
    if entry is not None:
        entry["status"] = response.status


async def root_redirect(request: web.Request) -> web.StreamResponse:
    return web.Response(status=307, headers={"Location": "/ui/"})


# Every route of the agent, in the order aiohttp tries them (the logs prefix before the fs one).
ROUTES: Routes = (
    ("/", root_redirect),
    *routes_allocs.ROUTES,
    *routes_client.ROUTES,
    *routes_logs.ROUTES,
    *routes_fs.ROUTES,
    *routes_events.ROUTES,
    *routes_misc.ROUTES,
    *routes_jobs.ROUTES,
    *control.ROUTES,
)


def build_app(agent: Agent) -> web.Application:
    app = web.Application(middlewares=[api_middleware], client_max_size=16 * 1024 * 1024)
    app[AGENT_KEY] = agent
    app[routes_allocs.LIST_CACHE] = ListCache(agent.cluster)
    app[control.SERVER_KEY] = []
    app.on_response_prepare.append(_on_prepare)
    for path, handler in ROUTES:
        app.router.add_route("*", path, handler)
    return app
