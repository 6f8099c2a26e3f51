"""The dashboard against a real dev agent: it fills, follows changes by itself, and keeps the cursor."""

from __future__ import annotations

from typing import Any

from conftest import Control, first_palette_hit, settings_for, until

from nomad_tui.devagent.launcher import AgentProcess
from nomad_tui.ui.app import NomadTuiApp
from nomad_tui.ui.screens.dashboard import DashboardScreen
from nomad_tui.ui.widgets.alloc_table import AllocTable
from nomad_tui.ui.widgets.detail import DetailPanel

SIZE = (140, 40)


def screen_of(app: NomadTuiApp) -> DashboardScreen:
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


def table_lines(app: NomadTuiApp) -> list[str]:
    table = app.screen.query_one(AllocTable)
    return [table.render_line(y).text for y in range(table.size.height)]


def line_of(app: NomadTuiApp, alloc_id: str) -> str | None:
    for line in table_lines(app)[1:]:
        if alloc_id[:8] in line:
            return line
    return None


async def select_with_detail(pilot: Any, screen: DashboardScreen, alloc_id: str) -> DetailPanel:
    """Put the cursor on `alloc_id` and wait until the detail panes show it."""
    table = screen.query_one(AllocTable)
    await until(pilot, lambda: table.select_id(alloc_id), what="the target row")
    detail = screen.query_one(DetailPanel)
    await until(pilot, lambda: detail.alloc is not None and detail.alloc.id == alloc_id, what="its detail")
    return detail


async def first_running(control: Control, **match: str) -> dict[str, Any]:
    for stub in await control.allocs():
        running = stub["ClientStatus"] == "running" and stub["DesiredStatus"] == "run"
        if running and all(stub.get(k) == v for k, v in match.items()):
            return stub
    raise AssertionError("no running allocation in the agent")


async def test_list_fills_with_every_allocation(agent: AgentProcess, control: Control) -> None:
    expected = {a["ID"] for a in await control.allocs()}
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        await until(pilot, lambda: len(screen.store) == len(expected), what="the list to fill")
        assert set(screen.store.stubs) == expected
        lines = table_lines(app)
        assert lines[0].split()[:3] == ["ID", "Namespace", "Job"]  # several namespaces in view
        visible = [line for line in lines[1:] if line.strip()]
        assert len(visible) == min(len(expected), app.screen.query_one(AllocTable).size.height - 1)
        # The list can fill before the event stream is up (a loaded machine): wait for it, do not race it.
        await until(pilot, lambda: "live" in screen.status_bar.text().plain, what="the live state")


async def test_stop_through_the_api_shows_without_a_key(agent: AgentProcess, control: Control) -> None:
    target = await first_running(control)
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        await until(pilot, lambda: target["ID"] in screen.store, what="the target to appear")
        assert screen.query_one(AllocTable).select_id(target["ID"])  # on screen, whatever the list length
        response = await control.http.put(f"/v1/allocation/{target['ID']}/stop")
        assert response.status_code == 200

        def shows_complete() -> bool:
            line = line_of(app, target["ID"])
            return line is not None and " stop " in line and " complete " in line

        await until(pilot, shows_complete, what="the stopped allocation to show complete")


async def test_detail_panes_follow_the_selected_allocation(agent: AgentProcess, control: Control) -> None:
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        await until(pilot, lambda: len(screen.store) > 0, what="the list")
        target = await first_running(control)
        detail = await select_with_detail(pilot, screen, target["ID"])
        before = detail.alloc.modify_index  # type: ignore[union-attr]
        task = next(iter((await control.alloc(target["ID"]))["TaskStates"]))
        response = await control.http.post(
            f"/v1/client/allocation/{target['ID']}/signal", json={"Signal": "SIGHUP", "Task": task}
        )
        assert response.status_code == 200

        def has_signal_event() -> bool:
            alloc = detail.alloc
            return (
                alloc is not None
                and alloc.modify_index > before
                and any(e.type == "Signaling" for s in (alloc.task_states or {}).values() for e in s.events or [])
            )

        await until(pilot, has_signal_event, what="the Signaling event in the detail")
        events = screen.query_one("#detail-events")
        assert events.row_count == 0  # type: ignore[attr-defined]  # a tab not on show is not filled...
        await pilot.press("3")  # ...until it is opened
        await until(
            pilot,
            lambda: any("Signaling" in str(events.get_row_at(i)[2]) for i in range(events.row_count)),  # type: ignore[attr-defined]
            what="the Signaling event in the Events tab",
        )


async def test_garbage_collected_allocation_leaves_the_detail_and_the_actions(
    agent: AgentProcess, control: Control
) -> None:
    """When the cursor's allocation is garbage-collected the cursor moves to a neighbour, and the detail pane
    (and so what ctrl+d, l, s act on) goes with it: the vanished one never stays on show as if selected."""
    from nomad_tui.ui.screens.action_dialogs import ConfirmScreen

    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = screen_of(app)
        table = screen.query_one(AllocTable)
        await until(pilot, lambda: len(screen.store) > 0, what="the list")
        target = await first_running(control)
        detail = await select_with_detail(pilot, screen, target["ID"])
        await control.post(f"alloc/{target['ID']}/gc")
        await until(pilot, lambda: target["ID"] not in screen.store, what="the row to vanish")
        assert line_of(app, target["ID"]) is None
        now_on = table.cursor_id
        assert now_on is not None and now_on != target["ID"]
        await until(
            pilot,
            lambda: detail.alloc is not None and detail.alloc.id == now_on and not detail.gone,
            what="the detail pane to follow the cursor",
        )
        assert target["ID"][:8] not in str(screen.query_one("#detail-summary").render())
        notices = [n.message for n in app._notifications]
        assert any(f"{target['ID'][:8]} no longer exists" in n and now_on[:8] in n for n in notices)
        await pilot.press("ctrl+d")  # acts on the allocation the detail pane shows
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        shown = str(app.screen.query_one("#confirm-targets").render())
        assert now_on[:8] in shown and target["ID"][:8] not in shown
        await pilot.press("n")


async def test_filter(agent: AgentProcess, control: Control) -> None:
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        await until(pilot, lambda: len(screen.store) > 0, what="the list")
        await pilot.press("slash", *"status:run", "enter")
        await until(pilot, lambda: screen.view.filter.text == "status:run", what="the filter")
        assert 0 < len(screen.view) < len(screen.store)
        rows = [line for line in table_lines(app)[1:] if line.strip()]
        assert rows and all(" running " in line for line in rows)
        await pilot.press("escape")  # clears the filter
        await until(pilot, lambda: len(screen.view) == len(screen.store), what="the filter to clear")


async def test_namespace_switch_is_live(agent: AgentProcess, control: Control) -> None:
    everything = await control.allocs()
    namespaces = sorted({a["Namespace"] for a in everything})
    assert len(namespaces) > 1
    chosen = namespaces[-1]
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        await until(pilot, lambda: len(screen.store) == len(everything), what="every namespace")
        await pilot.press("colon", *f"ns {chosen}", "enter")
        expected = {a["ID"] for a in everything if a["Namespace"] == chosen}
        await until(pilot, lambda: set(screen.store.stubs) == expected, what=f"namespace {chosen}")
        assert f"ns {chosen}" in screen.status_bar.text().plain
        await pilot.press("colon", *"ns *", "enter")
        await until(pilot, lambda: len(screen.store) == len(everything), what="back to every namespace")


async def test_cursor_stays_on_its_allocation_while_rows_come_and_go(agent: AgentProcess, control: Control) -> None:
    # Nomad sends no event for a GC: rows vanish at the next reconciliation, made frequent here.
    app = NomadTuiApp(settings_for(agent.url), feed_options={"reconcile_min": 0.5})
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        table = screen.query_one(AllocTable)
        await until(pilot, lambda: len(screen.store) > 10, what="the list")
        # Newest first: rows above the cursor are newer allocations.
        await pilot.press("j", "j", "j", "j", "j")
        chosen, line_on_screen = table.cursor_id, table.cursor_position - int(table.scroll_y)
        above = [screen.view.id_at(i) for i in range(2)]
        await control.post("allocs", {"namespace": "default", "job": "newcomer", "count": 3})
        await until(
            pilot,
            lambda: any(r.job == "newcomer" for r in map(screen.store.row, screen.store.stubs)),
            what="new allocations",
        )
        assert table.cursor_id == chosen
        assert table.cursor_position - int(table.scroll_y) == line_on_screen
        for alloc_id in above:
            await control.post(f"alloc/{alloc_id}/gc")
        await until(pilot, lambda: all(a not in screen.store for a in above), what="rows above to vanish")
        assert table.cursor_id == chosen
        assert table.cursor_position == screen.view.position_of(chosen)
        cursor_line = table_lines(app)[table.cursor_position - int(table.scroll_y) + 1]
        assert chosen is not None and chosen[:8] in cursor_line


async def test_command_palette_jumps_to_an_allocation_and_switches_namespace(
    agent: AgentProcess, control: Control
) -> None:
    everything = await control.allocs()
    target = everything[len(everything) // 2]
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        table = screen.query_one(AllocTable)
        await until(pilot, lambda: len(screen.store) == len(everything), what="the list")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*target["ID"][:6])
        await until(pilot, lambda: "Go to allocation" in first_palette_hit(app), what="the allocation hit")
        await pilot.press("enter")
        await until(pilot, lambda: table.cursor_id == target["ID"], what="the jump")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*f"switch namespace: {target['Namespace']}")
        await until(pilot, lambda: target["Namespace"] in first_palette_hit(app), what="the namespace hit")
        await pilot.press("enter")
        await until(pilot, lambda: screen.namespace == target["Namespace"], what="the namespace switch")
        expected = {a["ID"] for a in everything if a["Namespace"] == target["Namespace"]}
        await until(pilot, lambda: set(screen.store.stubs) == expected, what="that namespace's allocations")


async def test_config_file_keymap_remaps_actions(agent: AgentProcess, control: Control) -> None:
    from nomad_tui.ui.screens.action_dialogs import ConfirmScreen

    app = NomadTuiApp(settings_for(agent.url, keymap={"stop": "ctrl+x", "quit": "Q"}))
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        await until(pilot, lambda: len(screen.store) > 0, what="the list")
        await pilot.press("q")  # no longer quits
        assert app.is_running
        await pilot.press("ctrl+d")  # no longer stops
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("ctrl+x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="stop on its new key")
        await pilot.press("n")


async def test_the_palette_offers_no_textual_key_panel_and_quit_is_ours(agent: AgentProcess) -> None:
    """Textual's "Keys" panel lists Textual's bindings, not ours (`?` is the help); its "Quit" runs our
    quit, which asks first while exec sessions run."""
    app = NomadTuiApp(settings_for(agent.url))
    async with app.run_test(size=SIZE):
        commands = list(app.get_system_commands(app.screen))
        titles = [command.title for command in commands]
        assert "Keys" not in titles and "Maximize" not in titles
        assert "Quit" in titles and "Theme" in titles
        quit_command = next(command for command in commands if command.title == "Quit")
        assert getattr(quit_command.callback, "__func__", None) is NomadTuiApp.action_quit
