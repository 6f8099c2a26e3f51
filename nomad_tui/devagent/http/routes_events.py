"""/v1/event/stream — NDJSON, `{}` at once and every 30 s, Allocation events replayed from `index`.

Nomad 1.11.2+ hijacks the connection (no chunked encoding, never gzipped) and answers ACL failures
with a 200 and an empty body that then closes; we do the same except that aiohttp frames the body
with chunked encoding, which every HTTP/1.1 client reads the same way.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from nomad_tui.devagent.acl import Capability
from nomad_tui.devagent.events import line
from nomad_tui.devagent.http import goparse
from nomad_tui.devagent.http.common import HttpError, agent_of, check_region, require_method, token

HEARTBEAT_S = 30.0
KNOWN_TOPICS = {
    "*",
    "ACLToken",
    "ACLPolicy",
    "ACLRole",
    "Job",
    "Allocation",
    "Deployment",
    "Evaluation",
    "Node",
    "NodeDrain",
    "NodePool",
    "Service",
    "HostVolume",
    "CSIVolume",
    "CSIPlugin",
}


def parse_topics(values: list[str]) -> dict[str, set[str]]:
    topics: dict[str, set[str]] = {}
    for raw in values:
        parts = raw.split(":")
        if len(parts) > 2:
            raise HttpError(
                400, f"Invalid topic query: error parsing topics: Invalid key value pair for topic, topic: {raw}"
            )
        topic = parts[0]
        key = parts[1] if len(parts) == 2 else "*"
        topics.setdefault(topic, set()).add(key)
    return topics or {"*": {"*"}}


async def event_stream(request: web.Request) -> web.StreamResponse:
    require_method(request, "GET")
    q = request.query
    start = 0
    if q.get("index"):
        try:
            start = goparse.parse_int(q["index"], 64, signed=False)
        except goparse.GoParseError as exc:
            raise HttpError(400, f"Unable to parse index: {exc}") from exc
    topics = parse_topics(q.getall("topic", []))
    check_region(request)
    agent = agent_of(request)
    namespace = q.get("namespace", "") or "default"
    secret = token(request)
    needed = Capability.MANAGEMENT if "*" in topics else Capability.READ

    response = web.StreamResponse(status=200)
    response.content_type = "application/json"
    response.headers["Cache-Control"] = "no-cache"
    await response.prepare(request)
    if not agent.acl.allows(secret, needed):
        # 1.11.2+: the hijack happens before authorisation, so a denial is an empty 200 that closes.
        await response.write_eof()
        return response

    keys = topics.get("Allocation", set()) | topics.get("*", set())
    alloc_keys = None if "*" in keys else frozenset(keys)
    wants_allocs = bool(keys)
    namespaces = None if namespace == "*" else frozenset({namespace})
    sub = agent.events.subscribe(start, namespaces, alloc_keys, secret)
    try:
        await response.write(b"{}\n")
        while True:
            try:
                entry = await asyncio.wait_for(sub.queue.get(), HEARTBEAT_S)
            except TimeoutError:
                await response.write(b"{}\n")
                continue
            if entry is None:
                # Closed (a restart, a reader too slow, its token revoked): the body just ends, as the
                # hijacked 1.11.2+ stream ends at EOF (and the chunked older one with its last chunk).
                await response.write_eof()
                break
            events = sub.select(entry) if wants_allocs else []
            if events:
                await response.write(line(entry.index, events))
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        agent.events.unsubscribe(sub)
    if request.transport is not None and not request.transport.is_closing():
        request.transport.close()
    return response
