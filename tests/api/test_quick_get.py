"""The stats reader's small HTTP/1.1 client against a scripted server: bodies by length, chunked,
close-delimited and gzipped; keep-alive and a connection the agent closed; errors as NomadErrors; the
token only in its header."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator

import pytest

from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import NotFound, PermissionDenied, Unreachable
from nomad_tui.api.quick_get import QuickGet
from nomad_tui.settings import resolve

TOKEN = "6c0f57b2-0000-4000-8000-secrettoken1"


class Scripted:
    """Answers each request with the next scripted reply; `None` closes the connection unanswered."""

    def __init__(self, replies: list[bytes | None]) -> None:
        self.replies = replies
        self.requests: list[bytes] = []
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while self.replies:
                head = await reader.readuntil(b"\r\n\r\n")
                self.requests.append(head)
                reply = self.replies.pop(0)
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
                if b"Connection: close" in reply or (b"Content-Length" not in reply and b"chunked" not in reply):
                    break
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()


@pytest.fixture
async def server() -> AsyncIterator[tuple[Scripted, str]]:
    scripted = Scripted([])
    srv = await asyncio.start_server(scripted.handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    yield scripted, f"http://127.0.0.1:{port}"
    srv.close()


def reply(status: str, body: bytes, *extra: str) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def test_bodies_keep_alive_and_a_closed_connection(server: tuple[Scripted, str]) -> None:
    scripted, url = server
    chunked = b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n3\r\n:1}\r\n0\r\n\r\n'
    zipped = gzip.compress(b'{"z":2}')
    scripted.replies = [
        reply("200 OK", b'{"x":1}'),
        chunked,
        reply("200 OK", zipped, "Content-Encoding: gzip"),
        b'HTTP/1.1 200 OK\r\n\r\n{"closed":true}',  # ends when the server closes
        reply("200 OK", b"{}"),
    ]
    quick = QuickGet(resolve({"address": url}, {}, {}), {"X-Nomad-Token": TOKEN})
    try:
        assert await quick.get("/v1/a", {"region": "r"}, timeout=5, max_bytes=1000) == b'{"x":1}'
        assert await quick.get("/v1/b", {}, timeout=5, max_bytes=1000) == b'{"a":1}'
        assert await quick.get("/v1/c", {}, timeout=5, max_bytes=1000) == b'{"z":2}'
        assert scripted.connections == 1  # one kept-alive connection so far
        assert await quick.get("/v1/d", {}, timeout=5, max_bytes=1000) == b'{"closed":true}'
        assert await quick.get("/v1/e", {}, timeout=5, max_bytes=1000) == b"{}"
        assert scripted.connections == 2
    finally:
        await quick.aclose()
    first = scripted.requests[0].decode()
    assert first.startswith("GET /v1/a?region=r HTTP/1.1\r\n")
    assert f"X-Nomad-Token: {TOKEN}\r\n" in first and "Accept-Encoding: identity" in first
    assert all(TOKEN not in r.decode().split("\r\n")[0] for r in scripted.requests)  # never in the URL


async def test_a_connection_the_agent_dropped_is_retried_once(server: tuple[Scripted, str]) -> None:
    scripted, url = server
    scripted.replies = [reply("200 OK", b"1"), None, reply("200 OK", b"2")]
    quick = QuickGet(resolve({"address": url}, {}, {}), {})
    try:
        assert await quick.get("/v1/a", {}, timeout=5, max_bytes=100) == b"1"
        assert await quick.get("/v1/a", {}, timeout=5, max_bytes=100) == b"2"  # stale, then a new one
    finally:
        await quick.aclose()


async def test_errors_are_nomad_errors_without_the_token(server: tuple[Scripted, str]) -> None:
    scripted, url = server
    scripted.replies = [
        reply("404 Not Found", b'Unknown allocation "x"'),
        reply("403 Forbidden", b"Permission denied"),
        reply("200 OK", b"x" * 200),
    ]
    client = NomadClient(resolve({"address": url, "token": TOKEN}, {}, {}))
    try:
        with pytest.raises(NotFound):
            await client.allocation_stats("x")
        with pytest.raises(PermissionDenied):
            await client.allocation_stats("x")
        assert client._quick is not None
        with pytest.raises(Unreachable) as too_big:
            await client._quick.get("/v1/big", {}, timeout=5, max_bytes=100)
        assert TOKEN not in too_big.value.message
    finally:
        await client.aclose()
    with pytest.raises(Unreachable):  # a server that closes without answering
        closed = QuickGet(resolve({"address": url}, {}, {}), {})
        await closed.get("/v1/a", {}, timeout=5, max_bytes=100)
