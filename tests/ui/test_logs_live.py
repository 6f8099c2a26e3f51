"""The logs pane against the dev agent's real logger process: tail, stderr toggle, search, follow."""

from __future__ import annotations

from collections.abc import Callable

from conftest import FIXED_START, Control, drag, poll, settings_for, until

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.screens.logs import LogsScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable
from nomad_tui.ui.widgets.log_view import LogView


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
            await pilot.press("slash", *"TICK 2:", "enter")  # case-insensitive
            await until(pilot, lambda: view.current_match is not None, what="a match")
            assert "tick 2:" in (logs.buffer.line(view.current_match) or "")  # type: ignore[arg-type]
            assert not view.follow  # jumping to a match stops following
            assert any("tick 2:" in line for line in view_text(app))  # and it is on screen
            # Select with the mouse and copy with ctrl+c (it once crashed the app: our `_render` shadowed Widget's).
            await drag(pilot, view, (0, 0), (3, 0))
            await pilot.press("ctrl+c")
            await pilot.pause()
            assert app.is_running and app.clipboard == view_text(app)[0][:4]
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="back to the list")
    finally:
        await control.aclose()
