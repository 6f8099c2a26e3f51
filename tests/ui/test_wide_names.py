"""CJK and emoji names are two cells wide: in every view that fits text into columns they take their cells, and the
columns after them stay where the header (or the next row) has them."""

from __future__ import annotations

from typing import Any

from conftest import Control, screen_lines, settings_for, until
from rich.cells import cell_len
from rich.table import Table
from textual.widgets import Static

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.keymap import RESOURCES
from nomad_tui.ui.screens.action_dialogs import ConfirmScreen, TaskPickerScreen
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.screens.help import HelpScreen
from nomad_tui.ui.screens.job_tail import JobTailScreen
from nomad_tui.ui.screens.logs import LogsScreen
from nomad_tui.ui.screens.resources import ResourceScreen

SIZE = (100, 30)
JOB = "日本語のジョブ名がとても長い-payments"
TASKS = ["タスク", "emoji-🚀"]


def column_of(line: str, token: str) -> int:
    """The cell (not character) where `token` starts in `line`."""
    return cell_len(line[: line.index(token)])


def lines_fit(app: NomadTuiApp) -> list[str]:
    """The screen's rows; each is exactly as wide as the terminal (a row that miscounts its cells is not)."""
    lines = screen_lines(app)
    assert [cell_len(line) for line in lines] == [SIZE[0]] * SIZE[1], "\n".join(lines)
    return lines


def row_with(lines: list[str], *tokens: str) -> str:
    return next(line for line in lines if all(t in line for t in tokens))


async def back_to_dashboard(pilot: Any, app: NomadTuiApp) -> None:
    await pilot.press("escape")
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="back to the list")


async def test_wide_names_keep_the_columns_in_every_view(agent: AgentProcess, control: Control) -> None:
    [alloc_id] = (
        await control.post("allocs", {"namespace": "default", "job": JOB, "group": "グループ", "tasks": TASKS})
    )["ids"]
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await until(pilot, lambda: alloc_id in screen.store, what="the allocation")
        assert screen.table.select_id(alloc_id)

        # The list, and the status bar with a filter in wide characters.
        await pilot.press("slash", *"日本語", "enter")
        await until(pilot, lambda: screen.view.filter.text == "日本語", what="the filter")
        lines = lines_fit(app)
        assert "[日本語]" in lines[0] and "allocs" in lines[0]
        assert column_of(row_with(lines, alloc_id[:8]), "running") == column_of(lines[1], "Status")

        # Detail panes: the tasks table's State column.
        await pilot.press("2")
        await until(pilot, lambda: sum(t in line for line in screen_lines(app) for t in TASKS) == 2, what="tasks")
        lines = lines_fit(app)
        header = row_with(lines, "Task", "State")
        for task in TASKS:
            assert column_of(row_with(lines, task, "running"), "running") == column_of(header, "State")
        await pilot.press("escape")

        # Dialogs: the confirmation and the task picker name the job and the tasks within the dialog.
        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        await until(pilot, lambda: any("group グループ" in line for line in screen_lines(app)), what="the target")
        lines_fit(app)
        await back_to_dashboard(pilot, app)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, TaskPickerScreen), what="the task picker")
        await until(pilot, lambda: any("task emoji-🚀" in line for line in screen_lines(app)), what="the tasks")
        lines = lines_fit(app)
        edges = {column_of(row_with(lines, f"task {task}"), "task") for task in TASKS}
        assert len(edges) == 1
        await back_to_dashboard(pilot, app)

        # The logs header.
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogsScreen), what="the logs")
        await until(pilot, lambda: "INFO" in "".join(screen_lines(app)), what="log lines")
        assert "日本語" in lines_fit(app)[0]
        await back_to_dashboard(pilot, app)

        # The job tail: every line's text starts in the same cell, whichever task's label it carries.
        await pilot.press("L")
        await until(pilot, lambda: isinstance(app.screen, JobTailScreen), what="the job tail")
        await until(
            pilot,
            lambda: all(any(f"INFO [{t}]" in line for line in screen_lines(app)) for t in TASKS),
            what="both tasks' lines",
        )
        lines = lines_fit(app)
        assert len({column_of(row_with(lines, f"INFO [{t}]"), "INFO") for t in TASKS}) == 1
        await back_to_dashboard(pilot, app)

        # The jobs view: the columns after the job's name stay put.
        await pilot.press("colon", *"jobs", "enter")
        await until(pilot, lambda: isinstance(app.screen, ResourceScreen), what="the jobs view")
        await until(pilot, lambda: any("日本語" in line for line in screen_lines(app)), what="the job")
        lines = lines_fit(app)
        assert column_of(row_with(lines, "日本語"), "service") == column_of(row_with(lines, " api "), "service")

        # `?` here starts with this view's own keys.
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        sections = [r for r in app.screen.query_one("#help-keys", Static).content.renderables if isinstance(r, Table)]
        assert sections[0].title == RESOURCES
