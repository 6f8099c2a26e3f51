"""The event stream, `GET /v1/event/stream` (Nomad 1.0+): Allocation events as they are committed.

The body is NDJSON: `{}` right after the subscription is made and then every 30 s, and one line per
raft entry, `{"Index":N,"Events":[{"Topic":"Allocation","Payload":{"Allocation":{…}}},…]}`.  Each
payload is a full allocation without its Job, decoded straight into the list's `AllocStub` (the
task states come with it; the task events inside are skipped unread).

Refusals are told apart from failures, because the answer to each differs:
- 404: the server predates the stream (before 1.0)            -> `StreamAbsent`
- 403, or a 200 that ends before the first `{}` (1.11.2+ says
  "no" that way, the connection being taken over before ACLs are checked) -> `StreamRefused`
- anything else (the connection drops, silence past the heartbeat) -> the usual `NomadError`s.

Decoding runs in a worker thread when a read brings a lot at once (a replay of the buffer), so the
event loop keeps serving keys.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass

import httpx
import msgspec

from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import BadResponse, NomadError, NomadTimeout, Unreachable, error_for_status
from nomad_tui.api.models import AllocStub, NomadStruct

PATH = "/v1/event/stream"
HEARTBEAT = 30.0  # Nomad's heartbeat interval (nomad/stream/ndjson.go)
# Silence longer than this means the stream is dead (Nomad drops writers stuck for 40 s).
SILENCE_TIMEOUT = HEARTBEAT * 1.5 + 5.0
THREAD_DECODE_BYTES = 64 * 1024
MAX_LINE = 64 * 1024 * 1024  # one raft entry's events; beyond this something is wrong


class StreamAbsent(NomadError):
    kind = "no event stream"


class StreamRefused(NomadError):
    kind = "event stream refused"


class _Payload(NomadStruct):
    allocation: AllocStub | None = None


class _Event(NomadStruct):
    topic: str = ""
    type: str = ""
    key: str = ""
    index: int = 0
    payload: _Payload | None = None


class _Line(NomadStruct):
    index: int = 0
    events: list[_Event] | None = None


_decoder = msgspec.json.Decoder(_Line, strict=False)


@dataclass(frozen=True, slots=True)
class EventBatch:
    """What one read of the stream brought: allocations in commit order, and the entries' indexes."""

    allocations: list[AllocStub]
    first_index: int  # the Index of the first entry in this batch, 0 if only heartbeats
    last_index: int
    heartbeats: int
    nbytes: int


def with_task_states(stub: AllocStub) -> AllocStub:
    """A stub from an answer that carries task states: none at all (a pending allocation, or a payload
    leaving the empty map out) means no tasks have started, which is known, not unknown."""
    return stub if stub.task_states is not None else msgspec.structs.replace(stub, task_states={})


def decode_lines(lines: list[bytes], nbytes: int = 0) -> EventBatch:
    allocations: list[AllocStub] = []
    first = last = beats = 0
    for raw in lines:
        if not raw.strip():
            continue
        try:
            line = _decoder.decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise BadResponse(f"malformed event stream line: {exc}", path=PATH) from None
        if not line.events:
            beats += 1
            continue
        first = first or line.index
        last = max(last, line.index)
        for event in line.events:
            if event.topic == "Allocation" and event.payload is not None and event.payload.allocation is not None:
                allocations.append(with_task_states(event.payload.allocation))
    return EventBatch(allocations, first, last, beats, nbytes)


async def stream_allocation_events(
    client: NomadClient,
    *,
    index: int,
    namespace: str,
    silence_timeout: float = SILENCE_TIMEOUT,
) -> AsyncGenerator[EventBatch, None]:
    """Allocation events from `index` on (the entry at `index` itself included, as Nomad replays it).

    The first batch yielded is the first `{}` (or more): from then on the subscription is known to be
    accepted. Raises StreamAbsent / StreamRefused / NomadError as the module doc says.
    """
    params = client.common_params(namespace)
    params["topic"] = "Allocation"
    params["index"] = str(max(0, index))
    timeout = httpx.Timeout(silence_timeout, connect=5.0, write=10.0)
    secrets = client.secrets
    subscribed = False
    try:
        async with client.http.stream("GET", PATH, params=params, timeout=timeout) as response:
            status = response.status_code
            if status == 404:
                raise StreamAbsent("the server has no event stream (Nomad before 1.0)", path=PATH)
            if status == 403:
                raise StreamRefused("permission denied (the token cannot read every namespace asked)", path=PATH)
            if status >= 300:
                body = (await response.aread()).decode("utf-8", "replace")
                raise error_for_status(status, body, path=PATH, secrets=secrets)
            pending = b""
            async for chunk in response.aiter_raw():
                data = pending + chunk if pending else chunk
                cut = data.rfind(b"\n")
                if cut < 0:
                    if len(data) > MAX_LINE:
                        raise BadResponse("event stream line too long", path=PATH)
                    pending = data
                    continue
                pending = data[cut + 1 :]
                lines = data[:cut].split(b"\n")
                if cut > THREAD_DECODE_BYTES:
                    batch = await asyncio.to_thread(decode_lines, lines, cut + 1)
                else:
                    batch = decode_lines(lines, cut + 1)
                subscribed = subscribed or batch.heartbeats > 0 or bool(batch.first_index)
                yield batch
    except httpx.TimeoutException:
        raise NomadTimeout("event stream went silent (no heartbeat)", path=PATH) from None
    except httpx.TransportError as exc:
        raise Unreachable(f"event stream lost: {type(exc).__name__}", path=PATH) from None
    if not subscribed:
        # 1.11.2+ takes the connection over before checking the token: a refusal is an empty 200.
        raise StreamRefused("the event stream closed before it started (permission denied?)", path=PATH)
    raise Unreachable("event stream ended", path=PATH)
