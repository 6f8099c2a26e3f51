"""Pagination on /v1/allocations and the event stream's buffer, heartbeat and ACL rule, as Nomad does
them (nomad/state/paginator/, nomad/stream/event_buffer.go, nomad/event_endpoint.go)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx

from .agents import AgentThread


def page(agent: AgentThread, **params: Any) -> tuple[list[dict[str, Any]], str | None]:
    response = agent.client.get("/v1/allocations", params={"namespace": "*", "task_states": "false", **params})
    response.raise_for_status()
    return response.json(), response.headers.get("X-Nomad-NextToken")


def walk(agent: AgentThread, per_page: int, **params: Any) -> list[dict[str, Any]]:
    items, token = page(agent, per_page=per_page, **params)
    while token:
        more, token = page(agent, per_page=per_page, next_token=token, **params)
        items += more
    return items


def test_pages_walk_the_list_in_both_orders(fresh_agent: Callable[..., AgentThread]) -> None:
    agent = fresh_agent(allocs=30)
    everything, token = page(agent)
    assert token is None and len(everything) == len(agent.server.agent.cluster.allocs)
    first, token = page(agent, per_page=7)
    assert len(first) == 7 and token == f"{everything[7]['CreateIndex']}.{everything[7]['ID']}"
    assert [a["ID"] for a in walk(agent, 7)] == [a["ID"] for a in everything]
    newest_first = walk(agent, 7, reverse="true")
    assert [a["ID"] for a in newest_first] == [a["ID"] for a in reversed(everything)]
    # The token names the first item of the next page, in either direction.
    _, token = page(agent, per_page=3, reverse="true")
    assert token == f"{newest_first[3]['CreateIndex']}.{newest_first[3]['ID']}"


def test_filter_applies_before_paging(fresh_agent: Callable[..., AgentThread]) -> None:
    agent = fresh_agent(allocs=30)
    wanted = [a for a in page(agent)[0] if a["ClientStatus"] == "running"]
    assert len(wanted) > 4
    items = walk(agent, 2, filter='ClientStatus == "running"')
    assert [a["ID"] for a in items] == [a["ID"] for a in wanted]


def test_odd_tokens_compare_as_nomad_does(fresh_agent: Callable[..., AgentThread]) -> None:
    agent = fresh_agent(allocs=12)
    everything = page(agent)[0]
    middle = everything[5]
    # CreateIndex compares numerically: "<index>." sorts before every ID at that index.
    items, _ = page(agent, next_token=f"{middle['CreateIndex']}.")
    assert items[0]["CreateIndex"] == middle["CreateIndex"]
    # A token without a dot is compared as text with each "<CreateIndex>.<ID>": everything after the
    # first item that is not before it.
    items, _ = page(agent, next_token="~")
    assert items == []
    items, _ = page(agent, next_token="0")
    assert len(items) == len(everything)
    # A negative page size ends the page at its first item, with that item as the next token.
    items, token = page(agent, per_page=-1)
    assert items == [] and token == f"{everything[0]['CreateIndex']}.{everything[0]['ID']}"


async def _stream(agent: AgentThread, count: int, **params: Any) -> list[Any]:
    """The first `count` lines of an Allocation stream, decoded."""
    lines: list[Any] = []
    query = {"topic": "Allocation", "namespace": "*", **params}
    async with (
        httpx.AsyncClient(base_url=agent.url, timeout=10) as client,
        client.stream("GET", "/v1/event/stream", params=query) as response,
    ):
        async for line in response.aiter_lines():
            lines.append(json.loads(line))
            if len(lines) == count:
                break
    return lines


def _change(agent: AgentThread, alloc_id: str) -> int:
    body = {"event": {"type": "Driver", "message": "x"}}
    return int(agent.control("POST", f"alloc/{alloc_id}/update", body)["index"])


async def test_buffer_replays_from_the_closest_entry(fresh_agent: Callable[..., AgentThread]) -> None:
    agent = fresh_agent(allocs=4, event_buffer=5)
    alloc_id = agent.create(job="buffered")[0]
    indexes = [_change(agent, alloc_id) for _ in range(8)]
    # Inside the buffer: from the entry at that index (included).
    lines = await _stream(agent, 3, index=indexes[5])
    assert lines[0] == {} and [line["Index"] for line in lines[1:]] == indexes[5:7]
    # Left the buffer: silently from the oldest entry still in it (the last five).
    lines = await _stream(agent, 2, index=indexes[0])
    assert lines[1]["Index"] == indexes[3]
    # Beyond every entry: Nomad starts at the newest one anyway.
    lines = await _stream(agent, 2, index=indexes[-1] + 10)
    assert lines[1]["Index"] == indexes[-1]


async def test_heartbeat_and_no_event_on_gc(fresh_agent: Callable[..., AgentThread]) -> None:
    agent = fresh_agent(allocs=4, event_heartbeat=0.05)
    alloc_id = agent.create(job="collected")[0]
    before = int(agent.control("GET", "state")["index"])
    reader = asyncio.ensure_future(_stream(agent, 4, index=before + 1))
    await asyncio.sleep(0.01)
    agent.control("POST", f"alloc/{alloc_id}/gc")
    lines = await asyncio.wait_for(reader, 5)
    # `{}` first, the newest buffered entry (older than the index asked for: replayed anyway), then only
    # heartbeats: the GC produced no event.
    assert lines[0] == {} and lines[1]["Index"] == before and lines[2:] == [{}, {}]
    assert int(agent.control("GET", "state")["index"]) > before


async def test_payload_leaves_the_job_out(fresh_agent: Callable[..., AgentThread]) -> None:
    agent = fresh_agent(allocs=4)
    alloc_id = agent.create(job="payload")[0]
    index = _change(agent, alloc_id)
    lines = await _stream(agent, 2, index=index)
    payload = lines[1]["Events"][0]["Payload"]["Allocation"]
    assert payload["ID"] == alloc_id and "Job" not in payload and "TaskStates" in payload


async def test_namespace_star_needs_every_namespace(fresh_agent: Callable[..., AgentThread]) -> None:
    agent = fresh_agent(
        allocs=4,
        acl=True,
        acl_token="m",
        acl_namespace_tokens=(("narrow", ("default",)), ("wide", ("default", "prod", "staging", "data", "b"))),
    )
    agent.control("POST", "allocs", {"job": "in-b", "namespace": "b"}, token="m")
    async with httpx.AsyncClient(base_url=agent.url, timeout=10) as client:

        async def first_line(secret: str, namespace: str) -> bytes:
            params = {"topic": "Allocation", "namespace": namespace}
            headers = {"X-Nomad-Token": secret}
            async with client.stream("GET", "/v1/event/stream", params=params, headers=headers) as response:
                async for line in response.aiter_lines():
                    return line.encode()
            return b""

        assert await first_line("narrow", "*") == b""  # 1.11.2+: an empty 200 that closes
        assert await first_line("narrow", "default") == b"{}"
        assert await first_line("wide", "*") == b"{}"
        listed = await client.get("/v1/allocations", params={"namespace": "*"}, headers={"X-Nomad-Token": "narrow"})
        assert listed.status_code == 200 and {a["Namespace"] for a in listed.json()} == {"default"}
        refused = await client.get("/v1/allocations", params={"namespace": "b"}, headers={"X-Nomad-Token": "narrow"})
        assert refused.status_code == 403


async def test_older_versions_have_no_stream_or_pages(fresh_agent: Callable[..., AgentThread]) -> None:
    old = fresh_agent(allocs=10, nomad_version="0.12.12")
    response = old.client.get("/v1/event/stream", params={"topic": "Allocation"})
    assert response.status_code == 404 and response.content == b""
    items, token = page(old, per_page=2, reverse="true")
    assert token is None and len(items) == len(old.server.agent.cluster.allocs)
    assert [a["CreateIndex"] for a in items] == sorted(a["CreateIndex"] for a in items)  # oldest first
    before_hijack = fresh_agent(allocs=4, nomad_version="1.11.1", acl=True, acl_token="m")
    denied = before_hijack.client.get("/v1/event/stream", params={"topic": "Allocation"})
    assert denied.status_code == 403 and denied.text == "Permission denied"
