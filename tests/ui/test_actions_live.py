"""Lifecycle actions from the keyboard, checked on the agent's side: effects, denials, no stray requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import ACL_ARGS, FIXED_START, MGMT_TOKEN, READ_TOKEN, Control, poll, settings_for, until
from textual.widgets._footer import FooterKey

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.action_dialogs import (
    ConfirmScreen,
    ResultsScreen,
    SignalPickerScreen,
    TaskPickerScreen,
)
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable

SIZE = (140, 40)


def notices(app: NomadTuiApp) -> list[str]:
    return [n.message for n in app._notifications]


async def ready(pilot: Any, app: NomadTuiApp, alloc_id: str) -> DashboardScreen:
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    table = screen.query_one(AllocTable)
    await until(pilot, lambda: alloc_id in screen.store, what="the allocation in the list")
    assert table.select_id(alloc_id)
    await pilot.pause()
    return screen


async def running(control: Control, job: str | None = None, count: int = 1) -> list[dict[str, Any]]:
    found = [
        a
        for a in await control.allocs()
        if a["ClientStatus"] == "running" and a["DesiredStatus"] == "run" and (job is None or a["JobID"] == job)
    ]
    assert len(found) >= count, f"need {count} running allocations of {job}"
    return found[:count]


def mutating(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in requests if r["method"] in ("PUT", "POST")]


async def test_stop_asks_first_with_cancel_focused_then_stops(agent: AgentProcess, control: Control) -> None:
    [target] = await running(control)
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot, app, target["ID"])
        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        assert app.focused is not None and app.focused.id == "cancel"
        shown = str(app.screen.query_one("#confirm-targets").render())
        assert target["ID"][:8] in shown and target["JobID"] in shown and target["TaskGroup"] in shown
        assert not mutating(await control.requests())  # nothing sent before confirming
        await pilot.press("y")
        await until(pilot, lambda: any("stop requested (evaluation" in n for n in notices(app)), what="result")

    async def completed() -> bool:
        alloc = await control.alloc(target["ID"])
        return alloc["DesiredStatus"] == "stop" and alloc["ClientStatus"] == "complete"

    await poll(completed, what="the agent to complete the stop")


@pytest.mark.parametrize("cancel_key", ["n", "escape"])
async def test_cancel_sends_no_request(agent: AgentProcess, control: Control, cancel_key: str) -> None:
    [target] = await running(control)
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app, target["ID"])
        await control.clear_requests()
        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        await pilot.press(cancel_key)
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dialog to close")
    assert not mutating(await control.requests())
    assert (await control.alloc(target["ID"]))["DesiredStatus"] == "run"


async def test_signal_reaches_the_real_process(start_agent: Callable[..., AgentProcess]) -> None:
    agent = start_agent("--allocs", "6", "--seed", "3", "--churn", "0", "--start-time", str(FIXED_START))
    control = Control(agent.url)
    try:
        [target] = await until_running(control, "worker")
        app = NomadTuiApp(settings_for(agent.url))
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await ready(pilot, app, target["ID"])
            await pilot.press("x")
            await until(pilot, lambda: isinstance(app.screen, SignalPickerScreen), what="the signal picker")
            await pilot.press("down", "down", "down", "enter")  # SIGHUP, SIGINT, SIGTERM, [SIGUSR1]
            # One task (logger): no "all tasks / task logger" question; the confirmation names the task.
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
            confirm = str(app.screen.query_one("#confirm-targets").render())
            assert "signal SIGUSR1" in confirm and "task logger" in confirm
            await pilot.press("y")
            await until(pilot, lambda: any("SIGUSR1 sent to task logger" in n for n in notices(app)), what="result")
        alloc = await control.alloc(target["ID"])
        events = alloc["TaskStates"]["logger"]["Events"]
        signaling = [e for e in events if e["Type"] == "Signaling"]
        assert signaling and signaling[-1]["Details"]["signal"] == "SIGUSR1"

        async def process_saw_it() -> bool:
            response = await control.http.get(
                f"/v1/client/fs/logs/{target['ID']}", params={"task": "logger", "type": "stdout", "plain": "true"}
            )
            return "logger: got SIGUSR1" in response.text

        await poll(process_saw_it, what="the process to log the signal")
    finally:
        await control.aclose()


async def until_running(control: Control, job: str) -> list[dict[str, Any]]:
    """Real-process allocations start pending; wait (on the agent's own state) until one runs."""
    found: list[dict[str, Any]] = []

    async def started() -> bool:
        found[:] = [a for a in await control.allocs() if a["JobID"] == job and a["ClientStatus"] == "running"]
        return bool(found)

    await poll(started, what=f"a running {job} allocation")
    return found[:1]


async def test_restart_counts_up(agent: AgentProcess, control: Control) -> None:
    [target] = await running(control, job="api")
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot, app, target["ID"])
        before = {name: s["Restarts"] for name, s in (await control.alloc(target["ID"]))["TaskStates"].items()}
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, TaskPickerScreen), what="the task picker")
        await pilot.press("enter")  # all tasks
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: any("restarting all tasks" in n for n in notices(app)), what="result")

        async def counted() -> bool:
            states = (await control.alloc(target["ID"]))["TaskStates"]
            return all(states[name]["Restarts"] == before[name] + 1 for name in before)

        await until(pilot, counted, what="Restarts to go up")


async def test_bulk_restart_of_three_marked_allocations(agent: AgentProcess, control: Control) -> None:
    targets = await running(control, count=3)
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot, app, targets[0]["ID"])
        table = screen.query_one(AllocTable)
        for target in targets:
            assert table.select_id(target["ID"])
            await pilot.press("space")
        assert table.marks == {t["ID"] for t in targets}
        await pilot.press("slash", *"zzz-no-match", "enter")  # marks survive filtering...
        await pilot.press("escape")
        assert table.marks == {t["ID"] for t in targets}
        before = {t["ID"]: (await control.alloc(t["ID"]))["TaskStates"] for t in targets}
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, TaskPickerScreen), what="the task picker")
        await pilot.press("down", "enter")  # all tasks, [running tasks]
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        listed = str(app.screen.query_one("#confirm-targets").render())
        assert all(t["ID"][:8] in listed for t in targets)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ResultsScreen), what="the result summary")
        results = app.screen.query_one("#results")
        assert results.row_count == 3  # type: ignore[attr-defined]
        assert all("✓" in str(results.get_row_at(i)[2]) for i in range(3))  # type: ignore[attr-defined]
        await pilot.press("enter")  # as the dialog's hint says
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="enter to close the results")

    async def all_counted() -> bool:
        for target in targets:
            states = (await control.alloc(target["ID"]))["TaskStates"]
            if not all(states[n]["Restarts"] == before[target["ID"]][n]["Restarts"] + 1 for n in states):
                return False
        return True

    await poll(all_counted, what="every marked allocation to restart")


async def test_read_token_gets_a_denial_it_can_act_on(start_agent: Callable[..., AgentProcess]) -> None:
    agent = start_agent(
        "--allocs",
        "12",
        "--seed",
        "7",
        "--churn",
        "0",
        "--no-processes",
        *ACL_ARGS,
    )
    control = Control(agent.url, token=MGMT_TOKEN)
    try:
        [target] = await running(control)
        app = NomadTuiApp(settings_for(agent.url, token=READ_TOKEN))
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await ready(pilot, app, target["ID"])
            await pilot.press("ctrl+d")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
            await pilot.press("y")
            expected = f"permission denied: the token lacks alloc-lifecycle in namespace {target['Namespace']}"
            await until(pilot, lambda: any(expected in n for n in notices(app)), what="the denial")
            assert not any(READ_TOKEN in n for n in notices(app))
        alloc = await control.alloc(target["ID"])
        assert alloc["DesiredStatus"] == "run" and not (alloc.get("DesiredTransition") or {}).get("Migrate")
    finally:
        await control.aclose()


async def test_read_only_mode_hides_and_blocks(agent: AgentProcess, control: Control) -> None:
    [target] = await running(control)
    app = NomadTuiApp(settings_for(agent.url, read_only=True))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot, app, target["ID"])
        await control.clear_requests()
        for key in ("ctrl+d", "r", "x"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)
        enabled = {ab.binding.action for ab in screen.active_bindings.values() if ab.enabled}
        assert not {"stop", "restart", "signal"} & enabled
        footer = {key.description for key in screen.query(FooterKey)}
        assert "Filter" in footer and not {"Stop", "Restart", "Signal"} & footer
        assert "read-only" in screen.status_bar.text().plain
        assert not mutating(await control.requests())
        # A blocked key says why; read-only chosen at start is final: the palette does not offer to leave it.
        assert any("Read-only mode" in n.message for n in app._notifications)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"toggle read-only")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        screen.action_toggle_read_only()
        await until(
            pilot, lambda: any("stays on until nomad-tui exits" in n.message for n in app._notifications), what="why"
        )
        assert screen.read_only


async def test_terminal_allocation_is_refused_locally(agent: AgentProcess, control: Control) -> None:
    terminal = next(a for a in await control.allocs() if a["ClientStatus"] in ("complete", "failed"))
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot, app, terminal["ID"])
        await control.clear_requests()
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, SignalPickerScreen), what="the signal picker")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TaskPickerScreen), what="the task picker")
        await pilot.press("enter")
        await until(pilot, lambda: any("Nothing to signal" in n for n in notices(app)), what="the refusal")
        assert any(terminal["ClientStatus"] in n for n in notices(app))
    assert not mutating(await control.requests())
