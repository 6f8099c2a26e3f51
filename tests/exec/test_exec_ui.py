"""The exec sessions UI against the dev agent's real PTY: keys in, screen out, tabs, detach, reconnect."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import FIXED_START, Control, settings_for, until

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.screens.exec import ExecScreen
from nomad_tui.ui.screens.exec_dialogs import ExecCommandScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable
from nomad_tui.ui.widgets.exec_pane import ExecPane

SIZE = (100, 30)


@pytest.fixture(scope="module")
def exec_agent() -> Iterator[AgentProcess]:
    """One quiet agent for the module: simulated tasks, exec runs real commands in a PTY."""
    agent = AgentProcess.start(
        "--allocs", "8", "--seed", "5", "--churn", "0", "--no-processes", "--start-time", str(FIXED_START)
    )
    yield agent
    agent.stop()


async def running_allocs(url: str) -> list[dict[str, Any]]:
    control = Control(url)
    try:
        found = []
        for stub in await control.allocs():
            if stub["ClientStatus"] != "running":
                continue
            alloc = await control.alloc(stub["ID"])
            tasks = [n for n, s in (alloc.get("TaskStates") or {}).items() if s["State"] == "running"]
            if len(tasks) == 1:
                found.append(stub)
        return found
    finally:
        await control.aclose()


def screen_text(pane: ExecPane) -> str:
    return "\n".join(pane.terminal.emulator.display())


async def open_exec(pilot: Any, app: NomadTuiApp, alloc_id: str, command: str | None = None) -> ExecPane:
    dashboard = app.screen
    if not isinstance(dashboard, DashboardScreen):
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        dashboard = app.screen
    assert isinstance(dashboard, DashboardScreen)
    await until(pilot, lambda: alloc_id in dashboard.store, what="the allocation")
    assert dashboard.query_one(AllocTable).select_id(alloc_id)
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, ExecCommandScreen), what="the command prompt")
    if command is not None:
        prompt = app.screen.query_one("#exec-command")
        prompt.value = command  # type: ignore[attr-defined]
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ExecScreen), what="the exec screen")
    screen = app.screen
    assert isinstance(screen, ExecScreen)
    pane = screen.active_pane
    assert pane is not None
    await until(pilot, lambda: pane.session is not None and pane.session.connected, what="connected")
    return pane


async def type_text(pilot: Any, text: str) -> None:
    keys = []
    for char in text:
        keys.append({" ": "space", "\r": "enter", "|": "vertical_line", "~": "tilde", ".": "full_stop"}.get(char, char))
    await pilot.press(*keys)


async def test_echo_round_trip_and_exit_code(exec_agent: AgentProcess) -> None:
    [target, *_] = await running_allocs(exec_agent.url)
    app = NomadTuiApp(settings_for(exec_agent.url))
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_exec(pilot, app, target["ID"], "/bin/sh")
        await type_text(pilot, "echo hel''lo\r")
        await until(pilot, lambda: "\nhello" in screen_text(pane), what="the echo")
        await type_text(pilot, "exit 3\r")
        await until(pilot, lambda: pane.outcome is not None, what="the end")
        assert "exited with code 3" in pane.status_text()
