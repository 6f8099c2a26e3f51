"""/v1/allocations, /v1/allocation/:id and /v1/allocation/:id/stop."""

from __future__ import annotations

import asyncio

from aiohttp import web

from nomad_tui.devagent import wire
from nomad_tui.devagent.acl import PERMISSION_DENIED, Capability
from nomad_tui.devagent.http import goparse
from nomad_tui.devagent.http.common import (
    JSON,
    Blocking,
    HttpError,
    Routes,
    agent_of,
    authorize,
    connection_closed,
    json_response,
    namespace,
    parse_bool_param,
    parse_query_options,
    pretty,
    require_method,
    set_query_meta,
    token,
)
from nomad_tui.devagent.http.list_query import LIST_BODY, ListCache, ListPayload, ListQuery, uuid_index_error
from nomad_tui.devagent.model.cluster import ModelError

LIST_CACHE: web.AppKey[ListCache] = web.AppKey("list_cache", ListCache)


async def list_allocations(request: web.Request) -> web.StreamResponse:
    require_method(request, "GET")
    blocking = parse_query_options(request)
    q = request.query
    # Pagination came with 1.3: an older server reads none of per_page, next_token and reverse.
    paginates = agent_of(request).config.at_least(1, 3)
    per_page = 0
    if paginates and "per_page" in q:
        try:
            per_page = goparse.parse_int(q["per_page"], 32)
        except goparse.GoParseError as exc:
            raise HttpError(400, "Expect a number for `per_page` query string parameter") from exc
    task_states = parse_bool_param(request, "task_states", True)
    resources = parse_bool_param(request, "resources", False)
    agent = agent_of(request)
    ns = namespace(request)
    authorize(request, Capability.READ)
    # A token limited to some namespaces: `*` lists just those (403 if none), another namespace is 403
    # (nomad/alloc_endpoint.go List, AllowNsOp then the namespace selector).
    scope = agent.acl.readable_namespaces(token(request))
    if scope is not None and (not scope if ns == "*" else ns not in scope):
        raise HttpError(403, PERMISSION_DENIED)
    prefix = q.get("prefix", "")
    if prefix:
        problem = uuid_index_error(prefix, exact=False)
        if problem:
            raise HttpError(500, f"alloc lookup failed: index error: {problem}")
    query = ListQuery(
        namespace=ns,
        allowed=scope if ns == "*" else None,
        prefix=prefix,
        filter=q.get("filter", ""),
        task_states=task_states,
        resources=resources,
        per_page=per_page,
        next_token=q.get("next_token", "") if paginates else "",
        reverse=paginates and q.get("reverse") == "true",
        pretty=pretty(request),
    )
    await _block(request, blocking, lambda: agent.cluster.alloc_index, None)
    entry = request.app[LIST_CACHE].get(query)
    response = web.Response(body=ListPayload(entry), content_type=JSON)
    response[LIST_BODY] = entry
    set_query_meta(response, agent.cluster.alloc_index)
    if entry.next_token:
        response.headers["X-Nomad-Nexttoken"] = entry.next_token
    return response


async def _block(request: web.Request, blocking: Blocking, current: object, alloc_id: str | None) -> None:
    """Nomad's blockingRPC: wait until the index passes `index`, the timeout fires, or the client goes."""
    if not blocking.blocks:
        return
    agent = agent_of(request)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + blocking.timeout()
    get_index = current  # a zero-argument callable
    while get_index() <= blocking.min_index:  # type: ignore[operator]
        remaining = deadline - loop.time()
        if remaining <= 0 or connection_closed(request):
            return
        if alloc_id is None:
            await agent.watch.wait_table(remaining)
        else:
            await agent.watch.wait_alloc(alloc_id, remaining)


async def allocation_routes(request: web.Request) -> web.StreamResponse:
    """Everything under /v1/allocation/: GET <id>, <id>/stop; other sub-actions are 404."""
    tail = request.match_info["tail"]
    parts = tail.split("/")
    alloc_id = parts[0]
    if len(parts) == 1:
        return await get_allocation(request, alloc_id)
    if len(parts) == 2 and parts[1] == "stop":
        return await stop_allocation(request, alloc_id)
    config = agent_of(request).config
    if len(parts) == 2 and parts[1] == "services" and config.at_least(1, 3):
        return await allocation_services(request, alloc_id)
    if len(parts) == 2 and parts[1] == "checks" and config.at_least(1, 4):
        return await allocation_checks(request, alloc_id)
    raise HttpError(404, "resource not found")


async def allocation_services(request: web.Request, alloc_id: str) -> web.StreamResponse:
    """Nomad-native service registrations of the allocation (1.3+): the simulated tasks register none."""
    require_method(request, "GET")
    parse_query_options(request)
    agent = agent_of(request)
    _resolve_token(request)
    authorize(request, Capability.READ)
    if agent.cluster.get(alloc_id) is None:
        raise HttpError(404, "alloc not found")
    response = json_response(request, [])
    set_query_meta(response, agent.cluster.index)
    return response


async def allocation_checks(request: web.Request, alloc_id: str) -> web.StreamResponse:
    """Results of Nomad-native checks (1.4+), from the client: none here, so an empty map."""
    require_method(request, "GET")
    parse_query_options(request)
    agent = agent_of(request)
    authorize(request, Capability.READ)
    if agent.cluster.get(alloc_id) is None:
        raise HttpError(404, f'Unknown allocation "{alloc_id}"')
    return json_response(request, {})


def _check_uuid(alloc_id: str) -> None:
    problem = uuid_index_error(alloc_id, exact=True)
    if problem:
        raise HttpError(500, f"alloc lookup failed: index error: {problem}")


def _resolve_token(request: web.Request) -> str:
    """A token that is present but unknown fails before any lookup, as Nomad's ResolveACL does."""
    agent = agent_of(request)
    secret = token(request)
    if secret and not agent.acl.known(secret):
        raise HttpError(403, PERMISSION_DENIED)
    return secret


async def get_allocation(request: web.Request, alloc_id: str) -> web.StreamResponse:
    require_method(request, "GET")
    blocking = parse_query_options(request)
    agent = agent_of(request)
    secret = _resolve_token(request)
    _check_uuid(alloc_id)
    cluster = agent.cluster

    def current_index() -> int:
        alloc = cluster.get(alloc_id)
        return alloc.ModifyIndex if alloc is not None else cluster.alloc_index

    await _block(request, blocking, current_index, alloc_id)
    alloc = cluster.get(alloc_id)
    if alloc is None:
        response = json_error(404, "alloc not found")
        set_query_meta(response, cluster.alloc_index)
        return response
    if not agent.acl.allows(secret, Capability.READ):
        raise HttpError(500, f'Unknown allocation "{alloc_id}"')
    response = json_response(request, wire.full_allocation(alloc))
    set_query_meta(response, alloc.ModifyIndex)
    return response


def json_error(status: int, message: str) -> web.Response:
    from nomad_tui.devagent.http.common import error_response

    return error_response(status, message)


async def stop_allocation(request: web.Request, alloc_id: str) -> web.StreamResponse:
    require_method(request, "POST", "PUT")
    no_shutdown_delay = parse_bool_param(request, "no_shutdown_delay", False)
    reschedule = parse_bool_param(request, "reschedule", False)
    agent = agent_of(request)
    _resolve_token(request)
    _check_uuid(alloc_id)
    if agent.cluster.get(alloc_id) is None:
        raise HttpError(404, "allocation not found")
    authorize(request, Capability.LIFECYCLE)
    try:
        eval_id, index = agent.stop(alloc_id, no_shutdown_delay, reschedule)
    except ModelError as exc:
        raise HttpError(exc.status, exc.message) from exc
    response = json_response(request, {"EvalID": eval_id, "Index": index})
    response.headers["X-Nomad-Index"] = str(index)
    return response


ROUTES: Routes = (
    ("/v1/allocations", list_allocations),
    ("/v1/allocation/{tail:.*}", allocation_routes),
)
