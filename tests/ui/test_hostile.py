"""Hostile cluster data — Rich markup, ANSI/OSC escapes, C1 bytes, bidi overrides in names and event
messages — shows as inert text everywhere, and no injected sequence reaches the user's terminal."""

from __future__ import annotations

from typing import Any

from conftest import Control, settings_for, terminal_output, until

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.action_dialogs import ConfirmScreen
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable
from nomad_tui.ui.widgets.detail import DetailPanel

OSC52 = "\x1b]52;c;aGFja2Vk\x07"
TITLE = "\x1b]0;pwned\x07"
JOB = f"evil[b]job[/b][@click=app.quit]X{OSC52}\x9b31m\u202eRTL"
GROUP = "[/]grp\x1b[2J"
TASK = f"[bold]t1{TITLE}"
NODE = "node[red]1[/red]\x1b[5m"
MESSAGE = "msg [@click=app.quit]click[/] \x1b]52;c;aGk=\x1b\\ \x9b31m \u202e tail"
# Sequences that must never appear in what the app writes to the terminal.
INJECTED = ("\x1b]52;", "\x1b]0;pwned", "\x9b", "\u202e", "\x1b[2J", "\x1b[5m")


def assert_inert(app: NomadTuiApp, where: str) -> None:
    output = terminal_output(app)
    leaked = [seq for seq in INJECTED if seq in output]
    assert not leaked, f"{where}: {leaked!r} reached the terminal"
    assert app.is_running and app._exception is None


async def test_hostile_names_and_messages_are_inert_everywhere(agent: AgentProcess, control: Control) -> None:
    created = await control.post(
        "allocs", {"job": JOB, "group": GROUP, "tasks": [TASK], "node_name": NODE, "event_message": MESSAGE, "count": 1}
    )
    [alloc_id] = created["ids"]
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=(150, 45), notifications=True) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        table = screen.query_one(AllocTable)
        await until(pilot, lambda: alloc_id in screen.store, what="the hostile allocation")
        assert table.select_id(alloc_id)
        detail = screen.query_one(DetailPanel)
        await until(pilot, lambda: detail.alloc is not None and detail.alloc.id == alloc_id, what="its detail")
        await pilot.pause()

        # The list: markup shown literally, escapes made visible and inert.
        line = next(
            table.render_line(y).text for y in range(1, table.size.height) if alloc_id[:8] in table.render_line(y).text
        )
        assert "evil[b]job[/b][@click=app" in line and "[/]grp" in line and "node[red]1[/red]" in line
        assert_inert(app, "list and summary")

        # Every detail tab.
        for tab in ("tab-tasks", "tab-events", "tab-resources", "tab-reschedule", "tab-placement", "tab-summary"):
            screen.query_one("#detail-tabs").active = tab  # type: ignore[attr-defined]
            await pilot.pause()
            assert_inert(app, tab)
        summary = str(screen.query_one("#detail-summary").render())
        assert "evil[b]job[/b][@click=app.quit]X" in summary
        events = screen.query_one("#detail-events")
        messages = [str(events.get_row_at(i)[3]) for i in range(events.row_count)]  # type: ignore[attr-defined]
        assert any("[@click=app.quit]click[/]" in m for m in messages)
        # Clicking where an injected @click would be does nothing.
        screen.query_one("#detail-tabs").active = "tab-summary"  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.click("#detail-summary", offset=(14, 3))
        assert app.is_running

        # The confirmation dialog and the task picker.
        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        assert "evil[b]job[/b]" in str(app.screen.query_one("#confirm-targets").render())
        assert_inert(app, "confirmation")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        await pilot.press("r")  # one task: no picker, the confirmation names the hostile task
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        assert_inert(app, "restart confirmation")
        await pilot.press("y")
        await until(
            pilot,
            lambda: any("evil[b]job[/b]" in n.message for n in app._notifications),
            what="the result notification",
        )
        await pilot.pause()
        assert_inert(app, "notification")

        # The command palette lists the allocation by ID prefix, as plain text.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*alloc_id[:6])
        await until(pilot, lambda: "evil[b]job[/b]" in terminal_output(app), what="the palette hit")
        assert_inert(app, "command palette")
        await pilot.press("escape")
        assert app.is_running


async def test_status_bar_and_errors_with_hostile_text(agent: AgentProcess, control: Control) -> None:
    await control.faults(
        fail_next=3, status=500, message=f"boom {OSC52}{TITLE}[@click=app.quit]x", path_prefix="/v1/allocations"
    )
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=(150, 30)) as pilot:
        screen: Any = app.screen
        await until(pilot, lambda: "server error" in screen.status_bar.text().plain, what="the error")
        assert "[@click=app.quit]x" in screen.status_bar.text().plain
        assert_inert(app, "status bar")


async def test_hostile_log_lines_are_inert(agent: AgentProcess, control: Control) -> None:
    import base64

    from nomad_tui.ui.screens.logs import LogsScreen
    from nomad_tui.ui.widgets.log_view import LogView

    target = next(a for a in await control.allocs() if a["ClientStatus"] == "running")
    task = next(iter((await control.alloc(target["ID"]))["TaskStates"]))
    hostile = (
        f"\x1b[31mRED\x1b[0m [b]markup[/b] [@click=app.quit]x[/] {OSC52}{TITLE} \x9b31m \u202eRTL "
        "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ \x1b[2J\x1b[5m end\n"
    ).encode()
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=(150, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await until(pilot, lambda: target["ID"] in screen.store, what="the list")
        assert screen.query_one(AllocTable).select_id(target["ID"])
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogsScreen), what="the logs pane")
        logs = app.screen
        assert isinstance(logs, LogsScreen)
        await until(pilot, lambda: logs.buffer.received_bytes > 0, what="the first log lines")
        await control.post(
            f"alloc/{target['ID']}/log",
            {"task": task, "type": "stdout", "data_b64": base64.b64encode(hostile + b"\xff\x00 bad utf8\n").decode()},
        )
        view = logs.query_one(LogView)
        await until(
            pilot,
            lambda: any(
                "markup" in (logs.buffer.line(n) or "") for n in range(logs.buffer.first_number, logs.buffer.end_number)
            ),
            what="the hostile line",
        )
        await until(
            pilot, lambda: any("markup" in view.render_line(y).text for y in range(view.size.height)), what="shown"
        )
        rendered = [view.render_line(y).text for y in range(view.size.height)]
        line = next(text for text in rendered if "markup" in text)
        assert "RED [b]markup[/b] [@click=app.quit]x[/]" in line and "link" in line and "end" in line
        assert_inert(app, "logs pane")
        assert not any(
            getattr(seg.style, "link", None) for y in range(view.size.height) for seg in view.render_line(y)
        )  # no hyperlink survives
