"""Exec against a hostile agent: a redirect on the upgrade is never followed, so the token cannot be
walked to another address; an exit code that is not an integer is not reported as success."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import settings_for
from scripted_server import Reply, ScriptedServer
from websockets.asyncio.server import ServerConnection, serve

from nomad_tui.api.exec_session import ConnectFailed, ExecSession

pytestmark = pytest.mark.hostile

TOKEN = "5ec12e70-aaaa-bbbb-cccc-0123456789ab"


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_exec_never_follows_a_redirect_and_the_token_stays_home(status: int) -> None:
    collected: list[Any] = []

    async def collector(ws: ServerConnection) -> None:
        collected.append(json.loads(await ws.recv()))

    async with serve(collector, "127.0.0.1", 0) as other:
        other_port = other.sockets[0].getsockname()[1]
        location = f"ws://127.0.0.1:{other_port}/collect"
        async with ScriptedServer([Reply(status=status, body=b"", headers={"Location": location})]) as server:
            session = ExecSession(
                settings_for(server.url, token=TOKEN), "a1b2c3d4", "web", ["/bin/sh"], on_output=lambda _: None
            )
            outcome = await session.run()
    assert collected == [], f"the token went to the redirect's target: {collected}"
    assert isinstance(outcome, ConnectFailed)
    text = outcome.describe()
    assert "redirect" in text and f"HTTP {status}" in text and "not sent" in text
    assert TOKEN not in text
    assert len(server.seen) == 1


async def test_exec_exit_code_that_is_not_an_integer_is_not_success() -> None:
    async def agent(ws: ServerConnection) -> None:
        await ws.recv()  # handshake
        await ws.send(json.dumps({"exited": True, "result": {"exit_code": "NaN"}}))
        await ws.wait_closed()

    async with serve(agent, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        session = ExecSession(
            settings_for(f"http://127.0.0.1:{port}"), "a1b2c3d4", "web", ["/bin/sh"], on_output=lambda _: None
        )
        outcome = await session.run()
    text = outcome.describe()
    assert "code 0" not in text
    assert "unknown" in text
