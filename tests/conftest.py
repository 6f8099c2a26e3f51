"""Shared fixtures: a real dev agent on a loopback port, its control endpoint, and app helpers."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.settings import Settings, resolve

# Times render in local time: pin the zone so screens are the same on every machine.
os.environ["TZ"] = "UTC"
time.tzset()

# ACL tokens for agents started with ACL_ARGS: a management token and a read-only one.
MGMT_TOKEN = "11111111-2222-3333-4444-555555555555"
READ_TOKEN = "99999999-8888-7777-6666-555555555555"
ACL_ARGS = ("--acl", "--acl-token", MGMT_TOKEN, "--acl-read-token", READ_TOKEN)

# A fixed simulated clock origin (2026-11-22 12:00:00 UTC) for reproducible data and snapshots.
FIXED_START = 1795348800.0


class Control:
    """Drives a dev agent from a test: its control endpoint (docs/devagent.md) and plain API reads."""

    def __init__(self, url: str, token: str | None = None) -> None:
        headers = {"X-Nomad-Token": token} if token else {}
        self.http = httpx.AsyncClient(base_url=url, headers=headers, timeout=30)
        self.url = url

    async def aclose(self) -> None:
        await self.http.aclose()

    async def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = await self.http.post(f"/v1/devagent/{path.lstrip('/')}", json=body or {})
        response.raise_for_status()
        return response.json()

    async def get(self, path: str) -> Any:
        response = await self.http.get(path)
        response.raise_for_status()
        return response.json()

    async def allocs(self, namespace: str = "*") -> list[dict[str, Any]]:
        return await self.get(f"/v1/allocations?namespace={namespace}&task_states=false")

    async def alloc(self, alloc_id: str) -> dict[str, Any]:
        return await self.get(f"/v1/allocation/{alloc_id}")

    async def requests(self) -> list[dict[str, Any]]:
        return await self.get("/v1/devagent/requests")

    async def clear_requests(self) -> None:
        (await self.http.delete("/v1/devagent/requests")).raise_for_status()

    async def faults(self, **spec: Any) -> Any:
        return await self.post("faults", spec)


@pytest.fixture
def start_agent() -> Iterator[Callable[..., AgentProcess]]:
    """Start dev agents (`start_agent("--allocs", "10")`); all are stopped after the test."""
    started: list[AgentProcess] = []

    def start(*args: str) -> AgentProcess:
        agent = AgentProcess.start(*args)
        started.append(agent)
        return agent

    yield start
    for agent in started:
        agent.stop()


@pytest.fixture
def agent(start_agent: Callable[..., AgentProcess]) -> AgentProcess:
    """A quiet agent: fixed seed and clock, no churn, simulated tasks only."""
    return start_agent(
        "--allocs", "24", "--seed", "7", "--churn", "0", "--no-processes", "--start-time", str(FIXED_START)
    )


@pytest.fixture
async def control(agent: AgentProcess) -> AsyncIterator[Control]:
    ctl = Control(agent.url)
    yield ctl
    await ctl.aclose()


def settings_for(url: str, **flags: Any) -> Settings:
    return resolve({"address": url, **flags}, {}, {})


async def until(
    pilot: Any,
    predicate: Callable[[], bool | Awaitable[bool]],
    *,
    timeout: float = 15.0,
    what: str | Callable[[], str] = "",
) -> None:
    """Let the app run until `predicate()` holds (checked between event-loop turns), or fail;
    `what` may be a function, called on failure to describe the state then."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {(what() if callable(what) else what) or predicate}")
        await pilot.pause(0.02)


async def poll(predicate: Callable[[], Awaitable[bool]], *, timeout: float = 15.0, what: str = "") -> None:
    """Re-check an outside condition (the agent's state) until it holds, or fail."""
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.05)


def terminal_output(app: Any) -> str:
    """Exactly what the driver would write to the real terminal for a full repaint of the screen."""
    update = app.screen._compositor.render_update(full=True)
    return "".join(update.render_segments(app.console))


async def drag(pilot: Any, widget: Any, start: tuple[int, int], end: tuple[int, int]) -> None:
    """Press the left button at `start` in `widget`, move with it held to `end`, release: a text selection."""
    from textual.events import MouseMove

    await pilot.mouse_down(widget, offset=start)
    await pilot._post_mouse_events([MouseMove], widget, offset=end, button=1)  # hover() moves with no button
    await pilot.mouse_up(widget, offset=end)
    await pilot.pause()


def screen_lines(app: Any) -> list[str]:
    """The text of every row of the screen as the terminal would show it."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def send_burst(app: Any, text: str) -> None:
    """Queue every character of `text` as a key at once, as a paste without bracketed paste (or keys
    batched over SSH) arrives: no event-loop turn between them, unlike `pilot.press`."""
    from textual import events
    from textual.keys import _character_to_key

    for char in text:
        key = "enter" if char in "\r\n" else "space" if char == " " else _character_to_key(char)
        event = events.Key(key, None if key == "enter" else char)
        event.set_sender(app)
        app._driver.send_message(event)


def first_palette_hit(app: Any) -> str:
    """The first hit's text in the open command palette ("" when there is none yet)."""
    from textual.command import CommandList

    try:
        hits = app.screen.query_one(CommandList)
    except Exception:
        return ""
    return str(hits.get_option_at_index(0).prompt) if hits.option_count else ""


def parse_python(source: str, filename: str = "<source>") -> Any:
    """`ast.parse`, once more if CPython 3.11's parser trips over its own recursion counter
    ("AST constructor recursion depth mismatch", python/cpython#106905) because another thread of
    this test process (a dev agent's loop) was compiling at the same moment."""
    import ast

    for _ in range(3):
        try:
            return ast.parse(source, filename)
        except SystemError:
            continue
    return ast.parse(source, filename)
