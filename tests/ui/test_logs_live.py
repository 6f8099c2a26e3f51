"""The logs pane against the dev agent's real logger process: tail, stderr toggle, search, follow."""

from __future__ import annotations

from collections.abc import Callable

from conftest import FIXED_START, Control, drag, poll, screen_lines, settings_for, until
from textual.widgets import Static

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.screens.help import HelpScreen
from nomad_tui.ui.screens.logs import LogsScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable
from nomad_tui.ui.widgets.log_view import LogView


def header_text(logs: LogsScreen) -> str:
    return str(logs.query_one("#logs-header", Static).render())


def state_text(logs: LogsScreen) -> str:
    return str(logs.query_one("#logs-state", Static).render())


def view_text(app: NomadTuiApp) -> list[str]:
    view = app.screen.query_one(LogView)
    return [view.render_line(y).text.rstrip() for y in range(view.size.height)]


async def test_logs_tail_toggle_and_search(start_agent: Callable[..., AgentProcess]) -> None:
    agent = start_agent("--allocs", "6", "--seed", "3", "--churn", "0", "--start-time", str(FIXED_START))
    control = Control(agent.url)
    try:
        worker: list[str] = []

        async def logger_running() -> bool:
            worker[:] = [
                a["ID"] for a in await control.allocs() if a["JobID"] == "worker" and a["ClientStatus"] == "running"
            ]
            return bool(worker)

        await poll(logger_running, what="the logger task")
        app = NomadTuiApp(settings_for(agent.url))
        async with app.run_test(size=(120, 30)) as pilot:
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await until(pilot, lambda: worker[0] in screen.store, what="the list")
            assert screen.query_one(AllocTable).select_id(worker[0])
            await pilot.press("l")
            await until(pilot, lambda: isinstance(app.screen, LogsScreen), what="the logs pane")
            logs = app.screen
            assert isinstance(logs, LogsScreen)
            await until(
                pilot, lambda: any("all systems nominal" in line for line in view_text(app)), what="stdout lines"
            )
            assert logs.task_name == "logger" and logs.kind == "stdout"
            # New lines keep arriving and the view follows the tail.
            last = logs.buffer.end_number
            await until(pilot, lambda: logs.buffer.end_number > last + 1, timeout=20, what="more lines")
            view = logs.query_one(LogView)
            assert view.follow and int(view.scroll_y) == view.max_scroll_y
            await pilot.press("e")
            await until(
                pilot,
                lambda: logs.kind == "stderr" and any("queue depth high" in line for line in view_text(app)),
                timeout=20,
                what="stderr lines",
            )
            assert not any("all systems nominal" in line for line in view_text(app))
            await pilot.press("o")
            await until(
                pilot,
                lambda: logs.kind == "stdout" and logs.buffer.find("tick 2:", -1) is not None,
                what="stdout again, from the start of the small log",
            )
            await pilot.press("slash", *"TICK 2:")
            await until(pilot, lambda: any("/ TICK 2:" in row for row in screen_lines(app)), what="the search line")
            await pilot.press("enter")  # case-insensitive
            await until(pilot, lambda: view.current_match is not None, what="a match")
            assert "tick 2:" in (logs.buffer.line(view.current_match) or "")  # type: ignore[arg-type]
            assert not view.follow  # jumping to a match stops following
            assert any("tick 2:" in line for line in view_text(app))  # and it is on screen
            # Select with the mouse and copy with ctrl+c (it once crashed the app: our `_render` shadowed Widget's).
            await drag(pilot, view, (0, 0), (3, 0))
            await pilot.press("ctrl+c")
            await pilot.pause()
            assert app.is_running and app.clipboard == view_text(app)[0][:4]
            assert "paused" in header_text(logs)
            await pilot.press("G")  # back to the end, and following again as the header says
            await until(pilot, lambda: view.follow and "following" in header_text(logs), what="following again")
            last = logs.buffer.end_number
            await until(pilot, lambda: logs.buffer.end_number > last, timeout=20, what="one more line")
            await until(pilot, lambda: int(view.scroll_y) == view.max_scroll_y, what="the view at the new tail")
            assert "paused" not in header_text(logs) and "following" not in state_text(logs)
            await pilot.press("s")
            await until(pilot, lambda: "paused" in header_text(logs), what="the header to say paused")
            await pilot.press("end")
            await until(pilot, lambda: view.follow and "following" in header_text(logs), what="end follows too")
            await pilot.press("T", "C")  # one task; colours: both answer
            await until(pilot, lambda: len(app._notifications) >= 2, what="two notes")
            notes = [n.message for n in app._notifications]
            assert any("one task" in n for n in notes) and any("colours off" in n for n in notes)
            await pilot.press("question_mark")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help from the logs")
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is logs, what="back to the logs")
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="back to the list")
    finally:
        await control.aclose()
