"""Shared HTTP pieces: errors as Nomad writes them, JSON responses with query meta, common parameters."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from nomad_tui.devagent import wire
from nomad_tui.devagent.acl import PERMISSION_DENIED, Capability, token_from_headers
from nomad_tui.devagent.http import goparse
from nomad_tui.devagent.runtime import Agent

JSON = "application/json"

# A module's routes: (path pattern, handler), every method (handlers check the method as Nomad's do).
# server.build_app registers every module's ROUTES; a Nomad prefix with sub-resources (`/v1/job/…`) is
# one route whose handler reads the rest of the path, as Nomad's own handlers do.
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Routes = tuple[tuple[str, Handler], ...]
MAX_WAIT_S = 300.0
JITTER_FRACTION = 16
AGENT_KEY: web.AppKey[Agent] = web.AppKey("agent", Agent)
LOG_ENTRY: web.RequestKey[dict[str, Any]] = web.RequestKey("log_entry", dict)
_jitter = random.Random()


class HttpError(Exception):
    """Answered as `status` with the plain-text `message` (Nomad's error shape)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> web.Response:
    return web.Response(status=status, text=message, content_type="text/plain", charset="utf-8")


def agent_of(request: web.Request) -> Agent:
    return request.app[AGENT_KEY]


def require_method(request: web.Request, *methods: str) -> None:
    if request.method not in methods:
        raise HttpError(405, "Invalid method")


def pretty(request: web.Request) -> bool:
    if "pretty" not in request.query:
        return False
    value = request.query.get("pretty", "")
    if value == "":
        return True
    try:
        return goparse.parse_bool(value)
    except goparse.GoParseError:
        return True


def json_response(request: web.Request, value: object, status: int = 200) -> web.Response:
    return raw_json(wire.encode(value, pretty(request)), status)


def raw_json(body: bytes, status: int = 200) -> web.Response:
    return web.Response(status=status, body=body, content_type=JSON)


def set_query_meta(response: web.StreamResponse, index: int) -> None:
    """Headers of blocking-capable reads, with Go's canonical header-name spelling."""
    response.headers["X-Nomad-Index"] = str(index)
    response.headers["X-Nomad-Knownleader"] = "true"
    response.headers["X-Nomad-Lastcontact"] = "0"


def token(request: web.Request) -> str:
    return token_from_headers(request.headers)


def authorize(request: web.Request, needed: Capability, status: int = 403) -> None:
    if not agent_of(request).acl.allows(token(request), needed):
        raise HttpError(status, PERMISSION_DENIED)


@dataclass(frozen=True)
class Blocking:
    min_index: int
    wait_s: float

    @property
    def blocks(self) -> bool:
        return self.min_index > 0

    def timeout(self) -> float:
        """The wait capped at 300 s (0 or none means 300 s), plus up to 1/16 random jitter."""
        wait = self.wait_s if 0 < self.wait_s <= MAX_WAIT_S else MAX_WAIT_S
        return wait + _jitter.random() * wait / JITTER_FRACTION


def parse_query_options(request: web.Request) -> Blocking:
    """Nomad's `parse`: wait, index, stale, region (in that order), then namespace defaults."""
    q = request.query
    wait_s = 0.0
    if "wait" in q:
        try:
            wait_s = goparse.parse_duration_ns(q["wait"]) / 1e9
        except goparse.GoParseError as exc:
            raise HttpError(400, "Invalid wait time") from exc
    index = 0
    if "index" in q:
        try:
            index = goparse.parse_int(q["index"], 64, signed=False)
        except goparse.GoParseError as exc:
            raise HttpError(400, "Invalid index") from exc
    if "stale" in q and q["stale"] not in ("", "true", "false"):
        raise HttpError(400, "Expect `true` or `false` for `stale` query string parameter")
    check_region(request)
    return Blocking(index, wait_s)


def check_region(request: web.Request) -> None:
    region = request.query.get("region", "")
    if region and region != agent_of(request).config.region:
        raise HttpError(500, "No path to region")


# What a literal `*` namespace becomes before 0.12: a name no namespace has (names are
# `[a-zA-Z0-9-]{1,128}`, and an empty one is "default" by the time a list sees it), so it matches nothing.
LITERAL_STAR = ""


def namespace(request: web.Request) -> str:
    """The request's namespace; `*` means every namespace from Nomad 0.12 on and is a plain name before
    (nomad/alloc_endpoint.go `AllNamespacesSentinel`, added in 0.12.0)."""
    value = request.query.get("namespace", "") or "default"
    if value == "*" and not agent_of(request).config.at_least(0, 12):
        return LITERAL_STAR
    return value


def parse_bool_param(request: web.Request, name: str, default: bool) -> bool:
    """A bool parameter whose parse error is not coded, so Nomad answers 500."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return goparse.parse_bool(raw)
    except goparse.GoParseError as exc:
        raise HttpError(500, f'Failed to parse value of "{name}" ({raw}) as a bool: {exc}') from exc


def connection_closed(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()
