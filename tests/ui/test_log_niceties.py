"""The log view's power-user keys against the dev agent: timestamps, wrap, both streams, start point,
save (path shown, never overwriting without asking), copy and `?`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conftest import Control, settings_for, until

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.action_dialogs import ConfirmScreen
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.screens.help import HelpScreen
from nomad_tui.ui.screens.logs import LogsScreen
from nomad_tui.ui.screens.save_dialogs import ChoiceScreen, SavePathScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable
from nomad_tui.ui.widgets.log_view import LogView

STAMP = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} ")
LONG = "L" * 150 + "END"


def view_text(app: NomadTuiApp) -> list[str]:
    view = app.screen.query_one(LogView)
    return [view.render_line(y).text.rstrip() for y in range(view.size.height)]


async def open_logs(pilot: Any, app: NomadTuiApp, alloc_id: str) -> LogsScreen:
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    await until(pilot, lambda: alloc_id in screen.store, what="the list")
    assert screen.query_one(AllocTable).select_id(alloc_id)
    await pilot.press("l")
    await until(pilot, lambda: isinstance(app.screen, LogsScreen), what="the logs pane")
    logs = app.screen
    assert isinstance(logs, LogsScreen)
    return logs


async def test_timestamps_wrap_both_save_copy(agent: AgentProcess, control: Control, tmp_path: Path) -> None:
    alloc = next(a for a in await control.allocs() if a["JobID"] == "api" and a["ClientStatus"] == "running")
    alloc_id = alloc["ID"]
    for kind, data in (("stdout", LONG + "\n"), ("stderr", "stderr says hello\n")):
        await control.post(f"alloc/{alloc_id}/log", {"task": "app", "type": kind, "data": data})
    app = NomadTuiApp(settings_for(agent.url))
    app.save_dir = tmp_path
    async with app.run_test(size=(100, 30)) as pilot:
        logs = await open_logs(pilot, app, alloc_id)
        view = logs.view
        await until(pilot, lambda: logs.buffer.find("LLLEND", -1) is not None, what="the long line")
        assert not any(line.endswith("END") for line in view_text(app))  # cut at the edge, scrolls sideways
        assert logs.task_name == "app"
        assert not any(STAMP.match(line) for line in view_text(app))

        await pilot.press("t")
        await until(pilot, lambda: all(STAMP.match(line) for line in view_text(app) if line), what="timestamps")

        # Wrap: the long line folds over two rows, nothing is cut, no horizontal scrolling.
        # (Followed simulated logs grow a line every 2 s, so rows are compared with the lines there are.)
        await pilot.press("w")
        await until(pilot, lambda: view.virtual_size.height == len(logs.buffer) + 1, what="one more row")
        shown = view_text(app)
        assert any(line.endswith("END") for line in shown)
        assert max(len(line) for line in shown) <= view.size.width
        await pilot.press("w", "t")
        await until(pilot, lambda: view.virtual_size.height == len(logs.buffer), what="unwrapped")

        # Save: the suggested path is under the save directory; saving again asks before replacing.
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, SavePathScreen), what="the save dialog")
        dialog = app.screen
        assert isinstance(dialog, SavePathScreen)
        assert dialog.suggested.parent == tmp_path and alloc_id[:8] in dialog.suggested.name
        target = tmp_path / "saved.log"
        dialog.query_one("#save-path").value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, target.exists, what="the saved file")
        saved = target.read_text()
        assert LONG in saved and "\x1b" not in saved
        lines = saved.splitlines()  # what was buffered then (more may have arrived since)
        first = logs.buffer.first_number
        assert len(lines) > 40 and lines == [view.plain_line(n) for n in range(first, first + len(lines))]

        target.write_text("keep me")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, SavePathScreen), what="the save dialog again")
        app.screen.query_one("#save-path").value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the overwrite question")
        await pilot.press("n")
        await until(pilot, lambda: app.screen is logs, what="back in the logs")
        assert target.read_text() == "keep me"

        # Copy: the lines on screen, as plain text, through the app's clipboard.
        await pilot.press("c")
        assert "END" in app.clipboard and "\x1b" not in app.clipboard

        # Both streams: stderr lines interleave, labelled.
        await pilot.press("a")
        await until(
            pilot,
            lambda: any("err stderr says hello" in line for line in view_text(app)),
            what="stderr in the both view",
        )
        assert logs.kind == "both" and any(line.startswith("out ") for line in view_text(app))

        # Start from the start of the log: the first synthetic line is there.
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="the start choice")
        await pilot.press("end", "enter")
        await until(pilot, lambda: logs.start_back is None, what="from the start")
        await until(pilot, lambda: logs.buffer.find("[app]", -1) is not None, what="lines from the start")

        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the log keys")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen) and help_screen.only == "Logs"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is logs, what="back from help")
