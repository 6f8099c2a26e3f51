"""Lifecycle actions against a hostile or broken agent: an accepted stop with an unreadable answer is
not a failure, a lost answer is "unknown", and an allocation ID made of dots stays one path segment."""

from __future__ import annotations

import socket

import pytest
from conftest import settings_for
from scripted_server import Reply, ScriptedServer

from nomad_tui.actions import ActionKind, Outcome, execute, plan
from nomad_tui.api import client as client_module
from nomad_tui.api.client import NomadClient
from nomad_tui.api.models import AllocStub
from nomad_tui.state.rows import build_row

pytestmark = pytest.mark.hostile

ALLOC = "c041b0d1-0000-4000-8000-000000000000"


async def stop_once(url: str, alloc_id: str = ALLOC) -> Outcome:
    client = NomadClient(settings_for(url))
    try:
        [outcome] = await execute(client, plan(ActionKind.STOP, [build_row(AllocStub(id=alloc_id, job_id="etl"))]))
    finally:
        await client.aclose()
    return outcome


async def test_a_stop_answered_200_with_a_malformed_body_is_not_a_failure() -> None:
    async with ScriptedServer([Reply(body=b"{not json")]) as server:
        outcome = await stop_once(server.url)
    assert outcome.ok and not outcome.unknown
    assert "accepted" in outcome.message


@pytest.mark.parametrize("reply", [Reply(hang=True), Reply(drop=True)], ids=["timeout", "dropped"])
async def test_a_lost_answer_is_unknown_not_failed(reply: Reply, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "DEFAULT_READ_TIMEOUT", 0.3)
    async with ScriptedServer([reply]) as server:
        outcome = await stop_once(server.url)
    assert not outcome.ok and outcome.unknown
    assert outcome.message.startswith("unknown, check the allocation")


async def test_a_refused_connection_is_a_failure_not_unknown() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = await stop_once(f"http://127.0.0.1:{port}")
    assert not outcome.ok and not outcome.unknown


@pytest.mark.parametrize("alloc_id", ["..", ".", "..."])
async def test_dot_ids_stay_one_path_segment(alloc_id: str) -> None:
    async with ScriptedServer([Reply.json({"EvalID": "e1"}, None)]) as server:
        await stop_once(server.url, alloc_id)
    encoded = alloc_id.replace(".", "%2E")
    assert [(s.method, s.path) for s in server.seen] == [("PUT", f"/v1/allocation/{encoded}/stop")]
