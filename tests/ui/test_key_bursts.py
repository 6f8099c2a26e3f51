"""Keys that arrive in one burst with the key opening a dialog (a paste, `tmux send-keys -l`, keys batched over
SSH) never answer the dialog, nor run another binding while the dialog is on its way."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import Control, settings_for, until
from textual import events
from textual.app import App
from textual.screen import Screen
from textual.widgets import Static

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui import key_gate
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.action_dialogs import ConfirmScreen, SignalPickerScreen, TaskPickerScreen
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.screens.exec_dialogs import ExecCommandScreen, ExecTaskPickerScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable

SIZE = (140, 40)


def key(name: str) -> events.Key:
    """A key event as the driver makes it, stamped with the moment it is 'read'."""
    return events.Key(name, name if len(name) == 1 else None)


def burst(app: NomadTuiApp, *keys: str) -> None:
    """Every key posted at once, none waiting for the previous one to be handled (one terminal read)."""
    for name in keys:
        app.post_message(key(name))


async def running_alloc(control: Control, job: str) -> str:
    found = [a for a in await control.allocs() if a["JobID"] == job and a["ClientStatus"] == "running"]
    assert found, f"a running {job} allocation"
    return str(found[0]["ID"])


async def check_burst(pilot: Any, app: NomadTuiApp, keys: tuple[str, ...], dialog: type[Screen[Any]]) -> None:
    """The burst opens `dialog` and every key after the first is dropped: the dialog stays, unanswered, alone."""
    dropped = app.key_gate.dropped
    burst(app, *keys)
    await until(pilot, lambda: isinstance(app.screen, dialog), what=f"{dialog.__name__} after {keys}")
    await until(pilot, lambda: app.key_gate.dropped == dropped + len(keys) - 1, what="the typed-ahead keys dropped")
    assert [type(s) for s in app.screen_stack[1:]] == [DashboardScreen, dialog]  # no raw view, logs, detail…
    await pilot.press("escape")  # a key pressed once the dialog is up does answer it
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dialog to close")


async def test_bursts_never_answer_a_dialog_or_reach_the_dashboard(agent: AgentProcess, control: Control) -> None:
    two_tasks, one_task = await running_alloc(control, "api"), await running_alloc(control, "web")
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        table = screen.query_one(AllocTable)
        await until(pilot, lambda: two_tasks in screen.store and one_task in screen.store, what="the allocations")
        await control.clear_requests()

        assert table.select_id(two_tasks)
        await check_burst(pilot, app, ("ctrl+d", "y"), ConfirmScreen)  # `y` alone would open the raw view
        await check_burst(pilot, app, ("r", "enter", "y"), TaskPickerScreen)
        await check_burst(pilot, app, ("x", "enter", "enter", "y"), SignalPickerScreen)
        await check_burst(pilot, app, ("s", "enter", "enter"), ExecTaskPickerScreen)
        assert table.select_id(one_task)
        await check_burst(pilot, app, ("s", "enter"), ExecCommandScreen)  # enter would run the command
        await check_burst(pilot, app, ("r", "y"), ConfirmScreen)  # one task: straight to the confirmation

        # A key read before the dialog opened but handled after it is up does not answer it either.
        early = key("y")
        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        dropped = app.key_gate.dropped
        app.post_message(early)
        await until(pilot, lambda: app.key_gate.dropped == dropped + 1, what="the early key dropped")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dialog to close")

    assert not [r for r in await control.requests() if r["method"] in ("PUT", "POST")]


async def test_a_key_typed_just_before_an_action_key_runs_first(agent: AgentProcess) -> None:
    """`j ctrl+d` in one read: the stop is for the row `j` moved to (the action key is a priority binding,
    run as it is read, while the `j` still bubbles up to the screen's binding)."""
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        table = screen.query_one(AllocTable)
        await until(pilot, lambda: len(screen.view) > 4, what="the allocations")
        rows = [screen.view.row_at(i) for i in range(len(screen.view))]
        running = [row.status == "running" for row in rows]
        first = next(i for i in range(len(rows) - 1) if running[i] and running[i + 1])
        assert table.select_id(rows[first].id)
        await pilot.pause()
        burst(app, "j", "ctrl+d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        assert table.cursor_id == rows[first + 1].id
        shown = " ".join(str(widget.render()) for widget in app.screen.query(Static))
        assert rows[first + 1].id[:8] in shown and rows[first].id[:8] not in shown
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dialog to close")


async def test_the_order_marker_goes_past_a_removed_widget(monkeypatch: pytest.MonkeyPatch) -> None:
    """The widget that had the keys may be gone when an action starts: the wait still ends (not by
    its safety net, which is made endless here; the outer bound only turns a hang into a failure)."""
    monkeypatch.setattr(key_gate, "MARKER_PATIENCE", None)
    app: App[None] = App()
    async with app.run_test():
        widget = Static("gone")
        await app.screen.mount(widget)
        await widget.remove()
        await asyncio.wait_for(key_gate.typed_before_handled(app, widget), 60)
