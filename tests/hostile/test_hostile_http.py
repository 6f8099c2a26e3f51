"""The HTTP client and the blocking loop against a hostile or broken server: endless, huge and
gzip-bomb bodies, bad gzip, JSON nested too deep, a reply dribbled a byte at a time, an index header
that is missing or garbage, a namespace that cannot be encoded.  Every one ends as a typed error (or
a bounded, non-spinning loop), never as unbounded memory, a hang or a dead watcher."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import tracemalloc
from typing import Any

import pytest
from conftest import settings_for
from scripted_server import Reply, ScriptedServer, Seen, stub

from nomad_tui.api import client as client_module
from nomad_tui.api.blocking import BlockingQuery, Failure, Update
from nomad_tui.api.client import NomadClient
from nomad_tui.api.errors import BadRequest, BadResponse, NomadTimeout, ResponseTooLarge, Unexpected
from nomad_tui.api.models import AllocStub

pytestmark = pytest.mark.hostile

LIMIT = 1_000_000


def gzip_headers(index: int = 10) -> dict[str, str]:
    return {"Content-Type": "application/json", "Content-Encoding": "gzip", "X-Nomad-Index": str(index)}


async def list_once(server: ScriptedServer, **settings: Any) -> object:
    client = NomadClient(settings_for(server.url, **settings))
    try:
        return await asyncio.wait_for(client.list_allocations(), 20)
    finally:
        await client.aclose()


@pytest.fixture
def small_list_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "MAX_LIST_BYTES", LIMIT)


async def test_an_endless_body_stops_at_the_cap(small_list_cap: None) -> None:
    endless = Reply(chunks=itertools.chain([b"["], itertools.repeat(b" " * 65536)), headers={"X-Nomad-Index": "5"})
    async with ScriptedServer([endless]) as server:
        with pytest.raises(ResponseTooLarge, match="more than 1 MB"):
            await list_once(server)


async def test_a_gzip_bomb_is_inflated_only_up_to_the_cap(small_list_cap: None) -> None:
    bomb = gzip.compress(b"[" + b" " * (40 * LIMIT) + b"]", 6)  # ~40 KB that inflates to 40 MB
    tracemalloc.start()
    try:
        async with ScriptedServer([Reply(body=bomb, headers=gzip_headers())]) as server:
            with pytest.raises(ResponseTooLarge):
                await list_once(server, address=server.url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * LIMIT, f"peak {peak / 1e6:.0f} MB for a {LIMIT / 1e6:.0f} MB cap"


async def test_a_single_allocation_has_a_smaller_cap_than_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    assert client_module.MAX_OBJECT_BYTES < client_module.MAX_LIST_BYTES
    monkeypatch.setattr(client_module, "MAX_OBJECT_BYTES", LIMIT)
    big = Reply(body=b'{"ID":"x","Name":"' + b"x" * LIMIT + b'"}')
    async with ScriptedServer([big]) as server:
        client = NomadClient(settings_for(server.url))
        try:
            with pytest.raises(ResponseTooLarge):
                await client.read_allocation("x")
        finally:
            await client.aclose()


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body=b"this is not gzip at all", headers=gzip_headers()),
        Reply(body=gzip.compress(b"[]")[:-6], headers=gzip_headers()),  # truncated
        Reply(body=b"[" * 200_000 + b"]" * 200_000, headers={"X-Nomad-Index": "5"}),  # nested too deep
        Reply(body=b'[{"ID": "\xff\xfe"}]', headers={"X-Nomad-Index": "5"}),  # not UTF-8
    ],
    ids=["bad-gzip", "truncated-gzip", "deep-json", "not-utf8"],
)
async def test_undecodable_bodies_are_bad_responses(reply: Reply) -> None:
    async with ScriptedServer([reply]) as server:
        with pytest.raises(BadResponse):
            await list_once(server)


async def test_a_namespace_that_cannot_be_encoded_is_a_typed_error() -> None:
    async with ScriptedServer([Reply.json([], 5)]) as server:
        with pytest.raises(BadRequest):
            await list_once(server, namespace="team\udcff")


async def test_a_reply_dribbled_a_byte_at_a_time_is_bounded_by_the_wait() -> None:
    dribble = Reply(chunks=itertools.chain([b"["], itertools.repeat(b" ")), chunk_delay=0.02)
    async with ScriptedServer([dribble]) as server:
        client = NomadClient(settings_for(server.url), read_margin=0.1)
        client.body_grace = 0.3
        try:
            with pytest.raises(NomadTimeout, match="answer too slow"):
                # Per read the server is never silent for long; as a whole it never finishes.
                await asyncio.wait_for(client.list_allocations(index=5, wait=0.2), 20)
        finally:
            await client.aclose()


def growing_list(index_header: str | None) -> Any:
    """Answers at once, one more allocation each time, with the given X-Nomad-Index (or none)."""
    count = itertools.count(1)

    def answer(seen: Seen) -> Reply:
        n = next(count)
        body = [stub(f"{i:08x}-0000-4000-8000-000000000000", i) for i in range(n)]
        headers = {"Content-Type": "application/json"}
        if index_header is not None:
            headers["X-Nomad-Index"] = index_header
        return Reply(body=json.dumps(body).encode(), headers=headers)

    return answer


@pytest.mark.parametrize("header", [None, "0", "-5", "abc", str(2**64 + 1)])
async def test_no_usable_index_neither_freezes_nor_spins(header: str | None) -> None:
    async with ScriptedServer(growing_list(header)) as server:
        client = NomadClient(settings_for(server.url))

        async def fetch(index: int | None, wait: float) -> Any:
            return await client.list_allocations(index=index, wait=wait)

        query: BlockingQuery[list[AllocStub]] = BlockingQuery(fetch, wait=30.0, no_block_interval=0.05)
        sizes: list[int] = []

        async def run() -> None:
            async for item in query.updates():
                assert isinstance(item, Update), item
                sizes.append(len(item.value))
                if len(sizes) == 4:
                    return

        try:
            await asyncio.wait_for(run(), 20)
        finally:
            await client.aclose()
    assert sizes == [1, 2, 3, 4], "every answer is shown: the list does not freeze"
    assert len(server.seen) == 4, "one request per answer, none in between"
    assert all("index" not in seen.query or seen.query["index"] == ["1"] for seen in server.seen)


async def test_an_unchanged_index_answered_at_once_is_not_a_busy_loop() -> None:
    clock = [0.0]
    requests: list[float] = []

    async def fetch(index: int | None, wait: float) -> Any:
        requests.append(clock[0])
        clock[0] += 0.001  # answers at once
        return client_module.Response([], client_module.QueryMeta(index=7), 2)

    sleeps: list[float] = []
    query: BlockingQuery[list[AllocStub]] = BlockingQuery(fetch, wait=60.0, clock=lambda: clock[0])
    real_sleep = asyncio.sleep

    async def fake_sleep(delay: float) -> None:
        sleeps.append(delay)
        clock[0] += delay
        await real_sleep(0)

    async def run() -> None:
        async for _ in query.updates():
            pass

    asyncio_sleep = asyncio.sleep
    asyncio.sleep = fake_sleep  # type: ignore[assignment]
    try:
        task = asyncio.ensure_future(run())
        while len(requests) < 6:
            await real_sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    finally:
        asyncio.sleep = asyncio_sleep  # type: ignore[assignment]
    gaps = [b - a for a, b in itertools.pairwise(requests[1:])]
    assert min(gaps) >= query.no_block_interval, f"requests {gaps} apart"


async def test_any_failure_takes_the_backoff_and_says_what_is_wrong() -> None:
    calls = 0

    async def fetch(index: int | None, wait: float) -> Any:
        nonlocal calls
        calls += 1
        raise RecursionError("maximum recursion depth exceeded")

    query: BlockingQuery[list[AllocStub]] = BlockingQuery(fetch, wait=1.0, rng=lambda: 0.0)
    failures: list[Failure] = []
    async for item in query.updates():
        assert isinstance(item, Failure)
        failures.append(item)
        if len(failures) == 3:
            break
    assert [f.attempt for f in failures] == [1, 2, 3]
    assert isinstance(failures[0].error, Unexpected)
    assert "RecursionError" in failures[0].error.message


async def test_an_index_reset_while_a_request_is_held_forces_a_fresh_list() -> None:
    """The agent answered (index 100) and restarted at index 40: it holds our index=100 request for
    the whole wait.  The probe sees the lower index and a fresh full list follows at once."""
    a, b = (f"{n}b000000-0000-4000-8000-000000000000" for n in (1, 2))

    def answer(seen: Seen) -> Reply:
        if seen.query.get("prefix"):
            return Reply.json([], 40)  # the restarted agent's current index
        if "index" in seen.query:
            return Reply(hang=True)
        if len([s for s in server.seen if not s.query.get("prefix")]) == 1:
            return Reply.json([stub(a, 90), stub(b, 95)], 100)
        return Reply.json([stub(a, 30)], 41)

    async with ScriptedServer(answer) as server:
        client = NomadClient(settings_for(server.url))

        async def fetch(index: int | None, wait: float) -> Any:
            return await client.list_allocations(index=index, wait=wait)

        async def probe() -> int:
            return await client.allocations_index()

        query: BlockingQuery[list[AllocStub]] = BlockingQuery(fetch, wait=300.0, probe=probe, probe_after=0.05)
        lists: list[list[str]] = []

        async def run() -> None:
            async for item in query.updates():
                assert isinstance(item, Update), item
                lists.append([s.id for s in item.value])
                if len(lists) == 2:
                    return

        try:
            await asyncio.wait_for(run(), 20)
        finally:
            await client.aclose()
    assert lists == [[a, b], [a]]
    assert query.probes == 1


async def test_headers_dribbled_a_byte_at_a_time_are_bounded_by_the_wait() -> None:
    async def dribble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        try:
            for byte in itertools.chain(b"HTTP/1.1 200 OK\r\nX-Pad: ", itertools.repeat(ord("x"))):
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.02)
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(dribble, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = NomadClient(settings_for(f"http://127.0.0.1:{port}"), read_margin=0.1)
    try:
        with pytest.raises(NomadTimeout, match="no answer within"):
            await asyncio.wait_for(client.list_allocations(index=5, wait=0.2), 20)
    finally:
        await client.aclose()
        server.close()
