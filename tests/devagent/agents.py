"""Agents served from a background thread's event loop on loopback ports, for tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any

import httpx

from nomad_tui.devagent.config import AgentConfig
from nomad_tui.devagent.serve import RunningServer

START_TIME = 1_790_000_000.0


class AgentOverHttp:
    """What tests ask of any agent: its URL, an HTTP client, and its control endpoint."""

    url: str
    client: httpx.Client

    def control(self, method: str, path: str, body: dict[str, Any] | None = None, token: str = "") -> Any:
        headers = {"X-Nomad-Token": token} if token else {}
        response = self.client.request(method, f"/v1/devagent/{path}", json=body, headers=headers)
        response.raise_for_status()
        return response.json()

    def create(self, **body: Any) -> list[str]:
        return self.control("POST", "allocs", body)["ids"]

    def stop(self) -> None:
        raise NotImplementedError


class AgentThread(AgentOverHttp):
    def __init__(self, config: AgentConfig) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.server: RunningServer = self.call(RunningServer.start(config))
        self.url = self.server.url
        self.client = httpx.Client(base_url=self.url, timeout=30.0)

    def call(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    def stop(self) -> None:
        self.client.close()
        try:
            self.call(self.server.close())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)


def make_config(**overrides: Any) -> AgentConfig:
    base: dict[str, Any] = {"port": 0, "allocs": 24, "seed": 7, "churn": 0.0, "start_time": START_TIME}
    base.update(overrides)
    return AgentConfig(**base)


class ProcessAgent(AgentOverHttp):
    """The same helpers over an agent in its own process (own GIL): for timing-sensitive checks
    (no `call`: its loop is in the other process)."""

    def __init__(self, *flags: str) -> None:
        from nomad_tui.devagent.launcher import AgentProcess

        self.process = AgentProcess.start(*flags)
        self.url = self.process.url
        self.client = httpx.Client(base_url=self.url, timeout=30.0)

    def stop(self) -> None:
        self.client.close()
        self.process.stop()


class Background:
    """A private event loop thread for client-side checks that should overlap (each ~1 s of waiting)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def start(self, coro: Coroutine[Any, Any, Any]) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
