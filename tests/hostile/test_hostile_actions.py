"""Lifecycle actions against a hostile or broken agent: an accepted stop with an unreadable answer is
not a failure, a lost answer is "unknown", and an allocation ID made of dots stays one path segment."""

from __future__ import annotations

import asyncio
import socket

import pytest
from conftest import settings_for, until
from scripted_server import Reply, ScriptedServer, Seen, alloc, stub
from textual.widgets import DataTable

from nomad_tui.actions import ActionKind, Outcome, execute, plan
from nomad_tui.api import client as client_module
from nomad_tui.api.client import NomadClient
from nomad_tui.api.models import AllocStub
from nomad_tui.state.rows import build_row
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.action_dialogs import ConfirmScreen, ResultsScreen
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable

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


async def test_a_second_action_during_a_bulk_action_is_refused_and_the_first_reports_in_full() -> None:
    ids = [f"{n}a000000-0000-4000-8000-000000000000" for n in range(1, 7)]
    release = asyncio.Event()

    def answer(seen: Seen) -> Reply:
        if seen.method == "PUT":
            return Reply.json({"EvalID": "e1234567"}, None, release=release)
        if "index" in seen.query:
            return Reply(hang=True)
        if seen.path == "/v1/allocations":
            return Reply.json([stub(i, 10 + n) for n, i in enumerate(ids)], 20)
        return Reply.json(alloc(seen.path.rsplit("/", 1)[-1]), 20)

    async with ScriptedServer(answer) as server:
        app = NomadTuiApp(settings_for(server.url))
        async with app.run_test(size=(140, 40), notifications=True) as pilot:
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await until(pilot, lambda: len(screen.store) == len(ids), what="the list")
            screen.query_one(AllocTable).marks.update(ids)
            await pilot.press("ctrl+d")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
            await pilot.press("y")
            await until(pilot, lambda: sum(s.method == "PUT" for s in server.seen) >= 1, what="the first stop")

            await pilot.press("ctrl+d")  # a second action while the first runs
            await until(pilot, lambda: any("still running" in n.message for n in app._notifications), what="refusal")
            assert not isinstance(app.screen, ConfirmScreen)
            release.set()
            await until(pilot, lambda: isinstance(app.screen, ResultsScreen), what="the full report")
            results = app.screen
            assert isinstance(results, ResultsScreen)
            assert len(results.outcomes) == len(ids) and all(o.ok for o in results.outcomes)
            assert sum(s.method == "PUT" for s in server.seen) == len(ids)
            # Shown in full (and mounted before the app is torn down).
            await until(pilot, lambda: sum(t.row_count for t in results.query(DataTable)) == len(ids), what="rows")
