"""The list watcher on agents older than Nomad 0.12, where `namespace=*` is a literal name."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from devagent.agents import AgentThread, make_config

from nomad_tui.api.client import NomadClient
from nomad_tui.settings import resolve
from nomad_tui.ui.messages import AllocListFetched, NamespaceSubstituted
from nomad_tui.ui.watchers import AllocListWatcher

MGMT = "mgmt-secret"
SCOPED = "scoped-secret"  # may read namespace default only: /v1/agent/self is refused to it


@pytest.fixture(scope="module")
def old_agent() -> Iterator[AgentThread]:
    agent = AgentThread(
        make_config(
            real_processes=False,
            nomad_version="0.11.8",
            acl=True,
            acl_token=MGMT,
            acl_namespace_tokens=((SCOPED, ("default",)),),
        )
    )
    yield agent
    agent.stop()


async def _first_list(agent: AgentThread, token: str) -> tuple[AllocListFetched, list[object]]:
    messages: list[object] = []
    fetched = asyncio.Event()

    def post(message: object) -> None:
        messages.append(message)
        if isinstance(message, AllocListFetched):
            fetched.set()

    client = NomadClient(resolve({"address": agent.url, "token": token}, {}, {}))
    watcher = AllocListWatcher(client, "*", post)
    task = asyncio.create_task(watcher.run())
    try:
        await asyncio.wait_for(fetched.wait(), 20)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.aclose()
    return next(m for m in messages if isinstance(m, AllocListFetched)), messages


async def test_before_0_12_the_default_namespace_is_watched_instead_of_star(old_agent: AgentThread) -> None:
    fetched, messages = await _first_list(old_agent, MGMT)
    assert fetched.stubs and all(s.namespace == "default" for s in fetched.stubs)
    [substituted] = [m for m in messages if isinstance(m, NamespaceSubstituted)]
    assert substituted.watched == "default" and "0.11.8" in substituted.reason


async def test_with_the_version_unreadable_an_empty_star_list_is_checked(old_agent: AgentThread) -> None:
    # The scoped token cannot read /v1/agent/self; `*` answers [] (a namespace literally named so).
    assert old_agent.client.get("/v1/agent/self", headers={"X-Nomad-Token": SCOPED}).status_code == 403
    fetched, messages = await _first_list(old_agent, SCOPED)
    assert fetched.stubs and all(s.namespace == "default" for s in fetched.stubs)
    assert any(isinstance(m, NamespaceSubstituted) and m.watched == "default" for m in messages)
