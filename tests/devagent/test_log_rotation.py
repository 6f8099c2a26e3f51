"""Task logs rotate as on a Nomad client (`<task>.<type>.N`), and the logs endpoint reads across them."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from typing import Any

import httpx

from nomad_tui.devagent.http.routes_logs import find_closest

from .agents import AgentThread

MAX_BYTES = 100


def _agent(fresh_agent: Callable[..., AgentThread], max_files: int = 3) -> tuple[AgentThread, str]:
    agent = fresh_agent(log_max_bytes=MAX_BYTES, log_max_files=max_files)
    alloc_id = agent.create(job="rotating")[0]
    return agent, alloc_id


def _inject(agent: AgentThread, alloc_id: str, data: bytes) -> int:
    body = {"task": "main", "type": "stdout", "data_b64": base64.b64encode(data).decode()}
    return agent.control("POST", f"alloc/{alloc_id}/log", body)["size"]


def _frames(body: bytes) -> list[dict[str, Any]]:
    decoder, text, pos, frames = json.JSONDecoder(), body.decode(), 0, []
    while pos < len(text):
        obj, pos = decoder.raw_decode(text, pos)
        frames.append(obj)
    return frames


def _read(agent: AgentThread, alloc_id: str, **params: Any) -> list[dict[str, Any]]:
    query = {"task": "main", "type": "stdout", "follow": "false", **params}
    response = agent.client.get(f"/v1/client/fs/logs/{alloc_id}", params=query)
    assert response.status_code == 200, response.text
    return [f for f in _frames(response.content) if f]


def _data(frames: list[dict[str, Any]]) -> bytes:
    return b"".join(base64.b64decode(f.get("Data", "")) for f in frames)


def test_files_rotate_and_only_the_newest_are_kept(fresh_agent: Callable[..., AgentThread]) -> None:
    agent, alloc_id = _agent(fresh_agent)
    marker = bytes(range(65, 91)) * 10  # 260 bytes
    assert _inject(agent, alloc_id, marker) <= MAX_BYTES
    frames = _read(agent, alloc_id, origin="start", offset="0")
    files = [f["File"] for f in frames]
    indexes = sorted({int(name.rsplit(".", 1)[1]) for name in files})
    assert len(indexes) == 3 and indexes == list(range(indexes[0], indexes[0] + 3)) and indexes[0] > 0
    assert all(name.startswith("alloc/logs/main.stdout.") for name in files)
    # Offsets count inside each file, never beyond its size.
    assert all(0 < f["Offset"] <= MAX_BYTES for f in frames)
    assert _data(frames).endswith(marker[-(MAX_BYTES * 2) :])


def test_origin_start_offset_counts_from_the_oldest_retained_file(fresh_agent: Callable[..., AgentThread]) -> None:
    agent, alloc_id = _agent(fresh_agent)
    _inject(agent, alloc_id, bytes(range(65, 91)) * 10)
    everything = _data(_read(agent, alloc_id, origin="start", offset="0"))
    frames = _read(agent, alloc_id, origin="start", offset="150")
    assert _data(frames) == everything[150:]
    assert frames[0]["File"] != frames[-1]["File"]
    tail = _read(agent, alloc_id, origin="end", offset="130")
    assert _data(tail) == everything[-130:]


def test_find_closest_walks_across_files() -> None:
    files = [(4, 100), (5, 100), (6, 30)]
    assert find_closest(files, 0, 0) == (4, 0)
    assert find_closest(files, 0, 150) == (5, 50)
    assert find_closest(files, 0, 10_000) == (6, 30)
    assert find_closest(files, 1 << 62, -40) == (5, 90)
    assert find_closest(files, 1 << 62, -10_000) == (4, 0)
    assert find_closest(files, 5, 0) == (5, 0)


def _ours(got: bytes) -> bytes:
    """Our lines (a followed simulated log also grows by synthetic lines of its own)."""
    return b"".join(line for line in got.splitlines(keepends=True) if line.startswith(b"line "))


async def _feed(agent: AgentThread, alloc_id: str, payload: bytes, step: int) -> None:
    for start in range(0, len(payload), step):
        await asyncio.to_thread(_inject, agent, alloc_id, payload[start : start + step])
        await asyncio.sleep(0.1)


async def test_a_follower_crosses_rotation_and_heartbeats_keep_coming(
    fresh_agent: Callable[..., AgentThread],
) -> None:
    agent, alloc_id = _agent(fresh_agent, max_files=50)
    _inject(agent, alloc_id, b"start\n")
    payload = b"".join(b"line %03d\n" % n for n in range(60))  # 540 bytes: five rotations
    got = b""
    heartbeats_during_data = 0
    files: set[str] = set()
    params = {"task": "main", "type": "stdout", "follow": "true", "origin": "end", "offset": "0"}
    async with (
        httpx.AsyncClient(base_url=agent.url, timeout=10) as client,
        client.stream("GET", f"/v1/client/fs/logs/{alloc_id}", params=params) as response,
    ):
        feeder = asyncio.ensure_future(_feed(agent, alloc_id, payload, 27))
        decoder, text = json.JSONDecoder(), ""
        async with asyncio.timeout(30):
            async for chunk in response.aiter_text():
                text += chunk
                while text:
                    try:
                        frame, end = decoder.raw_decode(text)
                    except ValueError:
                        break
                    text = text[end:]
                    if frame == {} and not feeder.done():
                        heartbeats_during_data += 1
                    elif "Data" in frame:
                        got += base64.b64decode(frame["Data"])
                        files.add(frame["File"])
                if _ours(got) == payload:
                    break
        await feeder
    assert _ours(got) == payload and len(files) >= 5
    # The 1 s heartbeat ticks whether or not data is flowing (data came every 0.1 s for ~2 s).
    assert heartbeats_during_data >= 1
