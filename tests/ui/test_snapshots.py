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


async def _open_view(pilot: Any, command: str, select: str | None = None) -> None:
    from nomad_tui.ui.screens.resources import ResourceScreen
    from nomad_tui.ui.widgets.resource_table import ResourceTable

    await settled(pilot)
    await pilot.press("colon", *command, "enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, ResourceScreen) and pilot.app.screen.loaded, what="view")
    screen = pilot.app.screen
    if select is not None:
        assert screen.query_one(ResourceTable).select_key(select)
        await until(pilot, lambda: "Placement failure" in str(screen.query_one("#resource-detail-text").render()))
    await pilot.pause()


def test_jobs_view_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    """The jobs view on the job that cannot be placed, with its placement story."""

    async def jobs(pilot: Any) -> None:
        await _open_view(pilot, "jobs", "data\x00gpu-train")

    assert snap_compare(frozen_app(agent), terminal_size=(130, 36), run_before=jobs)


def test_nodes_view_snapshot(agent: AgentProcess, snap_compare: Any) -> None:
    async def nodes(pilot: Any) -> None:
        await _open_view(pilot, "nodes")

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
