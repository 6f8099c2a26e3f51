"""POST /v1/devagent/alloc/<id>/log: bytes appended to a task's log file arrive through /v1/client/fs/logs."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx

from .helpers import find, parse_frames

# ANSI colour, an OSC 52 clipboard write, a C1 CSI, bidi overrides, a lone invalid UTF-8 byte, a NUL.
HOSTILE = b"\x1b[31mred\x1b[0m \x1b]52;c;aGk=\x07 \xc2\x9b2J \xe2\x80\xaeevil\xe2\x80\xac \xff\x00 \x9b1m\n"


async def _follow_until(url: str, alloc_id: str, params: dict[str, str], inject: Any, wanted: bytes) -> bytes:
    """Follow a log from its end, inject once the stream is open, collect until `wanted` arrived."""
    received = b""
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        # One byte back from the end (the last line's newline): offset 0 would mean the newest file from
        # its start, as in Nomad's findClosest.
        query = {**params, "follow": "true", "origin": "end", "offset": "1"}
        async with asyncio.timeout(8), client.stream("GET", f"/v1/client/fs/logs/{alloc_id}", params=query) as r:
            assert r.status_code == 200
            await client.post(f"/v1/devagent/alloc/{alloc_id}/log", json=inject)
            async for chunk in r.aiter_bytes():
                received += chunk
                data = received if params.get("plain") == "true" else _data(received)
                if wanted in data:
                    return data[1:]
    raise AssertionError("the injected bytes never arrived")


def _data(framed: bytes) -> bytes:
    return b"".join(base64.b64decode(f["Data"]) for f in parse_frames(framed) if "Data" in f)


async def test_raw_bytes_reach_a_followed_simulated_log(fresh_agent: Any) -> None:
    agent = fresh_agent(allocs=3)
    alloc_id = agent.create(job="inject", tasks=["t"])[0]
    before = agent.client.get(f"/v1/client/fs/logs/{alloc_id}", params={"task": "t", "type": "stderr", "plain": "true"})
    body = {"task": "t", "type": "stderr", "data_b64": base64.b64encode(HOSTILE).decode()}
    data = await _follow_until(agent.url, alloc_id, {"task": "t", "type": "stderr"}, body, HOSTILE)
    assert data == HOSTILE  # followed from the end: exactly the injected bytes, in Data frames
    after = agent.client.get(f"/v1/client/fs/logs/{alloc_id}", params={"task": "t", "type": "stderr", "plain": "true"})
    assert after.content == before.content + HOSTILE  # appended after the synthetic lines


async def test_text_reaches_a_real_tasks_followed_plain_log(fresh_agent: Any) -> None:
    agent = fresh_agent(allocs=3, real_processes=True)
    alloc_id = find(agent, "worker")["ID"]
    text = "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\ \u202eevil \u009b31m\n"
    body = {"task": "logger", "type": "stdout", "data": text}
    data = await _follow_until(
        agent.url, alloc_id, {"task": "logger", "type": "stdout", "plain": "true"}, body, text.encode()
    )
    assert text.encode() in data


def test_answers_and_refusals(fresh_agent: Any) -> None:
    agent = fresh_agent(allocs=3)
    alloc_id = agent.create(job="inject-checks", tasks=["t"])[0]
    size = agent.control("POST", f"alloc/{alloc_id}/log", {"task": "t", "type": "stdout", "data": "x\n"})["size"]
    plain = agent.client.get(f"/v1/client/fs/logs/{alloc_id}", params={"task": "t", "type": "stdout", "plain": "true"})
    assert size == len(plain.content) and plain.content.endswith(b"x\n")
    path = f"/v1/devagent/alloc/{alloc_id}/log"
    refusals = [
        ({"type": "stdout", "data": "x"}, 400),
        ({"task": "nope", "type": "stdout", "data": "x"}, 400),
        ({"task": "t", "type": "stdin", "data": "x"}, 400),
        ({"task": "t", "type": "stdout"}, 400),
        ({"task": "t", "type": "stdout", "data": "x", "data_b64": "eA=="}, 400),
        ({"task": "t", "type": "stdout", "data_b64": "not base64!"}, 400),
        ({"task": "t", "type": "stdout", "data": 5}, 400),
    ]
    for body, status in refusals:
        assert agent.client.post(path, json=body).status_code == status, body
    missing = agent.client.post("/v1/devagent/alloc/00000000-0000-0000-0000-000000000000/log", json={"task": "t"})
    assert (missing.status_code, missing.text) == (404, "alloc not found")
    assert agent.client.get(path).status_code == 405
