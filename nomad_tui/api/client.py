"""The async Nomad HTTP client: one shared keep-alive `httpx.AsyncClient`, typed results and errors.

The token travels only in the `X-Nomad-Token` header; it never goes into a URL, a log line or an
error message (error texts are scrubbed of it).  Region and namespace are added as query parameters
the way the nomad CLI adds them (docs/nomad-wire.md §10).  Large bodies are decoded in a worker thread so a
100k-allocation list does not stall the event loop while the bytes are parsed.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import httpx

from nomad_tui import __version__
from nomad_tui.api.agent_info import AgentInfo, agent_info
from nomad_tui.api.body import read_body
from nomad_tui.api.cluster_models import AllocResourceUsage, Evaluation, JobStub, NodeStub
from nomad_tui.api.decode import decode
from nomad_tui.api.errors import (
    BadRequest,
    BadResponse,
    NomadError,
    NomadTimeout,
    Unreachable,
    clean_message,
    error_for_status,
)
from nomad_tui.api.models import Allocation, AllocStub, Namespace, StopResponse
from nomad_tui.api.paths import path_segment
from nomad_tui.api.quick_get import QuickGet
from nomad_tui.api.transport import http_transport
from nomad_tui.settings import Settings

T = TypeVar("T")

MAX_INDEX = 2**64 - 1  # Nomad's indexes are uint64
# An allocation ID prefix no allocation has (IDs are random UUIDs; this one is all f's).
NO_SUCH_PREFIX = "ffffffff-ffff-ffff-ffff-ffffffffffff"
# Transport failures that prove the request never reached the agent.
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, ssl.SSLError)

# Bodies bigger than this are decoded off the event loop.
THREAD_DECODE_BYTES = 512 * 1024
CONNECT_TIMEOUT = 5.0
WRITE_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0
# The status line and headers must arrive within this many per-read timeouts; the body then gets
# BODY_GRACE seconds plus a second per MIN_BODY_RATE bytes (see NomadClient._exchange).
RESPONSE_TIME_FACTOR = 2.0
BODY_GRACE = 30.0
MIN_BODY_RATE = 64_000
# Caps on a body after gzip, from the largest legitimate answer.  A list entry without TaskStates is
# ~850 bytes (bench/dashboard.py: 100k allocations ≈ 90 MB), so 1 GB holds a 1M-allocation list
# with room; a single allocation embeds its job, a few hundred KB at the very most; error texts are
# short prose of which only the first line is ever shown.
MAX_LIST_BYTES = 1_000_000_000
MAX_OBJECT_BYTES = 32_000_000
MAX_ERROR_BYTES = 64_000


@dataclass(frozen=True, slots=True)
class QueryMeta:
    """What Nomad says about a read besides the body (docs/nomad-wire.md §1.1); header names are case-insensitive."""

    index: int
    known_leader: bool | None = None
    last_contact_ms: int | None = None
    next_token: str | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> QueryMeta:
        index = _parse_int(headers.get("x-nomad-index"))
        leader = headers.get("x-nomad-knownleader")
        contact = _parse_int(headers.get("x-nomad-lastcontact"))
        return cls(
            # Missing, garbage, negative or beyond Go's uint64: no usable index, which is 0 here.
            index=index if index is not None and 0 <= index <= MAX_INDEX else 0,
            known_leader=None if leader is None else leader.strip().lower() == "true",
            last_contact_ms=contact,
            next_token=headers.get("x-nomad-nexttoken") or None,
        )


def _parse_int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Reply:
    """A whole HTTP answer, its body already read (within the caps) and un-gzipped."""

    status_code: int
    headers: httpx.Headers
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class Response(Generic[T]):
    value: T
    meta: QueryMeta
    nbytes: int


def format_wait(seconds: float) -> str:
    """Go duration text; Nomad rejects a bare number (docs/nomad-wire.md §1.1)."""
    return f"{max(1, round(seconds * 1000))}ms"


async def decode_off_loop(body: bytes, kind: type[T] | Any, *, path: str) -> T:
    """decode(), on a worker thread when the body is large: the event loop keeps serving keys."""
    if len(body) > THREAD_DECODE_BYTES:
        return await asyncio.to_thread(decode, body, kind, path=path)
    return decode(body, kind, path=path)


class NomadClient:
    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        read_margin: float = 5.0,
    ) -> None:
        self.settings = settings
        # Seconds allowed beyond a blocking query's longest legitimate hold before we call it lost.
        self.read_margin = read_margin
        self.body_grace = BODY_GRACE
        self._token = settings.token.reveal() if settings.token else ""
        self._agent_info: AgentInfo | None = None
        self._agent_request: asyncio.Future[Response[dict[str, Any]]] | None = None
        # gzip only: it is all Nomad sends, and all the capped body reader inflates (api/body.py).
        headers = {"User-Agent": f"nomad-tui/{__version__}", "Accept-Encoding": "gzip"}
        if is_local(settings):
            # Nomad gzips whatever the client accepts (docs/nomad-wire.md §12).  Over loopback or a unix socket that
            # only burns CPU at both ends (a 10k list is ~9 MB); across a network gzip saves ~85 %.
            headers["Accept-Encoding"] = "identity"
        if self._token:
            headers["X-Nomad-Token"] = self._token
        # The stats of the rows on screen, many small reads: straight to the agent when no proxy and
        # no test transport is in the way (api/quick_get.py), else through the shared pool.
        self._quick = (
            QuickGet(settings, headers, secrets=self.secrets, connect_timeout=CONNECT_TIMEOUT)
            if transport is None and QuickGet.usable(settings)
            else None
        )
        auth = httpx.BasicAuth(*settings.basic_auth) if settings.basic_auth else None
        self._http = httpx.AsyncClient(
            base_url=settings.base_url,
            headers=headers,
            auth=auth,
            # TLS, the server name and the proxy live in this one transport, so every request gets them.
            transport=http_transport(settings, transport),
            timeout=httpx.Timeout(DEFAULT_READ_TIMEOUT, connect=CONNECT_TIMEOUT, write=WRITE_TIMEOUT),
            follow_redirects=False,
            trust_env=False,
        )

    @property
    def http(self) -> httpx.AsyncClient:
        """The shared connection pool, for streaming endpoints (logs) built on top of this client."""
        return self._http

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values to scrub from any text shown to the user."""
        return (self._token,) if self._token else ()

    async def aclose(self) -> None:
        if self._quick is not None:
            await self._quick.aclose()
        await self._http.aclose()

    async def __aenter__(self) -> NomadClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------------------ plumbing
    def common_params(self, namespace: str | None = None) -> dict[str, str]:
        params: dict[str, str] = {}
        if self.settings.region:
            params["region"] = self.settings.region
        ns = namespace if namespace is not None else self.settings.namespace
        if ns:
            params["namespace"] = ns
        return params

    def _error_text(self, text: str) -> str:
        return clean_message(text, secrets=self.secrets)

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: object = None,
        read_timeout: float | None = None,
        max_bytes: int | None = None,
    ) -> Reply:
        """One request, its body read whole but never beyond `max_bytes` (after gzip; default
        MAX_OBJECT_BYTES) and never slower than the time bounds below; every failure, whatever
        raised it, becomes a typed NomadError."""
        content = None if body is None else json.dumps(body).encode()
        per_read = read_timeout if read_timeout is not None else DEFAULT_READ_TIMEOUT
        limit = MAX_OBJECT_BYTES if max_bytes is None else max_bytes
        try:
            return await self._exchange(method, path, params, content, per_read, limit)
        except NomadError:
            raise
        except httpx.TimeoutException as exc:
            text = self._error_text(f"timed out ({type(exc).__name__})")
            raise NomadTimeout(text, path=path, maybe_sent=not isinstance(exc, httpx.ConnectTimeout)) from None
        except (httpx.HTTPError, ssl.SSLError, OSError) as exc:
            text = self._error_text(_describe_transport_error(exc))
            raise Unreachable(text, path=path, maybe_sent=not isinstance(exc, NOT_SENT_ERRORS)) from None
        except ValueError as exc:  # e.g. a namespace or token that cannot be encoded into a request
            raise BadRequest(self._error_text(f"cannot send the request: {exc}"), path=path) from None

    async def _exchange(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        content: bytes | None,
        per_read: float,
        max_bytes: int,
    ) -> Reply:
        """The per-read timeout alone lets a server that dribbles a byte a second hold a request
        (and "● live") forever, so there are two more bounds.  The status line and headers must
        arrive within RESPONSE_TIME_FACTOR × the per-read timeout (that already covers a blocking
        query's whole hold).  Then the body, which the server has ready by now, gets `body_grace`
        seconds plus one second per MIN_BODY_RATE bytes received: a 1 GB list on a slow link
        passes, a dribble is cut after the grace."""
        request = self._http.build_request(
            method,
            path,
            params=params,
            content=content,
            headers={"Content-Type": "application/json"} if content is not None else None,
            timeout=httpx.Timeout(per_read, connect=CONNECT_TIMEOUT, write=WRITE_TIMEOUT),
        )
        head_deadline = per_read * RESPONSE_TIME_FACTOR
        try:
            async with asyncio.timeout(head_deadline):
                response = await self._http.send(request, stream=True)
        except TimeoutError:
            raise NomadTimeout(f"no answer within {head_deadline:g}s", path=path, maybe_sent=True) from None
        loop = asyncio.get_running_loop()
        started = loop.time()
        received = 0
        try:
            async with asyncio.timeout(started + self.body_grace) as guard:

                def progress(nbytes: int) -> None:
                    nonlocal received
                    received += nbytes
                    guard.reschedule(started + self.body_grace + received / MIN_BODY_RATE)

                encoding = response.headers.get("content-encoding", "")
                if response.status_code >= 300:
                    try:
                        raw = await read_body(
                            response.aiter_raw(), encoding, MAX_ERROR_BYTES, path=path, cut=True, progress=progress
                        )
                    except NomadError:
                        raw = b""  # an unreadable error text: the status alone still says what failed
                    text = raw.decode("utf-8", "replace")
                    raise error_for_status(response.status_code, text, path=path, secrets=self.secrets)
                data = await read_body(response.aiter_raw(), encoding, max_bytes, path=path, progress=progress)
        except TimeoutError:
            elapsed = loop.time() - started
            raise NomadTimeout(
                f"answer too slow: {received} bytes in {elapsed:.0f}s, not finished", path=path, maybe_sent=True
            ) from None
        finally:
            await response.aclose()
        return Reply(response.status_code, response.headers, data)

    async def query(
        self,
        path: str,
        kind: type[T] | Any,
        *,
        params: Mapping[str, str] | None = None,
        index: int | None = None,
        wait: float | None = None,
        max_bytes: int | None = None,
    ) -> Response[T]:
        """GET and decode; with `index`, a blocking query (read timeout above wait × 17/16)."""
        query = dict(params or {})
        read_timeout = None
        if index is not None:
            query["index"] = str(index)
            if wait is not None:
                query["wait"] = format_wait(wait)
                read_timeout = blocking_read_timeout(wait, self.read_margin)
        response = await self.send("GET", path, params=query, read_timeout=read_timeout, max_bytes=max_bytes)
        body = response.content
        value: T = await decode_off_loop(body, kind, path=path)
        return Response(value, QueryMeta.from_headers(response.headers), len(body))

    # ------------------------------------------------------------------------------ allocations
    async def list_allocations(
        self,
        *,
        namespace: str | None = None,
        index: int | None = None,
        wait: float | None = None,
        task_states: bool = True,
        prefix: str | None = None,
    ) -> Response[list[AllocStub]]:
        params = self.common_params(namespace)
        if not task_states:
            params["task_states"] = "false"
        if prefix:
            params["prefix"] = prefix
        return await self.query(
            "/v1/allocations", list[AllocStub], params=params, index=index, wait=wait, max_bytes=MAX_LIST_BYTES
        )

    async def allocations_index(self, *, namespace: str | None = None) -> int:
        """The allocation list's current index, cheaply: a non-blocking list by an ID prefix that
        matches nothing (an empty answer carries the same X-Nomad-Index)."""
        params = self.common_params(namespace)
        params.update({"prefix": NO_SUCH_PREFIX, "task_states": "false"})
        response = await self.send("GET", "/v1/allocations", params=params)
        return QueryMeta.from_headers(response.headers).index

    # Per-allocation calls take the allocation's own namespace (`namespace`), as the CLI's -namespace;
    # without one they send the dashboard's.
    async def read_allocation(
        self, alloc_id: str, *, index: int | None = None, wait: float | None = None, namespace: str | None = None
    ) -> Response[Allocation]:
        path = f"/v1/allocation/{path_segment(alloc_id)}"
        return await self.query(path, Allocation, params=self.common_params(namespace), index=index, wait=wait)

    async def stop_allocation(self, alloc_id: str, *, namespace: str | None = None) -> StopResponse:
        path = f"/v1/allocation/{path_segment(alloc_id)}/stop"
        response = await self.send("PUT", path, params=self.common_params(namespace))
        return decode(response.content, StopResponse, path=path)

    async def signal_allocation(
        self, alloc_id: str, signal: str, *, task: str | None = None, namespace: str | None = None
    ) -> None:
        path = f"/v1/client/allocation/{path_segment(alloc_id)}/signal"
        body: dict[str, str] = {"Signal": signal}
        if task:
            body["Task"] = task
        await self.send("PUT", path, params=self.common_params(namespace), body=body)

    async def restart_allocation(
        self, alloc_id: str, *, task: str | None = None, all_tasks: bool = False, namespace: str | None = None
    ) -> None:
        path = f"/v1/client/allocation/{path_segment(alloc_id)}/restart"
        body: dict[str, object] = {}
        if task:
            body["TaskName"] = task
        if all_tasks:
            body["AllTasks"] = True
        await self.send("PUT", path, params=self.common_params(namespace), body=body)

    async def allocation_stats(self, alloc_id: str) -> AllocResourceUsage:
        """Current resource usage (not blocking: Nomad samples it on the client; docs/nomad-wire.md §7)."""
        path = f"/v1/client/allocation/{path_segment(alloc_id)}/stats"
        if self._quick is None:
            return (await self.query(path, AllocResourceUsage, params=self.common_params())).value
        body = await self._quick.get(
            path, self.common_params(), timeout=DEFAULT_READ_TIMEOUT * RESPONSE_TIME_FACTOR, max_bytes=MAX_OBJECT_BYTES
        )
        return decode(body, AllocResourceUsage, path=path)

    async def read_json(self, path: str, *, namespace: str | None = None) -> Response[object]:
        """Any read, untyped: the raw view shows the whole document, including keys we do not model."""
        return await self.query(path, object, params=self.common_params(namespace))

    # ------------------------------------------------------------------------------ jobs and nodes
    async def list_jobs(
        self, *, namespace: str | None = None, index: int | None = None, wait: float | None = None
    ) -> Response[list[JobStub]]:
        params = self.common_params(namespace)
        return await self.query(
            "/v1/jobs", list[JobStub], params=params, index=index, wait=wait, max_bytes=MAX_LIST_BYTES
        )

    async def job_evaluations(self, job_id: str, namespace: str) -> list[Evaluation]:
        path = f"/v1/job/{path_segment(job_id)}/evaluations"
        return (await self.query(path, list[Evaluation], params=self.common_params(namespace))).value

    async def list_nodes(self, *, index: int | None = None, wait: float | None = None) -> Response[list[NodeStub]]:
        params = self.common_params()
        params.pop("namespace", None)
        params["resources"] = "true"
        return await self.query(
            "/v1/nodes", list[NodeStub], params=params, index=index, wait=wait, max_bytes=MAX_LIST_BYTES
        )

    async def node_allocations(self, node_id: str) -> list[Allocation]:
        path = f"/v1/node/{path_segment(node_id)}/allocations"
        params = self.common_params()
        params.pop("namespace", None)
        return (await self.query(path, list[Allocation], params=params)).value

    # ------------------------------------------------------------------------------ cluster
    async def list_namespaces(self) -> list[Namespace]:
        params = self.common_params()
        params.pop("namespace", None)
        return (await self.query("/v1/namespaces", list[Namespace], params=params)).value

    async def list_regions(self) -> list[str]:
        """`/v1/regions`: every region the servers federate with (no region parameter: it is global)."""
        names: list[Any] = (await self.query("/v1/regions", list[Any])).value
        return sorted(str(name) for name in names if isinstance(name, str))

    async def token_name(self) -> str:
        """`/v1/acl/token/self`: the name of the token we send ("Anonymous Token" without one).  A 403
        (PermissionDenied) means the cluster does not know the token: unknown, expired or revoked
        (command/agent/acl_endpoint.go aclTokenSelf; nomad/acl_endpoint.go WhoAmI)."""
        params = {"region": self.settings.region} if self.settings.region else None
        body: dict[str, Any] = (await self.query("/v1/acl/token/self", dict[str, Any], params=params)).value
        name = body.get("Name")
        return name if isinstance(name, str) else ""

    async def agent_region(self) -> str:
        """The region of the agent we talk to: what an empty `region` parameter means."""
        return (await self.agent_info()).region

    async def agent_info(self) -> AgentInfo:
        """`/v1/agent/self` read once per client (region and version), callers at the same time sharing
        the one request; errors are raised, and the next call asks again."""
        if self._agent_info is not None:
            return self._agent_info
        if self._agent_request is None or self._agent_request.done():
            self._agent_request = asyncio.ensure_future(self.query("/v1/agent/self", dict[str, Any]))
            # Callers await it through a shield: when they are all cancelled, a later failure would be
            # reported as "never retrieved"; the next call asks again anyway.
            self._agent_request.add_done_callback(_retrieve_exception)
        body: Any = (await asyncio.shield(self._agent_request)).value
        self._agent_info = agent_info(body)
        return self._agent_info

    @property
    def known_agent(self) -> AgentInfo | None:
        """The agent's info if it was read already (no request)."""
        return self._agent_info

    async def leader(self) -> str:
        response = await self.send("GET", "/v1/status/leader", params=self.common_params())
        try:
            return str(json.loads(response.content))
        except ValueError:
            raise BadResponse("malformed JSON from /v1/status/leader", path="/v1/status/leader") from None


def is_local(settings: Settings) -> bool:
    if settings.is_unix_socket:
        return True
    host = (urlsplit(settings.base_url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def blocking_read_timeout(wait: float, margin: float = 5.0) -> float:
    """The server may hold a query for wait + up to wait/16 of jitter (docs/nomad-wire.md §1.1); add a margin."""
    return wait * 17 / 16 + margin


def _describe_transport_error(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {text}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"connection closed by the agent: {text}"
    if isinstance(exc, httpx.ReadError):
        return f"connection lost: {text}"
    return text


__all__ = [
    "NomadClient",
    "NomadError",
    "QueryMeta",
    "Response",
    "blocking_read_timeout",
    "format_wait",
]


def _retrieve_exception(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
