"""With `*` denied, the list falls back to one query per namespace; one namespace that cannot be
read (403, 500) must not hide the others, and the status bar says which one is not shown."""

from __future__ import annotations

import asyncio

import pytest
from conftest import settings_for
from scripted_server import Reply, ScriptedServer, Seen, stub
from textual.message import Message

from nomad_tui.api.client import NomadClient
from nomad_tui.state.connection import Phase
from nomad_tui.ui.messages import AllocListFetched, ListConnectionChanged
from nomad_tui.ui.watchers import AllocListWatcher

pytestmark = pytest.mark.hostile

DEFAULT_IDS = [f"d{n}000000-0000-4000-8000-000000000000" for n in range(4)]


@pytest.mark.parametrize(
    "prod", [Reply.error(403, "Permission denied"), Reply.error(500, "rpc error")], ids=["403", "500"]
)
async def test_one_unreadable_namespace_does_not_hide_the_others(prod: Reply) -> None:
    def answer(seen: Seen) -> Reply:
        namespace = seen.query.get("namespace", [""])[0]
        if seen.path == "/v1/namespaces":
            return Reply.json([{"Name": "default"}, {"Name": "prod"}], 3)
        if namespace == "*":
            return Reply.error(403, "Permission denied")
        if namespace == "prod":
            return prod
        if "index" in seen.query:
            return Reply(hang=True)
        return Reply.json([stub(i, 10) for i in DEFAULT_IDS], 12)

    messages: list[Message] = []
    arrived = asyncio.Event()

    def post(message: Message) -> None:
        messages.append(message)
        if isinstance(message, AllocListFetched):
            arrived.set()

    async with ScriptedServer(answer) as server:
        client = NomadClient(settings_for(server.url))
        watcher = AllocListWatcher(client, "*", post, wait=30.0)
        task = asyncio.ensure_future(watcher.run())
        try:
            await asyncio.wait_for(arrived.wait(), 20)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await client.aclose()
    [fetched] = [m for m in messages if isinstance(m, AllocListFetched)]
    assert sorted(s.id for s in fetched.stubs) == DEFAULT_IDS
    state = [m for m in messages if isinstance(m, ListConnectionChanged)][-1].state
    assert state.phase is Phase.LIVE and "prod" in state.error
