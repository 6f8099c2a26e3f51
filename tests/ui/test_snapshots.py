"""SVG snapshots of the dashboard (fixed seed, fixed clock, fixed size).  Update with --snapshot-update."""

from __future__ import annotations

from typing import Any

from conftest import FIXED_START, settings_for, until

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.action_dialogs import ConfirmScreen
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable
from nomad_tui.ui.widgets.detail import DetailPanel

FIXED_NS = int(FIXED_START * 1e9)
SHOWN_ADDRESS = "http://127.0.0.1:4646"  # the agent's real port changes on every run


def frozen_app(agent: AgentProcess) -> NomadTuiApp:
    return NomadTuiApp(settings_for(agent.url), clock_ns=lambda: FIXED_NS, monotonic=lambda: 1000.0)


async def settled(pilot: Any) -> None:
    """Wait for the full list and the first allocation's details; pin the address shown."""
    app = pilot.app
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    await until(pilot, lambda: len(screen.store) == 24 and screen.list_watcher.task_states, what="the list")
    await until(
        pilot,
        lambda: all(r.tasks for r in map(screen.store.row, screen.store.stubs) if r.status == "running"),
        what="task states",
    )
    detail = screen.query_one(DetailPanel)
    table = screen.query_one(AllocTable)
    await until(pilot, lambda: detail.alloc is not None and detail.alloc.id == table.cursor_id, what="the detail")
    # resource usage of the rows on screen (the agent's clock is fixed, so the values are too)
    stats = screen.stats
    await until(pilot, lambda: stats is None or (bool(stats.wanted) and stats.wanted <= set(screen.usage.latest)))
    screen.status_bar.address = SHOWN_ADDRESS
    screen.status_bar.refresh()
    await pilot.pause()


def test_dashboard_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    assert snap_compare(frozen_app(agent), terminal_size=(130, 36), run_before=settled)


def test_small_terminal_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    """60x20 still shows the list, the status and the detail, with lower-priority columns dropped."""
    assert snap_compare(frozen_app(agent), terminal_size=(60, 20), run_before=settled)


def test_stop_confirmation_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    async def confirm(pilot: Any) -> None:
        await settled(pilot)
        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), what="the confirmation")
        await pilot.pause()

    assert snap_compare(frozen_app(agent), terminal_size=(130, 36), run_before=confirm)


async def _open_view(pilot: Any, command: str, select: str | None = None, wait_for: str = "Placement failure") -> None:
    from nomad_tui.ui.screens.resources import ResourceScreen
    from nomad_tui.ui.widgets.resource_table import ResourceTable

    await settled(pilot)
    await pilot.press("colon", *command, "enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, ResourceScreen) and pilot.app.screen.loaded, what="view")
    screen = pilot.app.screen
    if select is not None:
        assert screen.query_one(ResourceTable).select_id(select)
    await until(pilot, lambda: wait_for in str(screen.query_one("#resource-detail-text").render()))
    await pilot.pause()


def test_jobs_view_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    """The jobs view on the job that cannot be placed, with its placement story."""

    async def jobs(pilot: Any) -> None:
        await _open_view(pilot, "jobs", "data\x00gpu-train")

    assert snap_compare(frozen_app(agent), terminal_size=(130, 36), run_before=jobs)


def test_nodes_view_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    async def nodes(pilot: Any) -> None:
        await _open_view(pilot, "nodes", wait_for="Allocated to")
        items = pilot.app.screen.store.items  # every row's allocated CPU/memory read
        await until(pilot, lambda: all(e.allocated is not None for e in items.values()), what="allocated")
        await pilot.pause()

    assert snap_compare(frozen_app(agent), terminal_size=(130, 36), run_before=nodes)


def test_raw_view_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    from nomad_tui.ui.screens.raw import RawScreen

    async def raw(pilot: Any) -> None:
        await settled(pilot)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(pilot.app.screen, RawScreen) and bool(pilot.app.screen.lines))
        await pilot.press("slash", *"clientstatus", "enter")
        await pilot.pause()

    assert snap_compare(frozen_app(agent), terminal_size=(100, 30), run_before=raw)


def _select_job(pilot: Any, job: str) -> str:
    screen = pilot.app.screen
    alloc_id = next(s.id for s in screen.store if s.job_id == job and s.client_status == "running")
    assert screen.query_one(AllocTable).select_id(alloc_id)
    return alloc_id


def test_file_browser_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    """`f`: the allocation directory (the agent fixes file times to its simulated clock)."""
    from nomad_tui.ui.screens.files import FileBrowserScreen

    async def browse(pilot: Any) -> None:
        await settled(pilot)
        _select_job(pilot, "api")
        await pilot.press("f")
        await until(pilot, lambda: isinstance(pilot.app.screen, FileBrowserScreen), what="the browser")
        browser = pilot.app.screen
        await until(pilot, lambda: len(browser.entries) == 3, what="the allocation directory")
        await pilot.press("down", "enter")
        await until(pilot, lambda: browser.path == "/app" and len(browser.entries) == 3, what="the task directory")
        await pilot.pause()

    assert snap_compare(frozen_app(agent), terminal_size=(100, 20), run_before=browse)


def test_job_tail_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    """`L` on a one-allocation job, stderr (which the agent does not grow while followed)."""
    import httpx

    from nomad_tui.ui.screens.job_tail import JobTailScreen

    body = {"job": "solo", "group": "g", "tasks": ["main"], "count": 1}
    httpx.post(f"{agent.url}/v1/devagent/allocs", json=body, timeout=10).raise_for_status()

    async def tail(pilot: Any) -> None:
        screen = pilot.app.screen
        await until(pilot, lambda: len(screen.store) == 25, what="the list")
        _select_job(pilot, "solo")
        await pilot.press("L")
        await until(pilot, lambda: isinstance(pilot.app.screen, JobTailScreen), what="the tail")
        screen = pilot.app.screen
        await until(pilot, lambda: len(screen.members) == 1 and len(screen.buffer) > 0, what="stdout")
        await pilot.press("e")
        await until(
            pilot,
            lambda: (
                screen.kind == "stderr"
                and len(screen.buffer) == 10
                and all(s == "streaming" for s in screen.stream_states.values())
            ),
            what="the stderr lines",
        )
        await pilot.pause(0.3)

    assert snap_compare(frozen_app(agent), terminal_size=(110, 18), run_before=tail)


def test_activity_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    """V after two changes on the agent: newest first, the failure with its last event's message."""
    import httpx

    from nomad_tui.ui.screens.activity import ActivityScreen

    async def activity(pilot: Any) -> None:
        await settled(pilot)
        screen = pilot.app.screen
        running = [s for s in screen.store.stubs.values() if s.client_status == "running"][:2]
        async with httpx.AsyncClient(base_url=agent.url) as http:
            await http.post(
                f"/v1/devagent/alloc/{running[0].id}/update",
                json={"client_status": "failed", "event": {"type": "Driver Failure", "message": "image pull failed"}},
            )
            await http.post(f"/v1/devagent/alloc/{running[1].id}/update", json={"client_status": "complete"})
        await until(pilot, lambda: len(screen.activity) == 2, what="feed")
        await pilot.press("V")
        await until(pilot, lambda: isinstance(pilot.app.screen, ActivityScreen), what="the activity screen")
        # the reason is read while the activity is on show
        await until(pilot, lambda: any(e.detail for e in screen.activity), what="the failure's reason")
        await until(
            pilot,
            lambda: "image pull failed" in str(list(pilot.app.screen.query_one("#activity").get_column_at(4))),
            what="the reason shown",
        )
        await pilot.pause()

    assert snap_compare(frozen_app(agent), terminal_size=(110, 20), run_before=activity)


def test_dashboard_80x24_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    """The common small terminal: the list, the status bar, the detail and the footer all fit."""
    assert snap_compare(frozen_app(agent), terminal_size=(80, 24), run_before=settled)


def test_help_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    """`?` on the list: every key by context, built from the action table."""
    from nomad_tui.ui.screens.help import HelpScreen

    async def help_screen(pilot: Any) -> None:
        await settled(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), what="the help")
        await pilot.pause()

    assert snap_compare(frozen_app(agent), terminal_size=(130, 36), run_before=help_screen)


def _running_ids(pilot: Any, count: int, *, job: str | None = None) -> list[str]:
    """The first `count` running allocations (of `job`), by ID: the same ones on every run."""
    store = pilot.app.screen.store
    found = sorted(s.id for s in store if s.client_status == "running" and job in (None, s.job_id))
    assert found
    return found[:count]


def test_signal_picker_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    from nomad_tui.ui.screens.action_dialogs import SignalPickerScreen

    async def signal(pilot: Any) -> None:
        await settled(pilot)
        assert pilot.app.screen.query_one(AllocTable).select_id(_running_ids(pilot, 1)[0])
        await pilot.press("x")
        await until(pilot, lambda: isinstance(pilot.app.screen, SignalPickerScreen), what="the signal picker")
        await pilot.press("down", "down", "down")
        await pilot.pause()

    assert snap_compare(frozen_app(agent), terminal_size=(100, 30), run_before=signal)


def test_task_picker_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    """`r` on an allocation of several tasks: all tasks, or one running task."""
    from nomad_tui.ui.screens.action_dialogs import TaskPickerScreen

    async def pick(pilot: Any) -> None:
        await settled(pilot)
        assert pilot.app.screen.query_one(AllocTable).select_id(_running_ids(pilot, 1, job="api")[0])
        await pilot.press("r")
        await until(pilot, lambda: isinstance(pilot.app.screen, TaskPickerScreen), what="the task picker")
        await pilot.pause()

    assert snap_compare(frozen_app(agent), terminal_size=(100, 30), run_before=pick)


async def _bulk_restart(pilot: Any) -> None:
    """Mark three running allocations, `r`, all tasks: the bulk confirmation opens."""
    await settled(pilot)
    table = pilot.app.screen.query_one(AllocTable)
    for alloc_id in _running_ids(pilot, 3):
        assert table.select_id(alloc_id)
        await pilot.press("space")
    await pilot.press("r")
    from nomad_tui.ui.screens.action_dialogs import TaskPickerScreen

    await until(pilot, lambda: isinstance(pilot.app.screen, TaskPickerScreen), what="the task picker")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), what="the confirmation")
    await pilot.pause()


def test_bulk_confirmation_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    assert snap_compare(frozen_app(agent), terminal_size=(110, 30), run_before=_bulk_restart)


def test_bulk_results_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    """The report after a bulk restart: one row per allocation, each with its outcome."""
    from nomad_tui.ui.screens.action_dialogs import ResultsScreen

    async def results(pilot: Any) -> None:
        await _bulk_restart(pilot)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(pilot.app.screen, ResultsScreen), what="the results")
        await pilot.pause()
        # The restarts reach the list under the report: its Restarts column appears (it said nothing
        # while every row said 0).
        store = pilot.app.screen_stack[-2].store
        await until(
            pilot, lambda: sum(1 for s in store.stubs.values() if store.row(s.id).restarts) == 3, what="restarts"
        )
        await pilot.pause()

    assert snap_compare(frozen_app(agent), terminal_size=(110, 30), run_before=results)


def test_logs_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    """`l`, then stderr (a simulated task's stderr does not grow while followed), and a search."""
    from nomad_tui.ui.screens.logs import LogsScreen

    async def logs(pilot: Any) -> None:
        await settled(pilot)
        assert pilot.app.screen.query_one(AllocTable).select_id(_running_ids(pilot, 1, job="api")[0])
        await pilot.press("l")
        await until(pilot, lambda: isinstance(pilot.app.screen, LogsScreen), what="the logs")
        screen = pilot.app.screen
        await until(pilot, lambda: len(screen.buffer) > 0, what="stdout")
        await pilot.press("e")
        await until(
            pilot,
            lambda: screen.kind == "stderr" and len(screen.buffer) == 10 and screen.state_text == "streaming",
            what="the stderr lines",
        )
        await pilot.press("slash", *"retrying", "enter")
        await until(pilot, lambda: screen.view.search == "retrying", what="the search")
        await pilot.pause(0.3)

    assert snap_compare(frozen_app(agent), terminal_size=(110, 24), run_before=logs)


def test_exec_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    """`s`: an exec tab on a one-task allocation, running a command whose output is fixed."""
    from textual import events

    from nomad_tui.ui.screens.exec import ExecScreen
    from nomad_tui.ui.screens.exec_dialogs import ExecCommandScreen

    async def exec_tab(pilot: Any) -> None:
        await settled(pilot)
        app = pilot.app
        store = app.screen.store
        single = [a for a in _running_ids(pilot, 24) if len(store.row(a).task_names) == 1]
        assert app.screen.query_one(AllocTable).select_id(single[0])
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, ExecCommandScreen), what="the command prompt")
        app.screen.query_one("#exec-command").value = "/bin/sh -c \"printf '\\033[32mready\\033[0m\\n'; exec cat\""
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ExecScreen), what="the exec screen")
        pane = app.screen.active_pane
        assert pane is not None
        await until(pilot, lambda: pane.session is not None and pane.session.connected, what="connected")
        await until(pilot, lambda: "ready" in "\n".join(pane.terminal.emulator.display()), what="the output")
        pane.terminal.post_message(events.Paste("echoed by cat"))
        await pilot.press("enter")
        await until(pilot, lambda: "\n".join(pane.terminal.emulator.display()).count("echoed by cat") == 2)
        await pilot.pause(0.3)

    assert snap_compare(frozen_app(agent), terminal_size=(100, 24), run_before=exec_tab)
