"""Fault injection through the dev agent's switches: the app says what is wrong, keeps the cursor on its
allocation, never shows a traceback, and recovers by itself without a key press.

Run alone with `pytest -m faults`.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest
from conftest import ACL_ARGS, FIXED_START, MGMT_TOKEN, READ_TOKEN, Control, settings_for, until

from nomad_tui.api.client import NomadClient
from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.state.connection import Phase
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable

pytestmark = pytest.mark.faults

SIZE = (140, 40)
AGENT_ARGS = ("--allocs", "24", "--seed", "7", "--churn", "0", "--no-processes", "--start-time", str(FIXED_START))


def dashboard(app: NomadTuiApp) -> DashboardScreen:
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


def status_text(app: NomadTuiApp) -> str:
    return dashboard(app).status_bar.text().plain


def no_traceback(app: NomadTuiApp) -> None:
    assert app._exception is None and app.is_running
    texts = [n.message for n in app._notifications] + [status_text(app)]
    assert not any("Traceback" in t for t in texts)


async def loaded_with_cursor(pilot: Any, app: NomadTuiApp) -> tuple[DashboardScreen, str]:
    screen = dashboard(app)
    table = screen.query_one(AllocTable)
    await until(pilot, lambda: len(screen.store) > 5, what="the list")
    await pilot.press("j", "j", "j")
    assert table.cursor_id is not None
    return screen, table.cursor_id


def is_live(app: NomadTuiApp) -> bool:
    return dashboard(app).list_state.phase is Phase.LIVE and "● live" in status_text(app)


async def recovers(pilot: Any, app: NomadTuiApp, chosen: str) -> None:
    """Back to live by itself (no key pressed), the cursor on the same allocation, no traceback."""
    await until(pilot, lambda: is_live(app), timeout=60, what="recovery")
    assert dashboard(app).query_one(AllocTable).cursor_id == chosen
    no_traceback(app)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_agent_down_at_start_then_up(start_agent: Callable[..., AgentProcess]) -> None:
    port = free_port()
    app = NomadTuiApp(settings_for(f"http://127.0.0.1:{port}"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = dashboard(app)
        await until(pilot, lambda: "unreachable" in status_text(app), what="the unreachable state")
        assert "reconnecting in" in status_text(app)
        assert "Cannot list allocations: unreachable" in screen.query_one(AllocTable).empty_message
        start_agent(*AGENT_ARGS, "--port", str(port))
        await until(pilot, lambda: len(screen.store) == 24 and is_live(app), timeout=45, what="recovery")
        no_traceback(app)


async def test_agent_restart_with_index_going_backwards(agent: AgentProcess, control: Control) -> None:
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen, chosen = await loaded_with_cursor(pilot, app)
        index_before = screen.list_state.index
        await control.post("restart", {"index": 3})
        await until(
            pilot,
            lambda: screen.list_state.index < index_before and is_live(app),
            timeout=45,
            what="the lower index to be taken",
        )
        await control.post("churn", {"steps": 3})  # the cluster moves on from the restored index
        await until(pilot, lambda: screen.list_state.index > 3, what="updates after the restart")
        assert screen.query_one(AllocTable).cursor_id == chosen
        no_traceback(app)


async def test_agent_killed_and_started_again(start_agent: Callable[..., AgentProcess]) -> None:
    port = free_port()
    first = start_agent(*AGENT_ARGS, "--port", str(port))
    app = NomadTuiApp(settings_for(first.url))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen, chosen = await loaded_with_cursor(pilot, app)
        first.popen.kill()
        first.popen.wait()
        await until(pilot, lambda: screen.list_state.phase is Phase.RETRYING, what="the loss to show")
        assert "unreachable" in status_text(app) or "connection" in status_text(app)
        assert "old" in status_text(app)  # the data is marked stale
        start_agent(*AGENT_ARGS, "--port", str(port))  # same seed: same allocations, index from scratch
        await recovers(pilot, app, chosen)


async def test_burst_of_500s(agent: AgentProcess, control: Control) -> None:
    # Faults on list requests: the list engine (the fallback without an event stream) keeps the list live
    # with them; the event engine's faults are in test_feed_live.py.
    app = NomadTuiApp(settings_for(agent.url), feed_options={"force_list": True})
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        _screen, chosen = await loaded_with_cursor(pilot, app)
        await control.faults(
            fail_next=4, status=500, message="rpc error: No cluster leader", path_prefix="/v1/allocations"
        )
        await control.post("churn", {"steps": 1})  # wake the blocking list query
        await until(pilot, lambda: "server error" in status_text(app), what="the 5xx to show")
        assert "No cluster leader" in status_text(app)
        await recovers(pilot, app, chosen)


async def test_malformed_json(agent: AgentProcess, control: Control) -> None:
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen, chosen = await loaded_with_cursor(pilot, app)
        count = len(screen.store)
        await control.faults(malformed_next=1, path_prefix="/v1/allocations")
        await control.post("churn", {"steps": 1})
        await until(pilot, lambda: "bad response" in status_text(app), what="the bad body to show")
        assert len(screen.store) >= count - 1  # the last good list stays on screen
        await recovers(pilot, app, chosen)


async def test_answers_slower_than_the_wait(agent: AgentProcess, control: Control) -> None:
    settings = settings_for(agent.url)
    # wait=1 s: a blocking answer may take up to 1.06 s; we give up 0.4 s later. Blocking queries keep
    # the list live only in the list engine (the fallback when there is no event stream).
    app = NomadTuiApp(
        settings, client=NomadClient(settings, read_margin=0.4), watch_wait=1.0, feed_options={"force_list": True}
    )
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        _screen, chosen = await loaded_with_cursor(pilot, app)
        await control.faults(delay_ms=4000, delay_next=2, path_prefix="/v1/allocations")
        await until(pilot, lambda: "timed out" in status_text(app), what="the timeout to show")
        await recovers(pilot, app, chosen)


async def test_dropped_connections(agent: AgentProcess, control: Control) -> None:
    # Faults on list requests: the list engine (the fallback without an event stream) keeps the list live
    # with them; the event engine's faults are in test_feed_live.py.
    app = NomadTuiApp(settings_for(agent.url), feed_options={"force_list": True})
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen, chosen = await loaded_with_cursor(pilot, app)
        await control.faults(drop_next=2, path_prefix="/v1/allocations")
        await control.post("churn", {"steps": 1})
        await until(pilot, lambda: screen.list_state.phase is Phase.RETRYING, what="the drop to show")
        await recovers(pilot, app, chosen)


async def test_token_revoked_then_granted_again(start_agent: Callable[..., AgentProcess]) -> None:
    management, reader = MGMT_TOKEN, READ_TOKEN
    agent = start_agent(*AGENT_ARGS, *ACL_ARGS)
    control = Control(agent.url, token=management)
    try:
        app = NomadTuiApp(settings_for(agent.url, token=reader))
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen, chosen = await loaded_with_cursor(pilot, app)
            await control.post("acl/revoke", {"token": reader})
            await control.post("churn", {"steps": 1})  # wake the blocking query: the next one is refused
            await until(pilot, lambda: "permission denied" in status_text(app), what="the 403 to show")
            assert reader not in status_text(app)
            assert len(screen.store) > 0 and screen.query_one(AllocTable).cursor_id == chosen  # data kept
            await control.post("acl/grant", {"token": reader})
            await recovers(pilot, app, chosen)
    finally:
        await control.aclose()
