"""BlockingQuery against a real loopback server: lower index, index 0, 5xx, slow answers, disconnects."""

from __future__ import annotations

import asyncio

import pytest
from scripted_server import Reply, ScriptedServer

from nomad_tui.api.blocking import BlockingQuery, Failure, Update
from nomad_tui.api.client import NomadClient, blocking_read_timeout, format_wait
from nomad_tui.api.errors import NomadTimeout, ServerError, Unreachable
from nomad_tui.api.models import AllocStub
from nomad_tui.settings import resolve

STUB = {"ID": "a8198d79-cfdb-6593-a999-1e9adabcba2e", "JobID": "web", "ClientStatus": "running", "ModifyIndex": 5}


def make_query(client: NomadClient, wait: float = 2.0) -> BlockingQuery[list[AllocStub]]:
    async def fetch(index: int | None, wait_s: float):  # type: ignore[no-untyped-def]
        return await client.list_allocations(index=index, wait=wait_s)

    # rng=0 makes every backoff zero-length, and the scripted server answers at once without
    # pausing: these tests are about the rules, not the clock.
    return BlockingQuery(fetch, wait=wait, rng=lambda: 0.0, no_block_interval=0.0)


async def collect(query: BlockingQuery[list[AllocStub]], count: int, timeout: float = 10.0) -> list[object]:
    items: list[object] = []

    async def run() -> None:
        async for item in query.updates():
            items.append(item)
            if len(items) == count:
                return

    await asyncio.wait_for(run(), timeout)
    return items


def index_param(server: ScriptedServer, n: int) -> str | None:
    values = server.seen[n].query.get("index")
    return values[0] if values else None


async def test_first_request_has_no_index_then_follows_header_and_never_sends_zero() -> None:
    script = [
        Reply.json([], index=0),  # empty cluster: index 0
        Reply.json([STUB], index=7),
        Reply.json([STUB], index=9),
    ]
    async with ScriptedServer(script) as server:
        client = NomadClient(resolve({"address": server.url}, {}, {}))
        items = await collect(make_query(client), 3)
        await client.aclose()
    assert [type(i) for i in items] == [Update, Update, Update]
    assert index_param(server, 0) is None
    assert index_param(server, 1) == "1"  # the answer said 0; we clamp to 1
    assert index_param(server, 2) == "7"
    assert server.seen[1].query["wait"] == ["2000ms"]  # a Go duration with a unit
    assert server.seen[1].query["namespace"] == ["*"]


async def test_unchanged_index_yields_nothing_and_lower_index_resets() -> None:
    script = [
        Reply.json([STUB], index=10),
        Reply.json([STUB], index=10),  # the wait timed out: no change
        Reply.json([STUB], index=10),
        Reply.json([], index=3),  # the agent restarted with an older snapshot
        Reply.json([STUB], index=4),
    ]
    async with ScriptedServer(script) as server:
        client = NomadClient(resolve({"address": server.url}, {}, {}))
        items = await collect(make_query(client), 3)
        await client.aclose()
    updates = [i for i in items if isinstance(i, Update)]
    assert [u.meta.index for u in updates] == [10, 3, 4]
    assert [u.reset for u in updates] == [False, True, False]
    assert updates[1].value == []
    assert len(server.seen) == 5
    assert index_param(server, 4) == "3"


async def test_5xx_backs_off_then_recovers_without_an_index() -> None:
    script = [
        Reply.json([STUB], index=10),
        Reply.error(500, "rpc error: No cluster leader"),
        Reply.error(503, "still no leader"),
        Reply.json([STUB], index=10),  # recovered, nothing changed meanwhile: still reported
        Reply.json([STUB], index=11),
    ]
    async with ScriptedServer(script) as server:
        client = NomadClient(resolve({"address": server.url}, {}, {}))
        query = make_query(client)
        items = await collect(query, 5)
        await client.aclose()
    kinds = [type(i).__name__ for i in items]
    assert kinds == ["Update", "Failure", "Failure", "Update", "Update"]
    first_failure = items[1]
    assert isinstance(first_failure, Failure) and isinstance(first_failure.error, ServerError)
    assert first_failure.error.message == "rpc error: No cluster leader" and first_failure.attempt == 1
    assert isinstance(items[2], Failure) and items[2].attempt == 2
    assert index_param(server, 3) is None  # the retry after an error answers at once
    assert index_param(server, 4) == "10"
    assert query.failures == 0


async def test_disconnect_is_unreachable_and_recovers() -> None:
    script = [Reply.json([STUB], index=10), Reply(drop=True), Reply.json([STUB], index=12)]
    async with ScriptedServer(script) as server:
        client = NomadClient(resolve({"address": server.url}, {}, {}))
        items = await collect(make_query(client), 3)
        await client.aclose()
    assert isinstance(items[1], Failure) and isinstance(items[1].error, Unreachable)
    assert isinstance(items[2], Update) and items[2].meta.index == 12


async def test_agent_down_is_unreachable() -> None:
    async with ScriptedServer([]) as server:
        url = server.url
    client = NomadClient(resolve({"address": url}, {}, {}))
    items = await collect(make_query(client), 2)
    await client.aclose()
    assert all(isinstance(i, Failure) and type(i.error) is Unreachable for i in items)
    assert "cannot connect" in items[0].error.message  # type: ignore[union-attr]


async def test_answer_slower_than_the_read_timeout_is_a_timeout() -> None:
    script = [Reply.json([STUB], index=10), Reply(hang=True), Reply.json([STUB], index=11)]
    async with ScriptedServer(script) as server:
        client = NomadClient(resolve({"address": server.url}, {}, {}), read_margin=0.2)
        items = await collect(make_query(client, wait=0.1), 3)
        await client.aclose()
    assert isinstance(items[1], Failure) and isinstance(items[1].error, NomadTimeout)
    assert isinstance(items[2], Update) and items[2].meta.index == 11


async def test_slow_but_legitimate_answer_is_not_cut_short() -> None:
    script = [Reply.json([STUB], index=10), Reply.json([STUB], index=11, delay=0.3)]
    async with ScriptedServer(script) as server:
        client = NomadClient(resolve({"address": server.url}, {}, {}), read_margin=0.5)
        items = await collect(make_query(client, wait=0.2), 2)
        await client.aclose()
    assert [type(i) for i in items] == [Update, Update]


async def test_headers_are_read_case_insensitively() -> None:
    reply = Reply.json([STUB], index=None)
    reply.headers.update({"x-nomad-index": "42", "X-NOMAD-KNOWNLEADER": "false", "X-Nomad-LastContact": "17"})
    async with ScriptedServer([reply]) as server:
        client = NomadClient(resolve({"address": server.url}, {}, {}))
        response = await client.list_allocations()
        await client.aclose()
    assert (response.meta.index, response.meta.known_leader, response.meta.last_contact_ms) == (42, False, 17)


async def test_cancelling_the_consumer_cancels_the_request_in_flight() -> None:
    script = [Reply.json([STUB], index=10), Reply(hang=True)]
    async with ScriptedServer(script) as server:
        client = NomadClient(resolve({"address": server.url}, {}, {}))
        query = make_query(client, wait=60)
        got_first = asyncio.Event()

        async def consume() -> None:
            async for _ in query.updates():
                got_first.set()

        task = asyncio.create_task(consume())
        await server.wait_for_requests(2)
        assert got_first.is_set()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await client.aclose()


async def test_resync_abandons_the_pending_wait() -> None:
    script = [Reply.json([STUB], index=10), Reply(hang=True), Reply.json([STUB], index=10)]
    async with ScriptedServer(script) as server:
        client = NomadClient(resolve({"address": server.url}, {}, {}))
        query = make_query(client, wait=60)
        items: list[object] = []

        async def consume() -> None:
            async for item in query.updates():
                items.append(item)
                if len(items) == 2:
                    return

        task = asyncio.create_task(consume())
        await server.wait_for_requests(2)
        query.resync()
        await asyncio.wait_for(task, 10)
        await client.aclose()
    assert index_param(server, 2) is None  # a resync is a full, immediate read
    assert isinstance(items[1], Update) and not items[1].reset and items[1].meta.index == 10


def test_backoff_is_full_jitter_doubling_to_a_cap() -> None:
    async def never(index: int | None, wait: float):  # type: ignore[no-untyped-def]
        raise AssertionError

    top = BlockingQuery(never, rng=lambda: 1.0)
    assert [top.backoff_delay(n) for n in (1, 2, 3, 4, 7, 20)] == [0.5, 1.0, 2.0, 4.0, 30.0, 30.0]
    half = BlockingQuery(never, rng=lambda: 0.5)
    assert half.backoff_delay(3) == 1.0


def test_read_timeout_exceeds_the_longest_legitimate_hold() -> None:
    assert blocking_read_timeout(300) == pytest.approx(300 * 17 / 16 + 5)
    assert format_wait(300) == "300000ms" and format_wait(0.0001) == "1ms"


async def test_cancel_during_a_resync_is_not_swallowed() -> None:
    """A consumer cancelled while a resync is tearing down the old request must still stop."""
    from nomad_tui.api.client import QueryMeta, Response

    tearing_down = asyncio.Event()
    torn_down = asyncio.Event()

    async def fetch(index: int | None, wait: float) -> Response[list[object]]:
        if index is None:
            return Response([], QueryMeta(index=5), 2)
        try:
            await asyncio.Event().wait()  # a blocking query that never answers
        except asyncio.CancelledError:
            tearing_down.set()
            await torn_down.wait()  # closing the connection takes a moment
            raise
        raise AssertionError

    query = BlockingQuery(fetch, wait=60)

    async def consume() -> None:
        async for _ in query.updates():
            pass

    consumer = asyncio.create_task(consume())
    while query.requests < 2:
        await asyncio.sleep(0.01)
    query.resync()
    await asyncio.wait_for(tearing_down.wait(), 5)
    consumer.cancel()  # lands while the old request is still being torn down
    torn_down.set()
    done, _ = await asyncio.wait({consumer}, timeout=5)
    assert consumer in done and consumer.cancelled()
