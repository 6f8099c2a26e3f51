"""Client-side helpers for dev agent tests: polling with a deadline, exec sessions, stream readers."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import websockets
from websockets.exceptions import ConnectionClosed

from .agents import AgentThread


def poll(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Call `check` until it returns something truthy or the deadline passes (then fail)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value {value!r}")
        time.sleep(interval)


def alloc(agent: AgentThread, alloc_id: str) -> dict[str, Any]:
    response = agent.client.get(f"/v1/allocation/{alloc_id}")
    response.raise_for_status()
    return response.json()


def list_allocs(agent: AgentThread, **params: Any) -> list[dict[str, Any]]:
    response = agent.client.get("/v1/allocations", params={"namespace": "*", **params})
    response.raise_for_status()
    return response.json()


def find(agent: AgentThread, job: str, status: str = "running", namespace: str = "default") -> dict[str, Any]:
    for stub in list_allocs(agent, namespace=namespace):
        if stub["JobID"] == job and stub["ClientStatus"] == status and stub["DesiredStatus"] == "run":
            return stub
    raise AssertionError(f"no {status} alloc of {job}")


def task_events(body: dict[str, Any], task: str) -> list[dict[str, Any]]:
    return body["TaskStates"][task]["Events"]


def parse_frames(body: bytes) -> list[dict[str, Any]]:
    """Back-to-back JSON objects with no separator (the logs endpoint's framing)."""
    decoder = json.JSONDecoder()
    text = body.decode()
    frames = []
    pos = 0
    while pos < len(text):
        obj, end = decoder.raw_decode(text, pos)
        frames.append(obj)
        pos = end
    return frames


@dataclass
class ExecResult:
    frames: list[dict[str, Any]] = field(default_factory=list)
    close_code: int | None = None
    close_reason: str = ""

    @property
    def stdout(self) -> bytes:
        return b"".join(base64.b64decode(f["stdout"]["data"]) for f in self.frames if f.get("stdout", {}).get("data"))

    @property
    def exited(self) -> dict[str, Any] | None:
        return next((f for f in self.frames if f.get("exited")), None)


def exec_url(base: str, alloc_id: str, task: str, command: list[str], tty: bool, handshake: bool = False) -> str:
    ws = base.replace("http://", "ws://")
    url = f"{ws}/v1/client/allocation/{alloc_id}/exec?task={quote(task)}&tty={str(tty).lower()}"
    url += f"&command={quote(json.dumps(command))}"
    if handshake:
        url += "&ws_handshake=true"
    return url


async def run_exec(
    url: str,
    send: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    until: Callable[[ExecResult], bool] | None = None,
    timeout: float = 10.0,
    send_after: Callable[[ExecResult], bool] | None = None,
    later: list[dict[str, Any]] | None = None,
) -> ExecResult:
    """Open an exec socket, send `send` frames, collect frames until close (or `until` holds).
    With `send_after`, the `later` frames go out once that condition holds on what arrived so far."""
    result = ExecResult()
    async with asyncio.timeout(timeout):
        try:
            async with websockets.connect(url, additional_headers=headers or {}, max_size=None) as ws:
                for frame in send or []:
                    await ws.send(json.dumps(frame))
                pending_later = list(later or [])
                while True:
                    message = await ws.recv()
                    result.frames.append(json.loads(message))
                    if pending_later and send_after is not None and send_after(result):
                        for frame in pending_later:
                            await ws.send(json.dumps(frame))
                        pending_later = []
                    if until is not None and until(result):
                        return result
        except ConnectionClosed as exc:
            if exc.rcvd is not None:
                result.close_code = exc.rcvd.code
                result.close_reason = exc.rcvd.reason
            else:
                result.close_code = 1006
    return result


async def read_lines(client: httpx.AsyncClient, url: str, params: Any, count: int, timeout: float) -> list[str]:
    """The first `count` NDJSON lines of a streaming response."""
    lines: list[str] = []
    async with asyncio.timeout(timeout), client.stream("GET", url, params=params) as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            lines.append(line)
            if len(lines) >= count:
                break
    return lines


async def until_in_flight(
    client: httpx.AsyncClient, path: str, query_part: str = "", *, unanswered: bool = True
) -> None:
    """Wait until the agent has received a request on `path` whose query contains `query_part` and
    (`unanswered`) has not answered it yet: its request log keeps status 0 until then.  A change made
    after this is one a blocking request must see (if its handler has not started waiting yet, the
    index has moved past the one asked for, so it answers at once)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        entries = (await client.get("/v1/devagent/requests")).json()
        if any(
            e["path"] == path and query_part in e["query"] and (e["status"] == 0 or not unanswered) for e in entries
        ):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no request on {path} ({query_part}) arrived")
