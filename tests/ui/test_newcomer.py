"""What a new user trips over (issue 12): prompts, key bursts, filters, focus, dialogs, feedback."""

from __future__ import annotations

import pytest
from conftest import Control, screen_lines, send_burst, settings_for, until
from textual import events

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.widgets.prompt import PromptLine


def dashboard(app: NomadTuiApp) -> DashboardScreen:
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


async def test_prompts_show_what_is_typed_at_every_size(agent: AgentProcess) -> None:
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = dashboard(app)
        await until(pilot, lambda: len(screen.store) > 0, what="the list")
        for size in ((80, 24), (180, 50)):
            await pilot.resize_terminal(*size)
            await pilot.press("slash", "w", "e", "b")
            line = screen.query_one("#filter-line", PromptLine)
            await until(pilot, lambda: any("/ web" in row for row in screen_lines(app)), what=f"/ at {size}")
            assert line.region.height == 1 and line.input.has_focus
            await pilot.press("escape")
            await pilot.press("colon", "n", "s")
            await until(pilot, lambda: any(": ns" in row for row in screen_lines(app)), what=f": at {size}")
            await pilot.press("escape")
            await until(pilot, lambda: not screen.command_line.is_open, what="the command line to close")


@pytest.mark.parametrize(
    ("burst", "filtered", "sort"),
    [
        ("/status running\r", "status running", None),
        (":sort job\r", "", "job"),
        (":filter job:web e\r", "job:web e", None),
    ],
)
async def test_a_key_burst_after_slash_or_colon_all_goes_to_the_prompt(
    agent: AgentProcess, control: Control, burst: str, filtered: str, sort: str | None
) -> None:
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=(120, 35)) as pilot:
        screen = dashboard(app)
        await until(pilot, lambda: len(screen.store) > 0, what="the list")
        await control.clear_requests()
        send_burst(app, burst)
        await until(pilot, lambda: screen.table.has_focus and not screen.command_line.is_open, what="the burst")
        await pilot.pause()
        assert app.screen is screen, "a dialog or another screen opened"
        assert not screen.table.marks
        assert screen.view.filter.text == filtered
        if sort:
            assert screen.view.sort.column == sort
        paths = [r["path"] for r in await control.requests()]
        assert not [p for p in paths if "/exec" in p or "/logs" in p or "/stop" in p or "/restart" in p]


async def test_a_paste_never_reaches_the_dashboard_keys(agent: AgentProcess, control: Control) -> None:
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=(120, 35)) as pilot:
        screen = dashboard(app)
        await until(pilot, lambda: len(screen.store) > 0, what="the list")
        app._driver.send_message(events.Paste("ls -l\rs l x r\n"))  # onto the list: nothing happens
        await pilot.pause(0.1)
        assert app.screen is screen and not screen.table.marks
        send_burst(app, "/")
        app._driver.send_message(events.Paste("status running\nsl"))  # into the open prompt: its first line
        await until(pilot, lambda: screen.filter_line.input.value == "status running", what="the pasted text")
        assert app.screen is screen and screen.filter_line.input.has_focus
