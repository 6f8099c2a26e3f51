"""/v1/event/stream — NDJSON, `{}` at once and every 30 s (`--event-heartbeat`), Allocation events
replayed from `index` (see events.py for the replay rule).

Nomad 1.11.2+ hijacks the connection (no chunked encoding, never gzipped) and answers ACL failures
with a 200 and an empty body that then closes; we do the same except that aiohttp frames the body
with chunked encoding, which every HTTP/1.1 client reads the same way. Answering as an older Nomad
(`--nomad-version`): a denial is a 403 before 1.11.2, and there is no stream at all before 1.0.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from nomad_tui.devagent.acl import PERMISSION_DENIED, Capability
from nomad_tui.devagent.events import line
from nomad_tui.devagent.http import goparse
from nomad_tui.devagent.http.common import HttpError, Routes, agent_of, check_region, require_method, token


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


def parse_index(text: str) -> int:
    """strconv.Atoi, as Nomad reads `index`; a negative value wraps as the uint64 it becomes."""
    if not text:
        return 0
    try:
        value = goparse.parse_int(text, 64)
    except goparse.GoParseError as exc:
        raise HttpError(400, f"Unable to parse index: {str(exc).replace('ParseInt', 'Atoi')}") from exc
    return value % 2**64


async def event_stream(request: web.Request) -> web.StreamResponse:
    if not agent_of(request).config.at_least(1, 0):
        raise web.HTTPNotFound()  # the route came with 1.0: before it, an unregistered path (404, empty)
    require_method(request, "GET")
    q = request.query
    start = parse_index(q.get("index", ""))
    topics = parse_topics(q.getall("topic", []))
    check_region(request)
    agent = agent_of(request)
    namespace = q.get("namespace", "") or "default"
    secret = token(request)
    existing = list(agent.cluster.namespaces)
    if "*" in topics:
        allowed = agent.acl.allows(secret, Capability.MANAGEMENT)
    else:
        # Allocation (like Job, Evaluation, Deployment) needs read-job in the namespace, and with `*` in
        # every namespace that exists now (nomad/event_endpoint.go validateACL).
        allowed = agent.acl.may_read(secret, namespace, existing)

    hijacks = agent.config.at_least(1, 11, 2)
    if not allowed and not hijacks:
        raise HttpError(403, PERMISSION_DENIED)  # before 1.11.2 a denial is an ordinary 403
    response = web.StreamResponse(status=200)
    response.content_type = "application/json"
    response.headers["Cache-Control"] = "no-cache"
    await response.prepare(request)
    if not allowed:
        # 1.11.2+: the hijack happens before authorisation, so a denial is an empty 200 that closes.
        await response.write_eof()
        return response

    keys = topics.get("Allocation", set()) | topics.get("*", set())
    alloc_keys = None if "*" in keys else frozenset(keys)
    wants_allocs = bool(keys)
    # `*` means the namespaces that exist at subscribe time; ones created later are not added.
    namespaces = frozenset(existing) if namespace == "*" else frozenset({namespace})
    sub = agent.events.subscribe(start, namespaces, alloc_keys, secret)
    heartbeat = agent.config.event_heartbeat
    try:
        await response.write(b"{}\n")  # right after subscribing, as Nomad's JsonStream does
        while True:
            try:
                entry = await asyncio.wait_for(sub.queue.get(), heartbeat)
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


ROUTES: Routes = (("/v1/event/stream", event_stream),)
