"""The exec sessions UI against the dev agent's real PTY: keys in, screen out, tabs, detach, reconnect.

Each test drives the whole app with Pilot and waits on conditions (screen text, session state),
never on fixed sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import FIXED_START, Control, drag, settings_for, terminal_output, until
from textual import events
from textual.command import CommandPalette

from nomad_tui.api.exec_session import ClosedByServer, ClosedByUser, ConnectionLost, Exited
from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui import raw_input
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.screens.exec import ExecScreen
from nomad_tui.ui.screens.exec_dialogs import ExecCommandScreen, ExecTaskPickerScreen, SessionsScreen
from nomad_tui.ui.screens.help import HelpScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable
from nomad_tui.ui.widgets.exec_pane import ExecPane

SIZE = (100, 30)
# Sequences that must never reach the user's real terminal.
INJECTED = ("\x1b]52;", "\x1b]0;", "\x1b]2;")


@pytest.fixture(scope="module")
def exec_agent() -> Iterator[AgentProcess]:
    """One quiet agent for the module: simulated tasks, exec runs real commands in a PTY.
    Each test execs into allocations of its own (see `targets`)."""
    agent = AgentProcess.start(
        "--allocs", "14", "--seed", "5", "--churn", "0", "--no-processes", "--start-time", str(FIXED_START)
    )
    yield agent
    agent.stop()


async def targets(url: str, first: int, count: int = 1, *, tasks: int = 1) -> list[str]:
    """IDs of running allocations with exactly `tasks` running tasks, from position `first` on."""
    control = Control(url)
    try:
        found = []
        for stub in sorted(await control.allocs(), key=lambda s: s["ID"]):
            if stub["ClientStatus"] != "running":
                continue
            alloc = await control.alloc(stub["ID"])
            running = [n for n, s in (alloc.get("TaskStates") or {}).items() if s["State"] == "running"]
            if len(running) == tasks:
                found.append(stub["ID"])
        assert len(found) >= first + count, "not enough running allocations"
        return found[first : first + count]
    finally:
        await control.aclose()


def screen_text(pane: ExecPane) -> str:
    return "\n".join(pane.terminal.emulator.display())


async def open_exec(pilot: Any, app: NomadTuiApp, alloc_id: str, command: str | None = None) -> ExecPane:
    if not isinstance(app.screen, DashboardScreen):
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
    dashboard = app.screen
    assert isinstance(dashboard, DashboardScreen)
    await until(pilot, lambda: alloc_id in dashboard.store, what="the allocation")
    assert dashboard.query_one(AllocTable).select_id(alloc_id)
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, ExecCommandScreen), what="the command prompt")
    if command is not None:
        app.screen.query_one("#exec-command").value = command  # type: ignore[attr-defined]
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ExecScreen), what="the exec screen")
    screen = app.screen
    assert isinstance(screen, ExecScreen)
    pane = screen.active_pane
    assert pane is not None and pane.target.alloc_id == alloc_id
    await until(pilot, lambda: pane.session is not None and pane.session.connected, what="connected")
    return pane


KEY_NAMES = {" ": "space", "\r": "enter", "~": "tilde", ".": "full_stop"}


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*(KEY_NAMES.get(char, char) for char in text))


async def run_line(pilot: Any, pane: ExecPane, line: str, expect: str, what: str = "") -> None:
    """Paste a command line (one key press per character costs ~50 ms under Pilot) and press enter."""
    pane.terminal.post_message(events.Paste(line))
    await pilot.press("enter")
    await until(pilot, lambda: expect in screen_text(pane), what=what or f"{expect!r} on screen")


async def test_shell_round_trip_size_colours_alternate_screen_title_and_exit(exec_agent: AgentProcess) -> None:
    [alloc_id] = await targets(exec_agent.url, 0)
    app = NomadTuiApp(settings_for(exec_agent.url))
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_exec(pilot, app, alloc_id, "/bin/sh")
        terminal = pane.terminal
        # Echo round trip; quoting is the remote shell's business.
        await run_line(pilot, pane, "echo hel''lo", "\nhello")
        # A mouse drag selects text (it once crashed the app: Textual's selection read our int `scroll_offset`).
        row = terminal.emulator.display().index("hello")
        await drag(pilot, terminal, (0, row), (4, row))
        assert app.is_running and app.screen.get_selected_text() == "hello"

        # The remote's tty has the widget's size, before and after the app is resized.
        cols, rows = terminal.size.width, terminal.size.height
        assert (cols, rows) == (SIZE[0], SIZE[1] - 4)  # tabs (2), status line, footer
        await run_line(pilot, pane, "stty size", f"\n{rows} {cols}")
        await pilot.resize_terminal(120, 36)
        await until(pilot, lambda: terminal.size.width == 120, what="the terminal resized")
        await run_line(pilot, pane, "clear; stty size", f"{terminal.size.height} 120")

        # Colours land in the emulator's cells.
        await run_line(pilot, pane, r"printf '\033[31mRED\033[0m \033[1;38;5;208mORANGE\033[0m\n'", "RED ORANGE")
        lines = terminal.emulator.display()
        y = next(i for i, line in enumerate(lines) if line.startswith("RED ORANGE"))
        assert terminal.emulator.cell(0, y).style.fg == "red"
        orange = terminal.emulator.cell(4, y).style
        assert orange.fg == "#ff8700" and orange.bold

        # less and vi take the alternate screen and give the main screen back on exit.
        await run_line(pilot, pane, "echo MAIN-SCREEN-MARK", "\nMAIN-SCREEN-MARK")
        for program, leave in (("seq 1 500 | less", "q"), ("vi -u NONE -N", ":q!\r")):
            await type_text(pilot, program + "\r")
            await until(
                pilot,
                lambda: terminal.emulator.modes.alternate_screen and "MAIN-SCREEN-MARK" not in screen_text(pane),
                what=f"{program} on the alternate screen",
            )
            await type_text(pilot, leave)
            await until(
                pilot,
                lambda: not terminal.emulator.modes.alternate_screen and "MAIN-SCREEN-MARK" in screen_text(pane),
                what=f"the main screen back after {program}",
            )

        # OSC 52 (clipboard) and title sequences stay inside: the title shows, sanitised, in the tab.
        await run_line(
            pilot,
            pane,
            r"printf '\033]52;c;aGFja2Vk\007\033]2;other-title\033\\\033]0;remote-title\007done\n'",
            "\ndone",
        )
        await run_line(pilot, pane, r"printf '\033]0;remote-title\007ok\n'", "\nok")
        tab = app.screen.query_one("#exec-tabs").get_tab(pane.parent.id)  # type: ignore[attr-defined,union-attr]
        await until(pilot, lambda: "remote-title" in tab.label.plain, what="the title in the tab label")
        assert tab.label.plain.startswith(alloc_id[:8] + "/")
        await pilot.pause()
        output = terminal_output(app)
        assert not [seq for seq in INJECTED if seq in output]
        assert "remote-title" in output

        # Exit code.
        await type_text(pilot, "exit 3\r")
        await until(pilot, lambda: pane.outcome is not None, what="the end of the session")
        assert pane.outcome == Exited(3)
        assert "exited with code 3" in pane.status_text()
        assert not terminal.accepts_input


async def test_priority_keys_reach_the_remote(exec_agent: AgentProcess) -> None:
    [alloc_id] = await targets(exec_agent.url, 1)
    app = NomadTuiApp(settings_for(exec_agent.url))
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_exec(pilot, app, alloc_id, "/bin/sh")
        # Raw input: the exec screen's priority keys (session switching) and detach stay ours.
        await until(pilot, lambda: raw_input.GATE.holder is pane.terminal, what="raw input")
        assert {b"\x1b[5;5~", b"\x1b[6;5~", b"\x1d"} <= set(raw_input.GATE.local_keys)
        await run_line(pilot, pane, "stty -echo -ixon; od -An -tx1", "stty -echo -ixon; od -An -tx1")
        # ctrl+p (the palette's key, bash's history key) and ctrl+q (the app's quit key) go to the remote.
        await pilot.press("ctrl+p", "ctrl+q", "enter", "ctrl+d")
        await until(pilot, lambda: "10 11 0a" in screen_text(pane), what="0x10 0x11 read by od")
        assert app.is_running and isinstance(app.screen, ExecScreen)
        assert not any(isinstance(screen, CommandPalette) for screen in app.screen_stack)
        # Once the session is over, ctrl+p is the palette's again.
        await type_text(pilot, "exit\r")
        await until(pilot, lambda: pane.outcome is not None, what="the end")
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        # ... where, from the dashboard, the sessions can be found.
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ExecScreen), what="the palette closed")
        await pilot.press("escape")  # an ended session lets esc through: back to the dashboard
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await type_text(pilot, "attach exec")
        await until(
            pilot,
            lambda: "Attach exec" in str(app.screen.query_one("CommandList").get_option_at_index(0).prompt),
            what="the hit",
        )  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ExecScreen), what="attached through the palette")


async def test_escape_detach_reattach_drop_reconnect_and_two_sessions(exec_agent: AgentProcess) -> None:
    first_id, second_id = await targets(exec_agent.url, 2, 2)
    control = Control(exec_agent.url)
    app = NomadTuiApp(settings_for(exec_agent.url))
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            pane = await open_exec(pilot, app, first_id, "/bin/sh")
            exec_screen = app.screen
            assert isinstance(exec_screen, ExecScreen)

            # `~~` at a line start sends one `~`; a `~` elsewhere is plain input.
            await run_line(pilot, pane, "echo CAT-START; cat", "\nCAT-START")
            await type_text(pilot, "~~x\ra~.b\r")
            await until(pilot, lambda: screen_text(pane).count("a~.b") == 2, what="a~.b echoed and printed")
            assert screen_text(pane).count("~x") == 2 and "~~x" not in screen_text(pane)
            await pilot.press("ctrl+d")

            # ctrl+] detaches: back on the dashboard, the session goes on.
            await pilot.press("ctrl+right_square_bracket")
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
            assert pane.live and pane.is_attached
            # The hidden terminal gave the keyboard back (a popped screen gets no Blur): typed bytes
            # are the dashboard's keys again, not the remote shell's.
            await until(pilot, lambda: raw_input.GATE.holder is None, what="the raw-input gate released")
            raw_input.deliver(app, raw_input.RawKeys(b"?"))
            await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="? on the dashboard")
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard again")
            # A second session on another allocation, beside the first.
            second = await open_exec(pilot, app, second_id, "/bin/sh")
            assert app.screen is exec_screen and exec_screen.panes == [pane, second]
            await run_line(pilot, second, "echo SECOND-$((6*7))", "SECOND-42")
            # Re-attach to the first from the session list (e on the dashboard).
            await pilot.press("ctrl+right_square_bracket")
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, SessionsScreen), what="the session list")
            await pilot.press("enter")  # the first session is the first entry
            await until(pilot, lambda: app.screen is exec_screen and exec_screen.active_pane is pane, what="attached")
            assert pane.terminal.has_focus
            await run_line(pilot, pane, "echo FIRST-$((6*7))", "FIRST-42")
            # ctrl+pagedown / ctrl+pageup switch between tabs without reaching the remote.
            await pilot.press("ctrl+pagedown")
            await until(pilot, lambda: exec_screen.active_pane is second and second.terminal.has_focus, what="tab 2")
            await pilot.press("ctrl+pageup")
            await until(pilot, lambda: exec_screen.active_pane is pane, what="tab 1")

            # The socket is cut mid-session: "connection lost", and r reconnects (a new session).
            dropped = await control.post("drop", {"path_prefix": f"/v1/client/allocation/{first_id}/exec"})
            assert dropped["dropped_connections"] == 1
            await until(pilot, lambda: pane.outcome is not None, what="the end of the dropped session")
            assert isinstance(pane.outcome, ConnectionLost)
            assert "connection lost" in pane.status_text()
            assert second.live  # the other session is untouched
            await pilot.press("r")
            await until(pilot, lambda: pane.live and pane.session.connected, what="reconnected")  # type: ignore[union-attr]
            assert pane.connections == 2
            await run_line(pilot, pane, "echo AGAIN-$((6*7))", "AGAIN-42")

            # `~.` at a line start closes the session, like the CLI; w closes its tab.
            await type_text(pilot, "~.")
            await until(pilot, lambda: pane.outcome is not None, what="closed by ~.")
            assert pane.outcome == ClosedByUser() and "connection closed" in pane.status_text()
            await pilot.press("w")
            await until(pilot, lambda: exec_screen.panes == [second], what="the tab closed")
            assert exec_screen.active_pane is second
    finally:
        await control.aclose()


async def test_read_only_blocks_exec_and_a_dead_task_shows_the_1008_reason(exec_agent: AgentProcess) -> None:
    [alloc_id] = await targets(exec_agent.url, 4)
    app = NomadTuiApp(settings_for(exec_agent.url, read_only=True))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        await until(pilot, lambda: alloc_id in dashboard.store, what="the allocation")
        assert dashboard.query_one(AllocTable).select_id(alloc_id)
        assert "s" not in dashboard.active_bindings
        await pilot.press("s")
        await pilot.pause()
        assert app.screen is dashboard
        dashboard.action_exec()  # the palette's path: refused too
        await until(pilot, lambda: any("Read-only" in n.message for n in app._notifications), what="the refusal")
        assert app.screen is dashboard

    control = Control(exec_agent.url)
    app = NomadTuiApp(settings_for(exec_agent.url))
    try:
        async with app.run_test(size=SIZE) as pilot:
            dashboard = app.screen
            assert isinstance(dashboard, DashboardScreen)
            await until(pilot, lambda: alloc_id in dashboard.store, what="the allocation")
            assert dashboard.query_one(AllocTable).select_id(alloc_id)
            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, ExecCommandScreen), what="the command prompt")
            # The task dies while the user edits the command.
            await control.post(f"alloc/{alloc_id}/update", {"client_status": "failed"})
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ExecScreen), what="the exec screen")
            pane = app.screen.active_pane  # type: ignore[attr-defined]
            await until(pilot, lambda: pane.outcome is not None, what="the close frame")
            assert isinstance(pane.outcome, ClosedByServer) and pane.outcome.code == 1008
            assert "is not running." in pane.status_text() and "1008" in pane.status_text()
            # The remembered command for this job is the one just used.
            assert app.exec_commands.get(pane.target.namespace, pane.target.job) == app.settings.exec_command

            # Two running tasks: a picker first; the command prompt offers the job's last command.
            await pilot.press("ctrl+right_square_bracket")
            await until(pilot, lambda: app.screen is dashboard, what="the dashboard")
            [two_tasks] = await targets(exec_agent.url, 0, tasks=2)
            assert dashboard.query_one(AllocTable).select_id(two_tasks)
            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, ExecTaskPickerScreen), what="the task picker")
            picker = app.screen
            assert isinstance(picker, ExecTaskPickerScreen) and len(picker.tasks) == 2
            await pilot.press("down", "enter")
            await until(pilot, lambda: isinstance(app.screen, ExecCommandScreen), what="the command prompt")
            app.screen.query_one("#exec-command").value = "/bin/sh -c 'exit 4'"  # type: ignore[attr-defined]
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ExecScreen), what="the exec screen")
            pane = app.screen.active_pane  # type: ignore[attr-defined]
            await until(pilot, lambda: pane.outcome is not None, what="the command's end")
            assert pane.outcome == Exited(4) and pane.target.task == picker.tasks[1]
            assert pane.target.argv == ("/bin/sh", "-c", "exit 4")
            job = (pane.target.namespace, pane.target.job)
            assert app.exec_commands.get(*job) == "/bin/sh -c 'exit 4'"
    finally:
        await control.aclose()


async def test_quitting_with_a_live_session_asks_first(exec_agent: AgentProcess) -> None:
    from nomad_tui.ui.screens.action_dialogs import ConfirmScreen

    [alloc_id] = await targets(exec_agent.url, 0)
    app = NomadTuiApp(settings_for(exec_agent.url))
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_exec(pilot, app, alloc_id, "/bin/sh")
        await pilot.press("ctrl+right_square_bracket")  # detach: the session keeps running
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the quit question")
        assert "1 exec session" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="back on the dashboard")
        assert app.is_running and pane.live
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the quit question again")
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running, what="the app to quit")
