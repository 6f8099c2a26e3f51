"""A followed log that breaks after rotation resumes where it stopped: no replay, no loss."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator

import pytest
from devagent.agents import AgentThread, make_config

from nomad_tui.api.client import NomadClient
from nomad_tui.api.log_follow import follow_task_log
from nomad_tui.api.log_resume import LogPosition, Resume, position_of, resume_exact, resume_from_sizes
from nomad_tui.api.logs import LogFrame
from nomad_tui.settings import resolve


@pytest.fixture
def rotating_agent() -> Iterator[AgentThread]:
    agent = AgentThread(make_config(real_processes=False, log_max_bytes=100, log_max_files=50))
    yield agent
    agent.stop()


def _inject(agent: AgentThread, alloc_id: str, data: bytes) -> None:
    body = {"task": "main", "type": "stdout", "data_b64": base64.b64encode(data).decode()}
    agent.control("POST", f"alloc/{alloc_id}/log", body)


def _ours(data: bytes) -> list[bytes]:
    return [line for line in data.splitlines() if line.startswith(b"line ")]


async def test_resume_after_rotation_neither_replays_nor_loses(rotating_agent: AgentThread) -> None:
    agent = rotating_agent
    alloc_id = agent.create(job="resume")[0]
    first = b"".join(b"line %03d\n" % n for n in range(30))  # 270 bytes: the log rotates twice
    _inject(agent, alloc_id, first)
    received = bytearray()
    markers: list[str] = []
    got_first = asyncio.Event()

    def on_frame(frame: LogFrame) -> None:
        received.extend(frame.data)
        if frame.file_event:
            markers.append(frame.file_event)
        if first in received:
            got_first.set()

    client = NomadClient(resolve({"address": agent.url}, {}, {}))
    follower = asyncio.create_task(
        follow_task_log(
            client, alloc_id, "main", "stdout", start=("start", 0), on_frame=on_frame, on_state=lambda s: None
        )
    )
    try:
        await asyncio.wait_for(got_first.wait(), 20)
        agent.control("DELETE", "requests")
        assert (await asyncio.to_thread(agent.control, "POST", "drop", {"path_prefix": "/v1/client/fs/logs/"}))[
            "dropped_connections"
        ] == 1
        second = b"".join(b"line %03d\n" % n for n in range(30, 40))
        await asyncio.to_thread(_inject, agent, alloc_id, second)
        async with asyncio.timeout(20):
            while second not in bytes(received):
                await asyncio.sleep(0.05)
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
        await client.aclose()
    lines = _ours(bytes(received))
    assert lines == [b"line %03d" % n for n in range(40)]  # each once, in order
    assert not markers
    resumed = [r for r in agent.control("GET", "requests") if r["path"].startswith("/v1/client/fs/logs/")]
    assert resumed and "origin=start" in resumed[0]["query"]


def test_resume_arithmetic() -> None:
    assert position_of("alloc/logs/web.stdout.7", 40) == LogPosition(7, 40)
    assert resume_exact(LogPosition(0, 123)) == Resume("start", 123)
    assert resume_exact(LogPosition(3, 5)) is None
    sizes = {3: 100, 4: 100, 5: 20}
    assert resume_from_sizes(LogPosition(4, 60), sizes) == Resume("start", 160)
    gone = resume_from_sizes(LogPosition(1, 60), sizes)
    assert (gone.origin, gone.offset) == ("start", 0) and gone.gap


async def test_a_forwarded_permission_refusal_is_a_permission_problem() -> None:
    """A server forwarding logs answers the node's refusal as 500 "Permission denied": said as a
    permission problem and retried slowly, not backed off as a server error."""
    agent = AgentThread(
        make_config(
            real_processes=False,
            acl=True,
            acl_token="mgmt-secret-0001",
            acl_read_token="read-secret-0002",
            forwarded_logs=True,
        )
    )
    states: list[str] = []
    said = asyncio.Event()

    def on_state(text: str) -> None:
        states.append(text)
        if text.startswith("permission denied"):
            said.set()

    client = NomadClient(resolve({"address": agent.url, "token": "read-secret-0002"}, {}, {}))
    try:
        alloc_id = (await client.list_allocations()).value[0].id
        follower = asyncio.create_task(
            follow_task_log(
                client, alloc_id, "main", "stdout", start=("end", 0), on_frame=lambda f: None, on_state=on_state
            )
        )
        try:
            await asyncio.wait_for(said.wait(), 20)
        except TimeoutError:
            raise AssertionError(states) from None
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
    finally:
        await client.aclose()
        agent.stop()
    assert not any("server error" in s or "retrying in" in s for s in states)
