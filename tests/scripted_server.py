"""A tiny real HTTP/1.1 server on loopback whose answers a test scripts one by one.

It exists to put the client through what a real agent does on a bad day: a lower index, index 0,
5xx, slow answers, dropped connections.  Header names go out exactly as given (Go's canonical
`X-Nomad-Knownleader` spelling included).  For hostile servers a reply can also stream its body in
chunks (endless, or dribbled with a pause between chunks), and `stub()`/`alloc()` build minimal
Nomad allocation documents with any field overridden.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"[]"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    drop: bool = False  # close the connection instead of answering
    hang: bool = False  # never answer (until the client gives up)
    # Stream the body with chunked encoding instead of `body`: each item is one chunk (an endless
    # generator never ends the body), with `chunk_delay` seconds before each chunk after the first.
    chunks: Iterable[bytes] | None = None
    chunk_delay: float = 0.0
    release: asyncio.Event | None = None  # answer only once the test sets this event

    @classmethod
    def json(cls, value: object, index: int | None, **kw: object) -> Reply:
        headers = {"Content-Type": "application/json"}
        if index is not None:
            headers.update({"X-Nomad-Index": str(index), "X-Nomad-Knownleader": "true", "X-Nomad-Lastcontact": "0"})
        return cls(body=json.dumps(value).encode(), headers=headers, **kw)  # type: ignore[arg-type]

    @classmethod
    def error(cls, status: int, text: str) -> Reply:
        return cls(status=status, body=text.encode(), headers={"Content-Type": "text/plain; charset=utf-8"})


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    def __init__(self, script: list[Reply] | Callable[[Seen], Reply]) -> None:
        self.script = script
        self.seen: list[Seen] = []
        self.request_event = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> ScriptedServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        for task in list(self._handlers):
            with contextlib.suppress(BaseException):
                await task
        await self._server.wait_closed()

    def _next_reply(self, seen: Seen) -> Reply:
        if callable(self.script):
            return self.script(seen)
        return self.script.pop(0) if self.script else Reply(hang=True)

    async def wait_for_requests(self, count: int, timeout: float = 10.0) -> None:
        async def _wait() -> None:
            while len(self.seen) < count:
                self.request_event.clear()
                await self.request_event.wait()

        await asyncio.wait_for(_wait(), timeout)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, target, _ = line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = raw.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                parts = urlsplit(target)
                seen = Seen(method, parts.path, parse_qs(parts.query, keep_blank_values=True), headers, body)
                self.seen.append(seen)
                self.request_event.set()
                reply = self._next_reply(seen)
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                if reply.release is not None:
                    await reply.release.wait()
                if reply.hang:
                    await asyncio.Event().wait()
                if reply.drop:
                    writer.close()
                    return
                if reply.chunks is not None:
                    await self._stream(writer, reply)
                    continue
                head = [f"HTTP/1.1 {reply.status} X", f"Content-Length: {len(reply.body)}"]
                head += [f"{k}: {v}" for k, v in reply.headers.items()]
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + reply.body)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            return  # the server is closing (a re-raise would be logged by asyncio's stream callback)
        finally:
            self._handlers.discard(task)
            writer.close()

    @staticmethod
    async def _stream(writer: asyncio.StreamWriter, reply: Reply) -> None:
        assert reply.chunks is not None
        head = [f"HTTP/1.1 {reply.status} X", "Transfer-Encoding: chunked"]
        head += [f"{k}: {v}" for k, v in reply.headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        for number, chunk in enumerate(reply.chunks):
            if number and reply.chunk_delay:
                await asyncio.sleep(reply.chunk_delay)
            if chunk:
                writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()


def stub(alloc_id: str, modify_index: int = 10, **fields: Any) -> dict[str, Any]:
    """One entry of GET /v1/allocations (running, one task); keyword arguments override fields."""
    doc: dict[str, Any] = {
        "ID": alloc_id,
        "EvalID": "e" * 8 + alloc_id[8:],
        "Name": f"web.web[{alloc_id[:1]}]",
        "Namespace": "default",
        "NodeID": "n" * 36,
        "NodeName": "client-1",
        "JobID": "web",
        "TaskGroup": "web",
        "DesiredStatus": "run",
        "ClientStatus": "running",
        "CreateIndex": modify_index,
        "ModifyIndex": modify_index,
        "CreateTime": 1_795_348_800_000_000_000,
        "ModifyTime": 1_795_348_800_000_000_000,
    }
    doc.update(fields)
    return doc


def alloc(alloc_id: str, modify_index: int = 10, **fields: Any) -> dict[str, Any]:
    """GET /v1/allocation/:id for `stub(alloc_id)`; keyword arguments override fields."""
    doc = stub(alloc_id, modify_index)
    doc.update({"AllocModifyIndex": modify_index, "TaskStates": {"web": {"State": "running"}}})
    doc.update(fields)
    return doc
